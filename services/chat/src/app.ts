import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@chat/logging';
import { ensureEventStream, serveChatRpc, settleReply, type ChatHandlers, type RpcObserver } from '@chat/nats';
import { isDatabaseUnavailable, type Database } from './db/database.ts';
import { AppError, toAppError } from '@chat/contracts';
import { createMessageService } from './messages/message-service.ts';
import { createOutboxRelay } from './outbox/relay.ts';
import { startPgliteMaintenance } from './db/pglite-maintenance.ts';
import { createMemberCache, uncachedMembers } from './rooms/member-cache.ts';
import { createRoomService } from './rooms/room-service.ts';
import { createUserService } from './users/user-service.ts';

export interface ChatApp {
  start(): Promise<void>;
  stop(): Promise<void>;
  outboxBacklog(): Promise<number>;
}

/** Member rows kept in memory (about 100 bytes each): 10 MB at most. */
const MEMBER_CACHE_SIZE = 100_000;

/** Wires the chat service; never opens connections itself (main.ts does). */
export function buildChatApp(deps: {
  nc: NatsConnection;
  db: Database;
  log: Logger;
  streamReplicas?: number;
  beforePublish?: () => Promise<void>;
  /** Metrics hook: every RPC with its method, result code and duration. */
  observe?: RpcObserver;
}): ChatApp {
  const log = deps.log.child({ module: 'chat' });
  const relay = createOutboxRelay({ db: deps.db, nc: deps.nc, log, beforePublish: deps.beforePublish });
  const onCommit = () => relay.kick();
  // Only PGlite guarantees one writer, so only there can a cache see every change.
  const members = deps.db.kind === 'pglite' ? createMemberCache({ maxMembers: MEMBER_CACHE_SIZE }) : uncachedMembers;
  const rooms = createRoomService({ db: deps.db, members, onCommit });
  const messages = createMessageService({ db: deps.db, members, onCommit, ...(deps.db.kind === 'pglite' ? { onSent: relay.handoff } : {}) });
  const users = createUserService({ db: deps.db, members });

  const mapError = (err: unknown) =>
    isDatabaseUnavailable(err) ? new AppError('UNAVAILABLE', 'database unavailable, retry later', 1000, { cause: err }) : toAppError(err);
  const handlers: ChatHandlers = {
    'session.open': (actor) => users.openSession(actor),
    'room.create': rooms.create,
    'room.list': rooms.list,
    'room.get': rooms.get,
    'room.join': rooms.join,
    'room.leave': rooms.leave,
    'room.members': rooms.members,
    'room.invite': rooms.invite,
    'message.send': messages.send,
    // Each send is group-committed as if it had come alone, and answered on its own.
    'message.sendMany': async ({ sends }) => ({
      results: await Promise.all(sends.map((req) => settleReply<'message.send'>('message.send', messages.send(req), log, mapError))),
    }),
    'dm.send': messages.sendDirect,
    'message.history': messages.history,
    'message.read': messages.markRead,
    'room.catchUp': messages.catchUp,
    'user.rooms': async ({ userId }) => ({ roomIds: await users.roomIds(userId) }),
    stats: () => users.stats(),
  };

  let server: ReturnType<typeof serveChatRpc> | undefined;
  let maintenance: { stop(): void } | undefined;
  return {
    async start() {
      await ensureEventStream(deps.nc, { replicas: deps.streamReplicas });
      server = serveChatRpc(deps.nc, handlers, log, {
        observe: deps.observe,
        mapError,
      });
      if (deps.db.kind === 'pglite') maintenance = startPgliteMaintenance(deps.db, log);
      log.info('chat service serving');
    },
    async stop() {
      maintenance?.stop();
      await server?.stop();
      await relay.stop();
    },
    outboxBacklog: () => relay.backlog(),
  };
}
