/**
 * Typing indicator from keystrokes, without a frame per key.
 *
 * - The first keystroke sends `typing.start`; while keys keep coming it is re-sent every
 *   `refreshMs`, because the server drops a typer 3 s after its last start
 *   (TYPING_TIMEOUT_MS), and a long message takes longer than that to write.
 * - `idleMs` without a keystroke sends `typing.stop` (debounced: one per pause).
 * - Sending the message needs no stop: the server clears the typer itself on send.
 * - Moving to another room stops the indicator in the old one first.
 */

export interface TypingDeps {
  send(roomId: string, isTyping: boolean): void;
  idleMs?: number;
  refreshMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export type TypingNotifier = ReturnType<typeof createTypingNotifier>;

export function createTypingNotifier(deps: TypingDeps) {
  const idleMs = deps.idleMs ?? 2000;
  const refreshMs = deps.refreshMs ?? 2000;
  const now = deps.now ?? Date.now;
  const setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = deps.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  let room: string | undefined; // set while we told the server we are typing
  let lastStartAt = 0;
  let idleTimer: unknown;

  function reset() {
    if (idleTimer !== undefined) clearTimer(idleTimer);
    idleTimer = undefined;
    room = undefined;
  }

  function stop() {
    const was = room;
    reset();
    if (was !== undefined) deps.send(was, false);
  }

  return {
    /** A key that changed the draft of a message for `roomId`. */
    keystroke(roomId: string) {
      if (room !== undefined && room !== roomId) stop();
      if (room === undefined || now() - lastStartAt >= refreshMs) {
        deps.send(roomId, true);
        lastStartAt = now();
      }
      room = roomId;
      if (idleTimer !== undefined) clearTimer(idleTimer);
      idleTimer = setTimer(stop, idleMs);
    },
    /** The draft was cleared or became a command: tell the others at once. */
    stop,
    /** The message was sent: the server already dropped us from the typers. */
    sent: reset,
    get typingIn() {
      return room;
    },
  };
}
