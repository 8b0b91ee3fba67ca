import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/*
 * A port the kernel picked for listen(0) is free again once closed, and the kernel may hand
 * it to the next listen(0) or outgoing connection (a service's health port, a client socket)
 * before the process it was meant for binds it: CI saw a gateway exit with PORT_IN_USE that
 * way. The kernel picks only inside ip_local_port_range, so ports are chosen below it, where
 * only another explicit choice can take them; this process never hands out one port twice.
 */
const LOWEST = 10_000;
const handedOut = new Set<number>();

function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function listenOnce(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** A TCP port that was free a moment ago on `host`, outside the range the kernel hands out by itself. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const top = ephemeralRangeStart();
  for (let attempt = 0; top - LOWEST >= 1000 && attempt < 100; attempt++) {
    const candidate = LOWEST + Math.floor(Math.random() * (top - LOWEST));
    if (handedOut.has(candidate)) continue;
    if ((await listenOnce(candidate, host)) === candidate) {
      handedOut.add(candidate);
      return candidate;
    }
  }
  const port = await listenOnce(0, host);
  if (port === undefined) throw new Error(`no free TCP port on ${host}`);
  return port;
}
