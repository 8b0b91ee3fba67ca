/**
 * Other users' text is data, never terminal commands. The server stores text as sent, so
 * a message may carry escape sequences that would recolour the screen, move the cursor,
 * rewrite what looks like someone else's message, set the window title, or (on some
 * terminals) answer back into our own input. Everything that reaches the screen from the
 * network goes through here first.
 *
 * Removed: ESC sequences (CSI, OSC, DCS/SOS/PM/APC, two-byte), C0 and C1 controls, DEL,
 * and the Unicode bidi overrides that make text display in another order than it reads
 * ("Trojan Source", CVE-2021-42574). Kept: newlines (the caller indents them), tabs as
 * a space.
 */

// CSI: ESC [ params intermediates final. OSC: ESC ] ... BEL or ST (unterminated: to the end,
// like a terminal would swallow it). DCS/SOS/PM/APC: ESC P|X|^|_ ... ST. Else ESC + one char.
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[\s\S]?)/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text safe to print; `\n` kept for multi-line messages. */
export function sanitizeText(text: string): string {
  return text
    .replace(/\r\n?|[\u2028\u2029\x85]/g, '\n')
    .replace(ESCAPES, '')
    .replace(/\t/g, ' ')
    .replace(CONTROLS, '')
    .replace(BIDI, '');
}

/** A name, room title or description: one line. */
export function sanitizeLine(text: string): string {
  return sanitizeText(text).replace(/\n+/g, ' ');
}
