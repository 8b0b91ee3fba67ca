/**
 * A map from a key to one or more values that holds a lone value as itself. Most keys here have
 * exactly one (a user's connections on this gateway, a user's presence claims), and a Set or
 * Map per key was ~150-180 bytes of every idle connection's memory (S3 in docs/performance.md).
 * Values must not be arrays themselves.
 */
export class OneOrManyMap<K, V> {
  private readonly held = new Map<K, V | V[]>();

  get(key: K): readonly V[] {
    const held = this.held.get(key);
    return held === undefined ? [] : Array.isArray(held) ? held : [held];
  }

  add(key: K, value: V): void {
    const held = this.held.get(key);
    if (held === undefined) this.held.set(key, value);
    else if (Array.isArray(held)) held.push(value);
    else this.held.set(key, [held, value]);
  }

  /** Removes the key's values that match; a key left with none is dropped. */
  removeWhere(key: K, match: (value: V) => boolean): void {
    const all = this.get(key);
    const rest = all.filter((v) => !match(v));
    if (rest.length === all.length) return;
    if (rest.length === 0) this.held.delete(key);
    else this.held.set(key, rest.length === 1 ? rest[0]! : rest);
  }

  keys(): IterableIterator<K> {
    return this.held.keys();
  }
}
