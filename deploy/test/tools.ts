/**
 * Finds the command-line tools the deploy tests drive. No dependencies: only
 * node:child_process. A tool counts as found when its version command exits 0.
 *
 * - compose:   `docker compose` (v2 plugin) or `docker-compose` (v1; Debian: docker-compose)
 * - kustomize: `kustomize`, else `kubectl kustomize` (Debian: kubernetes-client)
 * - nats:      `nats-server` (Debian: nats-server), also NATS_SERVER_BIN
 */
import { spawnSync } from 'node:child_process';

export interface Tool {
  /** Executable and the leading arguments that select the subcommand. */
  cmd: string;
  args: string[];
  /** First line the version command printed. */
  version: string;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(tool: Tool, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(tool.cmd, [...tool.args, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

function probe(cmd: string, args: string[], versionArgs: string[]): Tool | undefined {
  const r = spawnSync(cmd, [...args, ...versionArgs], { encoding: 'utf8', timeout: 15_000 });
  if (r.error || r.status !== 0) return undefined;
  const version = `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '';
  return { cmd, args, version };
}

export function findCompose(): Tool | undefined {
  return probe('docker', ['compose'], ['version']) ?? probe('docker-compose', [], ['version']);
}

export function findKustomize(): Tool | undefined {
  const standalone = probe('kustomize', [], ['version']);
  if (standalone) return { ...standalone, args: ['build'] };
  const kubectl = probe('kubectl', [], ['version', '--client']);
  return kubectl && probe('kubectl', ['kustomize'], ['--help']) ? { ...kubectl, args: ['kustomize'] } : undefined;
}

export function findNatsServer(): Tool | undefined {
  for (const cmd of [process.env.NATS_SERVER_BIN, 'nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server']) {
    const tool = cmd ? probe(cmd, [], ['--version']) : undefined;
    if (tool) return tool;
  }
  return undefined;
}

/** "nats-server: v2.9.10" -> [2, 9, 10]; unknown parts are 0. */
export function versionOf(tool: Tool): [number, number, number] {
  const m = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(tool.version);
  return [Number(m?.[1] ?? 0), Number(m?.[2] ?? 0), Number(m?.[3] ?? 0)];
}

/** The message a test fails with when a tool is missing. */
export function missing(what: string, debianPackage: string): string {
  return `${what} not found: install it (apt-get install -y ${debianPackage}); the bootstrap does this for \`npm test\``;
}
