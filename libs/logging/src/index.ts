import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Root logger of a process. JSON always (pretty output is left to a pipe such as pino-pretty).
 *
 * Written synchronously: pino's default asynchronous stdout flushes itself when the process
 * exits, and when stdout's reader has gone (a closed terminal, a harness that closed its
 * pipes) that flush retries EPIPE forever (sonic-boom 4), so a stopping service hung inside
 * process.exit. A synchronous write sees EPIPE at once and pino stops logging instead. The
 * services log lifecycle events and failures, not every request, so the writes are few.
 */
export function createLogger(opts: { service: string; level?: string; serverId?: string }): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: opts.service, ...(opts.serverId ? { serverId: opts.serverId } : {}) },
      redact: { paths: ['token', '*.token', 'data.token', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
