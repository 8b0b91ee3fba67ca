/**
 * PGlite has no autovacuum. Without it the hot small tables (rooms: a row update per
 * message; memberships; outbox: an insert and a delete per event) only grow dead rows, and
 * the planner never learns table sizes, so the generic plans of the prepared statements,
 * made while the tables were empty, would keep scanning whole tables as they grow. ANALYZE
 * also invalidates those cached plans, so they are planned again with real statistics.
 *
 * Every run holds PGlite's one connection, so sends wait for it: the small tables are
 * vacuumed every minute (5 ms, measured), but the append-only messages table is only analysed
 * when it doubled since its statistics were taken (plans only change with the order of
 * magnitude of a table), and from a small sample: with the default statistics target (a
 * 30,000-row sample) it held PGlite for 118-138 ms at 60,000-180,000 rows, enough to fail a
 * benchmark step's p99 on its own; with a target of 10 (3,000 rows) 13-16 ms, with the same
 * row count estimate. Our queries on messages are index lookups by room; they need the size,
 * not fine histograms.
 */
import type { Logger } from '@chat/logging';
import type { Database } from './database.ts';

const FIRST_RUN_MS = 10_000;
const MESSAGES_STATISTICS_TARGET = 10;
const HOT_TABLES = ['rooms', 'memberships', 'outbox', 'users'];
const EVERY_MS = 60_000;

/** Returns what it did, for the log. */
export async function runMaintenance(db: Database): Promise<string[]> {
  const done: string[] = [];
  // One table per call: VACUUM refuses to run inside a transaction (which a multi-statement
  // script is), and sends waiting for PGlite get in between tables (all four in one call took
  // 23 ms under load).
  for (const table of HOT_TABLES) await db.exec(`VACUUM (ANALYZE) ${table}`);
  done.push(`vacuum analyze ${HOT_TABLES.join(', ')}`);
  const [size] = await db.query<{ stored: number; known: number }>(
    `SELECT (SELECT coalesce(sum(last_seq), 0) FROM rooms)::float8 AS stored,
            (SELECT greatest(reltuples, 0) FROM pg_class WHERE relname = 'messages')::float8 AS known`,
  );
  if (size && Number(size.stored) > Number(size.known) * 2 + 500) {
    await db.tx(async (q) => {
      await q.query(`SET LOCAL default_statistics_target = ${MESSAGES_STATISTICS_TARGET}`);
      await q.query('ANALYZE messages');
    });
    done.push('analyze messages');
  }
  return done;
}

export function startPgliteMaintenance(db: Database, log: Logger): { stop(): void } {
  let timer: NodeJS.Timeout;
  const run = (delay: number) => {
    timer = setTimeout(() => {
      const started = performance.now();
      runMaintenance(db)
        .then((done) => log.debug({ done, ms: Math.round(performance.now() - started) }, 'database maintenance'))
        .catch((err) => log.warn({ err }, 'database maintenance failed; trying again later'))
        .finally(() => run(EVERY_MS));
    }, delay);
    timer.unref();
  };
  run(FIRST_RUN_MS);
  return { stop: () => clearTimeout(timer) };
}
