export { createChatClient, type ChatClient } from './client.ts';
export { ChatError, isTransient, type ClientErrorCode } from './errors.ts';
export { createBackoff, type Backoff, type BackoffOptions } from './backoff.ts';
export { createSeqTracker, type Gap, type SeqTracker } from './seq-tracker.ts';
export { newClientMsgId, type PendingSend, type OutboxTarget } from './outbox.ts';
export type {
  AuthSuccess,
  ChatClientOptions,
  ChatEvents,
  ConnectionState,
  ConnectionStatus,
  Credentials,
  ReplyData,
  ReplyTypes,
  RequestWithReply,
  WebSocketConstructor,
  WebSocketLike,
} from './types.ts';
