import { describe, expect, it } from 'vitest';
import { OneOrManyMap } from './one-or-many.ts';

describe('OneOrManyMap', () => {
  it('holds one value or several per key and drops a key left with none', () => {
    const m = new OneOrManyMap<string, { n: number }>();
    const [a, b, c] = [{ n: 1 }, { n: 2 }, { n: 3 }];
    expect(m.get('k')).toEqual([]);
    m.add('k', a);
    expect(m.get('k')).toEqual([a]);
    m.add('k', b);
    m.add('k', c);
    expect(m.get('k')).toEqual([a, b, c]);
    m.removeWhere('k', (v) => v === b);
    expect(m.get('k')).toEqual([a, c]);
    m.removeWhere('k', (v) => v === a);
    expect(m.get('k')).toEqual([c]);
    m.add('k', a);
    expect(m.get('k')).toEqual([c, a]);
    m.removeWhere('k', () => true);
    expect([m.get('k'), [...m.keys()]]).toEqual([[], []]);
    m.removeWhere('missing', () => true);
    expect([...m.keys()]).toEqual([]);
  });
});
