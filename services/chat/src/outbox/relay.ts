/**
 * Outbox relay: moves committed outbox rows to JetStream.
 *
 * Guarantees
 * - Nothing committed is lost: a row is deleted only in the transaction that saw JetStream
 *   acknowledge it; a crash before that leaves it for the next run (here or on a replica).
 * - Nothing is published twice: each row carries its eventId as Nats-Msg-Id, so a re-publish
 *   inside the stream's duplicate window is dropped by JetStream.
 * - Per-room order: rows of one room are inserted under that room's row lock, so id order is
 *   seq order; one relay at a time (an advisory xact lock on PostgreSQL; PGlite serves one
 *   process) publishes in id order on one connection, which JetStream keeps.
 * Failure cases: NATS down -> publish fails, the transaction rolls back, the relay retries
 * with backoff; another replica holding the lock -> retry shortly.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@chat/logging';
import type { Database } from '../db/database.ts';

const RELAY_LOCK = 727_002;
const BATCH = 500;
const POLL_MS = 1000;
/** A kick waits this long before the relay reads, so a busy second's commits share batches. */
const COALESCE_MS = 2;

export interface OutboxRelay {
  /** Asks for a relay run soon; cheap to call after every commit. */
  kick(): void;
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
  let stopped = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;

  type Row = { id: number; event_id: string; subject: string; payload: string };
  const SELECT = 'SELECT id, event_id, subject, payload FROM outbox ORDER BY id LIMIT $1';
  const DELETE = 'DELETE FROM outbox WHERE id = ANY($1::bigint[])';

  async function publish(rows: Row[]) {
    await deps.beforePublish?.();
    // Pipelined on one connection: JetStream stores them in this order.
    await Promise.all(rows.map((r) => js.publish(r.subject, r.payload, { msgID: r.event_id })));
  }

  /** Returns how many rows were published; -1 when another replica holds the relay lock. */
  async function relayBatch(): Promise<number> {
    if (deps.db.kind === 'pglite') {
      // One process, and this loop is single-flight: no lock, and no transaction held
      // open across the JetStream round trip (PGlite has one connection for everything).
      const rows = await deps.db.query<Row>(SELECT, [BATCH]);
      if (rows.length === 0) return 0;
      await publish(rows);
      await deps.db.query(DELETE, [rows.map((r) => r.id)]);
      return rows.length;
    }
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
        if (n === BATCH) again = true;
        else if (n === -1) schedule(10);
      } catch (err) {
        failures += 1;
        const backoff = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
        if (failures === 1 || failures % 20 === 0) log.warn({ err, backoff }, 'outbox relay failed; retrying');
        schedule(backoff);
      }
    }
    running = undefined;
  }

  function kick() {
    again = true;
    if (!running && !stopped) running = new Promise((r) => setTimeout(r, COALESCE_MS)).then(loop);
  }

  const poll = setInterval(kick, POLL_MS);
  kick();

  return {
    kick,
    async stop() {
      clearInterval(poll);
      clearTimeout(retryTimer);
      stopped = true;
      await running;
      // One last flush so a graceful stop leaves nothing for the next start.
      await relayBatch().catch((err) => log.warn({ err }, 'final outbox flush failed'));
    },
    async backlog() {
      const [row] = await deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      return Number(row?.n ?? 0);
    },
  };
}
