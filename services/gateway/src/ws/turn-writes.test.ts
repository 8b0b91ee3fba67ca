import { describe, expect, it } from 'vitest';
import { TurnWrites } from './turn-writes.ts';

const endOfTurn = () => new Promise<void>((resolve) => queueMicrotask(resolve));

function recorder() {
  const writes: Array<[string, string]> = [];
  const turn = new TurnWrites<string>((target, bytes) => writes.push([target, bytes.toString()]));
  return { writes, turn };
}

describe('TurnWrites', () => {
  it("writes each target's frames of one turn with one write, in the order they were added", async () => {
    const { writes, turn } = recorder();
    turn.add('a', Buffer.from('1'));
    turn.add('b', Buffer.from('x'));
    turn.add('a', Buffer.from('2'));
    turn.add('a', Buffer.from('3'));
    expect(writes).toEqual([]);
    await endOfTurn();
    expect(writes).toEqual([
      ['a', '123'],
      ['b', 'x'],
    ]);
  });

  it('starts over in the next turn', async () => {
    const { writes, turn } = recorder();
    turn.add('a', Buffer.from('1'));
    await endOfTurn();
    turn.add('a', Buffer.from('2'));
    await endOfTurn();
    expect(writes).toEqual([
      ['a', '1'],
      ['a', '2'],
    ]);
  });

  it('flushes one target at once, and does not write it again at the end of the turn', async () => {
    const { writes, turn } = recorder();
    turn.add('a', Buffer.from('1'));
    turn.add('b', Buffer.from('x'));
    turn.add('a', Buffer.from('2'));
    turn.flush('a');
    expect(writes).toEqual([['a', '12']]);
    turn.flush('a');
    await endOfTurn();
    expect(writes).toEqual([
      ['a', '12'],
      ['b', 'x'],
    ]);
  });
});
