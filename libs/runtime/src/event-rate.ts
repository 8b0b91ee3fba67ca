/**
 * Roughly how many events arrived in the last `windowMs`: a count that decays exponentially,
 * so it needs no buffer of timestamps. Chat's outbox relay and the gateway's send batching
 * read it to tell a busy second from a quiet one; the default window of 100 ms follows a
 * change of load within a few batches.
 */
export function createEventRate(windowMs = 100, now: () => number = () => performance.now()) {
  let level = 0;
  let at = now();
  const decayTo = (t: number) => {
    level *= Math.exp(-(t - at) / windowMs);
    at = t;
  };
  /** Events in about the last `windowMs`. */
  const recent = (): number => {
    decayTo(now());
    return level;
  };
  return {
    add(events: number) {
      decayTo(now());
      level += events;
    },
    recent,
    /** The same, as a rate. */
    perSecond: (): number => (recent() * 1000) / windowMs,
  };
}
