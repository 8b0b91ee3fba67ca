#!/usr/bin/env node
// The README's two commands land here: `npm start` and `npm test`. Dependency-free on
// purpose: it runs before `npm install`. It installs what is missing (npm packages and,
// through apt, nats-server / postgresql / chromium), says clearly what it can't, then
// hands over to the real command.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const command = process.argv[2];
const say = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`);
const die = (msg) => {
  say(`ERROR: ${msg}`);
  process.exit(1);
};

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  return r.status === 0;
}
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function checkNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) die(`Node.js 20 or newer is required (this is ${process.versions.node})`);
}

function ensureNpmDeps() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const fresh = existsSync(marker) && existsSync(lock) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
  if (fresh) return;
  // `npm install`, not `npm ci`: the lock cannot list optional platform packages that this
  // registry does not serve (rollup's non-linux builds), and `npm ci` refuses such a lock.
  say('installing npm dependencies (npm install)...');
  const ok = run('npm', ['install', '--no-audit', '--no-fund']);
  if (!ok) die('npm could not install the dependencies (is the npm registry reachable?)');
}

let aptUpdated = false;
function aptInstall(packages, why) {
  if (!has('apt-get')) die(`${why}: install ${packages.join(' ')} (no apt-get on this machine)`);
  const prefix = process.getuid?.() === 0 ? [] : has('sudo') ? ['sudo', '-n'] : undefined;
  if (!prefix) die(`${why}: run as root, or install them yourself: apt-get install -y ${packages.join(' ')}`);
  const apt = (...args) => run(prefix[0] ?? 'apt-get', [...prefix.slice(1), ...(prefix.length ? ['apt-get'] : []), ...args], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  say(`${why}: installing ${packages.join(' ')} with apt-get...`);
  if (!aptUpdated) aptUpdated = apt('update', '-qq') || true;
  if (!apt('install', '-y', '-qq', '--no-install-recommends', ...packages)) die(`apt-get could not install ${packages.join(' ')}`);
}

function postgresInstalled() {
  const base = '/usr/lib/postgresql';
  return existsSync(base) && readdirSync(base).some((v) => existsSync(join(base, v, 'bin', 'initdb')));
}

function ensureSystemDeps(kind) {
  const missing = [];
  if (!process.env.NATS_URL || kind === 'test') if (!has('nats-server')) missing.push('nats-server');
  if (kind === 'test') {
    if (!postgresInstalled()) missing.push('postgresql');
    if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
    if (!existsSync('/usr/bin/python3') || spawnSync('/usr/bin/python3', ['-c', 'import websockets']).status !== 0) missing.push('python3-websockets');
    // Deploy checks: `docker-compose config` and `kubectl kustomize` render the manifests.
    if (!has('docker-compose')) missing.push('docker-compose');
    if (!has('kubectl')) missing.push('kubernetes-client');
    if (!has('tmux')) missing.push('tmux'); // the terminal client is tested in a real terminal
  }
  if (missing.length) aptInstall(missing, kind === 'test' ? 'the tests need them' : 'the stack needs them');
}

function handOver(cmd, args) {
  // As libs/runtime's spawnBoundToParent (not importable before npm install): the kernel sends
  // the child SIGTERM if this process is killed outright.
  const bound = spawnSync('setpriv', ['--pdeathsig', 'SIGTERM', '--', 'true'], { stdio: 'ignore' }).status === 0;
  const child = bound ? spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', cmd, ...args], { stdio: 'inherit', cwd: root }) : spawn(cmd, args, { stdio: 'inherit', cwd: root });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  // npm runs scripts through sh, which does not pass signals on, so package.json execs node: a
  // SIGTERM to npm then reaches this process. A parent that dies without a word (npm killed with
  // SIGKILL) would still leave the whole stack running: when the parent is gone, stop too.
  const parent = process.ppid;
  const watch = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      clearInterval(watch);
      child.kill('SIGTERM');
    }
  }, 500);
  watch.unref();
}

checkNode();
if (command === 'start') {
  ensureSystemDeps('start');
  ensureNpmDeps();
  if (!existsSync(join(root, 'clients/web/dist/index.html'))) run('npm', ['run', 'build:web']);
  handOver(process.execPath, ['--import', 'tsx', join(root, 'scripts/stack.ts')]);
} else if (command === 'test') {
  ensureSystemDeps('test');
  ensureNpmDeps();
  mkdirSync(join(root, '.tmp'), { recursive: true });
  handOver(process.execPath, ['--import', 'tsx', join(root, 'scripts/run-tests.ts')]);
} else {
  die(`usage: node scripts/bootstrap.mjs start|test`);
}
