/**
 * Broadcast: JetStream consumer -> core NATS fan-out.
 *
 * Guarantees: an event is acked only after its fan-out messages were written to the same
 * NATS connection (the server sees them before the ack), so a crash redelivers instead of
 * losing. Redelivery can repeat a fan-out; gateways drop repeats by `seq` / `eid`.
 * Order: one replica handles its events in stream order; with several replicas a room's
 * events may interleave, and gateways restore seq order (buffer + fill from the database).
 */
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { ChatEvent } from '@chat/contracts';
import type { Logger } from '@chat/logging';
import { BROADCAST_CONSUMER, retryFor, STREAM } from '@chat/nats';
import { eventToFanout } from './fanout.ts';

export interface BroadcastStats {
  events: number;
  published: number;
  redelivered: number;
  malformed: number;
}

export function createBroadcaster(deps: { nc: NatsConnection; log: Logger }) {
  const log = deps.log.child({ module: 'broadcast' });
  const stats: BroadcastStats = { events: 0, published: 0, redelivered: 0, malformed: 0 };
  let messages: ConsumerMessages | undefined;
  let loop: Promise<void> | undefined;

  function handle(msg: JsMsg) {
    const parsed = ChatEvent.safeParse(msg.json());
    if (!parsed.success) {
      stats.malformed += 1;
      log.error({ subject: msg.subject, seq: msg.seq }, 'malformed event; terminating it');
      msg.term();
      return;
    }
    if (msg.redelivered) stats.redelivered += 1;
    for (const out of eventToFanout(parsed.data)) {
      const h = headers();
      h.set('k', out.kind);
      h.set('eid', out.eventId);
      if (out.seq !== undefined) h.set('seq', String(out.seq));
      if (out.storedAt !== undefined) h.set('ts', String(out.storedAt));
      deps.nc.publish(out.subject, out.payload, { headers: h });
      stats.published += 1;
    }
    stats.events += 1;
    msg.ack();
  }

  return {
    stats,
    async start() {
      const js = jetstream(deps.nc);
      const consumer = await retryFor(() => js.consumers.get(STREAM, BROADCAST_CONSUMER));
      messages = await consumer.consume({ max_messages: 1000 });
      loop = (async () => {
        for await (const msg of messages!) {
          try {
            handle(msg);
          } catch (err) {
            log.error({ err }, 'fan-out failed; event will be redelivered');
            msg.nak(500);
          }
        }
      })();
      log.info('broadcast consuming');
    },
    /** Stops pulling; what was handled is acked (acks are flushed by the caller's drain). */
    async stop() {
      await messages?.close();
      await loop;
    },
    async pending(): Promise<number> {
      const js = jetstream(deps.nc);
      const info = await (await js.consumers.get(STREAM, BROADCAST_CONSUMER)).info(true);
      return info.num_pending + info.num_ack_pending;
    },
  };
}
