import { randomUUID } from 'node:crypto';
import { eventRoomId, type ChatEvent } from '@chat/contracts';
import { subjects } from '@chat/nats';
import type { Row, Sql } from '../db/database.ts';

type NewEvent = ChatEvent extends infer E ? (E extends ChatEvent ? Omit<E, 'eventId' | 'occurredAt'> : never) : never;

/**
 * Writes an event into the outbox inside the caller's transaction, so the event exists
 * exactly when the change it describes was committed. Its eventId names it on the bus, and
 * in the Nats-Msg-Id that lets JetStream drop a re-publish (publications.ts).
 */
export async function appendEvent(q: Sql, event: NewEvent): Promise<void> {
  const { eventId, subject, full } = newOutboxEvent(event);
  await q.query('INSERT INTO outbox (event_id, subject, payload) VALUES ($1, $2, $3)', [eventId, subject, JSON.stringify(full)]);
}

/** An event with its id and time, and the subject it goes out on. */
export function newOutboxEvent<E extends NewEvent>(event: E): { eventId: string; subject: string; full: E & { eventId: string; occurredAt: number } } {
  const full = { ...event, eventId: randomUUID(), occurredAt: Date.now() };
  return { eventId: full.eventId, subject: subjects.chatEvent(eventRoomId(full as ChatEvent)), full };
}

/** An outbox row as the relay reads and publishes it. */
export interface OutboxRow extends Row {
  id: number;
  event_id: string;
  subject: string;
  payload: string;
}
