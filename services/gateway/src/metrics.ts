import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

export function createGatewayMetrics(opts: { connections: () => number; rooms: () => number; fanoutIn: () => number; natsReconnects: () => number }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Counted per delivery, the hottest path there is: a plain number, read at scrape time.
  const sent = { frames: 0 };
  return {
    registry,
    sent,
    connections: new Gauge({ name: 'gateway_connections', help: 'open WebSocket connections', registers: [registry], collect() { this.set(opts.connections()); } }),
    rooms: new Gauge({ name: 'gateway_subscribed_rooms', help: 'rooms with a local subscription', registers: [registry], collect() { this.set(opts.rooms()); } }),
    fanoutIn: new Counter({ name: 'gateway_fanout_messages_total', help: 'fan-out messages received from NATS', registers: [registry], collect() { this.reset(); this.inc(opts.fanoutIn()); } }),
    natsReconnects: new Counter({ name: 'nats_reconnects_total', help: 'NATS reconnects of this process', registers: [registry], collect() { this.reset(); this.inc(opts.natsReconnects()); } }),
    framesSent: new Counter({ name: 'gateway_frames_sent_total', help: 'frames written to sockets (deliveries)', registers: [registry], collect() { this.reset(); this.inc(sent.frames); } }),
    slowConsumers: new Counter({ name: 'gateway_slow_consumers_total', help: 'connections closed 1013 for not keeping up', registers: [registry] }),
    fanoutLatency: new Histogram({
      name: 'gateway_fanout_latency_seconds',
      help: 'from a message being stored to its frame reaching this gateway',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    logins: new Counter({ name: 'gateway_logins_total', help: 'logins by result', labelNames: ['result'] as const, registers: [registry] }),
    requests: new Counter({ name: 'gateway_requests_total', help: 'requests by type and result', labelNames: ['type', 'result'] as const, registers: [registry] }),
    rateLimited: new Counter({ name: 'gateway_rate_limited_total', help: 'requests refused by a rate limit', registers: [registry] }),
    requestSeconds: new Histogram({
      name: 'gateway_request_seconds',
      help: 'request handling time',
      labelNames: ['type'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    messagesPerSecond: createRateMeter(),
  };
}

/** Messages acked per second over the last 10 s (for /api/v1/stats). */
function createRateMeter() {
  const buckets = new Map<number, number>();
  return {
    mark() {
      const s = Math.floor(Date.now() / 1000);
      buckets.set(s, (buckets.get(s) ?? 0) + 1);
      for (const k of buckets.keys()) if (k < s - 10) buckets.delete(k);
    },
    rate(): number {
      const s = Math.floor(Date.now() / 1000);
      let total = 0;
      for (const [k, v] of buckets) if (k >= s - 10 && k < s) total += v;
      return total / 10;
    },
  };
}
