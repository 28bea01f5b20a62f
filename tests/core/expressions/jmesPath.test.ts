import { describe, expect, it, vi } from 'vitest';
import { ExpressionEvaluationError, ExpressionSyntaxError } from '../../../shared/core/errors.js';
import { compileJmesPath, JMESPATH_MAX_EXPRESSION_LENGTH } from '../../../shared/core/expressions/jmesPath.js';
import {
  KindedNumber,
  linkTwins,
  toKindedJsonText,
  withPlainNumbers,
} from '../../../shared/core/expressions/jmesPath/kindedNumbers.js';

/** Evaluates an expression against data. */
function run(expression: string, data: unknown = {}): unknown[] {
  return compileJmesPath(expression).matches(data);
}

/** The single match of an expression (fails the test when there is not exactly one). */
function one(expression: string, data: unknown = {}): unknown {
  const matches = run(expression, data);
  expect(matches).toHaveLength(1);
  return matches[0];
}

/** The error an evaluation throws. */
function evaluationError(expression: string, data: unknown = {}): ExpressionEvaluationError {
  const compiled = compileJmesPath(expression);
  try {
    compiled.matches(data);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionEvaluationError);
    return error as ExpressionEvaluationError;
  }
  throw new Error(`expected '${expression}' to fail`);
}

/** The error compiling an expression throws. */
function syntaxError(expression: string): ExpressionSyntaxError {
  try {
    compileJmesPath(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionSyntaxError);
    return error as ExpressionSyntaxError;
  }
  throw new Error(`expected '${expression}' not to compile`);
}

/** Each expression fails to compile with exactly this message and position: `[expression, position, reason]`. */
function expectSyntaxErrors(cases: readonly [string, number, string][]): void {
  for (const [expression, position, reason] of cases) {
    const error = syntaxError(expression);
    expect(error.message).toBe(`Invalid JMESPath expression '${expression}' at position ${position}: ${reason}.`);
    expect(error.position).toBe(position);
  }
}

// A value that must never appear in an error message.
const SECRET = 'patient-4711-secret';

const envelope = {
  Body: {
    heartRate: '78',
    endDate: '2023-03-13T22:46:01.8750000',
    deviceId: 'device01',
    readings: [
      { type: 'hr', value: 78 },
      { type: 'spo2', value: 97 },
      { type: 'hr', value: 80 },
    ],
  },
  Properties: { 'iothub-creation-time-utc': '2023-03-13T22:46:02Z' },
  SystemProperties: { 'iothub-connection-device-id': 'device01' },
};

describe('compileJmesPath', () => {
  describe('standard expressions MedTech users write', () => {
    it('selects a member path', () => {
      expect(run('Body.heartRate', envelope)).toEqual(['78']);
    });

    it('reads the matched token', () => {
      expect(run('matchedToken.heartRate', { ...envelope, matchedToken: { heartRate: 61 } })).toEqual([61]);
    });

    it('reads members whose names need quotes', () => {
      expect(run('Properties."iothub-creation-time-utc"', envelope)).toEqual(['2023-03-13T22:46:02Z']);
    });

    it('projects a list with [*]', () => {
      expect(run('Body.readings[*].value', envelope)).toEqual([78, 97, 80]);
    });

    it('converts strings with to_number', () => {
      expect(run('to_number(Body.heartRate)', envelope)).toEqual([78]);
    });

    it('filters with raw string literals and takes the first element after a pipe', () => {
      expect(run("Body.readings[?type=='hr'].value | [0]", envelope)).toEqual([78]);
    });

    it('compares with backtick JSON literals', () => {
      expect(run('Body.readings[?value > `79`].type', envelope)).toEqual(['spo2', 'hr']);
      expect(run('Body.readings[?type == `"spo2"`].value', envelope)).toEqual([97]);
      expect(one('`{"a": [1, 2]}`')).toEqual({ a: [1, 2] });
      expect(one('`"back\\`tick"`')).toBe('back`tick');
      expect(one("'it\\'s'")).toBe("it's");
    });

    it('accepts legacy backtick literals that are not JSON as strings', () => {
      expect(one('`heartRate`')).toBe('heartRate');
    });

    it('evaluates the typeMatchExpressions of iomt-fhir tests', () => {
      const heartRate = { heartrate: 60, device: 'd1', date: '2021-01-01T00:00:00Z' };
      expect(run('to_array(@)[?heartrate]', heartRate)).toEqual([heartRate]);
      expect(run('to_array(@)[?heartrate]', { steps: 10 })).toEqual([]);
      expect(run('to_array(@)[?heartrate || steps]', { steps: 10 })).toEqual([{ steps: 10 }]);
      const pressure = { Body: [{ systolic: 120 }, { diastolic: 80 }, { systolic: 122 }] };
      expect(run('Body[?systolic]', pressure)).toEqual([{ systolic: 120 }, { systolic: 122 }]);
    });

    it('offers the built-in functions of the JMESPath specification', () => {
      const data = { n: [3, 10, 1], s: ['b', 'a'], o: { x: 1, y: 2 }, t: 'abc' };
      expect(one('sort(n)', data)).toEqual([1, 3, 10]);
      expect(one('sort(s)', data)).toEqual(['a', 'b']);
      expect(one('max(n)', data)).toBe(10);
      expect(one('min(s)', data)).toBe('a');
      expect(one('sum(n)', data)).toBe(14);
      expect(one('avg(n)', data)).toBe(14 / 3);
      expect(one('length(t)', data)).toBe(3);
      expect(one('keys(o)', data)).toEqual(['x', 'y']);
      expect(one('values(o)', data)).toEqual([1, 2]);
      expect(one("join('-', s)", data)).toBe('b-a');
      expect(one('contains(n, `10`)', data)).toBe(true);
      expect(one('contains(`[{"a": 1}]`, `{"a": 1}`)', data)).toBe(true);
      expect(one("starts_with(t, 'ab')", data)).toBe(true);
      expect(one("ends_with(t, 'bc')", data)).toBe(true);
      expect(one('reverse(t)', data)).toBe('cba');
      expect(one('to_string(o)', data)).toBe('{"x":1,"y":2}');
      expect(one('to_string(t)', data)).toBe('abc');
      expect(one('type(o)', data)).toBe('object');
      expect(one('not_null(missing, t)', data)).toBe('abc');
      expect(one('merge(o, `{"z": 3}`)', data)).toEqual({ x: 1, y: 2, z: 3 });
      expect(one('map(&abs(@), `[-1, 2]`)', data)).toEqual([1, 2]);
      expect(one('sort_by(Body.readings, &value)[-1].value', envelope)).toBe(97);
      expect(one('max_by(Body.readings, &value).type', envelope)).toBe('spo2');
      expect(one('floor(`1.5`)', data)).toBe(1);
      expect(one('ceil(`1.5`)', data)).toBe(2);
    });

    it('orders strings by UTF-16 code unit with null lowest, as JmesPath.Net does, compiled or interpreted', () => {
      const data = {
        r: [{ id: 'a', code: 'K' }, { id: 'b', code: 'Z' }, { id: 'c' }, { id: 'd', code: 'é' }, { id: 'e', n: 5 }],
      };
      // Compiled filter projection; a member the element lacks is null, which sorts before every string.
      expect(run("r[?code < 'M'].id", data)).toEqual(['a', 'c', 'e']);
      expect(run("r[?code >= 'M'].id", data)).toEqual(['b', 'd']);
      // Through a pipe the interpreter evaluates the comparison: the same answers.
      expect(run("r | [?code < 'M'].id", data)).toEqual(['a', 'c', 'e']);
      expect(run("r | [?code > 'Z'].id", data)).toEqual(['d']);
      expect(one("'B' < 'a'")).toBe(true);
      expect(one('`null` <= `null`')).toBe(true);
      expect(one('`null` < `null`')).toBe(false);
      expect(one("'a' > `null`")).toBe(true);
      // Numbers against strings, booleans, arrays: no result.
      expect(run("r[?n > 'a'].id", data)).toEqual([]);
      expect(run('`true` < `false`')).toEqual([]);
      expect(run('`[1]` < `[2]`')).toEqual([]);
    });

    it('parses numbers in to_number as .NET does, and nothing else', () => {
      expect(one("to_number(' 12.5 ')")).toBe(12.5);
      // A number written with an exponent is a float, whole or not: `-1000.0` to JmesPath.Net.
      expect(toKindedJsonText(one("to_number('-1e3')"))).toBe('-1000.0');
      expect(toKindedJsonText(one("to_number('-1000')"))).toBe('-1000');
      expect(run("to_number('')")).toEqual([]);
      expect(run("to_number('0x1A')")).toEqual([]);
      expect(run("to_number('1,000')")).toEqual([]);
      expect(run("to_number('Infinity')")).toEqual([]);
    });

    it.each([
      ['5\0', 5],
      [' -7\t\0\0', -7],
      ['2.5 \0', 2.5],
      ['9223372036854775808', 9223372036854775808],
    ])('reads %j with to_number as Int64.TryParse, then Double.TryParse, read it', (s, expected) => {
      expect(Number(one('to_number(s)', { s }))).toBe(expected);
    });

    it.each([['5\0 '], ['\u00a05'], ['\u00855'], ['NaN'], [' -infinity '], ['1e400'], ['∞']])(
      'gives null for %j with to_number: not a number to .NET, or not a finite one',
      (s) => {
        expect(run('to_number(s)', { s })).toEqual([]);
      },
    );

    it('rejects a long run of digits that is not a number in time linear in its length', () => {
      // The former pattern backtracked over every split of the digits: about 20 s for these 100,000 digits.
      const digits = '1'.repeat(100_000);
      expect(run('to_number(s)', { s: `${digits}x` })).toEqual([]);
      expect(run('to_number(s)', { s: `${digits}.5` })).toEqual([]); // a finite double it is not
      expect(one('to_number(s)', { s: '12.50' })).toBe(12.5);
      // A hang guard, not a speed check: the old pattern never finished within it.
    }, 10_000);

    it('counts string length in UTF-16 code units, as insertString positions do', () => {
      expect(one("length('a\u{1F600}')")).toBe(3);
      expect(one("insertString('a\u{1F600}', '!', length('a\u{1F600}'))")).toBe('a\u{1F600}!');
    });
  });

  describe('matches', () => {
    const data = {
      list: [{ v: 1 }, { v: null }, { w: 2 }, { v: 3 }],
      plain: [1, 2, 3],
      nested: [
        [1, 2],
        [3, null],
      ],
      object: { a: 1, b: { c: 2 }, d: null },
      text: 'hello',
    };

    it('yields one match per element of a list projection, a null of the data too but not a missing member', () => {
      // JmesPath.Net keeps `{v: null}`'s null and drops `{w: 2}`'s missing `v`; MedTech matches each element.
      expect(run('list[*].v', data)).toEqual([1, null, 3]);
    });

    it('yields one match per element of a filter projection', () => {
      expect(run('list[?v > `1`]', data)).toEqual([{ v: 3 }]);
      expect(run('list[?v]', data)).toEqual([{ v: 1 }, { v: 3 }]);
    });

    it('yields one match per value of an object projection, a null value too', () => {
      expect(run('object.*', data)).toEqual([1, { c: 2 }, null]);
    });

    it('yields one match per element of a flatten', () => {
      expect(run('nested[]', data)).toEqual([1, 2, 3]);
    });

    it('yields one match per element of a slice', () => {
      expect(run('plain[0:2]', data)).toEqual([1, 2]);
    });

    it('yields one match per element when an expression ends in a projection', () => {
      expect(run('object.b.c', { object: { b: { c: [1, 2] } } })).toEqual([[1, 2]]);
      expect(run('@ | list[*].v', data)).toEqual([1, null, 3]);
      expect(run('list[*].v || plain', data)).toEqual([1, null, 3]);
    });

    it('yields one match for a plain array that is not a projection', () => {
      expect(run('plain', data)).toEqual([[1, 2, 3]]);
      expect(run('sort(plain)', data)).toEqual([[1, 2, 3]]);
      expect(run('[text, text]', data)).toEqual([['hello', 'hello']]);
    });

    it('stops a projection at a pipe', () => {
      expect(run('list[*].v | @', data)).toEqual([[1, null, 3]]);
      expect(run('list[*].v | [2]', data)).toEqual([3]);
    });

    it('yields one match for a single value', () => {
      expect(run('text', data)).toEqual(['hello']);
      expect(run('object.b', data)).toEqual([{ c: 2 }]);
      expect(run('`false`', data)).toEqual([false]);
      expect(run('`0`', data).map(toKindedJsonText)).toEqual(['0']);
      expect(run("''", data)).toEqual(['']);
    });

    it('yields no match for a null result', () => {
      expect(run('missing', data)).toEqual([]);
      expect(run('object.d', data)).toEqual([]);
      expect(run('text[*]', data)).toEqual([]);
      expect(run('object[?a]', data)).toEqual([]);
    });

    it.each([
      ['missing || text', ['hello']],
      ['text || missing', ['hello']],
      ['plain && text', ['hello']],
      ['missing && text', []],
      ["'' && text", ['']],
      // A falsy projection (empty) gives way to the right side, which is a plain array: one match.
      ['list[?v > `10`] || plain', [[1, 2, 3]]],
      ['list[*].v && plain', [[1, 2, 3]]],
      ['@ | (list[?v > `10`] || plain)', [[1, 2, 3]]],
      // The side taken decides whether the result is a projection.
      ['`[]` || list[*].v', [1, null, 3]],
    ])('takes the side of || and && that the specification names: %s', (expression, expected) => {
      expect(run(expression, data)).toEqual(expected);
    });

    it.each([
      ['text[0]', data],
      ['text[-1]', data],
      ['o[0]', { o: { '0': 'zero' } }],
      ['n[0]', { n: 5 }],
    ])('indexes only arrays: %s is no match', (expression, given) => {
      expect(run(expression, given)).toEqual([]);
    });

    it.each([
      ['a[:0]', []],
      ['a[1:0:-1]', [2]],
      ['a[::-1]', [3, 2, 1]],
      ['a[-2:]', [2, 3]],
      ['a[5:]', []],
      ['a[::2]', [1, 3]],
      ['a[0:2][:0]', []],
    ])('slices %s as the specification does', (expression, expected) => {
      expect(run(expression, { a: [1, 2, 3] })).toEqual(expected);
    });

    it.each([
      ['s[0:2]', { s: 'abcd' }],
      ['s[::-1]', { s: 'abcd' }],
      ['s[1:]', { s: 'abcd' }],
      ['s[0:2].x', { s: 'abcd' }],
      ['o[0:1]', { o: { '0': 'zero' } }],
      ['n[:]', { n: 5 }],
    ])('slices only arrays, as JmesPath.Net 1.0.205 does: %s is no match', (expression, given) => {
      // The community edition slices strings ("ab" for the first); MedTech's JmesPath.Net predates that.
      expect(run(expression, given)).toEqual([]);
    });

    it('passes a string slice on as null', () => {
      expect(run("not_null(s[0:2], 'none')", { s: 'abcd' })).toEqual(['none']);
    });

    it.each([
      // Filters whose condition or projected expression is not one of the compiled shapes.
      [
        'list[?v > `0`].[v, w]',
        [
          [1, null],
          [3, null],
        ],
      ],
      ['list[?length(keys(@)) == `1`].v', [1, null, 3]],
      ['list[?`1` == length(keys(@))].w', [2]],
    ])('filters with any condition and projects any expression: %s', (expression, expected) => {
      expect(run(expression, data)).toEqual(expected);
    });

    it('yields no match for an empty projection', () => {
      expect(run('list[?v > `10`]', data)).toEqual([]);
      expect(run('[][*]', data)).toEqual([]);
    });

    it('evaluates the same compiled expression against many messages', () => {
      const compiled = compileJmesPath('Body.hr');
      expect(compiled.language).toBe('JmesPath');
      expect(compiled.source).toBe('Body.hr');
      expect(compiled.matches({ Body: { hr: 1 } })).toEqual([1]);
      expect(compiled.matches({ Body: { hr: 2 } })).toEqual([2]);
      expect(compiled.matches({})).toEqual([]);
    });

    it('does not mutate the data', () => {
      const input = { n: [3, 1, 2], o: { a: 1 } };
      const before = JSON.stringify(input);
      run('sort(n)', input);
      run('reverse(n)', input);
      run('merge(o, `{"b": 2}`)', input);
      expect(JSON.stringify(input)).toBe(before);
    });

    it('reads only own members of JSON objects', () => {
      expect(run('Body.constructor', envelope)).toEqual([]);
      expect(run('Body.toString', envelope)).toEqual([]);
      expect(run('Body."__proto__"', envelope)).toEqual([]);
      expect(run('Body.readings.length', envelope)).toEqual([]);
      // The same through the interpreter (after a pipe, inside a multi-select).
      expect(run('Body | constructor', envelope)).toEqual([]);
      expect(run('[Body.toString]', envelope)).toEqual([[null]]);
    });

    it('builds a __proto__ member as a plain member', () => {
      const built = one('{"__proto__": Body.heartRate}', envelope) as Record<string, unknown>;
      expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
      expect(Object.keys(built)).toEqual(['__proto__']);
      const merged = one('merge(`{"__proto__": {"polluted": true}}`)') as Record<string, unknown>;
      expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
      expect(merged.polluted).toBeUndefined();
    });
  });

  // JmesPath.Net drops from a projection only its "missing" null (JTokens.Null: an absent member, a member or index
  // of something that has none, a projection of a non-container, a built-in without a result) and keeps a null of
  // the data; MedTech's SelectTokens then yields each element as a match.
  describe('nulls in projections, as JmesPath.Net keeps and drops them', () => {
    it.each<[string, string, unknown, unknown[]]>([
      ['[*] skips the null elements of its array', '[*]', [1, null, 2], [1, 2]],
      ['[*] keeps a null member, drops a missing one', '[*].a', [{ a: 1 }, { a: null }, { b: 2 }, null], [1, null]],
      ['a member of a null is missing', '[*].a.b', [{ a: { b: null } }, { a: null }, { a: {} }], [null]],
      ['an index of a null, or out of range, is missing', '[*].a[0]', [{ a: null }, { a: [null] }, { a: [] }], [null]],
      ['* keeps a null value', '*', { x: 1, y: null, z: [2] }, [1, null, [2]]],
      ['* drops a missing member of a value', '*.b', { x: { b: 1 }, y: { c: 2 }, z: { b: null } }, [1, null]],
      ['a filter keeps a null element whose condition holds', '[?@ != `1`]', [1, null, 2], [null, 2]],
      ['a filter keeps a null element that is falsy', '[?!@]', [null, 1, false], [null, false]],
      ['a filter drops a missing member of a kept element', '[?a == `null`].a', [{ a: null }, { b: 1 }], [null]],
      ['a slice keeps its null elements', '[0:3]', [1, null, 2], [1, null, 2]],
      ['a reversed slice too', '[::-1].a', [{ a: null }, {}, null], [null]],
      ['a flatten drops nulls at both levels', '[]', [[1, null], null, 2, [null]], [1, 2]],
      ['a flatten of a projection too', '[*].a[]', [{ a: [1, null] }, { a: null }, { a: 2 }], [1, 2]],
      ['a nested projection of a null is missing', '[*].a[*]', [{ a: null }, { a: [null, 1] }, { a: [] }], [[1], []]],
      ['a step after a null of the data still applies', '[*].a.[b]', [{ a: null }, {}], [[null]]],
      ['a function after a null of the data still applies', '[*].a.to_string(@)', [{ a: null }, {}], ['null']],
      ['to_number without a result is missing', '[*].to_number(@)', ['1', 'x'], [1]],
      ['not_null of nulls is missing', '[*].not_null(a)', [{ a: null }, { a: 2 }], [2]],
      ['avg of [] is missing', '[*].avg(@)', [[], [1, 4]], [2.5]],
      ['max_by picks an element of the data, a null one too', '[*].max_by(@, &`1`)', [[null, null]], [null]],
      ['a multi-select element is a value', '[*].[a]', [{ a: null }, {}], [[null], [null]]],
    ])('%s: %s', (_label, expression, data, expected) => {
      expect(run(expression, data)).toEqual(expected);
      // The same through the interpreter alone (a pipe at the top is never compiled).
      expect(run(`@ | ${expression}`, data)).toEqual(expected);
    });

    it('stops at a null of the data outside a projection', () => {
      expect(run('a.[b]', { a: null })).toEqual([]);
      expect(run('a.to_string(@)', { a: null })).toEqual([]);
      expect(run('[*].a | [0]', [{ a: null }])).toEqual([]);
    });

    it('passes the kept nulls on to functions, as one array', () => {
      expect(one('length([*].a)', [{ a: 1 }, { a: null }, {}])).toBe(2);
      expect(one('map(&a, @)', [{ a: null }, {}])).toEqual([null, null]);
      expect(evaluationError('sum([*].v)', [{ v: 1 }, { v: null }]).message).toMatch(/sum\(\)/);
    });

    it('counts the kept nulls when a single value is selected', () => {
      const MANY = Symbol('many');
      const select = (expression: string, data: unknown): unknown =>
        compileJmesPath(expression).selectOne?.(data, MANY);
      // One element, a null of the data: a match of no value, not "no match".
      expect(select('[*].a', [{ a: null }, {}])).toBeNull();
      expect(select('[*].a', [{ a: null }, { a: 1 }])).toBe(MANY);
      expect(select('[*].a', [{}, { b: 1 }])).toBeUndefined();
      expect(select('*', { x: null })).toBeNull();
      expect(
        select("[?k == 'x'].v", [
          { k: 'x', v: null },
          { k: 'x', v: 2 },
        ]),
      ).toBe(MANY);
    });
  });

  describe('custom functions', () => {
    it('adds, subtracts and multiplies numbers', () => {
      expect(one('add(`1.5`, `2`)')).toBe(3.5);
      expect(one('subtract(`1`, `2.5`)')).toBe(-1.5);
      expect(one('multiply(`-3`, `4`)')).toBe(-12);
      expect(one('multiply(`0`, `-4`)')).toBe(0);
    });

    it('divides with true division', () => {
      expect(one('divide(`40`, `50`)')).toBe(0.8);
      expect(one('divide(`7`, `2`)')).toBe(3.5);
      expect(one('divide(`-9`, `3`)')).toBe(-3);
    });

    it('fails on division by zero', () => {
      expect(evaluationError('divide(`50`, `0`)').message).toContain('divide() cannot divide by zero');
      expect(evaluationError('divide(`0.5`, `0.0`)').message).toContain('divide by zero');
    });

    it('raises to a power', () => {
      expect(one('pow(`2`, `10`)')).toBe(1024);
      expect(one('pow(`100`, `-2`)')).toBeCloseTo(0.0001, 12);
      expect(one('pow(`10`, `2.5`)')).toBeCloseTo(316.2278, 4);
    });

    it('fails when integer arithmetic leaves the 64-bit range, as MedTech documents', () => {
      expect(evaluationError('pow(`40`, `50`)').message).toContain('pow() overflowed');
      expect(evaluationError('multiply(`9007199254740992`, `1024`)').message).toContain('multiply() overflowed');
      // With a fractional operand MedTech computes in double, without the 64-bit bound.
      expect(toKindedJsonText(one('multiply(`0.5`, `1e20`)'))).toBe('5E+19');
    });

    it.each([
      ['pow(`-2`, `63`)', '-9223372036854775808'],
      ['multiply(`-4611686018427387904`, `2`)', '-9223372036854775808'],
      ['pow(`2`, `62`)', '4611686018427387904'],
      ['add(`9007199254740993`, `2`)', '9007199254740995'],
      // Two integers that divide exactly give the integer, also past 2^53 (MedTech's long division).
      ['divide(`18014398509481990`, `2`)', '9007199254740995'],
      ['divide(`-9223372036854775808`, `1`)', '-9223372036854775808'],
    ])('keeps %s, a result at the edge of the 64-bit range, exactly', (expression, expected) => {
      expect(toKindedJsonText(one(expression))).toBe(expected);
    });

    it.each([
      ['pow(`-2`, `65`)', 'pow'],
      ['multiply(`-4611686018427387904`, `4`)', 'multiply'],
      ['subtract(`-9223372036854775808`, `4096`)', 'subtract'],
      ['pow(`2`, `63`)', 'pow'],
    ])('fails on %s, an integer result just outside the 64-bit range', (expression, name) => {
      expect(evaluationError(expression).message).toContain(`${name}() overflowed`);
    });

    it('fails when a result is not a finite number', () => {
      expect(evaluationError('pow(`-8`, `0.5`)').message).toContain('pow() has no real-number result');
      expect(evaluationError('multiply(`1e308`, `10.5`)').message).toContain('multiply() overflowed');
      expect(evaluationError('pow(`0`, `-1`)').message).toContain('pow() overflowed');
    });

    it('inserts a string at the start, the middle and the end', () => {
      expect(one("insertString('mple', 'sa', `0`)")).toBe('sample');
      expect(one("insertString('suess', 'cc', `2`)")).toBe('success');
      expect(one("insertString('myString', '!!', `8`)")).toBe('myString!!');
      expect(one("insertString('', 'x', `0`)")).toBe('x');
    });

    it('fails when the insert position is out of range or not an integer', () => {
      for (const position of ['`9`', '`-1`', '`100`']) {
        const error = evaluationError(`insertString('myString', '!!', ${position})`);
        expect(error.message).toContain('insertString() argument 3 ($pos) is out of range');
      }
      expect(evaluationError("insertString('text', 'x', `1.5`)").message).toContain(
        'insertString() argument 3 ($pos) must be an integer, got a number with a fraction',
      );
    });

    it('converts Unix seconds and milliseconds to ISO-8601 UTC timestamps', () => {
      expect(one('fromUnixTimestamp(`1629345600`)')).toBe('2021-08-19T04:00:00.000Z');
      expect(one('fromUnixTimestamp(`-1`)')).toBe('1969-12-31T23:59:59.000Z');
      expect(one('fromUnixTimestamp(`253402300799`)')).toBe('9999-12-31T23:59:59.000Z');
      expect(one('fromUnixTimestamp(`-62135596800`)')).toBe('0001-01-01T00:00:00.000Z');
      expect(one('fromUnixTimestampMs(`1000`)')).toBe('1970-01-01T00:00:01.000Z');
      expect(one('fromUnixTimestampMs(`1629345600123`)')).toBe('2021-08-19T04:00:00.123Z');
      expect(one('fromUnixTimestampMs(`-1000`)')).toBe('1969-12-31T23:59:59.000Z');
      // The range ends .NET's DateTimeOffset gives both: 0001-01-01 and the last millisecond of 9999.
      expect(one('fromUnixTimestampMs(`-62135596800000`)')).toBe('0001-01-01T00:00:00.000Z');
      expect(one('fromUnixTimestampMs(`253402300799999`)')).toBe('9999-12-31T23:59:59.999Z');
    });

    it('fails on Unix times that are not integers or are out of range', () => {
      expect(evaluationError('fromUnixTimestamp(`1629345600.5`)').message).toContain(
        'fromUnixTimestamp() argument 1 ($unixTimestampInSeconds) must be an integer, got a number with a fraction',
      );
      expect(evaluationError('fromUnixTimestamp(`253402300800`)').message).toContain(
        'fromUnixTimestamp() argument 1 ($unixTimestampInSeconds) is outside the supported range',
      );
      expect(evaluationError('fromUnixTimestampMs(`-62135596800001`)').message).toContain(
        'fromUnixTimestampMs() argument 1 ($unixTimestampInMs) is outside the supported range',
      );
      expect(evaluationError('fromUnixTimestampMs(`1.5`)').message).toContain('must be an integer');
    });

    it('names the function, the argument and the type on a wrong argument type, never the value', () => {
      const data = { secret: SECRET, list: [SECRET], object: { id: SECRET }, flag: true, ref: { expref: true } };
      const cases: [string, string][] = [
        ['add(secret, `1`)', 'add() argument 1 ($left) must be a number, got string'],
        // Data shaped like the library's expression references is still an object.
        ['add(ref, `1`)', 'add() argument 1 ($left) must be a number, got object'],
        ['add(`1`, list)', 'add() argument 2 ($right) must be a number, got array'],
        ['subtract(object, `1`)', 'subtract() argument 1 ($left) must be a number, got object'],
        ['subtract(`1`, missing)', 'subtract() argument 2 ($right) must be a number, got null'],
        ['multiply(flag, `1`)', 'multiply() argument 1 ($left) must be a number, got boolean'],
        ['multiply(`1`, secret)', 'multiply() argument 2 ($right) must be a number, got string'],
        ['divide(secret, `1`)', 'divide() argument 1 ($left) must be a number, got string'],
        ['divide(`1`, list)', 'divide() argument 2 ($right) must be a number, got array'],
        ['pow(object, `2`)', 'pow() argument 1 ($left) must be a number, got object'],
        ['pow(`2`, secret)', 'pow() argument 2 ($right) must be a number, got string'],
        ["insertString(`1`, 'x', `0`)", 'insertString() argument 1 ($original) must be a string, got number'],
        ['insertString(secret, list, `0`)', 'insertString() argument 2 ($toInsert) must be a string, got array'],
        ["insertString(secret, 'x', secret)", 'insertString() argument 3 ($pos) must be an integer, got string'],
        [
          'fromUnixTimestamp(secret)',
          'fromUnixTimestamp() argument 1 ($unixTimestampInSeconds) must be an integer, got string',
        ],
        [
          'fromUnixTimestampMs(object)',
          'fromUnixTimestampMs() argument 1 ($unixTimestampInMs) must be an integer, got object',
        ],
      ];
      for (const [expression, expected] of cases) {
        const error = evaluationError(expression, data);
        expect(error.message).toBe(`JMESPath expression '${expression}' failed: ${expected}.`);
        expect(error.message).not.toContain(SECRET);
        expect(error.name).toBe('IncompatibleData');
      }
    });

    it('reports wrong built-in argument types without the value', () => {
      const error = evaluationError('keys(secret)', { secret: SECRET });
      expect(error.message).toContain('keys()');
      expect(error.message).toContain('string');
      expect(error.message).not.toContain(SECRET);
    });

    it('rejects a wrong number of arguments when the expression is compiled', () => {
      const cases: [string, string, number][] = [
        ['add(`1`)', 'add() takes 2 arguments but 1 was supplied', 0],
        ['Body.divide(a, b, c)', 'divide() takes 2 arguments but 3 were supplied', 5],
        ["insertString('a', 'b')", 'insertString() takes 3 arguments but 2 were supplied', 0],
        ['fromUnixTimestamp()', 'fromUnixTimestamp() takes 1 argument but 0 were supplied', 0],
        ['a | fromUnixTimestampMs(a, b)', 'fromUnixTimestampMs() takes 1 argument but 2 were supplied', 4],
        ['to_number(a) || sort(a, b)', 'sort() takes 1 argument but 2 were supplied', 16],
        ['merge()', 'merge() takes at least 1 argument but 0 were supplied', 0],
      ];
      for (const [expression, reason, position] of cases) {
        const error = syntaxError(expression);
        expect(error.message).toBe(`Invalid JMESPath expression '${expression}' at position ${position}: ${reason}.`);
        expect(error.position).toBe(position);
        expect(error.name).toBe('TemplateExpression');
      }
    });

    it('rejects functions that MedTech does not have, including the community edition extras', () => {
      for (const name of ['upper', 'lower', 'split', 'pad_left', 'replace', 'items', 'zip', 'find_first', 'Add']) {
        const error = syntaxError(`${name}(Body)`);
        expect(error.message).toContain(`unknown function ${name}()`);
        expect(error.position).toBe(0);
      }
    });

    it('are not available in a function table shared with other users of the library', async () => {
      const library = await import('@jmespath-community/jmespath');
      expect(library.isRegistered('insertString')).toBe(false);
      expect(() => library.search({}, 'add(`1`, `2`)')).toThrow();
    });
  });

  describe('syntax errors', () => {
    it('report the expression and the position of the error', () => {
      const cases: [string, number, string][] = [
        ['Body.[', 6, 'unexpected end of expression'],
        ['Body[?a == ]', 11, "unexpected ']'"],
        ['Body..a', 5, "unexpected '.'"],
        ['Body.heartRate)', 14, "unexpected ')'"],
        ['Body # x', 5, 'unexpected character "#"'],
        ['Body == `{"a": }`', 8, 'invalid JSON literal (its content must be valid JSON)'],
        ["Body == 'abc", 8, 'unterminated raw string literal'],
        ['"abc', 0, 'unterminated quoted identifier'],
        ['a.b[0:1:0]', 8, 'a slice step cannot be 0'],
        ['   ', 0, 'the expression is empty'],
      ];
      expectSyntaxErrors(cases);
    });

    it.each<[string, number, string]>([
      ['"a" == `{"b": }`', 7, 'invalid JSON literal (its content must be valid JSON)'],
      ['a[1:2][::0]', 9, 'a slice step cannot be 0'],
      ['0', 0, "unexpected '0'"],
      ['a[::1]0', 6, "unexpected '0'"],
      ['add(a,', 6, 'unexpected end of expression'],
      ['[a, b,]', 5, "unexpected ',' before ']'"],
      ['{x: a,}', 5, "unexpected ',' before '}'"],
      ['[a b]', 3, "missing ',' or operator before 'b'"],
      ['a[1-]', 2, "invalid number '1-'"],
      ['a[--1]', 2, "invalid number '--1'"],
      ['a || (foo(b))', 6, 'unknown function foo()'],
      ['map(&a, b) | to_string(&c)', 23, 'to_string() does not take an expression reference (&) as argument 1'],
    ])('report %s at position %i: %s', (expression, position, reason) => {
      expectSyntaxErrors([[expression, position, reason]]);
    });

    it('report an expression nested too deeply for the parser, without a position', () => {
      const expression = `${'!'.repeat(4000)}a`;
      const error = syntaxError(expression);

      // Quoted up to 2,000 characters, as every error quotes a mapping's text.
      expect(error.message).toBe(
        `Invalid JMESPath expression '${expression.slice(0, 2_000)}…' (2001 more characters): ` +
          'the expression is nested too deeply.',
      );
      expect(error.position).toBeUndefined();
    });

    it('accept an expression reference (&) only where a function takes one', () => {
      const cases: [string, number, string][] = [
        ['&Body', 0, 'an expression reference (&) may only be a function argument'],
        ['[&a, b]', 1, 'an expression reference (&) may only be a function argument'],
        ['{x: &a}', 4, 'an expression reference (&) may only be a function argument'],
        ['to_string(&a)', 10, 'to_string() does not take an expression reference (&) as argument 1'],
        ['not_null(a, &b)', 12, 'not_null() does not take an expression reference (&) as argument 2'],
        ['sort_by(&a, b)', 8, 'sort_by() does not take an expression reference (&) as argument 1'],
        ['add(&secret, `1`)', 4, 'add() does not take an expression reference (&) as argument 1'],
      ];
      expectSyntaxErrors(cases);
      for (const accepted of ['sort_by(a, &b)', 'max_by(a, &b)', 'min_by(a, &b).c', 'map(&b, a)']) {
        expect(() => compileJmesPath(accepted), accepted).not.toThrow();
      }
      expect(compileJmesPath('sort_by(Body.readings, &value)[-1].value').matches(envelope)).toEqual([97]);
    });

    it('reject community-edition syntax that MedTech does not parse', () => {
      const cases: [string, number, string][] = [
        ['Properties.iothub-creation-time-utc', 17, 'quote member names that contain'],
        ['a + b', 2, "unexpected '+'; MedTech's JMESPath has no arithmetic operators"],
        ['a * b', 2, "unexpected '*'"],
        ['a / b', 2, "unexpected '/'"],
        ['$.Body', 0, "'$' (the root reference) is not supported"],
        ['$.matchedToken.x', 0, "its paths start at the envelope's members, without '$.' (Body.deviceId"],
        ['divide($.Body.a, `2`)', 7, 'a JSONPath expression needs the JsonPath language'],
        ['let $x = Body in $x', 4, "variables ('$x') are not supported"],
        ['a ? b : c', 2, "the conditional operator '?' is not supported"],
        ['a = b', 2, "'=' is not an operator"],
      ];
      for (const [expression, position, reason] of cases) {
        const error = syntaxError(expression);
        expect(error.position).toBe(position);
        expect(error.message).toContain(reason);
      }
    });

    it('reject operands without a separating comma or operator, and trailing commas', () => {
      expect(syntaxError('add(a b)').position).toBe(6);
      expect(syntaxError('[a b]').position).toBe(3);
      expect(syntaxError('{x: a y: b}').position).toBe(6);
      expect(syntaxError("Body 'x'").position).toBe(5);
      const trailing = syntaxError('add(a, b,)');
      expect(trailing.position).toBe(8);
      expect(trailing.message).toContain("unexpected ',' before ')'");
    });

    it('accept the standard JMESPath grammar', () => {
      const standard = [
        "foo[?a == 'b' && c != `1`]",
        "foo[?contains(@, 'x')]",
        'foo.*.bar',
        'foo[0][1]',
        'foo[:2]',
        'foo[::-1]',
        'foo[-1:]',
        'foo[1:10:2]',
        'sort_by(foo, &bar)[0]',
        'foo[*].[a, b]',
        'foo[*].{x: a, "y-z": b}',
        'foo | bar',
        'foo[?bar > `1` || !baz]',
        '"foo"',
        'foo."bar"',
        "foo[?@ == 'x']",
        'not_null(a, b, c)',
        'foo[].bar[]',
        'foo[*][0]',
        '[0]',
        '[]',
        '*',
        '@',
        '@.foo',
        'abs(`-1`)',
        '(foo || bar).baz',
        'foo[?(a || b) && c]',
        "'it\\'s'",
        '`"back\\`tick"`',
        'foo\n  .bar',
      ];
      for (const expression of standard) {
        expect(() => compileJmesPath(expression), expression).not.toThrow();
      }
    });

    it.each([
      // JmesPath.Net 1.0.205 keeps both backslashes of a raw string's `\\` (only `\'` is an escape there).
      ["'a\\\\'", {}, 'a\\\\'],
      ["'a\\\\' == 'a\\\\'", {}, true],
      ['`"a\\\\"`', {}, 'a\\'],
      ['"a\\\\"', { 'a\\': 7 }, 7],
    ])('read %s, whose escaped backslash ends just before the closing quote', (expression, given, expected) => {
      expect(one(expression, given)).toBe(expected);
    });

    it('accept wildcards and flattens where standard JMESPath has them', () => {
      expect(run('*.heartRate', envelope)).toEqual(['78']);
      expect(run('Body.readings[*].*', envelope)).toEqual([
        ['hr', 78],
        ['spo2', 97],
        ['hr', 80],
      ]);
      expect(run('[Body.readings, Body.readings][].value', envelope)).toEqual([78, 97, 80, 78, 97, 80]);
      expect(run('Body.readings[-1].value', envelope)).toEqual([80]);
      expect(run('!(Body.missing)', envelope)).toEqual([true]);
      expect(run('Body.readings[?!(value < `80`)].value', envelope)).toEqual([97, 80]);
    });
  });

  describe('grouping as JmesPath.Net parses it', () => {
    it.each<[string, unknown]>([
      // Its grammar ranks `!` below `.`, `[…]`, `[?…]`, `[]` and `*`: `!a.b` negates `a.b`, not `a`.
      ['!Body.missing', true],
      ['!Body.deviceId', false],
      ['!Body.readings[?value > `100`]', true],
      ['!Body.readings[]', false],
      ['!Body.*', false],
      ['!!Body.deviceId', true],
      ['!(Body).missing', true],
      ['{low: !Body.readings[0].flags}', { low: true }],
      // …and above comparisons, `&&`, `||` and `|`.
      ['!Body.missing == `true`', true],
      ['!Body.missing && Body.deviceId', 'device01'],
      ['!Body.deviceId || Body.heartRate', '78'],
    ])('reads %s with the operand of ! as JmesPath.Net does', (expression, expected) => {
      expect(one(expression, envelope)).toEqual(expected);
    });

    it('negates a member path inside a filter', () => {
      expect(run('Body.readings[?!flags.low].type', envelope)).toEqual(['hr', 'spo2', 'hr']);
    });

    it.each<[string, unknown[]]>([
      // Its parentheses only group: a projection stays one, and what follows applies to each element.
      ['(Body.readings[*]).value', [78, 97, 80]],
      ['((Body.readings[*])).type', ['hr', 'spo2', 'hr']],
      ['(Body.readings[?type == `"hr"`]).value', [78, 80]],
      ['(Body.readings[1:]).type', ['spo2', 'hr']],
      ['(Body.readings[*]).[type]', [['hr'], ['spo2'], ['hr']]],
      ['(@ | Body.readings[*]).value', [78, 97, 80]],
      // `[0]` of each value (a number has none), not the first of the list.
      ['(Body.readings[*].value)[0]', []],
      ['(Body.readings[*])[0]', []],
      ['(Body.readings[*]).value | [0]', [78]],
    ])('continues the projection in %s after its parentheses', (expression, expected) => {
      expect(run(expression, envelope)).toEqual(expected);
    });

    it.each<[string, unknown[]]>([
      // `||` and `&&` return the operand they pick as it is, a projection too; the steps after the parentheses apply
      // to each of its elements, whichever operand it is.
      ['(Body.readings[*] || Body.samples).type', ['hr', 'spo2', 'hr']],
      ['(Body.samples[*] || Body.readings[*]).value', [78, 97, 80]],
      ['(Body.missing || Body.readings[?type == `"hr"`]).value', [78, 80]],
      ['(Body.readings && Body.readings[*])[0]', []],
      ['(Body.readings[*] || Body.deviceId)[0]', []],
      ['(Body.nothing[*] || Body.readings)[0].type', ['hr']],
    ])('continues the projection %s picks after its parentheses', (expression, expected) => {
      expect(run(expression, envelope)).toEqual(expected);
    });
  });

  describe('bounds', () => {
    it(`accepts expressions of ${JMESPATH_MAX_EXPRESSION_LENGTH} characters and rejects longer ones`, () => {
      const longest = `Body.${'a'.repeat(JMESPATH_MAX_EXPRESSION_LENGTH - 5)}`;
      expect(longest).toHaveLength(JMESPATH_MAX_EXPRESSION_LENGTH);
      expect(compileJmesPath(longest).matches({ Body: {} })).toEqual([]);
      const error = syntaxError(`${longest}b`);
      expect(error.message).toContain(`the limit is ${JMESPATH_MAX_EXPRESSION_LENGTH}`);
      expect(error.position).toBe(JMESPATH_MAX_EXPRESSION_LENGTH);
      expect(error.message).toBe(
        `Invalid JMESPath expression '${longest.slice(0, 40)}…': it is ${JMESPATH_MAX_EXPRESSION_LENGTH + 1} ` +
          `characters long, the limit is ${JMESPATH_MAX_EXPRESSION_LENGTH}.`,
      );
    });

    it('stops an evaluation that exceeds its step bound', () => {
      const compiled = compileJmesPath('Body.readings[*].value', { maxSteps: 5 });
      expect(() => compiled.matches(envelope)).toThrow(ExpressionEvaluationError);
      expect(() => compiled.matches(envelope)).toThrow(/exceeded its bound of 5 steps/);
      expect(compileJmesPath('Body.readings[*].value', { maxSteps: 50 }).matches(envelope)).toEqual([78, 97, 80]);
    });

    it('says a built-in that runs out of stack was given data too deep or too large, not only too deep', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 100_000; i++) {
        deep = [deep];
      }
      expect(() => run('to_string(@)', deep)).toThrow(/nested too deeply or too large/);
    });

    it('charges every level of a deep value an expression builds, without running out of stack', () => {
      const nest = (depth: number): unknown => {
        let value: unknown = 1;
        for (let i = 0; i < depth; i++) {
          value = [value];
        }
        return value;
      };
      // `[@, @]` builds a value that may share structure: what it holds is charged level by level, also past the depth
      // that is charged by recursion.
      const depthOf = (value: unknown): number => {
        let depth = 0;
        for (let inner = value; Array.isArray(inner); inner = inner[0] as unknown) {
          depth += 1;
        }
        return depth;
      };
      const [pair] = compileJmesPath('[@, @]').matches(nest(100_000));
      expect(depthOf(pair)).toBe(100_001);
      expect(compileJmesPath('[@, @]', { maxSteps: 300 }).matches(nest(100))).toHaveLength(1);
      // Two copies of 201 levels: more than 300 steps.
      expect(() => compileJmesPath('[@, @]', { maxSteps: 300 }).matches(nest(200))).toThrow(
        /exceeded its bound of 300/,
      );
    });

    it('reverses a long string, charging its characters', () => {
      // The library reversed a string through a call with one argument per character, which ran out of room.
      expect(run('reverse(s)', { s: 'ab'.repeat(125_000) })).toEqual(['ba'.repeat(125_000)]);
      expect(() => compileJmesPath('reverse(s)', { maxProducedChars: 1000 }).matches({ s: 'a'.repeat(1001) })).toThrow(
        /reverse\(\)/,
      );
    });

    it('stops a value that doubles at every stage before it grows large', () => {
      const doubling = Array.from({ length: 60 }, () => '[@, @]').join(' | ');
      expect(() => run(`${doubling} | to_string(@)`, 1)).toThrow(/exceeded its bound|would build more than/);
      expect(() => run(`(${doubling}) == (${doubling})`, 1)).toThrow(/exceeded its bound/);
      expect(() => run(doubling, 1)).toThrow(/exceeded its bound/);
      const flattening = `${Array.from({ length: 60 }, () => '[@, @][]').join(' | ')} | length(@)`;
      expect(() => run(flattening, [1])).toThrow(/exceeded its bound/);
      // merge() of one-entry objects doubles too.
      const merging = Array.from({ length: 60 }, () => 'merge({a: @}, {b: @})').join(' | ');
      expect(() => run(merging, 1)).toThrow(/exceeded its bound/);
      expect(() => run(`{x: @, y: @} | ${doubling}`, 1)).toThrow(/exceeded its bound/);
    });

    it('lets one-entry multi-selects nest: each holds its value once, so the value grows by a level per stage', () => {
      const nesting = Array.from({ length: 60 }, () => '[@]').join(' | ');
      let expected: unknown = { a: 1 };
      for (let i = 0; i < 60; i++) {
        expected = [expected];
      }
      expect(run(nesting, { a: 1 })).toEqual([expected]);
      expect(run('[Body][?contains(keys(@), `hr`)] | @[0]', { Body: { hr: 70 } })).toEqual([{ hr: 70 }]);
      expect(run(Array.from({ length: 60 }, () => '{x: @}').join(' | '), 1)).toHaveLength(1);
    });

    it('charges the documented type match for the keys it reads, not again for the size of the body it hands on', () => {
      const source = '[Body][?contains(keys(@), `hr`)] | @[0]';
      const stepsFor = (members: number): number => {
        const body: Record<string, unknown> = { hr: 70 };
        for (let i = 1; i < members; i++) {
          body[`m${i}`] = i;
        }
        for (let maxSteps = 1; ; maxSteps++) {
          try {
            compileJmesPath(source, { maxSteps }).matches({ Body: body });
            return maxSteps;
          } catch {
            // not enough steps yet
          }
        }
      };
      // `keys` is charged a step per member; `hr` is found first.
      expect(stepsFor(50) - stepsFor(1)).toBe(49);
    });

    it('charges built-ins that go through a whole array or object for each element', () => {
      // `[sum(a), sum(a), …]`: 580 calls on a 128,000-element array were 0.9 s of work charged about 1,200 steps.
      const list = Array.from({ length: 100 }, (_, i) => i);
      const object = Object.fromEntries(list.map((i) => [`k${i}`, i]));
      const data = { list, strings: list.map(String), object, text: 'x'.repeat(100) };
      const calls = [
        'sum(list)',
        'avg(list)',
        'max(list)',
        'min(list)',
        'reverse(list)',
        'reverse(text)',
        "join(',', strings)",
        'keys(object)',
        'values(object)',
        'length(object)',
      ];
      for (const call of calls) {
        expect(() => compileJmesPath(call, { maxSteps: 50 }).matches(data), call).toThrow(/exceeded its bound of 50/);
        expect(compileJmesPath(call, { maxSteps: 150 }).matches(data), call).toHaveLength(1);
      }
      expect(compileJmesPath('length(list)', { maxSteps: 50 }).matches(data)).toEqual([100]);
      // The length of a string is read, not counted.
      expect(compileJmesPath('length(text)', { maxSteps: 50 }).matches(data)).toEqual([100]);
    });

    it('charges sort and sort_by their comparisons, n × ⌈log2 n⌉, before sorting', () => {
      // Sorting 20,000 elements took about 300 times as long as a step when charged one step per element.
      const list = Array.from({ length: 100 }, (_, i) => (i * 37) % 100);
      const data = { list, items: list.map((a) => ({ a })) };
      // 100 elements: 700 comparisons, besides the nodes visited (and, for sort_by, its key evaluations).
      expect(() => compileJmesPath('sort(list)', { maxSteps: 700 }).matches(data)).toThrow(/exceeded its bound of 700/);
      expect(compileJmesPath('sort(list)', { maxSteps: 710 }).matches(data)[0]).toEqual(
        [...list].sort((x, y) => x - y),
      );
      expect(() => compileJmesPath('sort_by(items, &a)', { maxSteps: 700 }).matches(data)).toThrow(/of 700 steps/);
      const meter = { remaining: 10_000 };
      const sorted = compileJmesPath('sort_by(items, &a)').matches(data, undefined, meter)[0] as { a: number }[];
      expect(sorted.map((item) => item.a)).toEqual([...list].sort((x, y) => x - y));
      // The 700 comparisons up front, then each element's key evaluated once (JmesPath.Net's OrderBy computes every
      // key once), a charged visit each, besides the call and its two argument nodes.
      expect(10_000 - meter.remaining).toBe(700 + 100 + 3);
      // One element and none: nothing to compare.
      expect(compileJmesPath('sort(@)', { maxSteps: 3 }).matches([5])).toEqual([[5]]);
      expect(compileJmesPath('sort(@)', { maxSteps: 2 }).matches([])).toEqual([[]]);
    });

    it.each([
      ['sum(missing)', 'sum', 1],
      ['avg(missing)', 'avg', 1],
      ['max(missing)', 'max', 1],
      ['min(missing)', 'min', 1],
      ['sort(missing)', 'sort', 1],
      ['reverse(missing)', 'reverse', 1],
      ['keys(missing)', 'keys', 1],
      ['values(missing)', 'values', 1],
      ['length(missing)', 'length', 1],
      ["join(',', missing)", 'join', 2],
    ])(
      'rejects %s, a null where the built-in charges per element, as an invalid type',
      (expression, name, argument) => {
        expect(evaluationError(expression).message).toMatch(
          new RegExp(`${name}\\(\\) expected argument ${argument} to be type .* but received type null`),
        );
      },
    );

    it('charges a flatten for the elements it builds, before the projection visits them', () => {
      // 100 one-element arrays: 3 nodes, 100 elements flattened, then 100 visits of the projection.
      const data = { a: Array.from({ length: 100 }, (_, i) => [i]) };
      expect(() => compileJmesPath('a[]', { maxSteps: 150 }).matches(data)).toThrow(/exceeded its bound of 150/);
      expect(compileJmesPath('a[]', { maxSteps: 250 }).matches(data)).toHaveLength(100);
    });

    it.each([
      ['a | b', { a: { b: 1 } }, 3],
      ['missing || b', { b: 1 }, 3],
      ['b || missing', { b: 1 }, 2],
      ['b && c', { b: 1, c: 2 }, 3],
    ])('charges %s at the top one step per node it visits (%#)', (expression, given, steps) => {
      expect(() => compileJmesPath(expression, { maxSteps: steps - 1 }).matches(given)).toThrow(/exceeded its bound/);
      expect(compileJmesPath(expression, { maxSteps: steps }).matches(given)).toHaveLength(1);
    });

    it('merges with a plain assignment per member, as cheap as the step it is charged', () => {
      // One defineProperty per member made merge() five times slower per step than other work: 5 merges of 300
      // objects of 5,000 members, each stopped at its bound, were 2.3 s for one message.
      const object = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
      const compiled = compileJmesPath('merge(o, o, `{"k0": "last"}`)');
      const defineProperty = vi.spyOn(Object, 'defineProperty');
      let merged: unknown;
      let defined: number;
      try {
        merged = compiled.matches({ o: object })[0];
        defined = defineProperty.mock.calls.length;
      } finally {
        defineProperty.mockRestore();
      }

      expect(defined).toBe(0);
      expect(Object.keys(merged as object)).toEqual(Object.keys(object));
      expect((merged as Record<string, unknown>).k0).toBe('last');
    });

    it('stops strings that double at every stage', () => {
      const doubling = Array.from({ length: 40 }, () => "join('', [@, @])").join(' | ');
      expect(() => run(doubling, 'x')).toThrow(/join\(\) would build more than 1048576 characters/);
      const inserting = Array.from({ length: 40 }, () => 'insertString(@, @, `0`)').join(' | ');
      expect(() => run(inserting, 'x')).toThrow(/insertString\(\) would build more than/);
    });

    it('names fromUnixTimestamp and fromUnixTimestampMs when the timestamps they build exceed the bound', () => {
      for (const name of ['fromUnixTimestamp', 'fromUnixTimestampMs']) {
        // A timestamp is 24 characters.
        expect(compileJmesPath(`${name}(t)`, { maxProducedChars: 24 }).matches({ t: 0 })).toHaveLength(1);
        const compiled = compileJmesPath(`${name}(t)`, { maxProducedChars: 23 });
        expect(() => compiled.matches({ t: 0 })).toThrow(`${name}() would build more than 23 characters`);
      }
    });

    it('caps the characters built by insertString', () => {
      const compiled = compileJmesPath('insertString(a, a, `0`)', { maxProducedChars: 10 });
      expect(compiled.matches({ a: 'abcde' })).toEqual(['abcdeabcde']);
      expect(() => compiled.matches({ a: 'abcdef' })).toThrow(/insertString\(\) would build more than 10 characters/);
    });
  });

  describe("Microsoft's MedTech documentation examples", () => {
    it('matches the heart-rate message with the CalculatedContent typeMatchExpression', () => {
      const message = {
        Body: { heartRate: '78', endDate: '2023-03-13T22:46:01.8750000', deviceId: 'device01' },
      };
      const typeMatch = '[Body][?contains(keys(@), `heartRate`)] | @[0]';
      expect(run(typeMatch, message)).toEqual([message.Body]);
      expect(run(typeMatch, { Body: { steps: 1 } })).toEqual([]);

      const withToken = { ...message, matchedToken: message.Body };
      expect(run('@.matchedToken.deviceId', withToken)).toEqual(['device01']);
      expect(run('@.matchedToken.endDate', withToken)).toEqual(['2023-03-13T22:46:01.8750000']);
      expect(run('@.matchedToken.heartRate', withToken)).toEqual(['78']);
      expect(run('@.matchedToken.patientId', withToken)).toEqual([]);
    });

    it('converts inches to meters as in the height example', () => {
      const matchedToken = { height: '78', unit: 'inches', endDate: '2019-02-01T22:46:01.8750000Z' };
      const meters = one('multiply(to_number(matchedToken.height), `0.0254`)', { matchedToken });
      expect(meters).toBeCloseTo(1.9812, 12);
    });

    it('builds the patient id of the custom functions introduction', () => {
      expect(one("insertString('123', 'patient', `0`) ")).toBe('patient123');
    });

    it('gives the results of the custom functions tables', () => {
      const table: [string, unknown, unknown][] = [
        ['add(`10`, `10`)', {}, 20],
        ['add(left, right)', { left: 40, right: 50 }, 90],
        ['add(left, right)', { left: 0, right: 50 }, 50],
        ['divide(`10`, `10`)', {}, 1],
        ['divide(left, right)', { left: 40, right: 50 }, 0.8],
        ['divide(left, right)', { left: 0, right: 50 }, 0],
        ['multiply(`10`, `10`)', {}, 100],
        ['multiply(left, right)', { left: 40, right: 50 }, 2000],
        ['multiply(left, right)', { left: 0, right: 50 }, 0],
        ['pow(`10`, `10`)', {}, 10_000_000_000],
        ['pow(left, right)', { left: 0, right: 50 }, 0],
        ['pow(left, right)', { left: 100, right: 0.5 }, 10],
        ['subtract(`10`, `10`)', {}, 0],
        ['subtract(left, right)', { left: 40, right: 50 }, -10],
        ['subtract(left, right)', { left: 0, right: 50 }, -50],
        ["insertString('mple', 'sa', `0`)", {}, 'sample'],
        ['insertString(original, toInsert, pos)', { original: 'mple', toInsert: 'sa', pos: 0 }, 'sample'],
        ['insertString(original, toInsert, pos)', { original: 'suess', toInsert: 'cc', pos: 2 }, 'success'],
        ['insertString(original, toInsert, pos)', { original: 'myString', toInsert: '!!', pos: 8 }, 'myString!!'],
        ['insertString(original, toInsert, length(original))', { original: 'myString', toInsert: '!!' }, 'myString!!'],
        // The docs print .NET's "2021-07-07T17:00:00+0"; we write the same instant as ISO-8601 UTC.
        ['fromUnixTimestamp(unix)', { unix: 1625677200 }, '2021-07-07T17:00:00.000Z'],
        ['fromUnixTimestamp(unix)', { unix: 0 }, '1970-01-01T00:00:00.000Z'],
        ['fromUnixTimestampMs(unix)', { unix: 1626799080000 }, '2021-07-20T16:38:00.000Z'],
        ['fromUnixTimestampMs(unix)', { unix: 0 }, '1970-01-01T00:00:00.000Z'],
      ];
      for (const [expression, given, result] of table) {
        expect(run(expression, given).map(withPlainNumbers), expression).toEqual([result]);
      }
    });

    it('fails where the custom functions tables show an error', () => {
      expect(evaluationError('divide(left, right)', { left: 50, right: 0 }).message).toContain('divide by zero');
      expect(evaluationError('pow(left, right)', { left: 40, right: 50 }).message).toContain('overflowed');
      for (const pos of [100, -1]) {
        const error = evaluationError('insertString(original, toInsert, pos)', {
          original: 'myString',
          toInsert: '!!',
          pos,
        });
        expect(error.message).toContain('out of range');
      }
    });
  });
});

// JSON values as JmesPath.Net sees them: truthiness, deep equality, member access, ordering and the work charged for
// values an expression builds (shared/core/expressions/jmesPath/jsonValues.ts).
describe('JMESPath JSON values', () => {
  it('treats empty objects and arrays as false and every other container as true', () => {
    const items = [{}, { a: 1 }, [], [0], '', 'x', false, true, null, 0];
    // A compiled filter projection, and `||` / `&&` as the whole expression (the interpreter's spine).
    expect(run('items[?@]', { items })).toEqual([{ a: 1 }, [0], 'x', true, 0]);
    expect(one("o || 'other'", { o: {} })).toBe('other');
    expect(one("o || 'other'", { o: { a: 1 } })).toEqual({ a: 1 });
    expect(one("o && 'both'", { o: {} })).toEqual({});
    expect(one("o && 'both'", { o: [] })).toEqual([]);
  });

  it('reads members of objects only: a string, an array or null has none', () => {
    const data = { s: 'abc', list: [5], items: [null, { k: 1 }] };
    expect(run('s.length', data)).toEqual([]);
    expect(run('s."0"', data)).toEqual([]);
    expect(run('list."0"', data)).toEqual([]);
    // A filter condition reads a member of each element, null ones included: compiled, then interpreted.
    expect(run('items[?k].k', data)).toEqual([1]);
    expect(run('items | [?k].k', data)).toEqual([1]);
  });

  it('compares arrays and objects member by member, never an array with an object or a container with a scalar', () => {
    const data = JSON.parse(
      '{"one": [1], "oneTwo": [1, 2], "zero": {"0": 1}, "indexed": {"0": 1, "length": 1}, "a1": {"a": 1},' +
        ' "a2": {"a": 2}, "b1": {"b": 1}, "a1b2": {"a": 1, "b": 2}, "proto": {"__proto__": {}}, "x1": {"x": 1},' +
        ' "scalars": [1], "objects": [{}], "nulls": [null]}',
    ) as unknown;
    const cases: [string, boolean][] = [
      ['one == oneTwo', false],
      ['oneTwo == one', false],
      // An object with the members of an array (indexes, and a length) is still no array.
      ['one == zero', false],
      ['zero == one', false],
      ['one == indexed', false],
      ['indexed == one', false],
      ['a1 == a2', false],
      ['a1 == b1', false],
      ['a1 == a1b2', false],
      ['a1b2 == a1', false],
      // An own `__proto__` member is a member like any other: the other object has none.
      ['proto == x1', false],
      ['scalars == objects', false],
      ['objects == scalars', false],
      ['objects == nulls', false],
      ['nulls == objects', false],
      ['one == `[1]`', true],
      ['a1b2 == `{"b": 2, "a": 1}`', true],
      ['proto == `{"__proto__": {}}`', true],
    ];
    for (const [expression, equal] of cases) {
      expect(one(expression, data), expression).toBe(equal);
      expect(one(expression.replace('==', '!='), data), expression).toBe(!equal);
      // The same comparison through the interpreter.
      expect(one(`@ | ${expression}`, data), expression).toBe(equal);
    }
  });

  it('orders equal values as equal and refuses to order a number with a string, a boolean or null', () => {
    expect(one("'a' < 'a'")).toBe(false);
    expect(one("'a' >= 'a'")).toBe(true);
    expect(one("'b' <= 'a'")).toBe(false);
    expect(one('`1` >= `1`')).toBe(true);
    expect(one('`2` <= `1`')).toBe(false);
    for (const expression of ["`1` <= 'a'", "'a' <= `1`", '`null` < `1`', '`1` > `null`', "'a' <= `true`"]) {
      expect(run(expression), expression).toEqual([]);
    }
  });

  it('treats an undefined value in the data (from a JavaScript caller) as null', () => {
    const items = [undefined, 'a', 'c'];
    expect(run('items[?@]', { items: [undefined, 1] })).toEqual([1]);
    // Null sorts before every string, and is equal to null.
    expect(one("length(items[?@ < 'b'])", { items })).toBe(2);
    expect(one('length(items[?`null` < @])', { items })).toBe(2);
    expect(one("length(items[?'b' > @])", { items })).toBe(2);
    expect(evaluationError('items[0:1].add(@, `1`)', { items: [undefined] }).message).toContain(
      'add() argument 1 ($left) must be a number, got null',
    );
    // As a null of the data: kept by a slice (above), a filter and `*`, skipped by `[*]`, a member `a` that is there.
    expect(run('items[?!@]', { items: [undefined, 1] })).toEqual([null]);
    expect(run('*', { o: undefined })).toEqual([null]);
    expect(run('items[*]', { items: [undefined, 1] })).toEqual([1]);
    expect(run('items[*].a', { items: [{ a: undefined }, {}] })).toEqual([null]);
  });

  it('builds objects whose members are enumerable, as merge does', () => {
    expect(one('keys({a: @, b: @})')).toEqual(['a', 'b']);
    expect(one('keys(merge(o, `{"b": 2}`))', { o: { a: 1 } })).toEqual(['a', 'b']);
    expect(one('to_string({a: `1`})')).toBe('{"a":1}');
  });

  it('charges every value of a built object, as it charges those of a built array', () => {
    const doubling = Array.from({ length: 60 }, () => '{a: @, b: @}').join(' | ');
    expect(() => run(doubling, 1)).toThrow(/exceeded its bound/);
    // `{a: @, b: @}` on a number: the hash and its two values are visited (3 steps), then the result's three values
    // are charged (3 steps).
    const meter = { remaining: 1000 };
    compileJmesPath('{a: @, b: @}').matches(1, undefined, meter);
    expect(1000 - meter.remaining).toBe(6);
  });
});

// The token checks name the operand or operator at fault; without them the community parser would reject these
// expressions later, with another message or a less useful position, or accept them as arithmetic.
describe('JMESPath token checks', () => {
  const ARITHMETIC = "MedTech's JMESPath has no arithmetic operators, use add(), subtract(), multiply() or divide()";

  it.each<[string, number, string]>([
    ['"a" * b', 4, `unexpected '*'; ${ARITHMETIC}`],
    ['`1` * b', 4, `unexpected '*'; ${ARITHMETIC}`],
    ["'x' * b", 4, `unexpected '*'; ${ARITHMETIC}`],
    ['a[0] * b', 5, `unexpected '*'; ${ARITHMETIC}`],
    ['abs(a) * b', 7, `unexpected '*'; ${ARITHMETIC}`],
    ['{a: b} * c', 7, `unexpected '*'; ${ARITHMETIC}`],
    ['@ * b', 2, `unexpected '*'; ${ARITHMETIC}`],
    ['a[] * b', 4, `unexpected '*'; ${ARITHMETIC}`],
    ['a.* * b', 4, `unexpected '*'; ${ARITHMETIC}`],
    ['* * b', 2, `unexpected '*'; ${ARITHMETIC}`],
  ])('read * after an operand (%s) as the multiplication MedTech does not have', (expression, position, reason) => {
    expectSyntaxErrors([[expression, position, reason]]);
  });

  it.each<[string, number, string]>([
    ['"a" b', 4, "missing ',' or operator before 'b'"],
    ['`1` b', 4, "missing ',' or operator before 'b'"],
    ["'x' b", 4, "missing ',' or operator before 'b'"],
    ['a[0] b', 5, "missing ',' or operator before 'b'"],
    ['abs(a) b', 7, "missing ',' or operator before 'b'"],
    ['{a: b} c', 7, "missing ',' or operator before 'c'"],
    ['@ b', 2, "missing ',' or operator before 'b'"],
    ['a[] b', 4, "missing ',' or operator before 'b'"],
    ['a.* b', 4, "missing ',' or operator before 'b'"],
    ['* b', 2, "missing ',' or operator before 'b'"],
    ['a "b"', 2, `missing ',' or operator before '"b"'`],
    ['a `1`', 2, "missing ',' or operator before '`1`'"],
    ["a 'x'", 2, "missing ',' or operator before ''x''"],
    ['a @', 2, "missing ',' or operator before '@'"],
    ['a {b: c}', 2, "missing ',' or operator before '{'"],
    ['a !b', 2, "missing ',' or operator before '!'"],
    ['a &b', 2, "missing ',' or operator before '&'"],
    ['[a "b"]', 3, `missing ',' or operator before '"b"'`],
    ['add(`1` @)', 8, "missing ',' or operator before '@'"],
  ])('report the operand that follows another one in %s', (expression, position, reason) => {
    expectSyntaxErrors([[expression, position, reason]]);
  });

  it.each<[string, number, string]>([
    ['a × b', 2, `unexpected '×'; ${ARITHMETIC}`],
    ['a ÷ b', 2, `unexpected '÷'; ${ARITHMETIC}`],
    ['a % b', 2, `unexpected '%'; ${ARITHMETIC}`],
    ['a // b', 2, `unexpected '//'; ${ARITHMETIC}`],
    ['a[1 % 2]', 4, `unexpected '%'; ${ARITHMETIC}`],
  ])('report the community edition arithmetic operator in %s where it stands', (expression, position, reason) => {
    expectSyntaxErrors([[expression, position, reason]]);
  });
});

describe('withPlainNumbers', () => {
  it('hands a plain result on as it is, the same object', () => {
    const plain = { a: [1, { b: 'x' }], c: null };
    expect(withPlainNumbers(plain)).toBe(plain);
  });

  it('replaces a container of the body read with kinds by its plain twin, even one that holds no boxed number', () => {
    const plainReading = { hr: 70 };
    const kindedReading = { hr: 70 };
    linkTwins(kindedReading, plainReading);
    expect(withPlainNumbers(kindedReading)).toBe(plainReading);
    const result = withPlainNumbers([{ reading: kindedReading }]) as { reading: unknown }[];
    expect(result[0]!.reading).toBe(plainReading);
  });

  it('finds a boxed number past what a quick look covers, in a large or deep result', () => {
    const wide = Array.from({ length: 600 }, (_, i) => ({ i }));
    wide.push({ i: KindedNumber.float(2) as unknown as number });
    expect((withPlainNumbers(wide) as { i: unknown }[])[600]).toEqual({ i: 2 });
    let deep: unknown = { v: KindedNumber.float(3) };
    for (let i = 0; i < 100; i++) {
      deep = [deep];
    }
    let inner = withPlainNumbers(deep);
    for (let i = 0; i < 100; i++) {
      inner = (inner as unknown[])[0];
    }
    expect(inner).toEqual({ v: 3 });
  });
});
