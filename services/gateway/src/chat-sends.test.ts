import { describe, expect, it, vi } from 'vitest';
import { AppError, type ChatMethod, type ChatRpc, type RpcReply } from '@chat/contracts';
import { replyError, type ChatClient } from '@chat/nats';
import { batchingSends, MAX_SENDS_PER_REQUEST } from './chat-sends.ts';

type SendReq = ChatRpc['message.send']['req'];
const actor = { userId: 'u1', username: 'ann' };
const send = (text: string): SendReq => ({ actor, roomId: 'r1', text });
const ackOf = (req: SendReq, seq: number) => ({ ack: { roomId: req.roomId, id: `m${seq}`, seq, timestamp: 1 } });

/** A chat client that records calls and answers each send with seq = its text's length, refusing texts that say "no". */
function fakeChat(opts: { fail?: AppError } = {}) {
  const calls: Array<{ method: ChatMethod; count: number }> = [];
  const reply = (req: SendReq): RpcReply<'message.send'> =>
    req.text === 'no' ? { ok: false, error: { code: 'NOT_A_MEMBER', message: 'not a member' } } : { ok: true, result: ackOf(req, req.text.length) };
  const chat = (async (method: ChatMethod, req: unknown) => {
    const sends = method === 'message.sendMany' ? (req as ChatRpc['message.sendMany']['req']).sends : [req as SendReq];
    calls.push({ method, count: sends.length });
    await Promise.resolve();
    if (opts.fail) throw opts.fail;
    if (method === 'message.sendMany') return { results: sends.map(reply) };
    if (method === 'message.send') {
      const r = reply(req as SendReq);
      if (!r.ok) throw new AppError('NOT_A_MEMBER', r.error.message);
      return r.result;
    }
    return { rooms: 0, users: 0 };
  }) as ChatClient;
  return { chat, calls };
}

describe('batchingSends', () => {
  it("sends one turn's sends as one request and answers each on its own", async () => {
    const { chat, calls } = fakeChat();
    const client = batchingSends(chat);
    const outcomes = await Promise.allSettled([client('message.send', send('a')), client('message.send', send('no')), client('message.send', send('abc'))]);
    expect(calls).toEqual([{ method: 'message.sendMany', count: 3 }]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: ackOf(send('a'), 1) });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'NOT_A_MEMBER' } });
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(AppError);
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: ackOf(send('abc'), 3) });
  });

  it('sends a lone send as message.send, and the next turn as a new request', async () => {
    const { chat, calls } = fakeChat();
    const client = batchingSends(chat);
    await expect(client('message.send', send('ab'))).resolves.toEqual(ackOf(send('ab'), 2));
    await expect(client('message.send', send('no'))).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    expect(calls).toEqual([
      { method: 'message.send', count: 1 },
      { method: 'message.send', count: 1 },
    ]);
  });

  it('starts a new request when one is full', async () => {
    const { chat, calls } = fakeChat();
    const client = batchingSends(chat);
    const n = MAX_SENDS_PER_REQUEST + 3;
    const acks = await Promise.all(Array.from({ length: n }, (_, i) => client('message.send', send('x'.repeat(i + 1)))));
    expect(acks.map((a) => a.ack.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(calls).toEqual([
      { method: 'message.sendMany', count: MAX_SENDS_PER_REQUEST },
      { method: 'message.sendMany', count: 3 },
    ]);
  });

  it('fails every send of a request that failed, with its error', async () => {
    const { chat } = fakeChat({ fail: new AppError('UNAVAILABLE', 'chat service unavailable, retry later', 1000) });
    const client = batchingSends(chat);
    const outcomes = await Promise.allSettled([client('message.send', send('a')), client('message.send', send('b'))]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as AppError).code : 'ok'))).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
  });

  it('falls back to one message.send per send when chat does not know message.sendMany yet', async () => {
    const { chat: current, calls } = fakeChat();
    const older = (async (method: ChatMethod, req: unknown) => {
      if (method === 'message.sendMany') {
        calls.push({ method, count: (req as ChatRpc['message.sendMany']['req']).sends.length });
        throw replyError({ code: 'BAD_REQUEST', message: 'unknown chat method message.sendMany' });
      }
      return current(method as 'message.send', req as SendReq);
    }) as ChatClient;
    const client = batchingSends(older);
    const outcomes = await Promise.allSettled([client('message.send', send('ab')), client('message.send', send('no'))]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: ackOf(send('ab'), 2) });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'NOT_A_MEMBER' } });
    expect(calls).toEqual([
      { method: 'message.sendMany', count: 2 },
      { method: 'message.send', count: 1 },
      { method: 'message.send', count: 1 },
    ]);
  });

  it("under load, lets a request wait a millisecond for the next turns' sends", async () => {
    // Fake setTimeout and clock; setImmediate stays real, so "the next turn" is a real one.
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    try {
      const { chat, calls } = fakeChat();
      const client = batchingSends(chat);
      const twoTurnsApart = async () => {
        calls.length = 0;
        const first = client('message.send', send('a'));
        await nextTurn();
        const second = client('message.send', send('bb'));
        await vi.advanceTimersByTimeAsync(1);
        await Promise.all([first, second]);
        return [...calls];
      };
      // Quiet: each turn's send goes at once.
      expect(await twoTurnsApart()).toEqual([
        { method: 'message.send', count: 1 },
        { method: 'message.send', count: 1 },
      ]);
      // 4 sends a millisecond for 75 ms.
      const load: Array<Promise<unknown>> = [];
      for (let ms = 0; ms < 75; ms++) {
        for (let i = 0; i < 4; i++) load.push(client('message.send', send('x')));
        await vi.advanceTimersByTimeAsync(1);
      }
      await Promise.all(load);
      expect(await twoTurnsApart()).toEqual([{ method: 'message.sendMany', count: 2 }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('passes every other method straight through', async () => {
    const { chat, calls } = fakeChat();
    const client = batchingSends(chat);
    await expect(client('stats', {})).resolves.toEqual({ rooms: 0, users: 0 });
    expect(calls).toEqual([{ method: 'stats', count: 1 }]);
  });
});
