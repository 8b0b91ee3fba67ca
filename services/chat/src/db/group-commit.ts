/**
 * Group commit: requests that arrive close together, or while a write runs, share one write.
 *
 * PGlite has one connection, so every write waits for the one before it anyway, and each call
 * into PGlite costs about the same whatever the statement does (measured: a send's statement
 * without half its work cost the same). So the waiting requests go in as one call: `many`
 * writes them all in one atomic statement; a request that is alone goes through `one`.
 * A request that finds the writer idle waits `gatherMs` for company if requests have been
 * coming faster than one per `gatherMs` (a running mean of the gaps between them: senders often
 * come in pairs, so the last gap alone says little), and goes at once otherwise. Without
 * waiting, 70 % of the sends at 800/s ran alone; waiting always would add the window to every
 * send at low rates, where it gathers nothing (like PostgreSQL's commit_delay, which also waits
 * only under load).
 *
 * Failure cases: `many` answers each item (a refused send, such as a non-member's, is that
 * item's error and writes nothing). If `many` throws, nothing of the batch was written (one
 * statement), and every item runs again on its own, so one poison request cannot fail its
 * neighbours.
 */
/** Weight of the newest gap in the running mean: a mean over the last few requests, not one. */
const GAP_WEIGHT = 0.2;
/** A gap at least this long counts as idle (and starts the mean). */
const IDLE_GAP_MS = 1000;

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export function createGroupCommit<I, R>(deps: {
  maxBatch: number;
  /** How long a request that finds the writer idle waits for company, when requests come faster than one per gatherMs. */
  gatherMs: number;
  /** Milliseconds on a monotonic clock; tests pass their own. */
  now?: () => number;
  /** One item, atomic on its own. */
  one: (item: I) => Promise<R>;
  /** Several items in one atomic write; an outcome per item, in their order. */
  many: (items: I[]) => Promise<Array<Outcome<R>>>;
  /** After each write, with the results it made durable (sends hand their outbox rows over). */
  onCommit?: (results: R[]) => void;
}) {
  const queue: Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let draining = false;
  let lastArrival = -Infinity;
  let meanGapMs = IDLE_GAP_MS;
  const now = deps.now ?? (() => performance.now());

  async function alone(item: I): Promise<Outcome<R>> {
    try {
      return { ok: true, value: await deps.one(item) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  async function together(items: I[]): Promise<Array<Outcome<R>>> {
    try {
      return await deps.many(items);
    } catch {
      const outcomes: Array<Outcome<R>> = [];
      for (const item of items) outcomes.push(await alone(item));
      return outcomes;
    }
  }

  async function drain() {
    draining = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, deps.maxBatch);
      const outcomes = batch.length === 1 ? [await alone(batch[0]!.item)] : await together(batch.map((b) => b.item));
      const durable = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
      if (durable.length > 0) deps.onCommit?.(durable);
      batch.forEach((b, i) => {
        const o = outcomes[i]!;
        if (o.ok) b.resolve(o.value);
        else b.reject(o.error);
      });
    }
    draining = false;
  }

  return {
    submit(item: I): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        const arrival = now();
        meanGapMs += GAP_WEIGHT * (Math.min(arrival - lastArrival, IDLE_GAP_MS) - meanGapMs);
        lastArrival = arrival;
        if (draining) return;
        if (meanGapMs >= deps.gatherMs) return void drain();
        draining = true; // the drain picks up everything queued meanwhile
        setTimeout(() => void drain(), deps.gatherMs);
      });
    },
  };
}
