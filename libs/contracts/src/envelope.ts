import { z } from 'zod';
import { AppError } from './errors.ts';
import { REQUEST_DATA, isRequestType, type ClientRequest } from './client-requests.ts';

export type ParsedFrame =
  | { ok: true; request: ClientRequest }
  | { ok: false; error: AppError; ref?: string };

function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface Envelope {
  type: string;
  ref?: string;
  data: Record<string, unknown>;
}

export type ParsedEnvelope = { ok: true; envelope: Envelope } | { ok: false; error: AppError; ref?: string };

/**
 * Checks the envelope only: JSON object, string `type`, optional `ref` of at most 64
 * characters, optional object `data`. The ref is echoed on errors only when it is valid.
 */
export function parseEnvelope(text: string): ParsedEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: new AppError('BAD_REQUEST', 'frame is not valid JSON') };
  }
  if (!isPlainObject(raw)) return { ok: false, error: new AppError('BAD_REQUEST', 'frame must be a JSON object') };
  const { type, ref, data } = raw;
  if (ref !== undefined && (typeof ref !== 'string' || ref.length > 64)) {
    return { ok: false, error: new AppError('BAD_REQUEST', 'ref: must be a string of at most 64 characters') };
  }
  if (typeof type !== 'string' || type.length === 0) {
    return { ok: false, ref, error: new AppError('BAD_REQUEST', 'type: required, a non-empty string') };
  }
  if (data !== undefined && !isPlainObject(data)) {
    return { ok: false, ref, error: new AppError('BAD_REQUEST', 'data: must be an object') };
  }
  return { ok: true, envelope: { type, ref, data: data ?? {} } };
}

/** Validates `data` against the request type's schema: UNKNOWN_TYPE or BAD_REQUEST naming the field. */
export function parseRequest(envelope: Envelope): ParsedFrame {
  const { type, ref, data } = envelope;
  if (!isRequestType(type)) return { ok: false, ref, error: new AppError('UNKNOWN_TYPE', `unknown type: ${type.slice(0, 64)}`) };
  const parsed = REQUEST_DATA[type].safeParse(data);
  if (!parsed.success) return { ok: false, ref, error: new AppError('BAD_REQUEST', describeIssues(parsed.error, 'data')) };
  return { ok: true, request: { type, ref, data: parsed.data } as ClientRequest };
}

/** parseEnvelope then parseRequest. */
export function parseFrame(text: string): ParsedFrame {
  const envelope = parseEnvelope(text);
  return envelope.ok ? parseRequest(envelope.envelope) : envelope;
}
