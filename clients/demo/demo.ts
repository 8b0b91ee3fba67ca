/**
 * `npx tsx clients/demo/demo.ts [--users 3] [--messages 5] [--room demo] [--host 127.0.0.1]
 *   [--port 3000] [--delay 0.05] [--timeout 10] [--quiet]`
 *
 * The TypeScript twin of demo.py, on @chat/sdk: simulated guest users chat in one room, the
 * script prints what each received and a latency summary, and exits 1 if any message was
 * lost (2: bad arguments). Wiring only; the scenario is src/scenario.ts.
 */
import { parseArgs } from 'node:util';
import { runDemo, type DemoOptions } from './src/scenario.ts';

const USAGE = `usage: demo.ts [--users N] [--messages N] [--room ID] [--host H] [--port P] [--delay S] [--timeout S] [--quiet]
  --users     simulated users (default 3)
  --messages  messages per user (default 5)
  --room      room id (default demo; created if missing)
  --host      gateway host (default 127.0.0.1)
  --port      gateway port (default 3000)
  --delay     seconds between a user's messages (default 0.05: 5 messages fit the rate limit's burst of 20)
  --timeout   seconds to wait for replies and deliveries (default 10)
  --quiet     per-user totals only, not every message`;

function parse(argv: string[]): DemoOptions | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        users: { type: 'string', default: '3' },
        messages: { type: 'string', default: '5' },
        room: { type: 'string', default: 'demo' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '3000' },
        delay: { type: 'string', default: '0.05' },
        timeout: { type: 'string', default: '10' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    return `${err instanceof Error ? err.message : String(err)}\n${USAGE}`;
  }
  if (values.help) return USAGE;
  const o: DemoOptions = {
    users: Number(values.users),
    messages: Number(values.messages),
    room: values.room,
    host: values.host,
    port: Number(values.port),
    delayS: Number(values.delay),
    timeoutS: Number(values.timeout),
    quiet: values.quiet,
  };
  if (!Number.isInteger(o.users) || o.users < 1 || !Number.isInteger(o.messages) || o.messages < 1) return `--users and --messages must be integers >= 1\n${USAGE}`;
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) return `bad --port\n${USAGE}`;
  if (!(o.delayS >= 0) || !(o.timeoutS > 0)) return `--delay must be >= 0 and --timeout > 0\n${USAGE}`;
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(o.room)) return `--room must match ^[a-z0-9][a-z0-9_-]{0,63}$\n${USAGE}`;
  return o;
}

const options = parse(process.argv.slice(2));
if (typeof options === 'string') {
  const help = process.argv.includes('--help') || process.argv.includes('-h');
  (help ? process.stdout : process.stderr).write(`${options}\n`);
  process.exit(help ? 0 : 2);
}
process.exitCode = await runDemo(options, (line) => process.stdout.write(`${line}\n`));
