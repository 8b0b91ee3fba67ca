/**
 * What the deploy tests share: the services' config schemas (the one truth about which
 * variables a service reads), YAML loading, and small readers of nats.conf / nginx.conf.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { BroadcastConfig } from '../../services/broadcast/src/config.ts';
import { ChatConfig } from '../../services/chat/src/config.ts';
import { GatewayConfig } from '../../services/gateway/src/config.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const deployDir = resolve(repoRoot, 'deploy');

export type ServiceName = 'gateway' | 'chat' | 'broadcast';
export const SERVICES: readonly ServiceName[] = ['gateway', 'chat', 'broadcast'];
export const SCHEMAS: Record<ServiceName, z.ZodObject> = { gateway: GatewayConfig, chat: ChatConfig, broadcast: BroadcastConfig };
/** Read by deploy/docker-entrypoint.sh and deploy/healthcheck.mjs, not by a service. */
export const ENTRYPOINT_VARS = ['SERVICE'];

export function isServiceName(name: unknown): name is ServiceName {
  return typeof name === 'string' && (SERVICES as readonly string[]).includes(name);
}

/** Variables set for `service` that neither its schema nor the entrypoint knows. */
export function unknownVars(service: ServiceName, names: Iterable<string>): string[] {
  const known = new Set([...Object.keys(SCHEMAS[service].shape), ...ENTRYPOINT_VARS]);
  return [...names].filter((n) => !known.has(n)).sort();
}

/** Parses env the way the service will at start; returns the problems, if any. */
export function configProblems(service: ServiceName, env: Record<string, string>): string | undefined {
  const parsed = SCHEMAS[service].safeParse(env);
  return parsed.success ? undefined : parsed.error.message;
}

export function readDeploy(path: string): string {
  return readFileSync(resolve(deployDir, path), 'utf8');
}

/** One YAML document, with `<<` merge keys resolved (compose files use them). */
export function parseYaml<T>(text: string): T {
  return parse(text, { merge: true }) as T;
}

export function parseYamlStream<T>(text: string): T[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('\n'));
      return doc.toJS() as T | null;
    })
    .filter((doc): doc is T => doc !== null);
}

/** `${VAR:-default}` -> default, `${VAR}` -> '' (what compose does with an empty env). */
export function composeDefaults(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+(?::?-([^}]*))?\}/g, (_m, fallback: string | undefined) => fallback ?? '');
}

export interface NatsConf {
  serverName?: string;
  clientPort?: number;
  monitorPort?: number;
  storeDir?: string;
  syncInterval?: string;
  clusterPort?: number;
  routes: string[];
  envRefs: string[];
  /** Files named by `include`, relative to the including file. */
  includes: string[];
}

/** Reads the few settings the tests check; `nats-server -t` checks the syntax. */
export function parseNatsConf(text: string): NatsConf {
  const body = text.replace(/#.*$/gm, '');
  const value = (re: RegExp) => re.exec(body)?.[1]?.replace(/^"|"$/g, '');
  const port = (re: RegExp) => {
    const v = value(re);
    return v === undefined ? undefined : Number(v.split(':').pop());
  };
  const cluster = /cluster\s*\{([\s\S]*?)\n\}/.exec(body)?.[1] ?? '';
  return {
    serverName: value(/^\s*server_name:\s*(\S+)/m),
    clientPort: port(/^listen:\s*(\S+)/m),
    monitorPort: port(/^http:\s*(\S+)/m),
    storeDir: value(/store_dir:\s*(\S+)/),
    syncInterval: value(/sync_interval:\s*(\S+)/),
    clusterPort: Number(/listen:\s*(\S+)/.exec(cluster)?.[1]?.split(':').pop()),
    routes: [...(/routes:\s*\[([\s\S]*?)\]/.exec(cluster)?.[1] ?? '').matchAll(/nats:\/\/\S+/g)].map((m) => m[0].replace(/,$/, '')),
    envRefs: envRefsOf(body),
    includes: [...body.matchAll(/^\s*include\s+"?([^"\s]+)"?/gm)].map((m) => m[1]!.replace(/^\.\//, '')),
  };
}

/** Bare `$NAME` references: variables nats-server takes from its environment. */
function envRefsOf(confBody: string): string[] {
  // Quoted strings are literal (subjects such as "$JS.API.>"), so only unquoted ones count.
  const unquoted = confBody.replace(/"[^"\n]*"/g, '""');
  return [...new Set([...unquoted.matchAll(/\$([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!))];
}

/**
 * Every environment variable a nats.conf needs, with those of the files it includes;
 * `read` returns an included file's text by its name relative to the nats.conf.
 */
export function natsConfEnvRefs(text: string, read: (name: string) => string): string[] {
  const conf = parseNatsConf(text);
  const refs = new Set(conf.envRefs);
  for (const name of conf.includes) for (const ref of natsConfEnvRefs(read(name), read)) refs.add(ref);
  return [...refs];
}

export interface NatsUser {
  user: string;
  /** The variable its password comes from (`password: $VAR`), if it is one. */
  passwordEnv?: string;
}

/** The users of an `authorization { users: [...] }` block (permissions.conf). */
export function parseNatsUsers(text: string): NatsUser[] {
  const body = text.replace(/#.*$/gm, '');
  return [...body.matchAll(/\buser:\s*"?([\w-]+)"?\s+password:\s*(\S+)/g)].map((m) => ({
    user: m[1]!,
    passwordEnv: /^\$([A-Z_][A-Z0-9_]*)$/.exec(m[2]!)?.[1],
  }));
}

/** `proxy_read_timeout 3600s;` -> 3600 (seconds); nginx's suffixes s, m, h. */
export function nginxSeconds(conf: string, directive: string): number | undefined {
  const m = new RegExp(`^\\s*${directive}\\s+(\\d+)(s|m|h)?\\s*;`, 'm').exec(conf);
  if (!m) return undefined;
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? 's']!;
}
