import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Row, Sql } from './database.ts';

/** Embedded PostgreSQL in-process; one connection, so one chat replica per data dir. */
export async function createPgliteDatabase(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const wrap = (target: Pick<PGlite, 'query'>): Sql => ({
    query: async <T extends Row>(text: string, params?: unknown[]) => (await target.query<T>(text, params)).rows,
  });
  const root = wrap(db);
  return {
    kind: 'pglite',
    query: root.query,
    tx: (fn) => db.transaction((tx) => fn(wrap(tx))),
    async exec(script) {
      await db.exec(script);
    },
    async ping() {
      await db.query('SELECT 1');
    },
    close: () => db.close(),
  };
}
