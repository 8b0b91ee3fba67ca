/**
 * SQL literals for `EXECUTE name(...)` on PGlite. PGlite's parameterised `query` parses and
 * plans the statement on every call (about 60 % of a send's cost, measured), and it has no
 * named extended-protocol statements, so the hot statements are `PREPARE`d once and run with
 * literal arguments through the simple protocol instead.
 *
 * Safe because the connection pins `standard_conforming_strings = on`: inside '...' only a
 * quote is special, and it is doubled. NUL cannot be stored in a text column at all, so it is
 * refused here exactly as a parameter would be refused by the server.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new RangeError('text must not contain NUL (\\u0000)');
    return `'${value.replaceAll("'", "''")}'`;
  }
  throw new TypeError(`no SQL literal for ${typeof value}`);
}
