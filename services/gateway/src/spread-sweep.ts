/** What a sweep walks: a Set or a Map's values, read live at the start of every pass. */
export interface SweepSource<T> {
  readonly size: number;
  values(): Iterator<T>;
}

/**
 * Visits every item of a live collection once per `periodMs`, spread over the period a slice a
 * second, instead of all in one tick: at 10,000 connections one pass of WebSocket pings held the
 * gateway's event loop for 110-135 ms, every message waiting behind it (docs/performance.md,
 * item 27). A pass is planned when it starts (its size / slices per tick); an item added during
 * a pass is visited in it if the budget reaches it, else in the next, and a removed one is not
 * visited (Set and Map iterators follow changes).
 */
export function startSpreadSweep<T>(items: SweepSource<T>, periodMs: number, visit: (item: T) => void): () => void {
  const slices = Math.max(1, Math.round(periodMs / 1000));
  let tick = 0;
  let pass: Iterator<T> | undefined;
  let budget = 0;
  const timer = setInterval(() => {
    if (tick++ % slices === 0) {
      pass = items.values();
      budget = Math.ceil(items.size / slices);
    }
    for (let n = budget; n > 0 && pass; n--) {
      const next = pass.next();
      if (next.done) pass = undefined;
      else visit(next.value);
    }
  }, periodMs / slices);
  timer.unref();
  return () => clearInterval(timer);
}
