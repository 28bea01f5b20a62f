import { describe, expect, it } from 'vitest';
import { compileJmesPath } from '../../../../shared/core/expressions/jmesPath.js';

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

  it('writes the short escapes of backspace, form feed, newline, carriage return and tab', () => {
    expect(one('to_string(@)', ['\b\f\n\r\t\u0007'])).toBe('["\\b\\f\\n\\r\\t\\u0007"]');
    expect(one('to_string(@)', { 'a\nb': 1 })).toBe('{"a\\nb":1}');
  });

  it('charges one step per value written and names itself when the text would be too long', () => {
    const meter = { remaining: 1000 };
    compileJmesPath('to_string(@)').matches([1, [2], 'x'], undefined, meter);
    // Two nodes, then five values: the array, 1, [2], 2 and 'x'.
    expect(1000 - meter.remaining).toBe(7);
    const list = Array.from({ length: 20 }, (_, i) => i);
    expect(() => compileJmesPath('to_string(@)', { maxProducedChars: 10 }).matches(list)).toThrow(
      /to_string\(\) would build more than 10 characters/,
    );
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
