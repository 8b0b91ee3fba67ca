/**
 * PGlite has no autovacuum. Without it the hot small tables (rooms: a row update per
 * message; memberships; outbox: an insert and a delete per event) only grow dead rows, and
 * the planner never learns table sizes, so the generic plans of the prepared statements,
 * made while the tables were empty, would keep scanning whole tables as they grow. ANALYZE
 * also invalidates those cached plans, so they are planned again with real statistics.
 * messages is append-only: analysed (sampled, bounded cost), not vacuumed.
 */
import type { Logger } from '@chat/logging';
import type { Database } from './database.ts';

const FIRST_RUN_MS = 10_000;
const EVERY_MS = 60_000;

export async function runMaintenance(db: Database): Promise<void> {
  // One statement per call: a multi-statement script runs as one transaction, and VACUUM
  // refuses to run inside one.
  await db.exec('VACUUM (ANALYZE) rooms, memberships, outbox, users');
  await db.exec('ANALYZE messages');
}

export function startPgliteMaintenance(db: Database, log: Logger): { stop(): void } {
  let timer: NodeJS.Timeout;
  const run = (delay: number) => {
    timer = setTimeout(() => {
      runMaintenance(db)
        .catch((err) => log.warn({ err }, 'database maintenance failed; trying again later'))
        .finally(() => run(EVERY_MS));
    }, delay);
    timer.unref();
  };
  run(FIRST_RUN_MS);
  return { stop: () => clearTimeout(timer) };
}
