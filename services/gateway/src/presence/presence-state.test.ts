import { describe, expect, it } from 'vitest';
import { createPresenceState, type PresenceEntry } from './presence-state.ts';

const entry = (status: PresenceEntry['status'], changedAt: number): PresenceEntry => ({ userId: 'u', username: 'ann', status, changedAt });

describe('presence state', () => {
  it('holds one claim per gateway and answers with the newest', () => {
    const state = createPresenceState();
    expect(state.statusOf('u')).toBe('offline');
    state.set('gw1', entry('online', 1));
    expect([state.has('u', 'gw1'), state.has('u', 'gw2'), state.isOnlineElsewhere('u', 'gw1')]).toEqual([true, false, false]);
    state.set('gw2', entry('away', 2));
    expect(state.statusOf('u')).toBe('away');
    expect(state.isOnlineElsewhere('u', 'gw1')).toBe(true);
    // A re-put replaces that gateway's claim instead of adding one.
    state.set('gw1', entry('dnd', 3));
    expect(state.statusOf('u')).toBe('dnd');
    expect(state.usersOn('gw1')).toEqual([entry('dnd', 3)]);
    expect(state.usersOn('gw2')).toEqual([entry('away', 2)]);
    state.set('gw3', entry('online', 4));
    state.remove('u', 'gw1');
    state.remove('u', 'gw3');
    expect([state.has('u', 'gw1'), state.has('u', 'gw2'), state.statusOf('u')]).toEqual([false, true, 'away']);
    state.remove('u', 'gw2');
    expect([state.statusOf('u'), state.usersOn('gw2')]).toEqual(['offline', []]);
    state.remove('u', 'gw2');
    expect(state.has('u', 'gw2')).toBe(false);
  });
});
