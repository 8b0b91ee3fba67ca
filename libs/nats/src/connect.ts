import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@chat/logging';
import { skipErrorOnSettledRequests } from './settled-request.ts';

export type { NatsConnection };

const disconnected = new WeakSet<NatsConnection>();
const reconnects = new WeakMap<NatsConnection, number>();

export function natsReconnects(nc: NatsConnection): number {
  return reconnects.get(nc) ?? 0;
}

/** False while the client is between a disconnect and a reconnect (or closed). */
export function isNatsConnected(nc: NatsConnection): boolean {
  return !nc.isClosed() && !disconnected.has(nc);
}

export interface NatsOptions {
  url: string;
  name: string;
  user?: string;
  pass?: string;
}

/**
 * Connects and keeps reconnecting forever: a service must outlive a NATS outage, not exit.
 * Status changes are logged so an operator sees disconnects and reconnects.
 */
export async function connectNats(opts: NatsOptions, log: Logger): Promise<NatsConnection> {
  skipErrorOnSettledRequests();
  const nc = await connect({
    servers: opts.url.split(',').map((s) => s.trim()),
    name: opts.name,
    user: opts.user,
    pass: opts.pass,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
    // Stack traces for every request's possible timeout cost ~3% of a gateway's CPU.
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'ping') continue;
      if (status.type === 'disconnect') disconnected.add(nc);
      if (status.type === 'reconnect') {
        disconnected.delete(nc);
        reconnects.set(nc, natsReconnects(nc) + 1);
      }
      log.info({ nats: status.type }, 'nats status');
    }
  })();
  log.info({ server: nc.getServer() }, 'nats connected');
  return nc;
}

/**
 * Publishes an ephemeral signal (typing, presence, heartbeats). On a connection that is
 * closing or draining the signal is dropped: losing one is harmless, throwing from a timer
 * or a late callback during shutdown is not.
 */
export function publishSignal(nc: NatsConnection, subject: string, payload: string): void {
  if (nc.isClosed() || nc.isDraining()) return;
  try {
    nc.publish(subject, payload);
  } catch {
    // closed between the check and the publish
  }
}
