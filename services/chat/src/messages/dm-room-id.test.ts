import { expect, it } from 'vitest';
import { RoomId } from '@chat/contracts';
import { dmRoomId } from './message-service.ts';

it('gives both sides of a pair the same valid room id, and other pairs other ids', () => {
  const id = dmRoomId('user-a', 'user.b@example');
  expect(dmRoomId('user.b@example', 'user-a')).toBe(id);
  expect(RoomId.safeParse(id).success).toBe(true);
  expect(id).toMatch(/^dm-[0-9a-f]{32}$/);
  expect(dmRoomId('user-a', 'user-c')).not.toBe(id);
});
