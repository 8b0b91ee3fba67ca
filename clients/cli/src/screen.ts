/**
 * The terminal: scrolling output above a two-line "block" at the bottom, a status line
 * and the input prompt, both owned by node:readline (the status line is the first line of
 * a multi-line prompt, so readline's own redraws keep it in place).
 *
 * Printing while the user types: erase the block, write the output, redraw the block
 * with the draft and cursor where they were. readline redraws by first moving up
 * `prevRows` (the cursor's row within the block as of its last redraw; it can lag behind
 * after a draft wraps), so we stand the cursor that many rows below the block's new top
 * before asking it to. `prevRows` is an undocumented (string-keyed, long-standing) field:
 * without it we fall back to the cursor's true row, which is right unless readline lags.
 *
 * Limitation: after Enter, the submitted block's height is computed here (readline has
 * already forgotten the line); wide (CJK, emoji) characters count as one column, so a
 * draft that wrapped because of them can leave one stale row behind.
 *
 * Not a terminal (piped): plain lines, no status line, no editing.
 */
import { clearScreenDown, createInterface, cursorTo, moveCursor } from 'node:readline';
import { visibleLength } from './style.ts';

export interface ScreenIO {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; on(ev: 'resize', fn: () => void): unknown };
}

export interface ScreenHandlers {
  onLine(line: string): void;
  /** The draft changed (a key edited it); not called for Enter. */
  onDraft(draft: string): void;
  /** Ctrl-C. */
  onQuit(): void;
  /** Ctrl-D on an empty line, or the end of piped input. */
  onEnd(): void;
}

export type Screen = ReturnType<typeof createScreen>;

/** Cuts a string of our own making (SGR escapes only) to `width` visible characters. */
export function truncate(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  let out = '';
  let seen = 0;
  for (const part of text.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith('\x1b[')) out += part;
    else
      for (const ch of part) {
        if (seen >= width - 1) return `${out}…\x1b[0m`;
        out += ch;
        seen += 1;
      }
  }
  return out;
}

export function createScreen(io: ScreenIO, handlers: ScreenHandlers) {
  const out = io.output;
  const isTTY = Boolean(io.input.isTTY && out.isTTY);
  const rl = createInterface({ input: io.input, output: out, terminal: isTTY, historySize: 200 });
  const columns = () => Math.max(20, out.columns ?? 80);
  let status = '';
  let promptText = '> ';
  let closed = false;

  const compose = () => `${truncate(status, columns() - 1)}\n${promptText}`;
  rl.setPrompt(isTTY ? compose() : '');

  /** Erases the block; returns the cursor's row within it (what readline calls prevRows). */
  function hide(): number {
    const rows = rl.getCursorPos().rows;
    moveCursor(out, 0, -rows);
    cursorTo(out, 0);
    clearScreenDown(out);
    return rows;
  }

  function show(rows: number) {
    const prevRows = (rl as unknown as { prevRows?: unknown }).prevRows;
    out.write('\n'.repeat(typeof prevRows === 'number' ? prevRows : rows));
    rl.prompt(true);
  }

  rl.on('line', (line) => {
    if (isTTY) {
      // readline left the submitted block (status, prompt, draft) plus a newline behind.
      const draftRows = Math.floor((visibleLength(promptText) + [...line].length) / columns());
      moveCursor(out, 0, -(draftRows + 2));
      cursorTo(out, 0);
      clearScreenDown(out);
      rl.prompt();
    }
    handlers.onLine(line);
  });
  rl.on('SIGINT', () => handlers.onQuit());
  rl.on('close', () => {
    if (!closed) handlers.onEnd();
  });
  if (isTTY) {
    // readline's own keypress listener was added first, so rl.line is already updated.
    io.input.on('keypress', (_s: string, key?: { name?: string }) => {
      if (key?.name === 'return' || key?.name === 'enter') return;
      handlers.onDraft(rl.line);
    });
    out.on('resize', () => {
      if (!closed) rl.setPrompt(compose());
    });
  }

  return {
    isTTY,
    start() {
      if (isTTY) rl.prompt();
    },
    print(text: string) {
      if (closed) return;
      if (!isTTY) {
        out.write(`${text}\n`);
        return;
      }
      const rows = hide();
      out.write(`${text}\n`);
      show(rows);
    },
    setStatus(line: string) {
      if (closed || !isTTY || line === status) return;
      const rows = hide();
      status = line;
      rl.setPrompt(compose());
      show(rows);
    },
    setPrompt(text: string) {
      if (closed || !isTTY || text === promptText) return;
      const rows = hide();
      promptText = text;
      rl.setPrompt(compose());
      show(rows);
    },
    clear() {
      if (closed || !isTTY) return;
      const rows = rl.getCursorPos().rows;
      out.write('\x1b[2J\x1b[3J\x1b[H'); // screen and scrollback, cursor home
      show(rows);
    },
    get draft() {
      return rl.line;
    },
    /** Removes the block and gives the terminal back (raw mode off). */
    close(farewell?: string) {
      if (closed) return;
      if (isTTY) hide();
      closed = true;
      if (farewell) out.write(`${farewell}\n`);
      rl.close();
    },
  };
}
