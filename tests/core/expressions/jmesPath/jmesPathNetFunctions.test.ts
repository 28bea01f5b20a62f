import { describe, expect, it, vi } from 'vitest';
import { compileJmesPath } from '../../../../shared/core/expressions/jmesPath.js';
import { toKindedJsonText } from '../../../../shared/core/expressions/jmesPath/kindedNumbers.js';

/** The single result of an expression (the whole result, projection or not), or the evaluation error. */
function one(source: string, data: unknown = {}): unknown {
  const found = compileJmesPath(source).matches(data);
  return found.length === 1 ? found[0] : found;
}

// Built-in functions as MedTech's JmesPath.Net 1.0.205 runs them (src/jmespath.net/Functions at tag 1.0.204).
describe('JMESPath built-ins as in JmesPath.Net 1.0.205', () => {
  describe('max_by / min_by', () => {
    const tied = [
      { a: 1, id: 1 },
      { a: 1, id: 2 },
    ];

    it('fail on an empty array (a fold over no elements)', () => {
      expect(() => one('max_by(@, &a)', [])).toThrow(/max_by\(\) of an empty array/);
      expect(() => one('min_by(@, &a)', [])).toThrow(/min_by\(\) of an empty array/);
    });

    it('read string keys as Convert.ToDouble does: the invariant symbols, trailing NULs', () => {
      const keys = (...values: string[]): unknown[] => values.map((v, id) => ({ v, id }));

      expect(one('max_by(@, &v).id', keys('5', 'Infinity', '7'))).toBe(1);
      expect(one('min_by(@, &v).id', keys('5', ' -INFINITY ', '7'))).toBe(1);
      expect(one('max_by(@, &v).id', keys('5\0', '4\0\0'))).toBe(0);
      expect(() => one('max_by(@, &v)', keys('5', '∞'))).toThrow(/a string is not a number/);
      expect(() => one('max_by(@, &v)', keys('5', '5\0 '))).toThrow(/a string is not a number/);
    });

    it('return the last of equal elements', () => {
      expect(one('max_by(@, &a).id', tied)).toBe(2);
      expect(one('min_by(@, &a).id', tied)).toBe(2);
    });

    it('compare numeric strings as numbers', () => {
      const readings = [
        { value: '9', id: 1 },
        { value: '78', id: 2 },
        { value: ' 1,000.5 ', id: 3 },
      ];
      expect(one('max_by(@, &value).id', readings)).toBe(3);
      expect(one('min_by(@, &value).id', readings)).toBe(1);
    });

    it('fail on a string key that is not a number', () => {
      const stamped = [{ time: '2023-03-13T22:46:01Z' }, { time: '2023-03-14T22:46:01Z' }];
      expect(() => one('max_by(@, &time)', stamped)).toThrow(/max_by\(\).*not a number/);
    });

    it('return the only element of a one-element array without evaluating its key', () => {
      expect(one('max_by(@, &a)', [{ a: 'x' }])).toEqual({ a: 'x' });
      expect(one('min_by(@, &a)', [{}])).toEqual({});
    });

    it('fail when a key is neither a number nor a string', () => {
      expect(() => one('max_by(@, &a)', [{ a: 1 }, {}])).toThrow(/max_by\(\).*got null/);
    });
  });

  describe('sort', () => {
    it('sorts by 32-bit integer keys when the first element is an integer (half to even)', () => {
      expect(one('sort(@)', [98, 97.5, 97])).toEqual([97, 98, 97.5]);
      expect(one('sort(@)', [2, 1.5, 1])).toEqual([1, 2, 1.5]);
    });

    it('sorts by number when the first element has a fraction', () => {
      expect(one('sort(@)', [97.5, 98, 97])).toEqual([97, 97.5, 98]);
    });

    it('fails on an integer beyond the 32-bit range when the first element is an integer', () => {
      expect(() => one('sort(@)', [1, 3000000000])).toThrow(/sort\(\) overflowed/);
    });

    it('sorts booleans (false first) and arrays of nulls', () => {
      expect(one('sort(@)', [true, false, true])).toEqual([false, true, true]);
      expect(one('sort(@)', [null, null])).toEqual([null, null]);
    });

    it('fails on mixed types and on arrays of objects', () => {
      expect(() => one('sort(@)', [1, 'a'])).toThrow(/same type/);
      expect(() => one('sort(@)', [{}, {}])).toThrow(/sort\(\)/);
    });
  });

  describe('sort_by', () => {
    it('orders string keys by UTF-16 code unit, as .NET ordinal comparison does', () => {
      // U+1F600 is the surrogate pair D83D DE00, below U+FFFF by code unit (above it by code point); 'B' before 'a'.
      const keys = ['\uFFFF', '\u{1F600}', 'a', 'B'];
      expect(
        one(
          'sort_by(@, &k)[].k',
          keys.map((k) => ({ k })),
        ),
      ).toEqual(['B', 'a', '\u{1F600}', '\uFFFF']);
    });

    it('orders integer and fractional keys by value, keeping equal keys in their order', () => {
      const items = [
        { k: 2, id: 'a' },
        { k: 1.5, id: 'b' },
        { k: 2.0, id: 'c' },
        { k: -1, id: 'd' },
      ];
      expect(one('sort_by(@, &k)[].id', items)).toEqual(['d', 'b', 'a', 'c']);
      expect(one('sort_by(@, &k)', [])).toEqual([]);
    });

    it('fails on a first key that is neither a number nor a string, and on keys of two types', () => {
      expect(() => one('sort_by(@, &k)', [{ k: true }])).toThrow(
        /sort_by\(\) expected .* a number or a string, got boolean/,
      );
      expect(() => one('sort_by(@, &k)', [{ k: null }, { k: 1 }])).toThrow(/got null/);
      expect(() => one('sort_by(@, &k)', [{ k: 'a' }, { k: 1 }])).toThrow(/every key to be a string, got number/);
      expect(() => one('sort_by(@, &k)', [{ k: 1 }, { k: 'a' }])).toThrow(/every key to be a number, got string/);
    });
  });

  describe('integer conversions', () => {
    it('abs of an integer beyond the 32-bit range fails', () => {
      expect(() => one('abs(`3000000000`)')).toThrow(/abs\(\) overflowed/);
      expect(() => one('abs(`-2147483648`)')).toThrow(/abs\(\) overflowed/);
      expect(one('abs(`-2147483647`)')).toBe(2147483647);
      expect(one('abs(`-2.5`)')).toBe(2.5);
    });

    it('ceil and floor beyond the 64-bit range fail', () => {
      expect(() => one('ceil(`1e20`)')).toThrow(/ceil\(\) overflowed/);
      expect(() => one('floor(`-1e19`)')).toThrow(/floor\(\) overflowed/);
      expect(one('ceil(`-0.5`)')).toBe(0);
      expect(Object.is(one('ceil(`-0.5`)'), 0)).toBe(true);
      expect(one('floor(`2.5`)')).toBe(2);
    });

    it('an integral sum beyond the 64-bit range fails', () => {
      expect(() => one('sum(`[1e19]`)')).toThrow(/sum\(\) overflowed/);
      expect(one('sum(`[1.5, 2]`)')).toBe(3.5);
      expect(one('sum(`[]`)')).toBe(0);
    });
  });

  describe('contains on a string', () => {
    it('reads a number or boolean searched for as .NET text', () => {
      expect(one("contains('a1', `1`)")).toBe(true);
      expect(one("contains('x2.5', `2.5`)")).toBe(true);
      expect(one("contains('isTrue', `true`)")).toBe(true);
      expect(one("contains('istrue', `true`)")).toBe(false);
    });

    it('reads a number as .NET writes it: scientific notation below 0.0001 and for large doubles', () => {
      expect(one("contains('a1E-05', `0.00001`)")).toBe(true);
      expect(one("contains('0.00001', `0.00001`)")).toBe(false);
      expect(one("contains('x0.0001', `0.0001`)")).toBe(true);
      expect(one("contains('1E+20', `1e20`)")).toBe(true);
      // An integer within the 64-bit range is a long: all its digits; `1e15` is a double, written `1E+15`.
      expect(one("contains('id 1000000000000000', `1000000000000000`)")).toBe(true);
      expect(one("contains('id 1000000000000000', `1e15`)")).toBe(false);
      expect(one("contains('id 1E+15', `1e15`)")).toBe(true);
    });

    it('fails when searching for null, an array or an object', () => {
      expect(() => one("contains('abc', `null`)")).toThrow(/contains\(\)/);
      expect(() => one("contains('abc', `[]`)")).toThrow(/contains\(\)/);
      expect(() => one("contains('abc', `{}`)")).toThrow(/contains\(\)/);
    });
  });

  describe('merge (Newtonsoft JObject.Merge)', () => {
    it('merges nested objects and concatenates arrays', () => {
      expect(one('merge(`{"a":{"x":1},"l":[1]}`, `{"a":{"y":2},"l":[2]}`)')).toEqual({
        a: { x: 1, y: 2 },
        l: [1, 2],
      });
    });

    it('keeps a member when the later value is null, but adds a new null member', () => {
      expect(one('merge(`{"a":1}`, `{"a":null,"b":null}`)')).toEqual({ a: 1, b: null });
    });

    it('replaces a member whose types differ', () => {
      expect(one('merge(`{"a":{"x":1},"b":[1]}`, `{"a":[2],"b":3}`)')).toEqual({ a: [2], b: 3 });
    });

    it('does not change the objects it merges', () => {
      const data = { p: { a: { x: 1 }, l: [1] }, q: { a: { y: 2 }, l: [2] } };
      one('merge(p, q)', data);
      expect(data).toEqual({ p: { a: { x: 1 }, l: [1] }, q: { a: { y: 2 }, l: [2] } });
    });

    it('fails on an argument that is not an object', () => {
      expect(() => one('merge(`{"a":1}`, `[1]`)')).toThrow(/merge\(\) expected argument 2/);
    });
  });

  it('reverse reverses a string by UTF-16 code unit', () => {
    expect(one("reverse('a\u{1F600}b')")).toBe('b\uDE00\uD83Da');
  });

  it('to_string escapes strings inside values as Newtonsoft writes them', () => {
    expect(one('to_string(@)', { a: 'x\u2028y\u2029\u0085', b: ['"\\\u0001é/'] })).toBe(
      '{"a":"x\\u2028y\\u2029\\u0085","b":["\\"\\\\\\u0001é/"]}',
    );
    expect(one('to_string(@)', ['\uD800'])).toBe('["\uD800"]');
  });
});

// Lexical rules of JmesPath.Net 1.0.205 (src/jmespath.net.parser, StringUtil.UnescapeRaw at tag 1.0.204).
describe('JMESPath raw strings as in JmesPath.Net 1.0.205', () => {
  it("unescape only \\' (a double backslash stays two backslashes)", () => {
    expect(one(String.raw`'a\\b'`)).toBe(String.raw`a\\b`);
    expect(one(String.raw`'a\b'`)).toBe(String.raw`a\b`);
    expect(one(String.raw`'it\'s'`)).toBe("it's");
    expect(one(String.raw`'\\\''`)).toBe(String.raw`\\'`);
    expect(one(String.raw`['\\', "a\\b", '\'\\']`, { 'a\\b': 1 })).toEqual([String.raw`\\`, 1, String.raw`'\\`]);
  });

  it('compare a filter value with the same two backslashes', () => {
    const data = { items: [{ path: String.raw`C:\\x` }, { path: String.raw`C:\x` }] };
    expect(compileJmesPath(String.raw`items[?path == 'C:\\x'].path`).matches(data)).toEqual([String.raw`C:\\x`]);
  });
});

// `to_string` writes JSON text as Newtonsoft.Json's JsonTextWriter does (Formatting.None).
describe('to_string JSON text', () => {
  it('separates elements and members with commas and writes null', () => {
    expect(one('to_string(@)', [1, 2, [3, 4], { a: null, b: [] }])).toBe('[1,2,[3,4],{"a":null,"b":[]}]');
    expect(one('to_string(`null`)')).toBe('null');
  });

  it('writes numbers as Newtonsoft does: a long with its digits, a double as .NET writes it', () => {
    expect(one('to_string(@)', [0.5, 0.0001, 0.00001, -2.5e-7, 1.5e300, 12345678.125, 3, -40])).toBe(
      '[0.5,0.0001,1E-05,-2.5E-07,1.5E+300,12345678.125,3,-40]',
    );
    // Shortest round-trip digits, not 15 (to_string is not the measurement value text).
    expect(one('to_string(add(`0.1`, `0.2`))')).toBe('0.30000000000000004');
    // A double with more than 15 digits keeps fixed notation up to its last digit.
    expect(one('to_string(@)', [1234567890123456.5, 1e15, 2 ** 60])).toBe(
      '[1234567890123456.5,1000000000000000,1152921504606846976]',
    );
    expect(one('to_string(@)', [2 ** 64, 5e-324])).toBe('[1.8446744073709552E+19,5E-324]');
  });

  // Each checked on MedTech's own functions (tools/dotnet-oracle, MedTechNormalize): a float operand makes a float,
  // which keeps `.0` when whole; two integers make an integer.
  it.each([
    ['to_string(add(`1.5`, `2.5`))', {}, '4.0'],
    ['to_string(subtract(`2.5`, `0.5`))', {}, '2.0'],
    ['to_string(multiply(`1.5`, `2`))', {}, '3.0'],
    ['to_string(pow(`2.0`, `2`))', {}, '4.0'],
    ['to_string(multiply(`2`, `3`))', {}, '6'],
    ['to_string(divide(`6`, `2`))', {}, '3'],
    ['to_string(add(a, `1.0`))', { a: 1 }, '2.0'],
    ['to_string(add(a, `1`))', { a: 1 }, '2'],
  ])('writes %s with the kind MedTech computes it in', (expression, data, expected) => {
    expect(one(expression, data)).toBe(expected);
  });

  it('writes the short escapes of backspace, form feed, newline, carriage return and tab', () => {
    expect(one('to_string(@)', ['\b\f\n\r\t\u0007'])).toBe('["\\b\\f\\n\\r\\t\\u0007"]');
    expect(one('to_string(@)', { 'a\nb': 1 })).toBe('{"a\\nb":1}');
  });

  it('charges a step per value written, the meter a unit per character too, and names itself when too long', () => {
    const meter = { remaining: 1000 };
    compileJmesPath('to_string(@)').matches([1, [2], 'x'], undefined, meter);
    // Two nodes, then five values: the array, 1, [2], 2 and 'x'; then the 11 characters of `[1,[2],"x"]`.
    expect(1000 - meter.remaining).toBe(7 + 11);
    const list = Array.from({ length: 20 }, (_, i) => i);
    expect(() => compileJmesPath('to_string(@)', { maxProducedChars: 10 }).matches(list)).toThrow(
      /to_string\(\) would build more than 10 characters/,
    );
    // What is left of the meter bounds the characters too: the text is not built past it.
    const low = { remaining: 30 };
    expect(() => compileJmesPath('to_string(@)').matches(list, undefined, low)).toThrow(
      /to_string\(\) would build more than 30 characters/,
    );
    expect(low.remaining).toBeLessThan(0);
  });
});

// max_by/min_by string keys beyond the double range (MedTech runs .NET 6).
describe('JMESPath max_by / min_by keys beyond the double range', () => {
  it('max_by and min_by read a string key beyond the double range as an infinity, as .NET Core 3.0+ parses it', () => {
    // MedTech runs on .NET 6, whose double parsing rounds an overflow to ±Infinity (.NET Framework failed).
    const items = [
      { v: '-1e400', id: 'low' },
      { v: 5, id: 'five' },
      { v: '1e400', id: 'high' },
    ];
    expect(one('max_by(@, &v).id', items)).toBe('high');
    expect(one('min_by(@, &v).id', items)).toBe('low');
  });
});

/** Passes with exactly `steps` steps of work and fails with one fewer: pins what an evaluation is charged. */
function expectSteps(source: string, data: unknown, steps: number): void {
  expect(compileJmesPath(source, { maxSteps: steps }).matches(data), source).toHaveLength(1);
  expect(() => compileJmesPath(source, { maxSteps: steps - 1 }).matches(data), source).toThrow(
    `exceeded its bound of ${steps - 1} steps`,
  );
}

// Edges of the built-ins that the cases above leave open (found by mutation testing).
describe('JMESPath built-ins at their edges, as in JmesPath.Net 1.0.205', () => {
  describe('sort with an integer first element (Value<int>())', () => {
    it('rounds a half to the even integer, below as well as above', () => {
      // 96.5 sorts as 96, with 96 (stable), before 97.
      expect(one('sort(@)', [97, 96.5, 96])).toEqual([96.5, 96, 97]);
      expect(one('sort(@)', [3, 2])).toEqual([2, 3]);
      expect(one('sort(@)', [97, 96.2, 96.4])).toEqual([96.2, 96.4, 97]);
    });

    it('accepts the whole 32-bit range and fails just outside it', () => {
      expect(one('sort(@)', [1, -2147483648])).toEqual([-2147483648, 1]);
      expect(one('sort(@)', [1, 2147483647])).toEqual([1, 2147483647]);
      expect(() => one('sort(@)', [1, 2147483648])).toThrow(/sort\(\) overflowed/);
      expect(() => one('sort(@)', [1, -2147483649])).toThrow(/sort\(\) overflowed/);
    });

    it('sorts by the numbers themselves when the first element has a fraction', () => {
      // As integers all three would be 1, and a stable sort would keep them in place.
      expect(one('sort(@)', [1.4, 1.2, 0.6])).toEqual([0.6, 1.2, 1.4]);
    });
  });

  it('sort of an empty array is an empty array', () => {
    expect(one('sort(@)', [])).toEqual([]);
  });

  it('sort says an array of objects or arrays cannot be sorted', () => {
    expect(() => one('sort(@)', [{}, {}])).toThrow('sort() cannot sort an array of objects');
    expect(() => one('sort(@)', [[1], [2]])).toThrow('sort() cannot sort an array of arrays');
  });

  it('sort, max and min order strings by UTF-16 code unit', () => {
    expect(one('sort(@)', ['c', 'a', 'b', 'B'])).toEqual(['B', 'a', 'b', 'c']);
    expect(one('max(@)', ['a', 'c', 'b'])).toBe('c');
    expect(one('min(@)', ['b', 'a', 'c'])).toBe('a');
  });

  describe('max_by / min_by string keys (Convert.ToDouble: Float and thousands)', () => {
    it.each([
      ['+5', 5],
      ['-5', -5],
      ['1.25', 1.25],
      ['1.', 1],
      ['.25', 0.25],
      ['2E2', 200],
      ['1e+3', 1000],
      ['1e-3', 0.001],
      ['1e10', 1e10],
      ['\u000b7\u000b', 7],
      ['1,234', 1234],
    ])('read %j as the number %d', (text, number) => {
      // Both pick the later of two equal keys: the text is read as exactly that number.
      const items = [
        { v: number, id: 'number' },
        { v: text, id: 'text' },
      ];
      expect(one('max_by(@, &v).id', items)).toBe('text');
      expect(one('min_by(@, &v).id', items)).toBe('text');
    });

    it.each(['0x10', '', '0b1'])('fail on %j, which .NET does not read as a number', (text) => {
      expect(() => one('max_by(@, &v)', [{ v: 1 }, { v: text }])).toThrow(/max_by\(\).*not a number/);
    });
  });

  describe('to_number (Int64/Double.TryParse)', () => {
    it('returns a number unchanged and null for an array', () => {
      expect(toKindedJsonText(one('to_number(`5`)'))).toBe('5');
      expect(one('to_number(`-2.5`)')).toBe(-2.5);
      expect(one('to_number(`[5]`)')).toEqual([]);
    });

    it.each([
      ['.25', 0.25],
      ['1e-3', 0.001],
      ['1e+3', 1000],
      ['1e10', 1e10],
      ['\u000b5', 5],
      ['5\u000b', 5],
    ])('reads %j as %d', (text, number) => {
      expect(Number(one('to_number(@)', text))).toBe(number);
    });
  });

  describe('32- and 64-bit limits', () => {
    it('abs takes an integer up to 2^31 - 1, and a fraction of any size', () => {
      expect(one('abs(`2147483647`)')).toBe(2147483647);
      expect(() => one('abs(`2147483648`)')).toThrow(/abs\(\) overflowed/);
      expect(one('abs(`-3000000000.5`)')).toBe(3000000000.5);
    });

    it('ceil and floor take -2^63 and fail at 2^63', () => {
      expect(toKindedJsonText(one('floor(`-9223372036854775808`)'))).toBe('-9223372036854775808');
      expect(() => one('ceil(`9223372036854775808`)')).toThrow(/ceil\(\) overflowed/);
    });
  });

  it('reverse reverses an array', () => {
    expect(one('reverse(@)', [1, 2, 3])).toEqual([3, 2, 1]);
  });

  it('contains reads false as False, and says why it cannot search for null', () => {
    expect(one("contains('abc', `false`)")).toBe(false);
    expect(one("contains('isFalse', `false`)")).toBe(true);
    expect(() => one("contains('abc', `null`)")).toThrow('contains() cannot search a string for null');
  });

  describe('merge', () => {
    it('replaces a null member with an object, and keeps an object over a later null', () => {
      expect(one('merge(`{"a":null}`, `{"a":{"x":1}}`)')).toEqual({ a: { x: 1 } });
      expect(one('merge(`{"a":{"x":1}}`, `{"a":null}`)')).toEqual({ a: { x: 1 } });
    });

    it('keeps a __proto__ member as a member', () => {
      const data = JSON.parse('{"a":{"__proto__":{"x":1}}}') as unknown;
      expect(one('keys(merge(a))', data)).toEqual(['__proto__']);
      expect(one('merge(a).__proto__.x', data)).toBe(1);
    });
  });

  describe('work charged', () => {
    it('max_by and min_by: a step per element after the first, besides the keys they evaluate', () => {
      // The call, `@` and `&a`: 3 steps; then, per later element, 1 step and 2 key evaluations.
      const items = [{ a: 1 }, { a: 3 }, { a: 2 }];
      expectSteps('max_by(@, &a)', items, 9);
      expectSteps('min_by(@, &a)', items, 9);
    });

    it('merge: a step per member, and per element of two arrays it concatenates', () => {
      expectSteps('merge(`{"a":1,"b":2,"c":3}`)', {}, 5);
      // 10, and the merged value's 7 nodes: a merge of two objects may hold a value twice (`merge({a: @}, {b: @})`), so
      // its result is charged its expanded size.
      expectSteps('merge(`{"l":[1,2,3]}`, `{"l":[4,5]}`)', {}, 17);
    });

    it('join: the characters of its result, separators included', () => {
      const join = "join('--', ['ab', 'cd', 'ef'])";
      expect(compileJmesPath(join, { maxProducedChars: 10 }).matches({})).toEqual(['ab--cd--ef']);
      expect(() => compileJmesPath(join, { maxProducedChars: 9 }).matches({})).toThrow(/join\(\) would build more/);
    });

    it('length of a string or an array reads its length without listing its elements', () => {
      const keys = vi.spyOn(Object, 'keys');
      try {
        expect(one('length(s)', { s: 'abc' })).toBe(3);
        expect(one('length(l)', { l: [1, 2] })).toBe(2);
        expect(keys).not.toHaveBeenCalled();
      } finally {
        keys.mockRestore();
      }
    });
  });
});
