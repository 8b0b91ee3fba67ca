/**
 * Presence across gateways, built on NATS.
 *
 * - Each gateway claims its online users in the `presence` KV bucket
 *   (key `<user>.<serverId>`), re-put every HEARTBEAT; every gateway mirrors the bucket
 *   with a watch, so `statusOf` is a local lookup.
 * - A user is online while any gateway claims it. When its last local connection closes,
 *   the claim is withdrawn after the grace period, and offline is announced only if no other
 *   gateway claims the user: a reconnect within the grace shows no flap.
 * - A gateway that dies stops its heartbeats on `eph.gateway.heartbeat`; the live gateway
 *   with the smallest id deletes the dead one's claims and announces its users offline.
 * - Announcements go over core NATS (`eph.presence`) with the user's rooms; each gateway
 *   sends one frame per local connection that shares a room with the user or is the user.
 */
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeFrame, type PresenceStatus, type SettableStatus } from '@chat/contracts';
import type { Logger } from '@chat/logging';
import { PRESENCE_BUCKET, publishSignal, retryFor, subjectToken, subjects, type ChatClient } from '@chat/nats';
import { startSpreadSweep } from '../spread-sweep.ts';
import { TextFrame, type Payload } from '../ws/text-frame.ts';
import { createPresenceState, type PresenceEntry } from './presence-state.ts';

const HEARTBEAT_MS = 2000;
const PEER_DEAD_MS = 7000;
/**
 * Claims of a dead gateway are deleted by its peers (above); the TTL only clears what nobody
 * deleted (a reaper's delete that failed). Claims are re-put within the TTL, so a short TTL
 * costs puts: at 60 s, 10,000 idle users were 667 KV puts a second, and their garbage kept
 * V8 from ever shrinking an idle gateway's heap (S3 in docs/performance.md).
 */
const CLAIM_TTL_MS = 60 * 60_000;

interface Announcement {
  userId: string;
  username: string;
  status: PresenceStatus;
  lastSeen?: number;
  rooms: string[];
}

export interface PresenceConn {
  readonly userId: string;
  readonly username: string;
  readonly rooms: ReadonlySet<string>;
  sendRaw(payload: Payload): void;
}

interface LocalUser {
  entry: PresenceEntry;
  lastActive: number;
  autoAway: boolean;
  graceTimer?: NodeJS.Timeout;
}

export type Presence = Awaited<ReturnType<typeof createPresence>>;

export async function createPresence(deps: {
  nc: NatsConnection;
  chat: ChatClient;
  log: Logger;
  serverId: string;
  graceMs: number;
  awayAfterMs: number;
  connsOfUser: (userId: string) => readonly PresenceConn[];
  membersOf: (roomId: string) => ReadonlySet<PresenceConn>;
}) {
  const log = deps.log.child({ module: 'presence' });
  const kv: KV = await retryFor(() => new Kvm(deps.nc).create(PRESENCE_BUCKET, { history: 1, ttl: CLAIM_TTL_MS }));
  // An existing bucket keeps the TTL it was made with (an older release used 60 s): pace by that.
  const ttlMs = (await kv.status()).ttl;
  const state = createPresenceState();
  const local = new Map<string, LocalUser>();
  const peers = new Map<string, number>();
  const keyOf = (userId: string, serverId: string) => `${subjectToken(userId)}.${serverId}`;

  const watcher = await kv.watch({ key: '>' });
  void (async () => {
    for await (const e of watcher) {
      const serverId = e.key.slice(e.key.lastIndexOf('.') + 1);
      if (serverId === deps.serverId) {
        // Own claims are mirrored when made (claim()), so the watch's copy is not even parsed.
        // One missing from the mirror (which holds exactly the users held here) is from this
        // server id's previous life (a crash and restart): withdraw it.
        if (e.operation === 'PUT' && userOfKey(e.key, serverId) === undefined) void kv.delete(e.key).catch(() => {});
        continue;
      }
      if (e.operation === 'PUT') {
        state.set(serverId, e.json<PresenceEntry>());
        // A gateway that dies before its first heartbeat is still known by its claims.
        if (!peers.has(serverId)) peers.set(serverId, Date.now());
      } else {
        const userId = userOfKey(e.key, serverId);
        if (userId !== undefined) state.remove(userId, serverId);
      }
    }
  })();

  /** The user a claim key names (keys hold the user's subject token, hex-encoded for odd ids). */
  function userOfKey(key: string, serverId: string): string | undefined {
    const token = key.slice(0, key.length - serverId.length - 1);
    const candidates = [token];
    if (/^x(?:[0-9a-f]{2})+$/.test(token)) candidates.push(Buffer.from(token.slice(1), 'hex').toString('utf8'));
    return candidates.find((userId) => keyOf(userId, serverId) === key && state.has(userId, serverId));
  }

  async function claim(user: LocalUser) {
    // Mirror locally at once; the watch confirms it shortly after.
    state.set(deps.serverId, user.entry);
    await kv.put(keyOf(user.entry.userId, deps.serverId), JSON.stringify(user.entry)).catch((err) => log.warn({ err }, 'presence claim failed'));
  }

  function refreshClaim(user: LocalUser) {
    if (!user.graceTimer) void claim(user);
  }

  /** A connected user's connections hold its rooms (from the login on); asks chat only for a user who has gone. */
  async function roomsOf(userId: string): Promise<string[]> {
    const conns = deps.connsOfUser(userId);
    if (conns.length === 0) return (await deps.chat('user.rooms', { userId }).catch(() => ({ roomIds: [] as string[] }))).roomIds;
    const rooms = new Set<string>();
    for (const conn of conns) for (const r of conn.rooms) rooms.add(r);
    return [...rooms];
  }

  async function announce(userId: string, username: string, status: PresenceStatus, lastSeen?: number) {
    const a: Announcement = { userId, username, status, rooms: await roomsOf(userId), ...(lastSeen ? { lastSeen } : {}) };
    publishSignal(deps.nc, subjects.presence, JSON.stringify(a));
  }

  const announcements = deps.nc.subscribe(subjects.presence, {
    callback: (err, msg) => {
      if (err) return;
      const a = msg.json<Announcement>();
      const mine = local.get(a.userId);
      if (mine && a.status !== 'offline' && mine.entry.status !== a.status) {
        mine.entry = { ...mine.entry, status: a.status, changedAt: Date.now() };
        mine.autoAway = false;
        void claim(mine);
      }
      const targets = new Set<PresenceConn>(deps.connsOfUser(a.userId));
      for (const roomId of a.rooms) for (const conn of deps.membersOf(roomId)) targets.add(conn);
      if (targets.size === 0) return;
      const frame = new TextFrame(encodeFrame('presence.update', { userId: a.userId, username: a.username, status: a.status, ...(a.lastSeen ? { lastSeen: a.lastSeen } : {}) }));
      for (const conn of targets) conn.sendRaw(frame);
    },
  });

  const heartbeats = deps.nc.subscribe(subjects.gatewayHeartbeat, {
    callback: (err, msg) => {
      if (!err) peers.set(msg.string(), Date.now());
    },
  });

  async function reapDeadPeers() {
    const now = Date.now();
    peers.set(deps.serverId, now);
    const live = [...peers].filter(([, at]) => now - at < PEER_DEAD_MS).map(([id]) => id).sort();
    for (const [peer, at] of peers) {
      if (now - at < PEER_DEAD_MS) continue;
      peers.delete(peer);
      if (live[0] !== deps.serverId) continue; // one reaper is enough
      for (const entry of state.usersOn(peer)) {
        state.remove(entry.userId, peer);
        await kv.delete(keyOf(entry.userId, peer)).catch(() => {});
        if (state.statusOf(entry.userId) === 'offline') await announce(entry.userId, entry.username, 'offline', now);
      }
      log.warn({ peer }, 'gateway stopped heartbeating; its users were released');
    }
  }

  const beat = () => {
    publishSignal(deps.nc, subjects.gatewayHeartbeat, deps.serverId);
  };
  beat();
  const ticker = setInterval(() => {
    if (deps.nc.isClosed()) return;
    beat();
    void reapDeadPeers();
    const now = Date.now();
    for (const user of local.values()) {
      if (user.graceTimer) continue;
      if (user.entry.status === 'online' && now - user.lastActive >= deps.awayAfterMs) {
        user.autoAway = true;
        user.entry = { ...user.entry, status: 'away', changedAt: now };
        void claim(user).then(() => announce(user.entry.userId, user.entry.username, 'away'));
      }
    }
  }, Math.min(HEARTBEAT_MS, Math.max(100, deps.awayAfterMs / 4)));
  // Claims are re-put once per TTL / 4 (never without a TTL), spread over that time a slice a second:
  // all at once, 10,000 users were a burst of 10,000 KV puts that stalled every process on
  // a shared core for a moment (it showed up in the bench's p99 every 15 s).
  const stopRefresh = ttlMs > 0 ? startSpreadSweep(local, ttlMs / 4, refreshClaim) : () => {};

  return {
    statusOf: (userId: string) => state.statusOf(userId),

    async connected(conn: PresenceConn) {
      const existing = local.get(conn.userId);
      if (existing) {
        clearTimeout(existing.graceTimer);
        existing.graceTimer = undefined;
        existing.lastActive = Date.now();
        return;
      }
      const wasOnline = state.statusOf(conn.userId);
      const status: SettableStatus = wasOnline === 'offline' ? 'online' : wasOnline;
      const user: LocalUser = { entry: { userId: conn.userId, username: conn.username, status, changedAt: Date.now() }, lastActive: Date.now(), autoAway: false };
      local.set(conn.userId, user);
      await claim(user);
      if (wasOnline === 'offline') await announce(conn.userId, conn.username, 'online');
    },

    disconnected(conn: PresenceConn) {
      const user = local.get(conn.userId);
      if (!user || deps.connsOfUser(conn.userId).length > 0) return;
      clearTimeout(user.graceTimer);
      user.graceTimer = setTimeout(async () => {
        if (local.get(conn.userId) !== user || deps.connsOfUser(conn.userId).length > 0) return;
        local.delete(conn.userId);
        state.remove(conn.userId, deps.serverId);
        await kv.delete(keyOf(conn.userId, deps.serverId)).catch(() => {});
        if (!state.isOnlineElsewhere(conn.userId, deps.serverId)) await announce(conn.userId, conn.username, 'offline', Date.now());
      }, deps.graceMs);
    },

    async update(conn: PresenceConn, status: SettableStatus) {
      const user = local.get(conn.userId);
      if (!user) return;
      user.autoAway = false;
      user.lastActive = Date.now();
      user.entry = { ...user.entry, status, changedAt: Date.now() };
      await claim(user);
      await announce(conn.userId, conn.username, status);
    },

    /** Any request counts as activity; it brings an auto-away user back online. */
    touch(conn: PresenceConn) {
      const user = local.get(conn.userId);
      if (!user) return;
      user.lastActive = Date.now();
      if (user.autoAway) {
        user.autoAway = false;
        user.entry = { ...user.entry, status: 'online', changedAt: Date.now() };
        void claim(user).then(() => announce(conn.userId, conn.username, 'online'));
      }
    },

    /** Shutdown: withdraw this gateway's claims now rather than after the TTL. */
    async close() {
      clearInterval(ticker);
      stopRefresh();
      announcements.unsubscribe();
      heartbeats.unsubscribe();
      watcher.stop();
      for (const user of local.values()) {
        clearTimeout(user.graceTimer);
        await kv.delete(keyOf(user.entry.userId, deps.serverId)).catch(() => {});
      }
    },
  };
}
