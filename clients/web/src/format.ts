import { ChatError } from '@chat/sdk';

/** Human text for an error, by contract code; the server's own message as the fallback. */
export function errorText(err: unknown): string {
  if (!(err instanceof ChatError)) return err instanceof Error ? err.message : String(err);
  switch (err.code) {
    case 'RATE_LIMITED':
      return `Slow down: you can send again in ${Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000))} s`;
    case 'FORBIDDEN':
      return `Not allowed: ${err.message}`;
    case 'NOT_A_MEMBER':
      return 'Join the room first';
    case 'ROOM_NOT_FOUND':
      return 'No such room';
    case 'ROOM_EXISTS':
      return 'That room id is taken';
    case 'USER_NOT_FOUND':
      return 'No user with that name';
    case 'PAYLOAD_TOO_LARGE':
      return 'Too long: at most 4000 characters';
    case 'TIMEOUT':
      return 'The server did not answer in time';
    case 'DISCONNECTED':
      return 'Not connected: try again in a moment';
    case 'UNAVAILABLE':
      return 'The service is busy: try again shortly';
    default:
      return err.message;
  }
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatTime(ms: number, now = Date.now()): string {
  const sameDay = new Date(ms).toDateString() === new Date(now).toDateString();
  return (sameDay ? timeFmt : dayFmt).format(ms);
}

export function typingText(users: string[]): string {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return 'Several people are typing…';
}

export const ROOM_ID_PATTERN = '[a-z0-9][a-z0-9_\\-]{0,63}';
export const USERNAME_PATTERN = '[A-Za-z0-9_.\\-]{1,32}';
