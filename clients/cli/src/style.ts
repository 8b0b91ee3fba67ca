/**
 * ANSI colours, or none: off when the output is not a terminal or NO_COLOR is set
 * (https://no-color.org), so piped output stays plain text.
 */

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
  inverse: [7, 27],
} as const;

type Paint = (text: string) => string;
export type Style = Record<keyof typeof CODES, Paint> & {
  enabled: boolean;
  /** A stable colour per username, so a speaker is recognisable at a glance. */
  user(name: string): string;
};

// Red is kept for errors, gray/dim for system lines.
const USER_COLOURS = ['cyan', 'green', 'yellow', 'blue', 'magenta'] as const;

export function createStyle(enabled: boolean): Style {
  const paint = (open: number, close: number): Paint => (enabled ? (t) => `\x1b[${open}m${t}\x1b[${close}m` : (t) => t);
  const entries = Object.entries(CODES).map(([name, [open, close]]) => [name, paint(open, close)]);
  const base = Object.fromEntries(entries) as Record<keyof typeof CODES, Paint>;
  return {
    ...base,
    enabled,
    user(name) {
      let h = 0;
      for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
      return base.bold(base[USER_COLOURS[h % USER_COLOURS.length]!](name));
    },
  };
}

/** Visible width of a string we produced (our own escapes only: input is sanitized). */
export function visibleLength(text: string): number {
  return [...text.replace(/\x1b\[[0-9;]*m/g, '')].length;
}
