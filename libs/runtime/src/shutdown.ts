import type { Logger } from '@chat/logging';

type Step = () => unknown;

/**
 * Runs the steps in order on SIGTERM/SIGINT/SIGHUP (pass them in reverse order of start), then
 * exits. A second SIGINT (Ctrl-C twice), or a step hanging past the deadline, exits at once;
 * a repeated SIGTERM (a supervisor and a process-group kill both sending one) is ignored so
 * the graceful path can finish.
 */
export function onShutdown(log: Logger, steps: Step[], opts: { deadlineMs?: number } = {}): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      if (signal === 'SIGINT') process.exit(1);
      return;
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, opts.deadlineMs ?? 9000);
    deadline.unref();
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        log.warn({ err }, 'shutdown step failed');
      }
    }
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // A closed terminal hangs up the whole process group: stop cleanly rather than die mid-write.
  process.on('SIGHUP', () => void stop('SIGHUP'));
}
