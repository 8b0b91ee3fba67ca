import type { ErrorCode } from '@chat/contracts';

/**
 * Codes the SDK adds to the server's: TIMEOUT (no reply in time; the request may or may
 * not have been applied), DISCONNECTED (the socket went away before a reply), CLOSED (the
 * client was closed for good).
 */
export type ClientErrorCode = ErrorCode | 'TIMEOUT' | 'DISCONNECTED' | 'CLOSED';

export class ChatError extends Error {
  override readonly name = 'ChatError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    /** The request type that failed, when known. */
    readonly requestType?: string,
  ) {
    super(message);
  }
}

/** Errors after which the same request may succeed later, unchanged. */
export function isTransient(err: unknown): boolean {
  return err instanceof ChatError && (err.code === 'DISCONNECTED' || err.code === 'TIMEOUT' || err.code === 'UNAVAILABLE');
}
