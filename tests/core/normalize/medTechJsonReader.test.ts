import { describe, expect, it } from 'vitest';
import { parseEventBody } from '../../../shared/core/normalize/parseEventBody.js';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import { readJsonAsMedTech } from '../../../shared/core/normalize/medTechJsonReader.js';
import type { KindedNumber } from '../../../shared/core/expressions/jmesPath/kindedNumbers.js';
import { deviceMappingOf } from '../../support/deviceMappings.js';
import { seededRandom } from '../../support/seededRandom.js';

function valueOf(text: string): unknown {
  const parsed = parseEventBody({ kind: 'text', text });
  if (!parsed.ok) {
    throw new Error(parsed.error.message);
  }
  return parsed.value;
}

describe('bodies with NaN, Infinity and -Infinity as values (Python writes them; MedTech reads them)', () => {
  it('reads the literals as the numbers they name, and leaves strings that spell them alone', () => {
    expect(valueOf('{"hr":78,"spo2":NaN}')).toEqual({ hr: 78, spo2: Number.NaN });
    expect(valueOf('[Infinity, -Infinity,NaN ]')).toEqual([
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
    ]);
    expect(valueOf('{"a":"NaN","b":"-Infinity","c":NaN}')).toEqual({ a: 'NaN', b: '-Infinity', c: Number.NaN });
    expect(valueOf('{"a":"x\\"NaN","b":NaN}')).toEqual({ a: 'x"NaN', b: Number.NaN });
    expect(valueOf('NaN')).toBeNaN();
  });

  it('keeps the body text, so integers beyond 2^53 keep their digits', () => {
    const parsed = parseEventBody({ kind: 'text', text: '{"id":12345678901234567890,"v":NaN}' });
    expect(parsed.ok && parsed.text).toBe('{"id":12345678901234567890,"v":NaN}');
  });

  it('reads them beside other leniencies, and beside strings that escape a NUL', () => {
    expect(valueOf('{"a":NaN,}')).toEqual({ a: Number.NaN });
    expect(valueOf('{"a":"\\u0000NaN","b":NaN}')).toEqual({ a: '\u0000NaN', b: Number.NaN });
  });

  it.each([
    ['{"a":nan}', 'lower case'],
    ['{"a":NaNx}', 'part of a longer word'],
    ['{"a":NaN.5}', 'part of a number'],
    ['{"a":+Infinity}', 'a plus sign'],
    ['{"a":-NaN}', 'a minus sign'],
  ])('still refuses %s (%s), with the position of the first problem', (text) => {
    const parsed = parseEventBody({ kind: 'text', text });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.toRecord()).toMatchObject({ name: 'InvalidDataFormat' });
    expect(!parsed.ok && parsed.error.message).toMatch(/at line 1, column \d+\.$/);
  });

  it('normalizes the other fields of the message; a field holding one is no value', () => {
    const template = (typeName: string, value: string) => ({
      templateType: 'JsonPathContent',
      template: {
        typeName,
        typeMatchExpression: `$..[?(@${value})]`,
        deviceIdExpression: '$.deviceId',
        timestampExpression: '$.endDate',
        values: [{ valueName: value, valueExpression: `$.${value}`, required: true }],
      },
    });
    const mapping = deviceMappingOf([template('heartrate', 'hr'), template('spo2', 'spo2')]);

    const result = normalizeEvent(mapping, {
      body: {
        kind: 'bytes',
        bytes: Buffer.from('{"deviceId":"d1","endDate":"2023-03-13T22:46:01Z","hr":78,"spo2":NaN}'),
      },
      properties: {},
      systemProperties: {},
      enqueuedTimeUtc: '2023-03-13T22:50:00Z',
    });

    expect(result.measurements.map((m) => [m.type, m.properties])).toEqual([
      ['heartrate', [{ name: 'hr', value: '78' }]],
    ]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toContain('matched a non-finite number');
    expect(result.errors[0]?.location).toMatchObject({ templateIndex: 1 });
  });
});

/** `readJsonAsMedTech`'s value, or `error:<problem>` when it refuses the text. */
function read(text: string): unknown {
  const result = readJsonAsMedTech(text);
  return result.ok ? result.value : `error:${result.problem}`;
}

// Each case is how Newtonsoft.Json 13.0.3's JsonTextReader under JToken.ReadFrom (MedTech's body reader) reads the
// text, from its source: `undefined` (an empty slot) is read as null here.
describe('readJsonAsMedTech: what MedTech reads beyond JSON', () => {
  it.each([
    // Comments, wherever white space may stand except between a name and its colon.
    ['/* c */ {"a":1}', { a: 1 }],
    ['{ // c\n"a" : /* c */ 1 /* c */ , /* c */ "b":2 // c\n}', { a: 1, b: 2 }],
    ['[1 /* c */, 2 // c\n]', [1, 2]],
    ['{"a" /* c */ : 1}', 'error:ColonExpected'],
    ['{"a":1 /* open', 'error:UnterminatedComment'],
    ['[1 / 2]', 'error:InvalidComment'],
    ['[1 /', 'error:UnexpectedEnd'],
    // .NET white space and NUL between tokens.
    ['\u00a0{\u0085"a"\u2003:\u000b1\u000c}\u0000', { a: 1 }],
    ['[1\u0000,\u00002]', [1, 2]],
    // Trailing commas and empty slots (Newtonsoft's `undefined`).
    ['[1,2,]', [1, 2]],
    ['{"a":1,}', { a: 1 }],
    ['[1,,2]', [1, null, 2]],
    ['[,]', [null]],
    ['[,1]', [null, 1]],
    ['[1,,]', [1, null]],
    ['{"a":,"b":2}', { a: null, b: 2 }],
    ['{"a":,}', { a: null }],
    ['{"a":}', 'error:UnexpectedCharacter'],
    ['{,}', 'error:InvalidPropertyNameCharacter'],
    ['{"a":1,,"b":2}', 'error:InvalidPropertyNameCharacter'],
    ['[1 2]', 'error:UnexpectedCharacterAfterValue'],
    ['{"a":1 "b":2}', 'error:UnexpectedCharacterAfterValue'],
    ['[1}', 'error:MismatchedCloser'],
    ['{"a":1]', 'error:MismatchedCloser'],
    ['{"a":]', 'error:MismatchedCloser'],
    ['[1)', 'error:MismatchedCloser'],
    ['[1', 'error:UnexpectedEnd'],
    ['{"a":1', 'error:UnexpectedEnd'],
    ['{"a"', 'error:UnexpectedEnd'],
    // Strings.
    ["'a\"b'", 'a"b'],
    ["{'a':'it\\'s'}", { a: "it's" }],
    ['"a\\/b"', 'a/b'],
    ['"tab\there\nline\u0001\u0000"', 'tab\there\nline\u0001\u0000'],
    ['"\\x41"', 'error:InvalidEscape'],
    ['"\\u00e9\\u00E9"', 'éé'],
    ['"\\u12"', 'error:UnexpectedEnd'],
    ['"\\u12G4"', 'error:InvalidUnicodeEscape'],
    ['"\\ud83d\\ude00"', '\ud83d\ude00'],
    ['"\\ud800x"', '\uFFFDx'],
    ['"\\udc00"', '\uFFFD'],
    ['"\\ud800\\ud800\\udc00"', '\uFFFD\ud800\udc00'],
    ['"\\ud800\\u0041"', '\uFFFDA'],
    ['"abc', 'error:UnterminatedString'],
    // Unquoted property names.
    ['{a:1, _b$2: 2, é: 3}', { a: 1, _b$2: 2, é: 3 }],
    ['{a :1}', { a: 1 }],
    ['{a\u0000:1}', { a: 1 }],
    ['{a-b:1}', 'error:InvalidPropertyNameCharacter'],
    ['{-a:1}', 'error:InvalidPropertyNameCharacter'],
    ['{a', 'error:UnexpectedEnd'],
    // Literals.
    ['[true,false,null,undefined]', [true, false, null, null]],
    ['[true/**/]', [true]],
    ['truex', 'error:InvalidLiteral'],
    ['tru', 'error:UnexpectedEnd'],
    ['True', 'error:UnexpectedCharacter'],
    ['None', 'error:InvalidLiteral'],
    ['[true)', 'error:InvalidLiteral'],
    ['new Date(1)', 'error:UnsupportedConstructor'],
    ['{"d": new Date(1)}', 'error:UnsupportedConstructor'],
    // Numbers.
    ['[.5, -.5, 1., 1.e5, 1E+2, -0]', [0.5, -0.5, 1, 100000, 100, 0]],
    ['[0x1F, 0X1f, 012, 00, -0123]', [31, 31, 10, 0, -123]],
    ['0xFFFFFFFFFFFFFFFF', -1],
    ['01777777777777777777777', -1],
    ['0x1FFFFFFFFFFFFFFFF', 'error:InvalidNumber'],
    ['02777777777777777777777', 'error:InvalidNumber'],
    ['08', 'error:InvalidNumber'],
    ['0x', 'error:InvalidNumber'],
    ['-0x10', 'error:InvalidNumber'],
    ['[+5]', 'error:UnexpectedCharacter'],
    ['[-]', 'error:InvalidNumber'],
    ['[1e]', 'error:InvalidNumber'],
    ['[1-2]', 'error:InvalidNumber'],
    ['[1.5.6]', 'error:InvalidNumber'],
    ['[12abc]', 'error:InvalidNumber'],
    ['[5x]', 'error:InvalidNumber'],
    ['{"a":1:}', 'error:UnexpectedCharacterInNumber'],
    // Anything after the first value is never read.
    ['{"a":1} trailing', { a: 1 }],
    ['{"a":1}{"a":2}', { a: 1 }],
    ['[1]]', [1]],
    ['5 x', 5],
    ['5/', 5],
    ['"a"x', 'a'],
    ['true,', true],
    ['12x', 'error:InvalidNumber'],
    [',', null],
    [']', 'error:MismatchedCloser'],
    ['}', 'error:UnexpectedCharacter'],
    ['', 'error:NoContent'],
    ['// only a comment', 'error:NoContent'],
    // Repeated names: the last value, at the first one's place; `__proto__` is data.
    ['{"a":1,"b":2,"a":3}', { a: 3, b: 2 }],
  ])('%j', (text, expected) => {
    const value = read(text);
    expect(value).toEqual(expected);
    if (typeof expected === 'object' && expected !== null) {
      expect(Object.keys(value as object)).toEqual(Object.keys(expected));
    }
  });

  it('keeps `__proto__` as an own member, as JSON.parse does', () => {
    const value = read("{'__proto__': {'polluted': 1}, a: 2}") as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('says whether anything but white space and comments follows the value', () => {
    const trailing = (text: string): unknown => {
      const result = readJsonAsMedTech(text);
      return result.ok && result.trailingContent;
    };
    expect(trailing('{"a":1,} /* c */ // c\n \u0000')).toBe(false);
    expect(trailing('{"a":1,} x')).toBe(true);
    expect(trailing('{"a":1,} /')).toBe(true);
  });

  it('gives integers beyond 2^53 their exact digits, hexadecimal and octal ones too', () => {
    const result = readJsonAsMedTech(
      "{'a': 12345678901234567890, 'b': 0x7FFFFFFFFFFFFFFF, 'c': -00012345678901234567}",
    );
    expect(result.ok && [...result.numberTexts]).toEqual(
      ['12345678901234567890', '9223372036854775807', '-12345678901234567'].map((digits) => [Number(digits), [digits]]),
    );
  });
});

describe('readJsonAsMedTech on strict JSON', () => {
  // Strict JSON is a subset of what Newtonsoft reads, with one difference: a lone surrogate escape is U+FFFD there.
  it('reads random strict-JSON texts exactly as JSON.parse does, key order included', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 16807) % 2147483647;
      return seed % n;
    };
    const pieces = ['a', 'é', '"', '\\', '\n', '\u0001', '/', '2', ' ', '\ud83d\ude00', '__proto__', '10'];
    const string = (): string => Array.from({ length: random(4) }, () => pieces[random(pieces.length)]).join('');
    const numbers = [0, -0, 1, -1, 0.5, 1e-7, 1.5e300, 123456789, 1.2345678901234567e19, -2.5e-5, 1e21];
    const value = (depth: number): unknown => {
      switch (depth > 3 ? random(4) : random(6)) {
        case 0:
          return numbers[random(numbers.length)];
        case 1:
          return string();
        case 2:
          return [true, false, null][random(3)];
        case 3:
          return random(2) === 0 ? 'x' : 0;
        case 4:
          return Array.from({ length: random(4) }, () => value(depth + 1));
        default:
          return Object.fromEntries(Array.from({ length: random(4) }, () => [string(), value(depth + 1)]));
      }
    };
    const spaces = [' ', '\n', '\t', '\r\n', '', ''];
    for (let i = 0; i < 3000; i++) {
      // JSON.stringify's text with random JSON white space between tokens (outside strings).
      const text = JSON.stringify(value(0), null, random(2) === 0 ? undefined : 1).replace(
        /("(?:[^"\\]|\\.)*")|([,:[\]{}])/g,
        (match: string, str: string | undefined) => (str === undefined ? `${match}${spaces[random(6)]}` : match),
      );
      const expected = JSON.parse(text) as unknown;
      const actual = readJsonAsMedTech(text);
      expect(actual.ok).toBe(true);
      if (actual.ok) {
        expect(JSON.stringify(actual.value)).toBe(JSON.stringify(expected));
        expect(actual.value).toEqual(expected);
        expect(actual.trailingContent).toBe(false);
      }
    }
  });
});

describe('readJsonAsMedTech with keepMemberOrder', () => {
  it('lists members in the order the text writes them, integer-like names included, as Newtonsoft keeps them', () => {
    const text = '{"b":1,"1":2,"a":{"10":true,"9":false},"list":[{"x":0,"0":"y"}]}';

    const read = readJsonAsMedTech(text, { keepMemberOrder: true });

    expect(read.ok).toBe(true);
    if (read.ok) {
      expect(JSON.stringify(read.value)).toBe(text);
      const value = read.value as { a: object; list: object[] };
      expect(Object.keys(read.value as object)).toEqual(['b', '1', 'a', 'list']);
      const forIn: string[] = [];
      for (const key in value.a) {
        forIn.push(key);
      }
      expect(forIn).toEqual(['10', '9']);
      expect(Object.values(value.list[0] as object)).toEqual([0, 'y']);
      expect(read.value).toEqual(JSON.parse(text));
      expect(read.reordered).toBe(3);
    }
  });

  it('leaves an object as it is where JavaScript lists its members in the text order already', () => {
    const text = '{"0":{"1":1,"2":2},"a":[],"b":{"c":{}}}';

    const read = readJsonAsMedTech(text, { keepMemberOrder: true });
    const plain = readJsonAsMedTech('{"b":1,"1":2}');

    expect(read.ok && read.reordered).toBe(0);
    // Without the option, JavaScript's order, as JSON.parse gives it.
    expect(plain.ok && JSON.stringify(plain.value)).toBe('{"1":2,"b":1}');
    expect(plain.ok && plain.reordered).toBe(0);
  });

  it('keeps a repeated name where it first stood, with its last value', () => {
    const read = readJsonAsMedTech('{"x":1,"7":2,"x":3}', { keepMemberOrder: true });

    expect(read.ok && JSON.stringify(read.value)).toBe('{"x":3,"7":2}');
  });

  it('gives random texts back member for member, values as JSON.parse reads them', () => {
    const random = seededRandom(2026);
    const names = ['a', 'b', '0', '1', '2', '10', '01', '-1', '1.5', '4294967294', '4294967295', '__proto__'];
    // Texts written member by member, in an order JavaScript would not keep; no name repeats in an object.
    const text = (depth: number): string => {
      const roll = random(5);
      if (roll === 0 || depth > 2) {
        return ['1', '"s"', 'null', 'true', '-2.5'][random(5)] as string;
      }
      if (roll === 1) {
        return `[${Array.from({ length: random(3) }, () => text(depth + 1)).join(',')}]`;
      }
      const chosen = [...new Set(Array.from({ length: random(5) }, () => names[random(names.length)] as string))];
      return `{${chosen.map((name) => `"${name}":${text(depth + 1)}`).join(',')}}`;
    };
    let reordered = 0;
    for (let i = 0; i < 2000; i++) {
      const source = text(0);
      const read = readJsonAsMedTech(source, { keepMemberOrder: true });
      expect(read.ok, source).toBe(true);
      if (read.ok) {
        expect(JSON.stringify(read.value), source).toBe(source);
        expect(read.value, source).toEqual(JSON.parse(source));
        reordered += read.reordered;
      }
    }
    expect(reordered).toBeGreaterThan(200);
  });
});

describe('readJsonAsMedTech with keepNumberKinds', () => {
  it('boxes a long integer exactly, and refuses one longer than Newtonsoft reads (380 characters)', () => {
    const longest = `-${'9'.repeat(379)}`;
    const read = readJsonAsMedTech(`{"a":${longest},"b":1.0}`, { keepNumberKinds: true });
    expect(read.ok && String((read.value as { a: KindedNumber }).a.integer)).toBe(longest);
    const tooLong = readJsonAsMedTech(`{"a":${'9'.repeat(381)},"b":1.0}`, { keepNumberKinds: true });
    expect(tooLong.ok ? 'read' : tooLong.problem).toBe('IntegerTooLarge');
    // Read either way without the kinds, as a double.
    const plain = readJsonAsMedTech(`{"a":${'9'.repeat(381)},"b":1.0}`);
    expect(plain.ok && (plain.value as { a: number }).a).toBe(Infinity);
  });
});

describe('readJsonAsMedTech on a hostile number', () => {
  // The number pattern once had two adjacent digit runs, which backtrack over every split of a long literal that
  // fails: a 1 MB message of one took a quarter of an hour (past the function timeout, its partition stalled for good).
  it.each([
    ['an array', (digits: string) => `[${digits}-]`],
    ['a member', (digits: string) => `{"a":${digits}x}`],
  ])('refuses a megabyte-long invalid literal in %s as InvalidNumber, one pass over it', (_where, body) => {
    const text = body('1'.repeat(1_000_000));

    const read = readJsonAsMedTech(text);
    const result = normalizeEvent(deviceMappingOf([]), {
      body: { kind: 'text', text },
      properties: {},
      systemProperties: {},
      enqueuedTimeUtc: '2024-01-01T00:00:00Z',
    });

    expect(read).toMatchObject({ ok: false, problem: 'InvalidNumber' });
    expect(result.errors.map((e) => e.name)).toEqual(['InvalidDataFormat']);
  });
});

describe('readJsonAsMedTech element spans', () => {
  it("notes where each element of a top-level array stands, whatever it holds, and nothing else's", () => {
    const text = "[ {'a': [1, {b: 2}]} , // one\n  9007199254740993,'x',, [[]], [] /* end */ , ]";
    const result = readJsonAsMedTech(text, { elementSpans: true });

    expect(result.ok).toBe(true);
    const spans = result.ok ? (result.elementSpans ?? []) : [];
    expect(spans.map(([start, end]) => text.slice(start, end))).toEqual([
      "{'a': [1, {b: 2}]}",
      '9007199254740993',
      "'x'",
      '',
      '[[]]',
      '[]',
    ]);
    expect(result.ok && (result.value as unknown[]).length).toBe(6);
    // Not for an object, nor without the option.
    expect(readJsonAsMedTech("{'a': [1, 2]}", { elementSpans: true })).not.toHaveProperty('elementSpans');
    expect(readJsonAsMedTech('[1, 2,]')).not.toHaveProperty('elementSpans');
  });
});
