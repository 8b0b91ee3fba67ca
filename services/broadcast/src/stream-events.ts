const decoder = new TextDecoder();

/**
 * The events a stream message carries, not yet validated: one event, or the outbox relay's
 * batch (a JSON array in commit order). Undefined when the payload is not JSON.
 */
export function eventsIn(msg: { data: Uint8Array }): unknown[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(msg.data));
  } catch {
    return undefined;
  }
  return Array.isArray(body) ? body : [body];
}
