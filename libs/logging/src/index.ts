import pino, { type Logger } from 'pino';

export type { Logger };

/** Root logger of a process. JSON always (pretty output is left to a pipe such as pino-pretty). */
export function createLogger(opts: { service: string; level?: string; serverId?: string }): Logger {
  return pino({
    level: opts.level ?? 'info',
    base: { service: opts.service, ...(opts.serverId ? { serverId: opts.serverId } : {}) },
    redact: { paths: ['token', '*.token', 'data.token', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
  });
}
