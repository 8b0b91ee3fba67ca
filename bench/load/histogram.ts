/**
 * A latency histogram with ~0.1 % resolution (HDR-style: exact microseconds below 1024 us,
 * then 512 sub-buckets per power of two), cheap to record into and to merge across worker
 * threads: it is one Float64Array of counts.
 */
const EXACT = 1024;
const SUB = 512;
const MAX_EXP = 22; // values are capped at 2^31 us, about 35 minutes
export const HISTOGRAM_SIZE = EXACT + MAX_EXP * SUB;

function indexOf(us: number): number {
  if (us < EXACT) return us < 0 ? 0 : us;
  if (us > 0x7fffffff) us = 0x7fffffff;
  const exp = 31 - Math.clz32(us) - 9;
  const idx = EXACT + (exp - 1) * SUB + ((us >>> exp) - SUB);
  return Math.min(idx, HISTOGRAM_SIZE - 1);
}

/** The largest value (us) a bucket holds. */
function upperOf(idx: number): number {
  if (idx < EXACT) return idx;
  const exp = Math.floor((idx - EXACT) / SUB) + 1;
  const mantissa = ((idx - EXACT) % SUB) + SUB;
  return ((mantissa + 1) << exp) - 1;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export class Histogram {
  readonly counts: Float64Array;
  count = 0;
  sumUs = 0;
  maxUs = 0;

  constructor(counts?: Float64Array) {
    this.counts = counts ?? new Float64Array(HISTOGRAM_SIZE);
  }

  recordMs(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    this.counts[indexOf(us)]! += 1;
    this.count += 1;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  merge(other: Histogram | SerializedHistogram): void {
    const counts = other instanceof Histogram ? other.counts : other.counts;
    for (let i = 0; i < counts.length; i++) if (counts[i]) this.counts[i]! += counts[i]!;
    this.count += other.count;
    this.sumUs += other.sumUs;
    this.maxUs = Math.max(this.maxUs, other.maxUs);
  }

  percentileMs(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperOf(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  summary(): LatencySummary {
    const r = (v: number) => Math.round(v * 100) / 100;
    return {
      count: this.count,
      p50Ms: r(this.percentileMs(50)),
      p90Ms: r(this.percentileMs(90)),
      p99Ms: r(this.percentileMs(99)),
      maxMs: r(this.maxUs / 1000),
      meanMs: r(this.count ? this.sumUs / this.count / 1000 : 0),
    };
  }

  /** Structured-clone friendly copy (for postMessage). */
  serialize(): SerializedHistogram {
    return { counts: this.counts, count: this.count, sumUs: this.sumUs, maxUs: this.maxUs };
  }

  static from(s: SerializedHistogram): Histogram {
    const h = new Histogram();
    h.merge(s);
    return h;
  }
}

export interface SerializedHistogram {
  counts: Float64Array;
  count: number;
  sumUs: number;
  maxUs: number;
}
