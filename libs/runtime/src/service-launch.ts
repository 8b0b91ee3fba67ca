import { join } from 'node:path';

export type ServiceName = 'chat' | 'broadcast' | 'gateway';

/**
 * V8 options a service starts with. They go in front of the operator's own NODE_OPTIONS, where
 * the last of a repeated option wins, so `NODE_OPTIONS=--max-semi-space-size=0` gives V8's
 * default back. The gateway holds many long-lived, mostly idle sockets: in a login burst V8's
 * young generation grew to 32 MB and stayed that size while the gateway sat idle (S3 in
 * docs/performance.md, item 27); 1 MB semi-spaces keep it at 2 MB for a little CPU per
 * message. deploy/docker-entrypoint.sh sets the same (deploy/test/image.test.ts compares them).
 */
export const SERVICE_V8_OPTIONS: Readonly<Record<ServiceName, string>> = {
  chat: '',
  broadcast: '',
  gateway: '--max-semi-space-size=1',
};

/** How to start `service` from the repository at `root`: node's arguments and its environment. */
export function serviceLaunch(service: ServiceName, root: string, env: NodeJS.ProcessEnv): { args: string[]; env: NodeJS.ProcessEnv } {
  const nodeOptions = [SERVICE_V8_OPTIONS[service], env.NODE_OPTIONS].filter(Boolean).join(' ');
  return {
    args: ['--import', 'tsx', join(root, 'services', service, 'src', 'main.ts')],
    env: nodeOptions ? { ...env, NODE_OPTIONS: nodeOptions } : env,
  };
}
