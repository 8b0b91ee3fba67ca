import type { PresenceStatus, SettableStatus } from '@chat/contracts';

/** One gateway's claim that a user is connected there, as stored in the presence KV. */
export interface PresenceEntry {
  userId: string;
  username: string;
  status: SettableStatus;
  /** ms since the epoch of the last status change: the newest claim wins. */
  changedAt: number;
}

/** Every gateway's claims, mirrored from the KV watch. */
export function createPresenceState() {
  const byUser = new Map<string, Map<string, PresenceEntry>>();
  return {
    set(serverId: string, entry: PresenceEntry) {
      let servers = byUser.get(entry.userId);
      if (!servers) byUser.set(entry.userId, (servers = new Map()));
      servers.set(serverId, entry);
    },
    remove(userId: string, serverId: string) {
      const servers = byUser.get(userId);
      servers?.delete(serverId);
      if (servers?.size === 0) byUser.delete(userId);
    },
    has(userId: string, serverId: string): boolean {
      return byUser.get(userId)?.has(serverId) ?? false;
    },
    statusOf(userId: string): PresenceStatus {
      let newest: PresenceEntry | undefined;
      for (const entry of byUser.get(userId)?.values() ?? []) if (!newest || entry.changedAt > newest.changedAt) newest = entry;
      return newest?.status ?? 'offline';
    },
    isOnlineElsewhere(userId: string, serverId: string): boolean {
      for (const id of byUser.get(userId)?.keys() ?? []) if (id !== serverId) return true;
      return false;
    },
    usersOn(serverId: string): PresenceEntry[] {
      const out: PresenceEntry[] = [];
      for (const servers of byUser.values()) {
        const entry = servers.get(serverId);
        if (entry) out.push(entry);
      }
      return out;
    },
  };
}
