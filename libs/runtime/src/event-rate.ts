/**
 * Roughly how many events arrived in the last `windowMs`: a count that decays exponentially,
 * so it needs no buffer of timestamps. Chat's outbox relay and the gateway's send batching
 * read it to tell a busy second from a quiet one.
 */
export function createEventRate(windowMs: number, now: () => number = () => performance.now()) {
  let level = 0;
  let at = now();
  const decayTo = (t: number) => {
    level *= Math.exp(-(t - at) / windowMs);
    at = t;
  };
  return {
    add(events: number) {
      decayTo(now());
      level += events;
    },
    /** Events in about the last `windowMs`. */
    recent(): number {
      decayTo(now());
      return level;
    },
  };
}
