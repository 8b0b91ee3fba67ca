import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployDir, natsConfEnvRefs, parseNatsConf, readDeploy, repoRoot, SERVICES } from './helpers.ts';
import { findNatsServer, missing, run, versionOf } from './tools.ts';

const dockerfile = readDeploy('Dockerfile');
const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
const stages = dockerfile.split(/^FROM /m).slice(1);
const runtime = stages.at(-1)!;

describe('Dockerfile', () => {
  it('builds every stage from node:20-bookworm-slim', () => {
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(image).toBe('node:20-bookworm-slim');
    for (const from of lines.filter((l) => l.startsWith('FROM '))) expect(from).toMatch(/^FROM (\$\{NODE_IMAGE\}|base) AS \w+$/);
    expect(stages.length).toBeGreaterThanOrEqual(3);
  });

  it('installs production dependencies plus tsx, and no other dev tool reaches the runtime', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/npm pkg set "dependencies\.tsx=/);
    expect(runtime).toMatch(/COPY --from=deps \/app\/node_modules/);
    expect(runtime).not.toMatch(/COPY --from=web \/app\/node_modules/);
    expect(runtime).not.toMatch(/npm (ci|install)/);
  });

  it('runs as a non-root user with a health check and the entrypoint', () => {
    const user = /^USER (\S+)$/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime).toMatch(/^HEALTHCHECK .*CMD \["node", "deploy\/healthcheck\.mjs"\]$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["deploy\/docker-entrypoint\.sh"\]$/m);
    expect(runtime).toMatch(/^ARG SERVICE=gateway$/m);
    expect(runtime).toMatch(/SERVICE=\$\{SERVICE\}/);
  });

  it('copies only paths that exist in the repository', () => {
    for (const line of lines.filter((l) => /^COPY (?!--from)/.test(l))) {
      const sources = line.replace(/^COPY\s+/, '').split(/\s+/).slice(0, -1);
      for (const src of sources) expect(existsSync(resolve(repoRoot, src)), line).toBe(true);
    }
  });
});

describe('docker-entrypoint.sh', () => {
  const entrypoint = resolve(deployDir, 'docker-entrypoint.sh');
  let fakeBin: string;
  beforeAll(() => {
    // A stand-in `node` that prints its arguments: the entrypoint's exec line is what we test.
    fakeBin = mkdtempSync(join(tmpdir(), 'entrypoint-'));
    writeFileSync(join(fakeBin, 'node'), '#!/bin/sh\necho "node $*"\n');
    chmodSync(join(fakeBin, 'node'), 0o755);
  });
  afterAll(() => rmSync(fakeBin, { recursive: true, force: true }));
  const start = (env: Record<string, string>, args: string[] = []) =>
    spawnSync('sh', [entrypoint, ...args], { cwd: repoRoot, encoding: 'utf8', env: { PATH: `${fakeBin}:${process.env.PATH}`, ...env } });

  it('starts the service named by SERVICE through tsx', () => {
    for (const service of SERVICES) {
      const r = start({ SERVICE: service });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(`node --import tsx services/${service}/src/main.ts`);
      expect(existsSync(resolve(repoRoot, `services/${service}/src/main.ts`))).toBe(true);
    }
  });

  it('refuses an unknown or missing SERVICE', () => {
    expect(start({ SERVICE: 'nope' }).status).toBe(64);
    expect(start({}).status).toBe(64);
    expect(start({ SERVICE: 'nope' }).stderr).toMatch(/SERVICE must be gateway, chat or broadcast/);
  });

  it('runs any other command given to the container', () => {
    const r = start({ SERVICE: 'chat' }, ['echo', 'hello']);
    expect(r.stdout.trim()).toBe('hello');
  });
});

describe('healthcheck.mjs', () => {
  let server: Server;
  let port: number;
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/health' ? status : 404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const check = (env: Record<string, string>) =>
    new Promise<number | null>((done) => {
      const child = spawn(process.execPath, [resolve(deployDir, 'healthcheck.mjs')], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
      child.on('exit', (code) => done(code));
    });

  it('asks the gateway on PORT and chat/broadcast on HEALTH_PORT', async () => {
    status = 200;
    expect(await check({ SERVICE: 'gateway', PORT: String(port), HEALTH_PORT: '1' })).toBe(0);
    expect(await check({ SERVICE: 'chat', HEALTH_PORT: String(port), PORT: '1' })).toBe(0);
    expect(await check({ SERVICE: 'broadcast', HEALTH_PORT: String(port) })).toBe(0);
  });

  it('fails on an error status, a closed port or no fixed port', async () => {
    status = 503;
    expect(await check({ SERVICE: 'gateway', PORT: String(port) })).toBe(1);
    status = 200;
    expect(await check({ SERVICE: 'chat', HEALTH_PORT: '0' })).toBe(1);
    server.close();
    expect(await check({ SERVICE: 'gateway', PORT: String(port) })).toBe(1);
  });
});

describe('nats.conf', () => {
  // Debian's nats-server (2.9) predates `sync_interval` (2.10, what the images run): with it,
  // the test checks everything else and leaves that line to the text checks.
  it.each(['nats/nats.conf', 'k8s/base/nats/nats.conf'])('%s is accepted by nats-server -t', (path) => {
    const tool = findNatsServer();
    expect(tool, missing('nats-server', 'nats-server')).toBeDefined();
    const [major, minor] = versionOf(tool!);
    const dir = mkdtempSync(join(tmpdir(), 'nats-conf-'));
    try {
      const original = readDeploy(path);
      let text = original.replace(/store_dir: "[^"]*"/, `store_dir: "${join(dir, 'js')}"`);
      if (major === 2 && minor < 10) text = text.replace(/^\s*sync_interval:.*$/m, '');
      writeFileSync(join(dir, 'nats.conf'), text);
      // Included files (permissions.conf) go beside it, as they are deployed.
      const beside = (file: string) => readDeploy(`${dirname(path)}/${file}`);
      for (const file of parseNatsConf(original).includes) writeFileSync(join(dir, file), beside(file));
      const refs = natsConfEnvRefs(original, beside);
      expect(refs).toEqual(expect.arrayContaining(['SERVER_NAME', 'NATS_GATEWAY_PASS', 'NATS_CHAT_PASS', 'NATS_BROADCAST_PASS']));
      const env = { ...process.env, ...Object.fromEntries(refs.map((ref) => [ref, `test-${ref.toLowerCase()}`])) };
      const r = run(tool!, ['-t', '-c', join(dir, 'nats.conf')], { env });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      // Without the passwords nats-server refuses to start: a missing one cannot go unnoticed.
      const bare = Object.fromEntries(Object.entries(process.env).filter(([k]) => !refs.includes(k)));
      const without = run(tool!, ['-t', '-c', join(dir, 'nats.conf')], { env: { ...bare, SERVER_NAME: 'nats-test' } });
      expect(without.status, without.stderr).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
