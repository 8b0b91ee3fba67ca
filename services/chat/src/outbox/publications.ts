import { createHash } from 'node:crypto';
import { subjects } from '@chat/nats';
import type { OutboxRow } from './outbox.ts';

/** One JetStream publish: a lone event as it is, or several as one batch message. */
export interface Publication {
  subject: string;
  payload: string;
  /** Nats-Msg-Id: JetStream drops a repeat of it within the stream's duplicate window. */
  msgID: string;
}

/** Events per batch message, and its size: well under NATS's 1 MB default max_payload. */
export const MAX_BATCH_EVENTS = 100;
export const MAX_BATCH_BYTES = 256 * 1024;

/**
 * Groups outbox rows, in order, into JetStream messages. A JetStream message costs the relay,
 * nats-server and broadcast about the same whether it holds one event or many (a publish and
 * its ack, a delivery and its ack), so a commit's rows travel together: on subject
 * `chat.events._batch` as a JSON array. A lone row goes out as before, on its room's subject
 * with its eventId as message id. A batch's message id names the exact set of its events, so
 * re-publishing the same rows after a crash is dropped as a duplicate; a crash that regroups
 * them repeats events, which gateways drop by seq / eid (as after a broadcast redelivery).
 */
export function publications(rows: readonly OutboxRow[]): Publication[] {
  const out: Publication[] = [];
  let group: OutboxRow[] = [];
  let bytes = 0;
  const flush = () => {
    if (group.length === 1) out.push({ subject: group[0]!.subject, payload: group[0]!.payload, msgID: group[0]!.event_id });
    else if (group.length > 1) out.push(batchOf(group));
    group = [];
    bytes = 0;
  };
  for (const row of rows) {
    const size = Buffer.byteLength(row.payload) + 1;
    if (group.length === MAX_BATCH_EVENTS || (group.length > 0 && bytes + size > MAX_BATCH_BYTES)) flush();
    group.push(row);
    bytes += size;
  }
  flush();
  return out;
}

function batchOf(rows: OutboxRow[]): Publication {
  const ids = createHash('sha256');
  for (const r of rows) ids.update(r.event_id).update('\n');
  return {
    subject: subjects.chatEventBatch,
    payload: `[${rows.map((r) => r.payload).join(',')}]`,
    msgID: `batch-${ids.digest('hex').slice(0, 40)}`,
  };
}
