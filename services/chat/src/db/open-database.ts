import type { Logger } from '@chat/logging';
import { declaredStatements, type Database } from './database.ts';
import { migrate } from './migrate.ts';
import { createPgDatabase } from './pg-database.ts';
import { createPgliteDatabase } from './pglite-database.ts';

/** PostgreSQL when DATABASE_URL is set, else PGlite under DATA_DIR; migrated either way. */
export async function openDatabase(opts: { databaseUrl?: string; dataDir?: string }, log: Logger): Promise<Database> {
  const db = opts.databaseUrl ? createPgDatabase(opts.databaseUrl) : await createPgliteDatabase(opts.dataDir);
  const applied = await migrate(db);
  await db.prepare(declaredStatements());
  log.info({ db: db.kind, dataDir: opts.databaseUrl ? undefined : opts.dataDir, applied }, 'database ready');
  return db;
}
