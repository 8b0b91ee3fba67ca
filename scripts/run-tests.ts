/**
 * `npm test` after bootstrap: typecheck, build the web client, run every vitest suite, then
 * print one closing line `tests: N passed, N failed` that CI reads.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const step = (name: string, cmd: string, args: string[]) => {
  process.stderr.write(`\n[test] ${name}\n`);
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status === 0;
};

if (!step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json'])) {
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
step('build web client', 'npm', ['run', 'build:web']);
const report = join(root, '.tmp', 'vitest-report.json');
const ok = step('vitest', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
let passed = 0;
let failed = ok ? 0 : 1;
try {
  const r = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number; numFailedTestSuites: number };
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  // A file that failed to load fails no test but must still count.
  if (!ok && failed === 0) failed = Math.max(1, r.numFailedTestSuites);
} catch {
  // no report: vitest itself failed to run
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
