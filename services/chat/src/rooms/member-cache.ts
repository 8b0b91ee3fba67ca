/**
 * Member lists of recently read rooms, kept in memory where this process is the database's
 * only writer (PGlite). A reconnect storm is mostly recovery joins, and each join's reply
 * carries the room's whole member list: reading 100 member rows per join from PGlite was about
 * half of the storm's CPU (bench S5, docs/performance.md).
 *
 * Every committed change that a member list shows is reported here by the code that made it:
 * membership and usernames drop the room's list (`changed`), read marks move forward in place
 * (`readUpTo`, the common case: every send moves its sender's mark). A read that was in flight
 * while its room changed is answered but not kept, because it may predate the change.
 * With several writers (PostgreSQL replicas) no process sees every change, so there the cache
 * passes every read through (`uncachedMembers`).
 */
import type { StoredMember } from '@chat/contracts';
import type { Sql } from '../db/database.ts';
import { listMembers } from './membership.ts';

export interface MemberCache {
  /** The room's members in join order, from memory when known. Outside a writing transaction only. */
  list(q: Sql, roomId: string): Promise<StoredMember[]>;
  /** After a commit that added or removed members of the room or renamed one. */
  changed(roomId: string): void;
  /** After a commit that moved a member's read mark to `seq` (marks never move back). */
  readUpTo(roomId: string, userId: string, seq: number): void;
}

export const uncachedMembers: MemberCache = {
  list: listMembers,
  changed() {},
  readUpTo() {},
};

interface Entry {
  members: StoredMember[];
  byUser: Map<string, number>;
}

/** `maxMembers` bounds the memory: the least recently read rooms go first. */
export function createMemberCache(opts: { maxMembers: number }): MemberCache {
  const entries = new Map<string, Entry>(); // in order of last use
  const inFlight = new Map<string, { readers: number; stale: boolean }>();
  let held = 0;

  const drop = (roomId: string) => {
    const entry = entries.get(roomId);
    if (entry) held -= entry.members.length;
    entries.delete(roomId);
  };
  const markStale = (roomId: string) => {
    const reading = inFlight.get(roomId);
    if (reading) reading.stale = true;
  };
  const keep = (roomId: string, members: StoredMember[]) => {
    if (members.length > opts.maxMembers) return;
    entries.set(roomId, { members, byUser: new Map(members.map((m, i) => [m.userId, i])) });
    held += members.length;
    for (const [oldest, entry] of entries) {
      if (held <= opts.maxMembers) break;
      entries.delete(oldest);
      held -= entry.members.length;
    }
  };

  return {
    async list(q, roomId) {
      const entry = entries.get(roomId);
      if (entry) {
        entries.delete(roomId);
        entries.set(roomId, entry);
        return entry.members;
      }
      const reading = inFlight.get(roomId) ?? { readers: 0, stale: false };
      inFlight.set(roomId, reading);
      reading.readers++;
      try {
        const members = await listMembers(q, roomId);
        if (!reading.stale && !entries.has(roomId)) keep(roomId, members);
        return members;
      } finally {
        if (--reading.readers === 0) inFlight.delete(roomId);
      }
    },
    changed(roomId) {
      drop(roomId);
      markStale(roomId);
    },
    readUpTo(roomId, userId, seq) {
      markStale(roomId);
      const entry = entries.get(roomId);
      const i = entry?.byUser.get(userId);
      if (entry === undefined || i === undefined) return;
      const member = entry.members[i]!;
      if (member.lastReadSeq < seq) entry.members[i] = { ...member, lastReadSeq: seq };
    },
  };
}
