/**
 * Every error code of the client contract, in one table. A code never changes meaning;
 * `status` is the HTTP status the HTTP API answers with, `retry` tells clients whether
 * trying again later can succeed.
 */
export const ERRORS = {
  BAD_REQUEST: { status: 400, retry: false },
  UNKNOWN_TYPE: { status: 400, retry: false },
  AUTH_REQUIRED: { status: 401, retry: false },
  AUTH_FAILED: { status: 401, retry: false },
  AUTH_EXPIRED: { status: 401, retry: false },
  FORBIDDEN: { status: 403, retry: false },
  NOT_A_MEMBER: { status: 403, retry: false },
  ROOM_NOT_FOUND: { status: 404, retry: false },
  USER_NOT_FOUND: { status: 404, retry: false },
  ROOM_EXISTS: { status: 409, retry: false },
  PAYLOAD_TOO_LARGE: { status: 413, retry: false },
  RATE_LIMITED: { status: 429, retry: true },
  UNAVAILABLE: { status: 503, retry: true },
  INTERNAL: { status: 500, retry: false },
} as const satisfies Record<string, { status: number; retry: boolean }>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Any throw becomes an AppError; unknown failures are INTERNAL and keep their cause. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('INTERNAL', 'internal error', undefined, { cause: err });
}

/** WebSocket close codes the gateway uses. */
export const CLOSE = {
  NORMAL: 1000,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  UNAUTHORIZED: 4401,
} as const;
