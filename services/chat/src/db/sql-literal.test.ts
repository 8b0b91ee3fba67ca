import { describe, expect, it } from 'vitest';
import { sqlLiteral } from './sql-literal.ts';

describe('sqlLiteral', () => {
  it('quotes text, doubling quotes and leaving backslashes alone (standard_conforming_strings)', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral("'); DROP TABLE messages; --")).toBe("'''); DROP TABLE messages; --'");
    expect(sqlLiteral('a\\b')).toBe("'a\\b'");
    expect(sqlLiteral('')).toBe("''");
  });

  it('writes numbers, booleans and NULL', () => {
    expect(sqlLiteral(42)).toBe('42');
    expect(sqlLiteral(-1.5)).toBe('-1.5');
    expect(sqlLiteral(true)).toBe('TRUE');
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(undefined)).toBe('NULL');
  });

  it('refuses what has no safe literal', () => {
    expect(() => sqlLiteral(Number.NaN)).toThrow(TypeError);
    expect(() => sqlLiteral(Infinity)).toThrow(TypeError);
    expect(() => sqlLiteral('a\u0000b')).toThrow(RangeError);
    expect(() => sqlLiteral({})).toThrow(TypeError);
    expect(() => sqlLiteral(10n)).toThrow(TypeError);
  });
});
