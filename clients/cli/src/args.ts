import { parseArgs } from 'node:util';

export const USAGE = `usage: chat [username] [room] [--host H] [--port P] [--token JWT] [--no-color]

  username   guest name (1-32 of A-Z a-z 0-9 _ . -); ignored with --token
  room       room to open first (default: general; created if missing)
  --host     gateway host, or a base URL such as wss://chat.example.com (default: 127.0.0.1)
  --port     gateway port (default: 3000)
  --token    log in with a JWT instead of as a guest
  --no-color plain output (also when NO_COLOR is set)`;

export interface CliOptions {
  url: string;
  auth: { username: string } | { token: string };
  room: string;
  color: boolean;
}

export type ParsedArgs = { ok: true; options: CliOptions } | { ok: false; message: string; help?: boolean };

/** `fallbackUser` is used when no username is given (the login name, from main). */
export function parseCliArgs(argv: string[], fallbackUser: string): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '3000' },
        token: { type: 'string' },
        'no-color': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return { ok: false, message: `${err instanceof Error ? err.message : String(err)} (see --help)` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: false, help: true, message: USAGE };
  if (positionals.length > 2) return { ok: false, message: `too many arguments: ${positionals.slice(2).join(' ')}` };
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, message: `bad --port: ${values.port} (see --help)` };
  const [username = fallbackUser, room = 'general'] = positionals;
  // Checked here: the SDK only reports a malformed URL as a closed state, while connect()
  // stays pending, so a typo would look like a hang.
  let url: string;
  try {
    url = new URL(gatewayUrl(values.host, port)).toString();
  } catch {
    return { ok: false, message: `bad --host: ${values.host} (see --help)` };
  }
  return {
    ok: true,
    options: {
      url,
      auth: values.token ? { token: values.token } : { username },
      room,
      color: !values['no-color'],
    },
  };
}

/** A bare host gets ws://host:port/ws; a URL is taken as given (its path defaults to /ws). */
export function gatewayUrl(host: string, port: number): string {
  if (!host.includes('://')) return `ws://${host.includes(':') ? `[${host}]` : host}:${port}/ws`;
  const url = new URL(host.replace(/^http/, 'ws'));
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws';
  return url.toString();
}

/** A guest name from the OS login, made valid (the server would refuse anything else). */
export function defaultUsername(login: string | undefined): string {
  const cleaned = (login ?? '').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 32);
  return cleaned || `guest-${Math.random().toString(36).slice(2, 7)}`;
}
