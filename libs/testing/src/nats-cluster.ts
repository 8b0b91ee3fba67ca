import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startNatsServer, type EmbeddedNats } from '@chat/nats';

export interface NatsNode {
  name: string;
  port: number;
  server?: EmbeddedNats;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface NatsCluster {
  /** All client URLs, comma separated (what NATS_URL takes). */
  url: string;
  nodes: NatsNode[];
  stop(): Promise<void>;
}

/**
 * A JetStream cluster of real nats-server processes on loopback ports, each with its own
 * store, routed to each other: R3 streams can live on it and a node can die and return.
 */
export async function startNatsCluster(opts: { dir: string; size?: number }): Promise<NatsCluster> {
  const size = opts.size ?? 3;
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const clusterPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = clusterPorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const nodes: NatsNode[] = ports.map((port, i) => {
    const name = `n${i + 1}`;
    const storeDir = join(opts.dir, name);
    mkdirSync(storeDir, { recursive: true });
    const node: NatsNode = {
      name,
      port,
      async start() {
        node.server = await startNatsServer({
          storeDir,
          port,
          extraArgs: ['--server_name', name, '--cluster_name', 'chat', '--cluster', `nats://127.0.0.1:${clusterPorts[i]}`, '--routes', routes],
        });
      },
      async stop() {
        await node.server?.stop();
        node.server = undefined;
      },
    };
    return node;
  });
  await Promise.all(nodes.map((n) => n.start()));
  return {
    url: ports.map((p) => `nats://127.0.0.1:${p}`).join(','),
    nodes,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
