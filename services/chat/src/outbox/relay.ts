/**
 * Outbox relay: moves committed outbox rows to JetStream.
 *
 * Guarantees
 * - Nothing committed is lost: a row is deleted only in the transaction that saw JetStream
 *   acknowledge it; a crash before that leaves it for the next run (here or on a replica).
 * - Rows leave in batches (publications.ts): the rows a run publishes share JetStream messages.
 * - Re-publishing is harmless: each message carries a Nats-Msg-Id (a lone event's eventId, a
 *   batch's digest of its eventIds), so the same message again inside the stream's duplicate
 *   window is dropped by JetStream; rows regrouped after a crash repeat events, which gateways
 *   drop by seq / eid.
 * - Per-room order: rows of one room are inserted under that room's row lock, so id order is
 *   seq order; one relay at a time (an advisory xact lock on PostgreSQL; PGlite serves one
 *   process) publishes in id order on one connection, which JetStream keeps.
 * Failure cases: NATS down -> publish fails, the transaction rolls back, the relay retries
 * with backoff; another replica holding the lock -> retry shortly.
 *
 * On PGlite (one process owns the database) sends hand their committed rows over, and the
 * relay publishes them from memory instead of reading them back, and deletes published rows
 * in batches (every DELETE_BATCH rows or DELETE_MS): reading and deleting cost two PGlite
 * round trips per message, more than the send itself. A crash before such a delete leaves
 * rows that are published again at the next start, grouped as the read finds them: the
 * stream may then hold their events twice, and gateways drop the repeats by seq / eid. Rows
 * written by anything else (joins, reads, dms) are found by reading the table, as on
 * PostgreSQL; a read always comes first when one is due, so rows still leave in id
 * (= commit) order.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@chat/logging';
import { createEventRate } from '@chat/runtime';
import type { Database } from '../db/database.ts';
import type { OutboxRow } from './outbox.ts';
import { publications } from './publications.ts';

const RELAY_LOCK = 727_002;
const BATCH = 500;
const POLL_MS = 1000;
/** A kick waits this long before the relay reads, so a busy second's commits share batches. */
const COALESCE_MS = 2;
/**
 * Under load, handed-over rows wait longer, so fewer and larger batches cross JetStream and
 * broadcast: each batch costs a publish, its ack, a pull delivery, broadcast's fan-out publish
 * and its ack, whatever its size. S4 on PGlite (rooms of 2) at a fixed 1,500 msg/s used 464-508
 * us of CPU per message with 8 ms against 505-567 with 2 ms, at a lower ack p99 (23-42 against
 * 43-51 ms; two runs each, alternating). A quiet relay keeps the short wait: at S1's 200
 * msg/s, 8 ms would add itself to every delivery. "Busy" is more than BUSY_EVENTS_PER_SEC
 * handed over.
 */
const BUSY_COALESCE_MS = 8;
const BUSY_EVENTS_PER_SEC = 1000;
const DELETE_BATCH = 256;
const DELETE_MS = 50;

export interface OutboxRelay {
  /** Asks for a relay run that reads the table soon; cheap to call after every commit. */
  kick(): void;
  /** Committed rows, in commit order (PGlite): published from memory. */
  handoff(rows: OutboxRow[]): void;
  /** Publishes until the outbox is empty (or fails), then stops the relay. */
  stop(): Promise<void>;
  backlog(): Promise<number>;
}

export function createOutboxRelay(deps: {
  db: Database;
  nc: NatsConnection;
  log: Logger;
  /** Test-only fault injection: runs after rows are read, before they are published. */
  beforePublish?: () => Promise<void>;
}): OutboxRelay {
  const log = deps.log.child({ module: 'outbox' });
  const js = jetstream(deps.nc, { timeout: 5000 });
  let running: Promise<void> | undefined;
  let again = false;
  /** A commit queued rows that only a read of the table finds. */
  let scanDue = true;
  let handed: OutboxRow[] = [];
  /** Published, not yet deleted (PGlite): a read skips them. */
  const published = new Set<number>();
  let deleteTimer: NodeJS.Timeout | undefined;
  let deleting: Promise<void> | undefined;
  let stopped = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  const handedRate = createEventRate();

  type Row = OutboxRow;
  const SELECT = 'SELECT id, event_id, subject, payload FROM outbox ORDER BY id LIMIT $1';
  const DELETE = 'DELETE FROM outbox WHERE id = ANY($1::bigint[])';

  async function publish(rows: Row[]) {
    await deps.beforePublish?.();
    // Pipelined on one connection: JetStream stores them in this order.
    await Promise.all(publications(rows).map((p) => js.publish(p.subject, p.payload, { msgID: p.msgID })));
  }

  async function flushDeletes(): Promise<void> {
    clearTimeout(deleteTimer);
    deleteTimer = undefined;
    while (deleting) await deleting;
    if (published.size === 0) return;
    const ids = [...published];
    deleting = deps.db
      .query(DELETE, [ids])
      .then(() => ids.forEach((id) => published.delete(id)))
      .finally(() => (deleting = undefined));
    await deleting;
  }

  function markPublished(rows: Row[]) {
    for (const r of rows) published.add(r.id);
    if (published.size >= DELETE_BATCH) void flushDeletes().catch((err) => log.warn({ err }, 'outbox delete failed; retrying later'));
    else deleteTimer ??= setTimeout(() => void flushDeletes().catch((err) => log.warn({ err }, 'outbox delete failed; retrying later')), DELETE_MS);
  }

  /** Returns how many rows were published; -1 when another replica holds the relay lock. */
  async function relayBatch(): Promise<number> {
    if (deps.db.kind === 'pglite') {
      // One process, and this loop is single-flight: no lock, and no transaction held
      // open across the JetStream round trip (PGlite has one connection for everything).
      if (!scanDue && handed.length > 0) {
        const rows = handed.splice(0, BATCH);
        await publish(rows);
        markPublished(rows);
        return rows.length;
      }
      scanDue = false;
      await flushDeletes(); // so the read below cannot fill its LIMIT with published rows
      const rows = await deps.db.query<Row>(SELECT, [BATCH]);
      const read = new Set(rows.map((r) => r.id));
      handed = handed.filter((h) => !read.has(h.id));
      if (rows.length === 0) return 0;
      await publish(rows);
      markPublished(rows);
      if (rows.length === BATCH) scanDue = true;
      return rows.length;
    }
    scanDue = false;
    return deps.db.tx(async (q) => {
      const [lock] = await q.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [RELAY_LOCK]);
      if (!lock?.locked) return -1;
      const rows = await q.query<Row>(SELECT, [BATCH]);
      if (rows.length === 0) return 0;
      await publish(rows);
      await q.query(DELETE, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  function schedule(ms: number) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => kick(), ms);
  }

  async function loop() {
    while (again && !stopped) {
      again = false;
      try {
        const n = await relayBatch();
        failures = 0;
        if (n === BATCH || handed.length > 0 || scanDue) again = true;
        else if (n === -1) schedule(10);
      } catch (err) {
        failures += 1;
        scanDue = true; // whatever was handed over is still in the table
        const backoff = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
        if (failures === 1 || failures % 20 === 0) log.warn({ err, backoff }, 'outbox relay failed; retrying');
        schedule(backoff);
      }
    }
    running = undefined;
  }

  function kick() {
    scanDue = true;
    run();
  }

  function run() {
    again = true;
    if (running || stopped) return;
    const wait = handedRate.perSecond() > BUSY_EVENTS_PER_SEC ? BUSY_COALESCE_MS : COALESCE_MS;
    running = new Promise((r) => setTimeout(r, wait)).then(loop);
  }

  function handoff(rows: OutboxRow[]) {
    if (rows.length === 0) return;
    handedRate.add(rows.length);
    handed.push(...rows);
    run();
  }

  const poll = setInterval(kick, POLL_MS);
  kick();

  return {
    kick,
    handoff,
    async stop() {
      clearInterval(poll);
      clearTimeout(retryTimer);
      stopped = true;
      await running;
      // One last flush so a graceful stop leaves nothing for the next start.
      scanDue = true;
      await relayBatch()
        .then(() => (deps.db.kind === 'pglite' ? flushDeletes() : undefined))
        .catch((err) => log.warn({ err }, 'final outbox flush failed'));
    },
    async backlog() {
      if (deps.db.kind === 'pglite') await flushDeletes();
      const [row] = await deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      return Number(row?.n ?? 0);
    },
  };
}
