import { describe, expect, it } from 'vitest';
import { checkMessageText } from './text.ts';
import { parseFrame } from './envelope.ts';

describe('parseFrame', () => {
  it('accepts a valid request and defaults data to {}', () => {
    expect(parseFrame('{"type":"room.list"}')).toEqual({ ok: true, request: { type: 'room.list', ref: undefined, data: {} } });
    expect(parseFrame('{"type":"message.send","ref":"c-1","data":{"roomId":"general","text":"hi"}}')).toMatchObject({
      ok: true,
      request: { type: 'message.send', ref: 'c-1', data: { roomId: 'general', text: 'hi' } },
    });
  });

  it.each([
    ['not json', '{', 'BAD_REQUEST', undefined],
    ['array', '[]', 'BAD_REQUEST', undefined],
    ['missing type', '{"ref":"a"}', 'BAD_REQUEST', 'a'],
    ['ref too long', `{"type":"ping","ref":"${'x'.repeat(65)}"}`, 'BAD_REQUEST', undefined],
    ['ref not a string', '{"type":"ping","ref":5}', 'BAD_REQUEST', undefined],
    ['unknown type', '{"type":"room.explode","ref":"a"}', 'UNKNOWN_TYPE', 'a'],
    ['data not an object', '{"type":"room.list","data":"x","ref":"a"}', 'BAD_REQUEST', 'a'],
    ['unknown field', '{"type":"room.list","data":{"x":1},"ref":"a"}', 'BAD_REQUEST', 'a'],
    ['bad room id', '{"type":"room.join","data":{"roomId":"UPPER"},"ref":"a"}', 'BAD_REQUEST', 'a'],
    ['__proto__ key', '{"type":"room.join","data":{"roomId":"ok","__proto__":{"x":1}},"ref":"a"}', 'BAD_REQUEST', 'a'],
  ])('rejects %s', (_name, text, code, ref) => {
    const parsed = parseFrame(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.code).toBe(code);
    expect(parsed.ref).toBe(ref);
  });

  it('names the bad field in the message', () => {
    const parsed = parseFrame('{"type":"message.send","data":{"roomId":"general"}}');
    expect(!parsed.ok && parsed.error.message).toContain('data.text');
  });
});

describe('checkMessageText', () => {
  it('counts code points, not UTF-16 units, and refuses blank text', () => {
    expect(checkMessageText('😀'.repeat(4000))).toBeUndefined();
    expect(checkMessageText('😀'.repeat(4001))?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(checkMessageText('\u2003\n ')?.code).toBe('BAD_REQUEST');
    expect(checkMessageText(' a ')).toBeUndefined();
  });
});
