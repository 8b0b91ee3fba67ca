import { AckPolicy, DeliverPolicy, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { retryFor } from './retry.ts';
import { BROADCAST_CONSUMER, STREAM, subjects } from './subjects.ts';

const DAY_NS = 24 * 60 * 60 * 1e9;

/**
 * Creates or updates the event stream and the broadcast consumer. Idempotent, so every
 * service that needs them can call it at start.
 * `duplicate_window` is what makes outbox re-publishes after a crash harmless.
 */
export async function ensureEventStream(nc: NatsConnection, opts: { replicas?: number; timeoutMs?: number } = {}): Promise<void> {
  await retryFor(() => ensureEventStreamOnce(nc, opts.replicas ?? 1), opts.timeoutMs);
}

async function ensureEventStreamOnce(nc: NatsConnection, replicas: number): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: STREAM,
    subjects: [subjects.chatEventsAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 7 * DAY_NS,
    duplicate_window: 5 * 60 * 1e9,
    num_replicas: replicas,
  };
  try {
    await jsm.streams.info(STREAM);
    await jsm.streams.update(STREAM, config);
  } catch {
    await jsm.streams.add(config);
  }
  try {
    await jsm.consumers.info(STREAM, BROADCAST_CONSUMER);
  } catch {
    await jsm.consumers.add(STREAM, {
      durable_name: BROADCAST_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      ack_wait: 10 * 1e9,
      max_ack_pending: 10_000,
    });
  }
}
