/**
 * What one connection has seen of its room, and the checks the contract promises about it
 * (section 5: per connection, `message.received` in seq order, no duplicates).
 *
 * `last` is the highest seq seen (starting at the room's lastSeq when joined) and `missing`
 * the seqs below it not seen yet, so coverage of any expected set is cheap to check.
 * Order and duplicates are judged per connection life (`lifeLast`): a live frame whose seq is
 * not above the previous live frame's is a duplicate if it was already seen, else out of
 * order. Messages that come back through `room.join {since}` (recovery) fill gaps but are
 * never counted as duplicates: overlap between history and live frames is expected.
 */
export class ReceiveState {
  last: number;
  lifeLast = 0;
  missing: Set<number> | undefined;
  duplicates = 0;
  outOfOrder = 0;

  constructor(startSeq: number) {
    this.last = startSeq;
  }

  has(seq: number): boolean {
    return seq <= this.last && !this.missing?.has(seq);
  }

  /** Highest seq s such that everything up to s was seen (the `since` to recover from). */
  contiguous(): number {
    if (!this.missing || this.missing.size === 0) return this.last;
    let min = Infinity;
    for (const s of this.missing) if (s < min) min = s;
    return min - 1;
  }

  /** Records a seq; returns true when it was new. */
  add(seq: number, live: boolean): boolean {
    const seen = this.has(seq);
    if (live) {
      if (seq <= this.lifeLast) {
        if (seen) this.duplicates += 1;
        else this.outOfOrder += 1;
      } else this.lifeLast = seq;
    }
    if (seen) return false;
    if (seq > this.last) {
      if (seq > this.last + 1) {
        this.missing ??= new Set();
        for (let s = this.last + 1; s < seq; s++) this.missing.add(s);
      }
      this.last = seq;
    } else this.missing!.delete(seq);
    return true;
  }

  /** A new connection life begins (reconnect): order is judged afresh. */
  newLife(): void {
    this.lifeLast = 0;
  }

  /** How many of `expected` (sorted ascending) were never seen. */
  countMissing(expected: readonly number[]): number {
    if (expected.length === 0) return 0;
    if (expected[expected.length - 1]! <= this.last && (!this.missing || this.missing.size === 0)) return 0;
    let n = 0;
    for (const s of expected) if (!this.has(s)) n += 1;
    return n;
  }

  /** True when every seq up to `upTo` (from the start) was seen. */
  covers(upTo: number): boolean {
    if (this.last < upTo) return false;
    if (!this.missing) return true;
    for (const s of this.missing) if (s <= upTo) return false;
    return true;
  }
}
