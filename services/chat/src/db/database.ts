/**
 * The one database interface the chat service uses, implemented by `pg` (PostgreSQL) and by
 * PGlite (embedded). Both speak PostgreSQL with `$n` parameters, so queries are shared.
 */
export type Row = Record<string, unknown>;

/**
 * A hot statement that is parsed and planned once per connection, not per call (measured on
 * PGlite: planning was most of a send's cost). `types` are the PostgreSQL types of $1..$n.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
  readonly types: readonly string[];
}

const registry = new Map<string, PreparedStatement>();

/**
 * Declares a prepared statement (at module load). PGlite prepares every declared statement
 * once when the database opens: preparing lazily could deadlock, because a statement first
 * needed inside a transaction would wait for a PREPARE queued behind that same transaction.
 */
export function prepared(name: string, types: readonly string[], text: string): PreparedStatement {
  if (registry.has(name)) throw new Error(`prepared statement ${name} declared twice`);
  const statement = { name, types, text };
  registry.set(name, statement);
  return statement;
}

export function declaredStatements(): PreparedStatement[] {
  return [...registry.values()];
}

export interface Sql {
  query<T extends Row = Row>(text: string, params?: unknown[]): Promise<T[]>;
  run<T extends Row = Row>(statement: PreparedStatement, params: unknown[]): Promise<T[]>;
}

export interface Database extends Sql {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  /** Makes `run` ready for these statements (after migrations: they name tables). */
  prepare(statements: PreparedStatement[]): Promise<void>;
  /** Runs a multi-statement script (migrations). */
  exec(script: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL's unique_violation: a concurrent insert of the same key won. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * The database is away (refused, reset, shutting down, pool timeout, its host name not
 * resolving yet): the request can succeed later, so the client is told UNAVAILABLE rather
 * than INTERNAL.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (/^(08|57P)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code))) return true;
  return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(message);
}
