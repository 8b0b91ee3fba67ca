/**
 * Group commit: requests that arrive while a transaction runs share the next one.
 *
 * PGlite has one connection, so every transaction waits for the one before it anyway, and
 * each commit costs a write to its files. Folding the waiting requests into one transaction
 * pays that once per batch instead of once per message. Nothing waits for a timer: a lone
 * request commits at once.
 *
 * Failure cases: an `AppError` from one item (not a member, unknown room) is that item's
 * answer and leaves the transaction usable, because items check before they write. Any
 * other error aborts the batch; then every item runs again in its own transaction, so one
 * poison request cannot fail its neighbours.
 */
import { AppError } from '@chat/contracts';
import type { Database, Sql } from '../db/database.ts';

type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export function createGroupCommit<I, R>(deps: { db: Database; maxBatch: number; apply: (q: Sql, item: I) => Promise<R>; onCommit: () => void }) {
  const queue: Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let draining = false;

  async function alone(item: I): Promise<Outcome<R>> {
    try {
      return { ok: true, value: await deps.db.tx((q) => deps.apply(q, item)) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  async function drain() {
    draining = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, deps.maxBatch);
      let outcomes: Array<Outcome<R>>;
      try {
        outcomes = await deps.db.tx(async (q) => {
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
        outcomes = [];
        for (const { item } of batch) outcomes.push(await alone(item));
      }
      if (outcomes.some((o) => o.ok)) deps.onCommit();
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
