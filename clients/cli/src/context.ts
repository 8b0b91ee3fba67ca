/** What the CLI remembers between events, and the few ways it writes to the screen. */
import type { ChatClient } from '@chat/sdk';
import { sanitizeLine } from './sanitize.ts';
import type { Style } from './style.ts';

export interface CliState {
  me?: string;
  userId?: string;
  /** Where plain lines go. */
  current?: string;
  /** Rooms we are a member of (from auth.success, then joins, creates, adds, leaves). */
  joined: Set<string>;
  /** Per room: other users typing. */
  typing: Map<string, string[]>;
  /** dm roomId -> the other user, to label dm lines. */
  dmPeers: Map<string, string>;
  /** clientMsgId of a dm we sent -> recipient: our own echo may beat the ack. */
  pendingDms: Map<string, string>;
  /** Last presence shown per username, so reconnects and shared rooms do not repeat it. */
  presence: Map<string, string>;
}

export interface CliContext {
  client: ChatClient;
  style: Style;
  state: CliState;
  print(text: string): void;
  notice(text: string): void;
  fail(text: string): void;
  /** Switches the current room (undefined: none) and redraws status and prompt. */
  setRoom(roomId: string | undefined): void;
  refreshStatus(): void;
}

export function createState(): CliState {
  return { joined: new Set(), typing: new Map(), dmPeers: new Map(), pendingDms: new Map(), presence: new Map() };
}

/** A one-line reason for a failed request (server messages may quote our input back). */
export function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: string; message: string; retryAfterMs?: number };
    const retry = e.retryAfterMs ? ` (retry in ${Math.ceil(e.retryAfterMs / 1000)}s)` : '';
    return sanitizeLine(`${e.code}: ${e.message}${retry}`);
  }
  return sanitizeLine(err instanceof Error ? err.message : String(err));
}
