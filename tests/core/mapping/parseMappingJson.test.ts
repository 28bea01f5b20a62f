import { describe, expect, it } from 'vitest';
import { MAX_MAPPING_DEPTH, parseMappingJson } from '../../../shared/core/mapping/parseMappingJson.js';
import { locatePointer } from '../../../shared/core/mapping/locate.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';
import { parseFhirMapping } from '../../../shared/core/fhir/fhirMapping.js';

describe('parseMappingJson', () => {
  it('drops a leading byte-order mark: positions and text are those after it', () => {
    const result = parseMappingJson('\uFEFF{\n  "a": 1, // note\n}');

    expect(result).toMatchObject({ ok: true, doc: { value: { a: 1 }, text: '{\n  "a": 1, // note\n}' } });
    expect(result.ok && result.nonStrictAt).toEqual({ line: 2, column: 11 });
  });

  it('reports a syntax error after a byte-order mark at the column an editor shows', () => {
    expect(parseMappingJson('\uFEFF{ "a": }')).toEqual({
      ok: false,
      problems: [{ message: 'JSON syntax error: ValueExpected', line: 1, column: 8 }],
    });
  });

  it('refuses a file nested deeper than the limit with its position, instead of overflowing the stack', () => {
    const deep = '[\n' + '['.repeat(20_000) + ']'.repeat(20_000) + '\n]';

    expect(parseMappingJson(deep)).toEqual({
      ok: false,
      problems: [
        {
          message: `the file nests arrays and objects more than ${MAX_MAPPING_DEPTH} levels deep`,
          line: 2,
          column: 128,
        },
      ],
    });
    // Both mapping parsers report it as a problem; neither throws.
    const device = parseDeviceMapping(`{"templateType":"CollectionContent","template":${deep}}`);
    const fhir = parseFhirMapping(`{"templateType":"CollectionFhir","template":${deep}}`);
    expect(device.ok || device.problems[0]?.message).toMatch(/more than 128 levels deep/);
    expect(fhir.ok || fhir.problems[0]?.message).toMatch(/more than 128 levels deep/);
  });

  it('counts only the brackets of the document, not those in strings or comments', () => {
    const text = `{ "a": "${'['.repeat(500)}", /* ${'{'.repeat(500)} */ // ${'['.repeat(500)}\n "b": [[1]] }`;

    expect(parseMappingJson(text)).toMatchObject({ ok: true, doc: { value: { a: '['.repeat(500), b: [[1]] } } });
    expect(parseMappingJson('['.repeat(MAX_MAPPING_DEPTH) + ']'.repeat(MAX_MAPPING_DEPTH)).ok).toBe(true);
  });

  it.each([
    ['trailing commas only', '{"a": [1, 2,],}', { a: [1, 2] }],
    [
      'a comment and arrays of several literals',
      '// c\n{"a": ["x", "y", 3, true, null], "b": [{}, {}], "c": [[], []]}',
      {
        a: ['x', 'y', 3, true, null],
        b: [{}, {}],
        c: [[], []],
      },
    ],
  ])('reads a non-strict file with %s, keeping every comma between values', (_label, text, value) => {
    const result = parseMappingJson(text);

    expect(result).toMatchObject({ ok: true, doc: { value } });
    expect(result.ok && result.nonStrictAt).toBeTruthy();
  });

  const deep = (open: string, close: string, depth = MAX_MAPPING_DEPTH + 1): string =>
    open.repeat(depth) + close.repeat(depth);

  it.each([
    ['many sibling arrays', `[${'[],'.repeat(300)}[]]`],
    ['many sibling objects', `[${'{},'.repeat(300)}{}]`],
    [
      'escaped quotes and backslashes in strings',
      `{"a": "\\"${'['.repeat(200)}", "b": "\\\\", "c": "${'{'.repeat(200)}"}`,
    ],
    ['brackets in a block comment over several lines', `/*\n${'['.repeat(200)}\n*/ {}`],
    ['a block comment that starts with a slash', `/*/ ${'['.repeat(200)} */ {}`],
    ['a line comment at the very end', '{} // end'],
  ])('accepts a file with %s (depth is counted only for open containers)', (_label, text) => {
    expect(parseMappingJson(text).ok).toBe(true);
  });

  it.each([
    ['nested objects', deep('{"a":', '}').replace(/}+$/, (closing) => `1${closing}`)],
    ['nesting after a line comment', `// c\n${deep('[', ']')}`],
    ['nesting after a block comment', `/* c */ ${deep('[', ']')}`],
    ['nesting after two adjacent block comments', `/* a *//* b */ ${deep('[', ']')}`],
    [
      'brackets each followed by a line comment',
      `${'[//\n'.repeat(MAX_MAPPING_DEPTH + 1)}${']'.repeat(MAX_MAPPING_DEPTH + 1)}`,
    ],
  ])('refuses a file too deep with %s', (_label, text) => {
    const result = parseMappingJson(text);

    expect(result.ok || result.problems[0]?.message).toMatch(/more than 128 levels deep/);
  });

  it.each([
    ['an unterminated string', '{"a": "x'],
    ['an unterminated string ending in a backslash', '{"a": "x\\'],
    ['an unterminated block comment', '{} /* x'],
  ])('reports %s as a syntax error', (_label, text) => {
    const result = parseMappingJson(text);

    expect(result.ok).toBe(false);
    expect(result.ok || result.problems[0]?.message).toMatch(/^JSON syntax error: /);
  });
});

describe('parseMappingJson reads what Newtonsoft.Json reads', () => {
  it.each([
    ['single-quoted strings and names', `{'a': 'x"y', "b": 'it\\'s'}`, { a: 'x"y', b: "it's" }],
    [
      'unquoted property names',
      `{ a: 1, $b_2: [true], templateType : "c" }`,
      { a: 1, $b_2: [true], templateType: 'c' },
    ],
    ['an escaped single quote in a double-quoted string', `{"a": "it\\'s"}`, { a: "it's" }],
    ['raw control characters in strings', `{"a": "x\ty\nz"}`, { a: 'x\ty\nz' }],
    ['.NET white space and NUL between tokens', `{\u00a0"a":\u3000 1\u0000}`, { a: 1 }],
  ])('accepts %s, with the non-strict warning', (_name, text, value) => {
    const result = parseMappingJson(text);

    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.doc.value).toEqual(value);
      expect(result.nonStrictAt).toBeDefined();
    }
  });

  it('locates nodes in the text as written, after quotes were added', () => {
    const result = parseMappingJson(`{a: {bb: 'x'}, c: 1}`);

    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(locatePointer(result.doc, '/c')).toEqual({ line: 1, column: 16 });
      expect(locatePointer(result.doc, '/a/bb')).toEqual({ line: 1, column: 6 });
    }
  });

  it.each([`{'a': 1`, `{a b: 1}`, `{"a": 'x}`, `{a: 1} x`])('still refuses %s', (text) => {
    expect(parseMappingJson(text).ok).toBe(false);
  });
});
