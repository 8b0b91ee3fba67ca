/**
 * The scenario table: what each one runs against, and a pool that starts those targets
 * (fresh per scenario for real runs; shared in smoke runs, to stay well under a minute).
 */
import { startReference, startServicesOnPostgres, startStack, type StartOptions, type Target } from '../targets.ts';
import type { ScenarioId, ScenarioOptions, ScenarioResult } from './common.ts';
import { runS3 } from './connections.ts';
import { runS2 } from './fanout.ts';
import { runS1, runS6 } from './latency.ts';
import { runS5 } from './reconnect.ts';
import { runS4 } from './writes.ts';

export type TargetId = 'reference' | 'stack' | 'stack-2gw' | 'stack-pg';

export interface ScenarioDef {
  id: ScenarioId;
  title: string;
  targets: TargetId[];
  run(target: Target, opts: ScenarioOptions): Promise<ScenarioResult>;
}

export const SCENARIOS: ScenarioDef[] = [
  { id: 'S1', title: 'latency', targets: ['reference', 'stack'], run: runS1 },
  { id: 'S2', title: 'fan-out', targets: ['reference', 'stack'], run: runS2 },
  { id: 'S3', title: 'connections', targets: ['reference', 'stack'], run: runS3 },
  { id: 'S4', title: 'writes', targets: ['reference', 'stack', 'stack-pg'], run: runS4 },
  { id: 'S5', title: 'reconnect storm', targets: ['reference', 'stack'], run: runS5 },
  { id: 'S6', title: 'two gateways', targets: ['reference', 'stack-2gw'], run: runS6 },
];

export function startTarget(id: TargetId, opts: StartOptions): Promise<Target> {
  switch (id) {
    case 'reference':
      return startReference(opts);
    case 'stack':
      return startStack({ ...opts, gateways: 1 });
    case 'stack-2gw':
      return startStack({ ...opts, gateways: 2 });
    case 'stack-pg':
      return startServicesOnPostgres({ ...opts, chatReplicas: 2 });
  }
}

/**
 * Hands out targets. `shared`: one of each kind for the whole run, and the one-gateway
 * stack is the two-gateway stack (scenarios other than S6 use its first gateway only).
 */
export class TargetPool {
  private readonly running = new Map<TargetId, Promise<Target>>();

  constructor(
    private readonly opts: StartOptions & { shared: boolean },
  ) {}

  private key(id: TargetId): TargetId {
    return this.opts.shared && id === 'stack' ? 'stack-2gw' : id;
  }

  async get(id: TargetId): Promise<Target> {
    const key = this.key(id);
    let t = this.running.get(key);
    if (!t) {
      t = startTarget(key, this.opts);
      this.running.set(key, t);
      t.catch(() => this.running.delete(key));
    }
    return t;
  }

  /** Done with a target: stopped now unless shared. */
  async release(id: TargetId): Promise<void> {
    if (this.opts.shared) return;
    const t = this.running.get(this.key(id));
    this.running.delete(this.key(id));
    await (await t)?.stop();
  }

  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.allSettled(all.map(async (t) => (await t).stop()));
  }
}

/**
 * Runs one scenario against each of its targets in turn. A target that fails (to start, or
 * mid-run) yields a result with a failed `completed` check, and the next target still runs.
 */
export async function runScenario(def: ScenarioDef, pool: TargetPool, opts: ScenarioOptions): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const id of def.targets) {
    opts.log?.(`${def.id} ${def.title}: starting ${id}`);
    try {
      const target = await pool.get(id);
      results.push(await def.run(target, opts));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      opts.log?.(`${def.id} ${id} FAILED: ${message}`);
      results.push({
        scenario: def.id,
        title: def.title,
        target: id === 'reference' ? 'reference' : 'stack',
        targetLabel: id,
        smoke: opts.smoke ?? false,
        startedAt: new Date().toISOString(),
        wallS: 0,
        config: {},
        serverEnv: {},
        pinned: false,
        workers: opts.workers ?? 2,
        steps: [],
        metrics: {},
        checks: [{ name: 'completed', target: 'no error', value: message.slice(0, 500), ok: false }],
        notes: [],
      });
    } finally {
      await pool.release(id).catch(() => {});
    }
  }
  return results;
}
