import { describe, expect, it } from 'vitest';
import { sanitizeLine, sanitizeText } from '../src/sanitize.ts';

describe('sanitizeText', () => {
  it('keeps ordinary text, unicode and newlines', () => {
    expect(sanitizeText('héllo 👋 世界\nline two')).toBe('héllo 👋 世界\nline two');
  });

  it('removes CSI sequences (colours, cursor moves, screen clears) with their parameters', () => {
    expect(sanitizeText('a\x1b[31mred\x1b[0m b\x1b[2J\x1b[H\x1b[10;20Hc\x1b[?25l')).toBe('ared bc');
  });

  it('removes OSC (title, hyperlinks, clipboard) terminated by BEL or ST, and unterminated', () => {
    expect(sanitizeText('x\x1b]0;pwned\x07y')).toBe('xy');
    expect(sanitizeText('x\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\y')).toBe('xlinky');
    expect(sanitizeText('x\x1b]52;c;ZXZpbA==')).toBe('x');
  });

  it('removes DCS and two-byte escapes, C0/C1 controls and DEL', () => {
    expect(sanitizeText('a\x1bPq#0;2;0;0;0\x1b\\b')).toBe('ab');
    expect(sanitizeText('a\x1bcb\x1b7c')).toBe('abc');
    expect(sanitizeText('a\x07b\x08c\x00d\x7fe\x9b31mf')).toBe('abcde31mf');
  });

  it('turns CR, CRLF and unicode separators into newlines, tabs into spaces', () => {
    expect(sanitizeText('a\rb\r\nc\u2028d\te')).toBe('a\nb\nc\nd e');
  });

  it('removes bidi overrides (text must display in the order it reads)', () => {
    expect(sanitizeText('abc\u202edcb\u2066x\u2069')).toBe('abcdcbx');
  });

  it('a lone ESC at the end is dropped', () => {
    expect(sanitizeText('end\x1b')).toBe('end');
  });
});

describe('sanitizeLine', () => {
  it('folds newlines into one line', () => {
    expect(sanitizeLine('room\n\nname\r\nx')).toBe('room name x');
  });
});
