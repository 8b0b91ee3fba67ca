/**
 * Group commit: requests that arrive while a transaction runs share the next one.
 *
 * PGlite has one connection, so every transaction waits for the one before it anyway, and
 * each commit costs a write to its files. Folding the waiting requests into one transaction
 * pays that once per batch instead of once per message. Nothing waits for a timer: a lone
 * request runs at once, and without BEGIN/COMMIT (each item is one atomic statement), which
 * saves two of its three round trips into PGlite.
 *
 * Failure cases: an `AppError` from one item (not a member, unknown room) is that item's
 * answer and leaves the transaction usable, because items check before they write. Any
 * other error aborts the batch; then every item runs again on its own, so one poison
 * request cannot fail its neighbours.
 */
import { AppError } from '@chat/contracts';
import type { Database, Sql } from '../db/database.ts';

type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export function createGroupCommit<I, R>(deps: {
  db: Database;
  maxBatch: number;
  /** One item, atomic on its own: a single statement, or its own transaction. */
  apply: (q: Sql, item: I) => Promise<R>;
  /** After each commit, with the results it made durable. */
  onCommit: (results: R[]) => void;
}) {
  const queue: Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let draining = false;

  async function alone(item: I): Promise<Outcome<R>> {
    try {
      return { ok: true, value: await deps.apply(deps.db, item) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  async function together(batch: Array<{ item: I }>): Promise<Array<Outcome<R>>> {
    try {
      return await deps.db.tx(async (q) => {
        const out: Array<Outcome<R>> = [];
        for (const { item } of batch) {
          try {
            out.push({ ok: true, value: await deps.apply(q, item) });
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            out.push({ ok: false, error });
          }
        }
        return out;
      });
    } catch {
      const outcomes: Array<Outcome<R>> = [];
      for (const { item } of batch) outcomes.push(await alone(item));
      return outcomes;
    }
  }

  async function drain() {
    draining = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, deps.maxBatch);
      const outcomes = batch.length === 1 ? [await alone(batch[0]!.item)] : await together(batch);
      const durable = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
      if (durable.length > 0) deps.onCommit(durable);
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
        if (!draining) void drain();
      });
    },
  };
}
