/**
 * Broadcast: JetStream consumer -> core NATS fan-out.
 *
 * A stream message holds one event, or a batch of them in commit order (the outbox relay's,
 * on `chat.events._batch`); a batch is fanned out in order and acked once.
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
import { eventsIn } from './stream-events.ts';

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

  function fanOut(event: ChatEvent) {
    for (const out of eventToFanout(event)) {
      const h = headers();
      h.set('k', out.kind);
      h.set('eid', out.eventId);
      if (out.seq !== undefined) h.set('seq', String(out.seq));
      if (out.storedAt !== undefined) h.set('ts', String(out.storedAt));
      deps.nc.publish(out.subject, out.payload, { headers: h });
      stats.published += 1;
    }
    stats.events += 1;
  }

  /** Fans out a message's events in order; one that is not a valid event is skipped and counted. */
  function handle(msg: JsMsg) {
    const events = eventsIn(msg);
    let handled = 0;
    for (const body of events ?? []) {
      const parsed = ChatEvent.safeParse(body);
      if (parsed.success) {
        fanOut(parsed.data);
        handled += 1;
      } else {
        stats.malformed += 1;
        log.error({ subject: msg.subject, seq: msg.seq, issues: parsed.error.issues.slice(0, 3) }, 'malformed event; skipping it');
      }
    }
    if (msg.redelivered) stats.redelivered += 1;
    // Nothing usable: redelivering it would fail the same way.
    if (handled === 0) {
      if (events === undefined) stats.malformed += 1;
      log.error({ subject: msg.subject, seq: msg.seq }, 'no valid event in message; terminating it');
      msg.term();
      return;
    }
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
