import pg from 'pg';
import { isDatabaseUnavailable, type Database, type PreparedStatement, type Row, type Sql } from './database.ts';

// bigint columns (seq, timestamps) fit in a double for the lifetime of this product.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function createPgDatabase(connectionString: string, opts: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10, connectionTimeoutMillis: 5000 });
  // An idle client losing its server (PostgreSQL restart) must not crash the process.
  pool.on('error', () => {});
  const query = async <T extends Row>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[];
  // pg prepares a named statement once per pooled connection and reuses it after.
  const named = (s: PreparedStatement, values: unknown[]) => ({ name: s.name, text: s.text, values });
  const run = async <T extends Row>(s: PreparedStatement, params: unknown[]) => (await pool.query(named(s, params))).rows as T[];
  return {
    kind: 'postgres',
    query,
    run,
    async prepare() {}, // pg prepares a named statement on each pooled connection at first use
    async tx<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // A server that goes away between two statements errors the idle client; the next
      // statement fails anyway, so the event itself must not crash the process.
      const ignore = () => {};
      client.on('error', ignore);
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <R extends Row>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as R[],
          run: async <R extends Row>(s: PreparedStatement, params: unknown[]) => (await client.query(named(s, params))).rows as R[],
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        broken = isDatabaseUnavailable(err);
        if (!broken) await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.off('error', ignore);
        client.release(broken); // a broken connection is destroyed, not pooled
      }
    },
    async exec(script) {
      await pool.query(script);
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}
