import { PGlite, type Transaction } from '@electric-sql/pglite';
import { lockDataDir } from '@chat/runtime';
import type { Database, PreparedStatement, Row, Sql } from './database.ts';
import { sqlLiteral } from './sql-literal.ts';

/**
 * A new 16 MB WAL segment is not filled with zeros first (only its last byte is written, as
 * PostgreSQL does for copy-on-write file systems). Zero-filling goes through PGlite's
 * JavaScript file layer and held the one connection for 43-46 ms at each segment switch,
 * every 9 s or so at 1,500 sends/s; without it the slowest of 6,000 batches took 10-15 ms.
 * Recovery reads a segment's unwritten end as zeros either way.
 */
const WAL_SETTINGS = ['-c', 'wal_init_zero=off'];

/**
 * Embedded PostgreSQL in-process; one connection, so one chat replica per data dir, which a
 * lock file enforces (a second opener throws DataDirInUseError).
 */
export async function createPgliteDatabase(dataDir: string | undefined): Promise<Database> {
  const lock = dataDir ? lockDataDir(dataDir, 'a chat service') : undefined;
  const db = await PGlite.create(dataDir, { startParams: [...PGlite.defaultStartParams, ...WAL_SETTINGS] }).catch((err: unknown) => {
    lock?.release();
    throw err;
  });
  // sqlLiteral relies on it; it is PostgreSQL's default, pinned so nothing can change it.
  await db.exec('SET standard_conforming_strings = on');
  const prepared = new Set<string>();

  const wrap = (target: PGlite | Transaction): Sql => ({
    query: async <T extends Row>(text: string, params?: unknown[]) => (await target.query<T>(text, params)).rows,
    async run<T extends Row>(s: PreparedStatement, params: unknown[]) {
      if (!prepared.has(s.name)) throw new Error(`statement ${s.name} was not prepared when the database opened`);
      const [result] = await target.exec(`EXECUTE ${s.name} (${params.map(sqlLiteral).join(', ')})`);
      return (result?.rows ?? []) as T[];
    },
  });
  const root = wrap(db);
  return {
    kind: 'pglite',
    query: root.query,
    run: root.run,
    tx: (fn) => db.transaction((tx) => fn(wrap(tx))),
    async prepare(statements) {
      for (const s of statements) {
        if (prepared.has(s.name)) continue;
        await db.exec(`PREPARE ${s.name} (${s.types.join(', ')}) AS ${s.text}`);
        prepared.add(s.name);
      }
    },
    async exec(script) {
      await db.exec(script);
    },
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      await db.close();
      lock?.release();
    },
  };
}
