/**
 * Decides, after a run, whether anything acked was lost, duplicated or reordered — from
 * what each client recorded and what the database holds, not from eyeballing logs.
 */
export interface ClientHistory {
  name: string;
  rooms: string[];
  /** Acks the client received: message id, room, seq. */
  acked: Array<{ id: string; roomId: string; seq: number }>;
  /** message.received in arrival order. */
  received: Array<{ id: string; roomId: string; seq: number }>;
  sent: number;
}

export interface Verdict {
  sent: number;
  acked: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Problems in the stored sequence itself: gaps or repeated seqs. */
  storeGaps: number;
  problems: string[];
}

export function checkHistories(clients: ClientHistory[], stored: Map<string, Array<{ id: string; seq: number }>>): Verdict {
  const problems: string[] = [];
  let storeGaps = 0;
  const storedIds = new Map<string, { roomId: string; seq: number }>();
  for (const [roomId, rows] of stored) {
    rows.forEach((row, i) => {
      if (row.seq !== i + 1) {
        storeGaps += 1;
        problems.push(`${roomId}: stored seq ${row.seq} at position ${i + 1}`);
      }
      storedIds.set(row.id, { roomId, seq: row.seq });
    });
  }
  const acked = new Map<string, { roomId: string; seq: number }>();
  for (const c of clients) for (const a of c.acked) acked.set(a.id, a);
  let lost = 0;
  for (const [id, a] of acked) {
    const s = storedIds.get(id);
    if (!s || s.seq !== a.seq || s.roomId !== a.roomId) {
      lost += 1;
      problems.push(`acked ${a.roomId}#${a.seq} (${id}) is not stored as acked`);
    }
  }
  let delivered = 0;
  let duplicated = 0;
  let reordered = 0;
  for (const c of clients) {
    for (const roomId of c.rooms) {
      const got = c.received.filter((m) => m.roomId === roomId);
      delivered += got.length;
      const seen = new Set<number>();
      let last = 0;
      for (const m of got) {
        if (seen.has(m.seq)) {
          duplicated += 1;
          problems.push(`${c.name}: ${roomId}#${m.seq} twice`);
        } else if (m.seq < last) {
          reordered += 1;
          problems.push(`${c.name}: ${roomId}#${m.seq} after #${last}`);
        }
        seen.add(m.seq);
        last = Math.max(last, m.seq);
      }
      for (const a of acked.values()) {
        if (a.roomId === roomId && !seen.has(a.seq)) {
          lost += 1;
          problems.push(`${c.name} never received acked ${roomId}#${a.seq}`);
        }
      }
    }
  }
  return { sent: clients.reduce((n, c) => n + c.sent, 0), acked: acked.size, delivered, lost, duplicated, reordered, storeGaps, problems };
}
