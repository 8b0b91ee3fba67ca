import type { PresenceStatus, SettableStatus } from '@chat/contracts';

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

/**
 * Every gateway's claims, mirrored from the KV watch. A user is nearly always claimed by one
 * gateway, so that claim is stored as is; an array only for users on several (a Map per user
 * was ~180 bytes of every idle connection's memory).
 */
export function createPresenceState() {
  const byUser = new Map<string, Claim | Claim[]>();
  const claimsOf = (userId: string): readonly Claim[] => {
    const held = byUser.get(userId);
    return held === undefined ? [] : Array.isArray(held) ? held : [held];
  };
  return {
    set(serverId: string, entry: PresenceEntry) {
      const claim = { serverId, entry };
      const others = claimsOf(entry.userId).filter((c) => c.serverId !== serverId);
      byUser.set(entry.userId, others.length === 0 ? claim : [...others, claim]);
    },
    remove(userId: string, serverId: string) {
      const rest = claimsOf(userId).filter((c) => c.serverId !== serverId);
      if (rest.length === 0) byUser.delete(userId);
      else byUser.set(userId, rest.length === 1 ? rest[0]! : rest);
    },
    has(userId: string, serverId: string): boolean {
      return claimsOf(userId).some((c) => c.serverId === serverId);
    },
    statusOf(userId: string): PresenceStatus {
      let newest: PresenceEntry | undefined;
      for (const { entry } of claimsOf(userId)) if (!newest || entry.changedAt > newest.changedAt) newest = entry;
      return newest?.status ?? 'offline';
    },
    isOnlineElsewhere(userId: string, serverId: string): boolean {
      return claimsOf(userId).some((c) => c.serverId !== serverId);
    },
    usersOn(serverId: string): PresenceEntry[] {
      const out: PresenceEntry[] = [];
      for (const userId of byUser.keys()) for (const c of claimsOf(userId)) if (c.serverId === serverId) out.push(c.entry);
      return out;
    },
  };
}
