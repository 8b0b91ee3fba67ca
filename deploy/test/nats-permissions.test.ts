/**
 * The services' NATS permissions (deploy/nats/permissions.ts) without a server: the checked-in
 * permissions.conf files are what the generator writes, and the subjects the code builds
 * (libs/nats/src/subjects.ts) fall inside, or outside, each user's allow lists.
 * e2e/nats-permissions.test.ts runs the real services under them.
 */
import { describe, expect, it } from 'vitest';
import { BROADCAST_CONSUMER, PRESENCE_BUCKET, STREAM, subjects, subjectToken } from '../../libs/nats/src/subjects.ts';
import { PERMISSIONS, PERMISSIONS_FILES, renderPermissionsConf, stalePermissionFiles, type NatsServiceUser } from '../nats/permissions.ts';
import { parseNatsUsers, readDeploy } from './helpers.ts';

/** Whether a permission subject covers `subject` (itself possibly a wildcard subscription). */
function covers(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] === '*' ? s[i] === '>' : p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
const allowed = (user: NatsServiceUser, op: 'publish' | 'subscribe', subject: string) => PERMISSIONS[user][op].some(([p]) => covers(p, subject));

const ODD_USER = 'auth0|user@example.com'; // a JWT `sub` that is no subject token as it is
const EVENT_STREAM_API = [`$JS.API.STREAM.INFO.${STREAM}`, `$JS.API.STREAM.CREATE.${STREAM}`, `$JS.API.STREAM.UPDATE.${STREAM}`, `$JS.API.CONSUMER.INFO.${STREAM}.${BROADCAST_CONSUMER}`, `$JS.API.CONSUMER.CREATE.${STREAM}.${BROADCAST_CONSUMER}`];

/** What each service's code publishes and subscribes to (see deploy/README.md). */
const USES: Record<NatsServiceUser, { publish: string[]; subscribe: string[] }> = {
  gateway: {
    publish: [
      subjects.chatRpc('room.create'),
      subjects.chatRpc('message.send'),
      subjects.typing('room-1'),
      subjects.presence,
      subjects.gatewayHeartbeat,
      `$KV.${PRESENCE_BUCKET}.${subjectToken(ODD_USER)}.gw-1`,
      '$JS.API.INFO',
      `$JS.API.STREAM.INFO.KV_${PRESENCE_BUCKET}`,
      `$JS.API.STREAM.CREATE.KV_${PRESENCE_BUCKET}`,
      `$JS.API.CONSUMER.CREATE.KV_${PRESENCE_BUCKET}.oc_abc_1.$KV.${PRESENCE_BUCKET}.>`,
      `$JS.API.CONSUMER.DELETE.KV_${PRESENCE_BUCKET}.oc_abc_1`,
      `$JS.FC.KV_${PRESENCE_BUCKET}.abc.1`,
    ],
    subscribe: ['_INBOX.abc.*', subjects.fanoutAll, subjects.fanoutRoom('dm-0123abcd'), subjects.fanoutUser(ODD_USER), subjects.typingAll, subjects.presence, subjects.gatewayHeartbeat],
  },
  chat: {
    publish: [subjects.chatEvent('room-1'), subjects.chatEvent('dm-0123abcd'), '$JS.API.INFO', ...EVENT_STREAM_API],
    subscribe: [subjects.chatRpcAll, '_INBOX.abc.*'],
  },
  broadcast: {
    publish: [
      subjects.fanoutAll,
      subjects.fanoutRoom('room-1'),
      subjects.fanoutUser(ODD_USER),
      '$JS.API.INFO',
      ...EVENT_STREAM_API,
      `$JS.API.CONSUMER.MSG.NEXT.${STREAM}.${BROADCAST_CONSUMER}`,
      `$JS.ACK.${STREAM}.${BROADCAST_CONSUMER}.1.42.42.1700000000000000000.0`,
    ],
    subscribe: ['_INBOX.abc.*'],
  },
};

/** What each must not do: forge or steal traffic of another service, or manage JetStream. */
const DENIED: Record<NatsServiceUser, { publish: string[]; subscribe: string[] }> = {
  gateway: {
    publish: [subjects.chatEvent('x'), subjects.fanoutRoom('x'), subjects.fanoutAll, '_INBOX.abc.def', `$JS.API.STREAM.DELETE.${STREAM}`, `$JS.API.CONSUMER.CREATE.${STREAM}.spy`, `$JS.API.STREAM.DELETE.KV_${PRESENCE_BUCKET}`, `$JS.ACK.${STREAM}.${BROADCAST_CONSUMER}.1.1.1.1.0`],
    subscribe: [subjects.chatRpcAll, subjects.chatEventsAll, `$KV.${PRESENCE_BUCKET}.>`, '>'],
  },
  chat: {
    publish: [subjects.fanoutAll, subjects.fanoutRoom('x'), subjects.typing('x'), '_INBOX.abc.def', `$JS.API.STREAM.DELETE.${STREAM}`, `$KV.${PRESENCE_BUCKET}.u.gw-1`],
    subscribe: [subjects.fanoutAll, subjects.chatEventsAll, subjects.typingAll],
  },
  broadcast: {
    publish: [subjects.chatRpc('x'), subjects.chatEvent('x'), subjects.typing('x'), subjects.presence, '_INBOX.abc.def', `$JS.API.STREAM.DELETE.${STREAM}`, `$JS.API.CONSUMER.DELETE.${STREAM}.${BROADCAST_CONSUMER}`],
    subscribe: [subjects.chatRpcAll, subjects.chatEventsAll, subjects.fanoutAll],
  },
};

const USERS = Object.keys(PERMISSIONS) as NatsServiceUser[];

describe('NATS permissions', () => {
  it('are checked in as generated (run `npx tsx deploy/nats/permissions.ts` after a change)', () => {
    expect(PERMISSIONS_FILES).toHaveLength(2);
    expect(stalePermissionFiles()).toEqual([]);
  });

  it('declare one user per service, each with its own password variable', () => {
    const users = parseNatsUsers(readDeploy('nats/permissions.conf'));
    expect(users).toEqual(USERS.map((user) => ({ user, passwordEnv: `NATS_${user.toUpperCase()}_PASS` })));
    expect(renderPermissionsConf()).not.toMatch(/password: (?!\$)/);
  });

  it.each(USERS)('let %s use every subject its code uses', (user) => {
    for (const op of ['publish', 'subscribe'] as const) {
      for (const subject of USES[user][op]) expect(allowed(user, op, subject), `${user} ${op} ${subject}`).toBe(true);
    }
  });

  it.each(USERS)('refuse %s what belongs to the other services', (user) => {
    for (const op of ['publish', 'subscribe'] as const) {
      for (const subject of DENIED[user][op]) expect(allowed(user, op, subject), `${user} ${op} ${subject}`).toBe(false);
    }
  });

  it('let only the chat service reply to requests, and no one publish to inboxes', () => {
    expect(USERS.filter((u) => PERMISSIONS[u].allowResponses)).toEqual(['chat']);
    for (const user of USERS) expect(PERMISSIONS[user].publish.map(([s]) => s), user).not.toContain('_INBOX.>');
  });
});
