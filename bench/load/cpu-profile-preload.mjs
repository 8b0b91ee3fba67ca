// Preloaded into server processes by `bench/run.ts --profile` (NODE_OPTIONS=--import ...):
// Node 20 refuses --cpu-prof in NODE_OPTIONS, and scripts/stack.ts starts the services
// itself, so this starts the V8 profiler through node:inspector and writes
// $BENCH_CPU_PROF_DIR/<script>-<pid>.cpuprofile when the process exits. Plain JS on purpose:
// it runs before the TypeScript loader is registered.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const script = process.argv[1] ?? 'node';
  const name = basename(script).replace(/\.[cm]?[jt]s$/, '') === 'main' ? basename(dirname(dirname(script))) : basename(script).replace(/\.[cm]?[jt]s$/, '');
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // The in-process inspector answers synchronously, so this works inside 'exit'.
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
