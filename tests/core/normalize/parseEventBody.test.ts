import { describe, expect, it } from 'vitest';
import {
  NON_STRICT_BODY_WARNING,
  TRAILING_CONTENT_WARNING,
  parseEventBody,
} from '../../../shared/core/normalize/parseEventBody.js';

describe('parseEventBody', () => {
  it('parses UTF-8 bytes, with or without a byte-order mark', () => {
    const json = new TextEncoder().encode('{"name":"Zoë"}');

    expect(parseEventBody({ kind: 'bytes', bytes: json })).toEqual({
      ok: true,
      value: { name: 'Zoë' },
      text: '{"name":"Zoë"}',
    });
    // The decoder drops the byte-order mark: the text is what was parsed.
    expect(parseEventBody({ kind: 'bytes', bytes: new Uint8Array([0xef, 0xbb, 0xbf, ...json]) })).toEqual({
      ok: true,
      value: { name: 'Zoë' },
      text: '{"name":"Zoë"}',
    });
  });

  it('parses UTF-16 bytes after their byte-order mark, as MedTech’s StreamReader detects them', () => {
    const text = '{"name":"Zoë","hr":72}';
    const littleEndian = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    const bigEndian = new Uint8Array([0xfe, 0xff, ...Buffer.from(text, 'utf16le').swap16()]);
    for (const bytes of [littleEndian, bigEndian]) {
      expect(parseEventBody({ kind: 'bytes', bytes })).toEqual({ ok: true, value: { name: 'Zoë', hr: 72 }, text });
    }
    // An odd last byte is U+FFFD, as .NET decodes it: outside the value here, so the body is not strict JSON.
    const odd = parseEventBody({ kind: 'bytes', bytes: new Uint8Array([...littleEndian, 0x20]) });
    expect(odd).toMatchObject({ ok: true, value: { name: 'Zoë', hr: 72 }, warning: TRAILING_CONTENT_WARNING });
  });

  it('accepts a U+FFFD the sender encoded, which is valid UTF-8', () => {
    const json = new TextEncoder().encode('{"name":"a\uFFFDb"}');

    expect(parseEventBody({ kind: 'bytes', bytes: json })).toEqual({
      ok: true,
      value: { name: 'a\uFFFDb' },
      text: '{"name":"a\uFFFDb"}',
    });
  });

  it('parses text, with or without a byte-order mark, and passes parsed JSON through', () => {
    const value = { a: [1, 2] };

    expect(parseEventBody({ kind: 'text', text: '\uFEFF[1]' })).toEqual({ ok: true, value: [1], text: '[1]' });
    expect(parseEventBody({ kind: 'text', text: '42' })).toEqual({ ok: true, value: 42, text: '42' });
    const passed = parseEventBody({ kind: 'json', value });
    expect(passed).toEqual({ ok: true, value });
    expect(passed.ok && passed.value).toBe(value);
  });

  it.each([
    ['text that is not JSON', { kind: 'text', text: "{'a': SECRET}" }],
    ['a text of white space only', { kind: 'text', text: ' ' }],
    ['a byte-order mark alone', { kind: 'bytes', bytes: new Uint8Array([0xef, 0xbb, 0xbf]) }],
    ['invalid UTF-8 outside a string', { kind: 'bytes', bytes: new Uint8Array([0x7b, 0xff, 0x7d]) }],
  ] as const)('rejects %s with InvalidDataFormat and no payload in the message', (_label, body) => {
    const result = parseEventBody(body);

    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.toRecord()).toMatchObject({ name: 'InvalidDataFormat', stage: 'Normalization' });
      expect(result.error.message).not.toContain('SECRET');
    }
  });

  it('says where a body stops being JSON, by line and column and the kind of error, never the text there', () => {
    const result = parseEventBody({ kind: 'text', text: '{\n  "hr": 72,\n  "patient": SECRET\n}' });

    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.toRecord()).toEqual({
        name: 'InvalidDataFormat',
        stage: 'Normalization',
        severity: 'non-blocking',
        message: 'The message body is not valid JSON: UnexpectedCharacter at line 3, column 14.',
        location: { line: 3, column: 14 },
      });
    }
    // Lines end at CR LF and at a lone CR too, as Newtonsoft counts them.
    const carriageReturns = parseEventBody({ kind: 'text', text: '{\r\n  "hr": 72,\r  "patient": SECRET\r\n}' });
    expect(carriageReturns.ok || carriageReturns.error.location).toEqual({ line: 3, column: 14 });
    const unclosed = parseEventBody({ kind: 'bytes', bytes: new TextEncoder().encode('[1, 2') });
    expect(unclosed.ok || unclosed.error.message).toBe(
      'The message body is not valid JSON: UnexpectedEnd at line 1, column 6.',
    );
    // Nested deeper than Newtonsoft's MaxDepth (64): MedTech refuses it at the 65th container, and so does the reader
    // (a strict-JSON body that deep is read by JSON.parse, whose result it is).
    const deep = parseEventBody({ kind: 'text', text: '['.repeat(200_000) + 'x' });
    expect(deep.ok || deep.error.toRecord()).toEqual({
      name: 'InvalidDataFormat',
      stage: 'Normalization',
      severity: 'non-blocking',
      message: 'The message body is not valid JSON: TooDeep at line 1, column 65.',
      location: { line: 1, column: 65 },
    });
    expect(parseEventBody({ kind: 'text', text: `${'['.repeat(64)}1,${']'.repeat(64)}` }).ok).toBe(true);
    expect(parseEventBody({ kind: 'text', text: `${'['.repeat(65)}1,${']'.repeat(65)}` }).ok).toBe(false);
    const empty = parseEventBody({ kind: 'text', text: ' \n' });
    expect(empty.ok || empty.error.message).toBe('The message body is empty, not JSON.');
  });

  it.each([['\u00a0'], [' \u2003\n\u0085'], ['\u0000 /* only a comment */']])(
    'reads %j as a body with no value: white space (and NUL) to .NET, as to MedTech',
    (text) => {
      const result = parseEventBody({ kind: 'text', text });
      expect(result.ok || result.error.message).toBe('The message body is empty, not JSON.');
    },
  );

  it('locates a second byte-order mark, which .NET does not take for white space', () => {
    const result = parseEventBody({ kind: 'text', text: '\ufeff\ufeff1' });
    expect(result.ok || result.error.message).toBe(
      'The message body is not valid JSON: UnexpectedCharacter at line 1, column 1.',
    );
  });

  it('reads a lone surrogate escape in strict JSON as U+FFFD, as MedTech does, and keeps a pair', () => {
    expect(parseEventBody({ kind: 'text', text: '{"id":"a\\ud800b","e":"\\uD83D\\uDE00"}' })).toEqual({
      ok: true,
      value: { id: 'a\uFFFDb', e: '\u{1F600}' },
      text: '{"id":"a\\ud800b","e":"\\uD83D\\uDE00"}',
      numberTexts: new Map(),
    });
    // Strict JSON deeper than the reader's 64 levels keeps JSON.parse's reading.
    const deep = `${'['.repeat(70)}"\\ud800"${']'.repeat(70)}`;
    expect(parseEventBody({ kind: 'text', text: deep }).ok).toBe(true);
    // Only looks like one: an escaped backslash before `ud800`.
    expect(parseEventBody({ kind: 'text', text: '"\\\\ud800"' })).toMatchObject({ ok: true, value: '\\ud800' });
  });

  it('reads what only MedTech reads, and says so in a warning that quotes nothing of the body', () => {
    const lenient = parseEventBody({ kind: 'text', text: '{\'hr\': 72, /* bpm */ "SECRET": [1,2,],}' });
    expect(lenient).toMatchObject({ ok: true, value: { hr: 72, SECRET: [1, 2] }, warning: NON_STRICT_BODY_WARNING });
    const trailing = parseEventBody({ kind: 'text', text: '{"hr": 72}\n{"hr": 73}' });
    expect(trailing).toMatchObject({ ok: true, value: { hr: 72 }, warning: TRAILING_CONTENT_WARNING });
    expect(NON_STRICT_BODY_WARNING + TRAILING_CONTENT_WARNING).not.toContain('SECRET');
    // Strict JSON: no warning.
    expect(parseEventBody({ kind: 'text', text: '{"hr": 72}' })).not.toHaveProperty('warning');
  });

  // MedTech reads the body through a UTF-8 StreamReader, which replaces each invalid sequence with U+FFFD (a
  // Latin-1 `°` from a device still yields its measurements).
  it('reads bytes that are not UTF-8 with U+FFFD for each invalid sequence, as MedTech does', () => {
    expect(parseEventBody({ kind: 'bytes', bytes: new Uint8Array([0x22, 0xc3, 0x28, 0x22]) })).toEqual({
      ok: true,
      value: '\uFFFD(',
      text: '"\uFFFD("',
    });
    expect(
      parseEventBody({ kind: 'bytes', bytes: new Uint8Array([0x22, 0xef, 0xbf, 0xbd, 0xff, 0xb0, 0x22]) }),
    ).toEqual({ ok: true, value: '\uFFFD\uFFFD\uFFFD', text: '"\uFFFD\uFFFD\uFFFD"' });
  });

  // MedTech parses a body only when it has bytes: an empty one leaves `Body` null and the templates still run.
  it('reads an empty body as null, as MedTech does', () => {
    expect(parseEventBody({ kind: 'bytes', bytes: new Uint8Array() })).toEqual({ ok: true, value: null });
    expect(parseEventBody({ kind: 'text', text: '' })).toEqual({ ok: true, value: null });
  });
});
