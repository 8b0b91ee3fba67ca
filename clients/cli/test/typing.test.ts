import { describe, expect, it } from 'vitest';
import { createTypingNotifier } from '../src/typing.ts';

function harness() {
  let now = 0;
  const sent: string[] = [];
  const timers = new Map<number, { at: number; fn: () => void }>();
  let id = 0;
  const typing = createTypingNotifier({
    send: (room, on) => sent.push(`${on ? 'start' : 'stop'} ${room}`),
    idleMs: 2000,
    refreshMs: 2000,
    now: () => now,
    setTimer: (fn, ms) => (timers.set(++id, { at: now + ms, fn }), id),
    clearTimer: (t) => timers.delete(t as number),
  });
  const advance = (ms: number) => {
    now += ms;
    for (const [k, t] of [...timers]) if (t.at <= now) (timers.delete(k), t.fn());
  };
  return { typing, sent, advance };
}

describe('typing notifier', () => {
  it('one start for a burst of keys, one stop after the pause', () => {
    const { typing, sent, advance } = harness();
    for (let i = 0; i < 10; i++) (typing.keystroke('r'), advance(100));
    expect(sent).toEqual(['start r']);
    advance(2000);
    expect(sent).toEqual(['start r', 'stop r']);
    advance(10_000);
    expect(sent).toHaveLength(2);
  });

  it('re-sends start while typing goes on longer than the server timeout', () => {
    const { typing, sent, advance } = harness();
    for (let i = 0; i < 50; i++) (typing.keystroke('r'), advance(100)); // 5 s of typing
    expect(sent).toEqual(['start r', 'start r', 'start r']);
  });

  it('sent() forgets the indicator without a stop frame; the next key starts again', () => {
    const { typing, sent, advance } = harness();
    typing.keystroke('r');
    typing.sent();
    advance(5000);
    expect(sent).toEqual(['start r']);
    typing.keystroke('r');
    expect(sent).toEqual(['start r', 'start r']);
  });

  it('switching rooms stops the old one first; stop() is idempotent', () => {
    const { typing, sent } = harness();
    typing.keystroke('a');
    typing.keystroke('b');
    typing.stop();
    typing.stop();
    expect(sent).toEqual(['start a', 'stop a', 'start b', 'stop b']);
    expect(typing.typingIn).toBeUndefined();
  });
});
