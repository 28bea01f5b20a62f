import { describe, expect, it } from 'vitest';
import { parseEventBody } from '../../../shared/core/normalize/parseEventBody.js';

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
        message: 'The message body is not valid JSON: InvalidSymbol at line 3, column 14.',
        location: { line: 3, column: 14 },
      });
    }
    const trailing = parseEventBody({ kind: 'bytes', bytes: new TextEncoder().encode('[1, 2,]') });
    expect(trailing.ok || trailing.error.message).toBe(
      'The message body is not valid JSON: ValueExpected at line 1, column 7.',
    );
    // Nested too deep to locate (the locating scan recurses): still an InvalidDataFormat error, never a RangeError.
    const deep = parseEventBody({ kind: 'text', text: '['.repeat(200_000) + 'x' });
    expect(deep.ok || deep.error.toRecord()).toEqual({
      name: 'InvalidDataFormat',
      stage: 'Normalization',
      severity: 'non-blocking',
      message: 'The message body is not valid JSON.',
    });
    const empty = parseEventBody({ kind: 'text', text: ' \n' });
    expect(empty.ok || empty.error.message).toBe('The message body is empty, not JSON.');
  });

  it.each([['\u00a0'], [' \u2003\n'], ['\ufeff\ufeff']])(
    'locates the first character of %j as the error: white space to JavaScript, not to JSON',
    (text) => {
      const result = parseEventBody({ kind: 'text', text });
      expect(result.ok || result.error.message).toMatch(
        /^The message body is not valid JSON: \w+ at line 1, column \d\.$/,
      );
    },
  );

  it.each([
    ['{"hr": 72 // beats per minute\n}', 1, 11],
    ['{\n  "hr": /* bpm */ 72\n}', 2, 9],
  ])('locates a comment in %j as the error, since JSON has none', (text, line, column) => {
    const result = parseEventBody({ kind: 'text', text });

    expect(result.ok || result.error.toRecord()).toEqual({
      name: 'InvalidDataFormat',
      stage: 'Normalization',
      severity: 'non-blocking',
      message: `The message body is not valid JSON: InvalidCommentToken at line ${line}, column ${column}.`,
      location: { line, column },
    });
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
