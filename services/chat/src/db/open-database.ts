import type { Logger } from '@chat/logging';
import { declaredStatements, isDatabaseUnavailable, type Database } from './database.ts';
import { migrate } from './migrate.ts';
import { createPgDatabase } from './pg-database.ts';
import { createPgliteDatabase } from './pglite-database.ts';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 10_000;

/**
 * PostgreSQL when DATABASE_URL is set, else PGlite under DATA_DIR; migrated either way. A
 * PostgreSQL that is not reachable yet (started alongside, restarting, its host name not yet
 * in DNS) is waited for, as NATS is: exiting would only restart the service into the same
 * wait, with a stack trace each time.
 */
export async function openDatabase(opts: { databaseUrl?: string; dataDir?: string }, log: Logger): Promise<Database> {
  const db = opts.databaseUrl ? createPgDatabase(opts.databaseUrl) : await createPgliteDatabase(opts.dataDir);
  for (let delayMs = FIRST_RETRY_MS; ; delayMs = Math.min(MAX_RETRY_MS, delayMs * 2)) {
    try {
      const applied = await migrate(db);
      await db.prepare(declaredStatements());
      log.info({ db: db.kind, dataDir: opts.databaseUrl ? undefined : opts.dataDir, applied }, 'database ready');
      return db;
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      log.warn({ code: 'UNAVAILABLE', reason: (err as Error).message, retryInMs: delayMs }, 'database unreachable; waiting for it');
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}
