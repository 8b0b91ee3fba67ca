import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeDefaults, configProblems, deployDir, isServiceName, natsConfEnvRefs, nginxSeconds, parseNatsConf, parseNatsUsers, parseYaml, readDeploy, repoRoot, unknownVars } from './helpers.ts';
import { findCompose, missing, run } from './tools.ts';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  networks?: Record<string, { aliases?: string[] } | null>;
  restart?: string;
  stop_grace_period?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parseYaml<ComposeFile>(readDeploy('docker-compose.yml'));
const services = Object.entries(compose.services);
const envOf = (s: ComposeService) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, composeDefaults(String(v))]));
const appServices = services.filter(([, s]) => s.build);
const byRole = (role: string) => services.filter(([name]) => name.startsWith(`${role}-`));
const seconds = (d = '10s') => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);

describe('docker-compose.yml', () => {
  it('is valid for docker compose (`config` resolves it)', () => {
    const tool = findCompose();
    expect(tool, missing('docker compose', 'docker-compose')).toBeDefined();
    const r = run(tool!, ['-f', resolve(deployDir, 'docker-compose.yml'), 'config'], { cwd: repoRoot });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status, r.stderr).toBe(0);
    const resolved = parseYaml<ComposeFile>(r.stdout);
    expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(compose.services).sort());
    expect(resolved.services['chat-1']?.environment?.STREAM_REPLICAS).toBe('3');
  });

  it('runs three NATS nodes, PostgreSQL, two replicas of each service and nginx', () => {
    expect(byRole('nats').map(([n]) => n)).toEqual(['nats-1', 'nats-2', 'nats-3']);
    for (const role of ['chat', 'broadcast', 'gateway']) expect(byRole(role).map(([n]) => n)).toEqual([`${role}-1`, `${role}-2`]);
    expect(compose.services.postgres?.image).toMatch(/^postgres:16/);
    expect(compose.services.nginx?.image).toMatch(/^nginx:/);
    for (const [name, s] of byRole('nats')) expect(s.image, name).toMatch(/^nats:2\.(1\d|[2-9]\d)/);
  });

  it('builds every service from deploy/Dockerfile and picks it with SERVICE', () => {
    expect(appServices).toHaveLength(6);
    for (const [name, s] of appServices) {
      expect(existsSync(resolve(deployDir, s.build!.context, s.build!.dockerfile)), name).toBe(true);
      expect(envOf(s).SERVICE, name).toBe(name.replace(/-\d+$/, ''));
    }
  });

  it('sets for each service only variables of its config schema, with values it accepts', () => {
    for (const [name, s] of appServices) {
      const env = envOf(s);
      const service = env.SERVICE;
      if (!isServiceName(service)) throw new Error(`${name}: SERVICE=${service}`);
      expect(unknownVars(service, Object.keys(env)), name).toEqual([]);
      expect(configProblems(service, env), name).toBeUndefined();
    }
  });

  it('runs R3 streams and gives chat and broadcast a fixed health port', () => {
    for (const [name, s] of [...byRole('chat'), ...byRole('broadcast')]) {
      expect(envOf(s).STREAM_REPLICAS, name).toBe('3');
      expect(Number(envOf(s).HEALTH_PORT), name).toBeGreaterThan(0);
    }
    expect(byRole('nats').length).toBeGreaterThanOrEqual(3);
  });

  it('points every service at all NATS nodes with its own NATS user and password', () => {
    const nodes = byRole('nats').map(([n]) => n);
    const conf = parseNatsConf(readDeploy('nats/nats.conf'));
    const users = parseNatsUsers(readDeploy('nats/permissions.conf'));
    expect(users.map((u) => u.user).sort()).toEqual(['broadcast', 'chat', 'gateway']);
    const passwords = new Map<string, string>();
    for (const [name, s] of appServices) {
      const env = envOf(s);
      const hosts = env.NATS_URL!.split(',').map((u) => new URL(u.trim()).hostname);
      expect(hosts.sort(), name).toEqual(nodes);
      for (const u of env.NATS_URL!.split(',')) expect(new URL(u.trim()).port, name).toBe(String(conf.clientPort));
      expect(env.NATS_USER, name).toBe(env.SERVICE);
      const user = users.find((u) => u.user === env.NATS_USER);
      expect(user?.passwordEnv, `${name}: permissions.conf user ${env.NATS_USER}`).toBeTruthy();
      for (const [node, n] of byRole('nats')) expect(env.NATS_PASS, `${name} on ${node}`).toBe(envOf(n)[user!.passwordEnv!]);
      passwords.set(env.SERVICE!, env.NATS_PASS!);
    }
    // One password per user: a shared one would let any service log in as another.
    expect(new Set(passwords.values()).size).toBe(3);
  });

  it('shares one JWT secret between the gateways and connects chat to the postgres service', () => {
    const secrets = new Set(byRole('gateway').map(([, s]) => envOf(s).JWT_SECRET));
    expect(secrets.size).toBe(1);
    expect([...secrets][0]!.length).toBeGreaterThanOrEqual(16);
    const pg = envOf(compose.services.postgres!);
    for (const [name, s] of byRole('chat')) {
      const url = new URL(envOf(s).DATABASE_URL!);
      expect(url.hostname, name).toBe('postgres');
      expect(decodeURIComponent(url.username), name).toBe(pg.POSTGRES_USER);
      expect(decodeURIComponent(url.password), name).toBe(pg.POSTGRES_PASSWORD);
      expect(url.pathname, name).toBe(`/${pg.POSTGRES_DB}`);
    }
  });

  it('gives every service a health check and waits on healthy dependencies only', () => {
    for (const [name, s] of services) {
      expect(s.healthcheck?.test.length, name).toBeGreaterThan(1);
      expect(s.restart, name).toBe('unless-stopped');
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(compose.services[dep], `${name} -> ${dep}`).toBeDefined();
        expect(condition, `${name} -> ${dep}`).toBe('service_healthy');
      }
    }
    for (const [name, s] of appServices) expect(s.healthcheck!.test, name).toContain('deploy/healthcheck.mjs');
    expect(existsSync(resolve(deployDir, 'healthcheck.mjs'))).toBe(true);
  });

  it('mounts only declared named volumes and existing files', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const used = new Set<string>();
    for (const [name, s] of services) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) expect(existsSync(resolve(deployDir, source)), `${name}: ${v}`).toBe(true);
        else {
          expect(declared, `${name}: ${v}`).toContain(source);
          used.add(source);
        }
      }
    }
    expect([...used].sort()).toEqual(declared.sort());
  });

  it('clusters the NATS nodes with JetStream fsync on every write', () => {
    const conf = parseNatsConf(readDeploy('nats/nats.conf'));
    const envRefs = natsConfEnvRefs(readDeploy('nats/nats.conf'), (file) => readDeploy(`nats/${file}`));
    expect(conf.includes).toEqual(['permissions.conf']);
    expect(conf.syncInterval).toBe('always');
    expect(conf.routes.map((r) => new URL(r).hostname).sort()).toEqual(byRole('nats').map(([n]) => n));
    for (const r of conf.routes) expect(new URL(r).port).toBe(String(conf.clusterPort));
    const names = new Set<string>();
    for (const [name, s] of byRole('nats')) {
      const mounts = Object.fromEntries((s.volumes ?? []).map((v) => [v.split(':')[1], v.split(':')[0]]));
      const configPath = s.command![s.command!.indexOf('--config') + 1]!;
      expect(mounts[configPath], name).toBe('./nats/nats.conf');
      // An include is relative to the including file: mounted beside it.
      for (const file of conf.includes) expect(mounts[`${dirname(configPath)}/${file}`], `${name}: ${file}`).toBe(`./nats/${file}`);
      expect(compose.volumes, name).toHaveProperty(mounts[conf.storeDir!]!);
      for (const ref of envRefs) expect(envOf(s)[ref], `${name}: $${ref}`).toBeTruthy();
      names.add(envOf(s).SERVER_NAME!);
      expect(s.healthcheck!.test.join(' '), name).toContain(`:${conf.monitorPort}/healthz`);
    }
    expect(names.size).toBe(3);
  });

  it('runs PostgreSQL with fsync and synchronous_commit on', () => {
    const command = compose.services.postgres!.command!.join(' ');
    expect(command).toContain('fsync=on');
    expect(command).toContain('synchronous_commit=on');
    expect(command).not.toMatch(/fsync=off|synchronous_commit=(off|local)/);
  });

  it('puts nginx in front of the gateways with WebSocket upgrades and long timeouts', () => {
    const conf = readDeploy('nginx/nginx.conf');
    const mount = compose.services.nginx!.volumes!.find((v) => v.includes('nginx.conf'))!;
    expect(mount.split(':')[1]).toBe('/etc/nginx/nginx.conf');
    const target = /set \$gateway http:\/\/([a-z0-9-]+):(\d+);/.exec(conf);
    expect(target, 'proxy target').not.toBeNull();
    for (const [name, s] of byRole('gateway')) {
      expect(s.networks?.default?.aliases, name).toContain(target![1]);
      expect(envOf(s).PORT, name).toBe(target![2]);
      expect(envOf(s).TRUST_PROXY, name).toBe('true');
    }
    expect(conf).toMatch(/proxy_http_version 1\.1;/);
    expect(conf).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(conf).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(conf).toMatch(/proxy_set_header X-Forwarded-For/);
    expect(nginxSeconds(conf, 'proxy_read_timeout')).toBeGreaterThanOrEqual(3600);
    expect(nginxSeconds(conf, 'proxy_send_timeout')).toBeGreaterThanOrEqual(3600);
  });

  it('gives the gateways longer than their 10 s drain to stop', () => {
    for (const [name, s] of byRole('gateway')) expect(seconds(s.stop_grace_period), name).toBeGreaterThanOrEqual(15);
  });
});
