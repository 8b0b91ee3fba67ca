import type { PresenceStatus, SettableStatus } from '@chat/contracts';
import { OneOrManyMap } from '../one-or-many.ts';

/** One gateway's claim that a user is connected there, as stored in the presence KV. */
export interface PresenceEntry {
  userId: string;
  username: string;
  status: SettableStatus;
  /** ms since the epoch of the last status change: the newest claim wins. */
  changedAt: number;
}

interface Claim {
  serverId: string;
  entry: PresenceEntry;
}

/** Every gateway's claims, mirrored from the KV watch (a user is nearly always on one gateway). */
export function createPresenceState() {
  const byUser = new OneOrManyMap<string, Claim>();
  return {
    set(serverId: string, entry: PresenceEntry) {
      byUser.removeWhere(entry.userId, (c) => c.serverId === serverId);
      byUser.add(entry.userId, { serverId, entry });
    },
    remove(userId: string, serverId: string) {
      byUser.removeWhere(userId, (c) => c.serverId === serverId);
    },
    has(userId: string, serverId: string): boolean {
      return byUser.get(userId).some((c) => c.serverId === serverId);
    },
    statusOf(userId: string): PresenceStatus {
      let newest: PresenceEntry | undefined;
      for (const { entry } of byUser.get(userId)) if (!newest || entry.changedAt > newest.changedAt) newest = entry;
      return newest?.status ?? 'offline';
    },
    isOnlineElsewhere(userId: string, serverId: string): boolean {
      return byUser.get(userId).some((c) => c.serverId !== serverId);
    },
    usersOn(serverId: string): PresenceEntry[] {
      const out: PresenceEntry[] = [];
      for (const userId of byUser.keys()) for (const c of byUser.get(userId)) if (c.serverId === serverId) out.push(c.entry);
      return out;
    },
  };
}
