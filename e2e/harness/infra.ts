/**
 * Infrastructure for whole-stack tests: NATS and PostgreSQL in containers (testcontainers)
 * when a Docker engine is reachable, else the local binaries (nats-server, Debian's
 * postgresql). The same test files run either way. Force one with E2E_INFRA=containers|local.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenericContainer, getContainerRuntimeClient, Wait } from 'testcontainers';
import { startNatsServer } from '@chat/nats';
import { startPostgres } from '@chat/testing';

export type InfraMode = 'containers' | 'local';

export interface Service {
  url: string;
  stop(): Promise<void>;
  /** Stops and starts the server again on the same address and data. */
  restart(): Promise<void>;
}

let detected: Promise<InfraMode> | undefined;

export function infraMode(): Promise<InfraMode> {
  const forced = process.env.E2E_INFRA;
  if (forced === 'containers' || forced === 'local') return Promise.resolve(forced);
  detected ??= Promise.race([
    getContainerRuntimeClient().then(() => 'containers' as const, () => 'local' as const),
    new Promise<InfraMode>((resolve) => setTimeout(() => resolve('local'), 5000).unref()),
  ]);
  return detected;
}

export async function startPostgresService(): Promise<Service> {
  if ((await infraMode()) === 'local') return startPostgres();
  const c = await new GenericContainer('postgres:16-alpine')
    .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
    .withCommand(['postgres', '-c', 'fsync=on', '-c', 'synchronous_commit=on'])
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
    .start();
  return {
    url: `postgres://postgres:postgres@${c.getHost()}:${c.getMappedPort(5432)}/postgres`,
    stop: async () => void (await c.stop()),
    restart: () => c.restart(),
  };
}

export async function startNatsService(): Promise<Service> {
  if ((await infraMode()) === 'local') {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-nats-'));
    let nats = await startNatsServer({ storeDir: dir });
    return {
      url: nats.url,
      stop: async () => (await nats.stop(), rmSync(dir, { recursive: true, force: true })),
      restart: async () => {
        await nats.stop();
        nats = await startNatsServer({ storeDir: dir, port: nats.port });
      },
    };
  }
  const c = await new GenericContainer('nats:2.10-alpine').withCommand(['-js']).withExposedPorts(4222).withWaitStrategy(Wait.forLogMessage(/Server is ready/)).start();
  return { url: `nats://${c.getHost()}:${c.getMappedPort(4222)}`, stop: async () => void (await c.stop()), restart: () => c.restart() };
}
