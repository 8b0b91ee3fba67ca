import { AppError } from './errors.ts';

export const MAX_TEXT_CODE_POINTS = 4000;

/** Message text rule of the contract: 1-4000 code points, not blank after trim(). */
export function checkMessageText(text: string): AppError | undefined {
  if (text.trim().length === 0) return new AppError('BAD_REQUEST', 'data.text: must not be blank');
  // PostgreSQL text cannot hold U+0000, so it could never be "stored as sent".
  if (text.includes('\u0000')) return new AppError('BAD_REQUEST', 'data.text: must not contain U+0000 (NUL)');
  // Cheap pre-check: a string can't have more code points than UTF-16 units.
  if (text.length > MAX_TEXT_CODE_POINTS && [...text].length > MAX_TEXT_CODE_POINTS) {
    return new AppError('PAYLOAD_TOO_LARGE', `data.text: at most ${MAX_TEXT_CODE_POINTS} characters`);
  }
  return undefined;
}
