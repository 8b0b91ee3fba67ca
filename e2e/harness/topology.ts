/**
 * The production topology as local processes: N chat, N broadcast and N gateway processes
 * against one NATS URL (a cluster's, usually) and one PostgreSQL. Each process can be
 * stopped, killed, paused and started again on the same port.
 */
import { freePort } from '@chat/nats';
import { spawnService, type ServiceProcess } from '@chat/testing';

type Kind = 'chat' | 'broadcast' | 'gateway';
const READY: Record<Kind, string> = { chat: 'chat ready', broadcast: 'broadcast ready', gateway: 'gateway listening' };

export interface Instance {
  kind: Kind;
  name: string;
  port?: number;
  proc?: ServiceProcess;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  signal(signal: NodeJS.Signals): void;
}

export interface Topology {
  instances: Instance[];
  gateways: Instance[];
  of(kind: Kind): Instance[];
  stop(): Promise<void>;
}

export async function startTopology(opts: { natsUrl: string; databaseUrl: string; replicas?: number; streamReplicas?: number; env?: Record<string, string> }): Promise<Topology> {
  const replicas = opts.replicas ?? 2;
  const common = { NATS_URL: opts.natsUrl, DATABASE_URL: opts.databaseUrl, STREAM_REPLICAS: String(opts.streamReplicas ?? 1), JWT_SECRET: 'topology-secret-0123456789', HEALTH_PORT: '0', ...opts.env };
  const instances: Instance[] = [];
  for (const kind of ['chat', 'broadcast', 'gateway'] as const) {
    for (let i = 1; i <= replicas; i++) {
      const port = kind === 'gateway' ? await freePort() : undefined;
      const inst: Instance = {
        kind,
        name: `${kind}-${i}`,
        port,
        async start() {
          inst.proc = spawnService(kind, { ...common, SERVER_ID: inst.name, ...(port ? { PORT: String(port), HOST: '127.0.0.1' } : {}) });
          await inst.proc.waitForOutput(READY[kind], 60_000);
        },
        async stop(signal = 'SIGTERM') {
          await inst.proc?.kill(signal);
        },
        signal(signal) {
          inst.proc?.child.kill(signal);
        },
      };
      instances.push(inst);
    }
  }
  // Chat first: it creates the stream the others use.
  for (const kind of ['chat', 'broadcast', 'gateway'] as const) await Promise.all(instances.filter((x) => x.kind === kind).map((x) => x.start()));
  return {
    instances,
    gateways: instances.filter((x) => x.kind === 'gateway'),
    of: (kind) => instances.filter((x) => x.kind === kind),
    stop: async () => {
      await Promise.all(instances.map((x) => x.stop('SIGKILL')));
    },
  };
}
