import { describe, expect, it } from 'vitest';
import { ExpressionEvaluationError, ExpressionSyntaxError } from '../../../shared/core/errors.js';
import { compileJsonPath, JSONPATH_MAX_NODE_VISITS } from '../../../shared/core/expressions/jsonPath.js';

/** Compiles and evaluates in one go. */
function select(path: string, data: unknown): unknown[] {
  return compileJsonPath(path).matches(data);
}

/** The ExpressionSyntaxError a path raises (fails the test when it compiles). */
function syntaxErrorOf(path: string): ExpressionSyntaxError {
  try {
    compileJsonPath(path);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected '${path}' to be rejected`);
}

/** A message as IoT Hub / Event Hubs delivers it to MedTech's JsonPath templates. */
const iotMessage = {
  Body: { heartRate: 78, endDate: '2023-03-13T22:46:01.875Z', deviceId: 'device01' },
  Properties: { 'iothub-creation-time-utc': '2023-03-13T22:46:01.000Z' },
  SystemProperties: { 'iothub-connection-device-id': 'device01' },
};

describe('compileJsonPath', () => {
  describe('compiled expression', () => {
    it('reports the JsonPath language and the source text', () => {
      const expression = compileJsonPath('$.Body.heartRate');

      expect(expression.language).toBe('JsonPath');
      expect(expression.source).toBe('$.Body.heartRate');
    });

    it('can be evaluated many times against different documents', () => {
      const expression = compileJsonPath('$..[?(@heartRate)].heartRate');

      expect(expression.matches({ heartRate: 1 })).toEqual([1]);
      expect(expression.matches([{ heartRate: 2 }, { heartRate: 3 }])).toEqual([2, 3]);
      expect(expression.matches({ other: 1 })).toEqual([]);
    });

    it('returns the selected tokens themselves, not copies', () => {
      expect(select('$.Body', iotMessage)[0]).toBe(iotMessage.Body);
    });
  });

  describe('member access', () => {
    it('selects the root with $', () => {
      expect(select('$', iotMessage)).toEqual([iotMessage]);
    });

    it('follows a dotted path from the root', () => {
      expect(select('$.Body.deviceId', iotMessage)).toEqual(['device01']);
    });

    it('accepts a path that does not start with $, as Newtonsoft does', () => {
      expect(select('Body.heartRate', iotMessage)).toEqual([78]);
      expect(select('.Body.heartRate', iotMessage)).toEqual([78]);
    });

    it('reads $ followed by a name character as part of a member name', () => {
      expect(select('$values[1]', { $values: [1, 2, 3] })).toEqual([2]);
    });

    it('returns nothing for a missing member at any depth', () => {
      expect(select('$.Body.missing', iotMessage)).toEqual([]);
      expect(select('$.Missing.deviceId', iotMessage)).toEqual([]);
    });

    it('returns a selected JSON null as null', () => {
      expect(select('$.a', { a: null })).toEqual([null]);
      expect(select('$.a.b', { a: { b: null } })).toEqual([null]);
      expect(select('$.a[0]', { a: [null] })).toEqual([null]);
    });

    it('selects falsy values such as 0, false and the empty string', () => {
      expect(select('$.a', { a: 0 })).toEqual([0]);
      expect(select('$.a', { a: false })).toEqual([false]);
      expect(select('$.a', { a: '' })).toEqual(['']);
    });

    it('finds members of objects only, never of arrays or primitives', () => {
      expect(select('$.length', [1, 2])).toEqual([]);
      expect(select('$.a.length', { a: 'text' })).toEqual([]);
      expect(select('$.a.b', { a: 5 })).toEqual([]);
    });

    it('never reads members inherited from Object.prototype', () => {
      expect(select('$.constructor', {})).toEqual([]);
      expect(select('$.__proto__', {})).toEqual([]);
      expect(select('$.toString', { a: 1 })).toEqual([]);
      expect(select('$..[?(@.constructor)]', { a: {} })).toEqual([]);
    });

    it('reads own members named like Object.prototype members', () => {
      const data = JSON.parse('{"constructor": 1, "__proto__": 2}') as unknown;

      expect(select('$.constructor', data)).toEqual([1]);
      expect(select("$['__proto__']", data)).toEqual([2]);
    });

    it('accepts unquoted member names holding hyphens and other non-special characters', () => {
      expect(select('$.Properties.iothub-creation-time-utc', iotMessage)).toEqual(['2023-03-13T22:46:01.000Z']);
      expect(select('$.SystemProperties.iothub-connection-device-id', iotMessage)).toEqual(['device01']);
      expect(select('$.a:b.c@d.e#f', { 'a:b': { 'c@d': { 'e#f': 1 } } })).toEqual([1]);
    });

    it('compares member names case-sensitively', () => {
      expect(select('$.body', iotMessage)).toEqual([]);
    });
  });

  describe('bracket names', () => {
    it("selects a member written as ['name'], with spaces and dots allowed inside", () => {
      expect(select("$['a b']", { 'a b': 1 })).toEqual([1]);
      expect(select("$['My.Child.Node']", { 'My.Child.Node': 2 })).toEqual([2]);
      expect(select("$.Properties['iothub-creation-time-utc']", iotMessage)).toEqual(['2023-03-13T22:46:01.000Z']);
    });

    it('accepts spaces around a bracketed name and a dot before the bracket', () => {
      expect(select("$[  'a'  ]", { a: 1 })).toEqual([1]);
      expect(select("$.['a'].['b']", { a: { b: 2 } })).toEqual([2]);
    });

    it("reads Newtonsoft's escapes inside quotes", () => {
      expect(select("$['it\\'s']", { "it's": 1 })).toEqual([1]);
      expect(select("$['back\\\\slash']", { 'back\\slash': 2 })).toEqual([2]);
      expect(select("$['tab\\tin']", { 'tab\tin': 3 })).toEqual([3]);
    });

    it("reads a quoted '*' as a member literally named *", () => {
      expect(select("$['*']", { '*': 1, a: 2 })).toEqual([1]);
    });

    it('selects an empty member name when quoted', () => {
      expect(select("$['']", { '': 1 })).toEqual([1]);
    });

    it('selects a union of names in the listed order, skipping missing ones', () => {
      expect(select("$['b','a']", { a: 1, b: 2 })).toEqual([2, 1]);
      expect(select("$[ 'a' , 'missing', 'b' ]", { a: 1, b: 2 })).toEqual([1, 2]);
    });

    it('rejects double-quoted names, which Newtonsoft does not accept either', () => {
      const error = syntaxErrorOf('$["a"]');

      expect(error.position).toBe(2);
      expect(error.message).toContain('double-quoted');
    });
  });

  describe('array indexes, wildcards and slices', () => {
    // Newtonsoft's index steps select array elements only: an object's member \"0\" or a string's character is not one.
    it.each([
      ['$.a[0]', { a: { '0': 5 } }],
      ['$.a[0]', { a: 'abc' }],
      ['$.a[0,1]', { a: { '0': 5, '1': 6 } }],
      ['$.a[0].b', { a: { '0': { b: 1 } } }],
      ['$.a.b[0]', { a: { b: 'xyz' } }],
      ['$.a[0:2]', { a: 'abc' }],
    ])('%s selects nothing in %j', (source, data) => {
      expect(compileJsonPath(source).matches(data)).toEqual([]);
    });

    const digits = [1, 2, 3, 4, 5, 6, 7, 8, 9];

    it('selects an element by index and nothing past the end', () => {
      expect(select('$[1]', digits)).toEqual([2]);
      expect(select('$[  1  ]', digits)).toEqual([2]);
      expect(select('$[9]', digits)).toEqual([]);
      expect(select('$.a[0].b', { a: [{ b: 'x' }] })).toEqual(['x']);
      expect(select('$[0][1]', [[1, 2]])).toEqual([2]);
    });

    it("accepts Newtonsoft's parenthesized indexer form", () => {
      expect(select('$.a(1)', { a: [1, 2] })).toEqual([2]);
      expect(select("$.x('a')", { x: { a: 3 } })).toEqual([3]);
    });

    it('selects a union of indexes in the listed order', () => {
      expect(select('$[2,0]', digits)).toEqual([3, 1]);
      expect(select('$[ 0 , 99 , 1 ]', digits)).toEqual([1, 2]);
    });

    it('applies [*] to arrays only and .* to objects only, as Newtonsoft does', () => {
      expect(select('$[*]', [1, 2])).toEqual([1, 2]);
      expect(select('$[*]', { a: 1, b: 2 })).toEqual([]);
      expect(select('$.*', { a: 1, b: 2 })).toEqual([1, 2]);
      expect(select('$.*', [1, 2])).toEqual([]);
      expect(select('$.a[*].b', { a: [{ b: 1 }, { c: 2 }, { b: 3 }] })).toEqual([1, 3]);
    });

    it('treats an index on an object, and a name on an array, as no match', () => {
      expect(select('$[0]', { 0: 'zero' })).toEqual([]);
      expect(select("$['0']", ['zero'])).toEqual([]);
    });

    it("slices like Newtonsoft's ArraySliceFilter", () => {
      expect(select('$[-3:]', digits)).toEqual([7, 8, 9]);
      expect(select('$[-1:-2:-1]', digits)).toEqual([9]);
      expect(select('$[-2:-1]', digits)).toEqual([8]);
      expect(select('$[1:1]', digits)).toEqual([]);
      expect(select('$[1:2]', digits)).toEqual([2]);
      expect(select('$[::-1]', digits)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
      expect(select('$[::-2]', digits)).toEqual([9, 7, 5, 3, 1]);
      expect(select('$[:3]', digits)).toEqual([1, 2, 3]);
      expect(select('$[1:7:3]', digits)).toEqual([2, 5]);
      expect(select('$[ : 2 : ]', digits)).toEqual([1, 2]);
      expect(select('$[99:]', digits)).toEqual([]);
      expect(select('$[1:-19]', digits)).toEqual([]);
      expect(select('$[-100:2]', digits)).toEqual([1, 2]);
      expect(select('$[:]', { a: 1 })).toEqual([]);
    });

    it('rejects a zero slice step at compile time (Newtonsoft fails on every evaluation)', () => {
      expect(syntaxErrorOf('$[::0]').position).toBe(4);
    });

    it('rejects a negative single index, which Newtonsoft fails on, and points to the slice form', () => {
      const error = syntaxErrorOf('$.a[-1]');

      expect(error.position).toBe(4);
      expect(error.message).toContain('[-1:]');
      expect(syntaxErrorOf('$[0,-1]').position).toBe(4);
    });
  });

  describe('recursive descent (..)', () => {
    const tree = {
      name: 'root',
      a: { name: 'a', inner: { name: 'a.inner' } },
      list: [{ name: 'l0' }, { other: { name: 'l1.other' } }],
    };

    it('finds every member with a name, parents before children, in document order', () => {
      expect(select('$..name', tree)).toEqual(['root', 'a', 'a.inner', 'l0', 'l1.other']);
    });

    it('accepts hyphens in a scanned name and the bracket form', () => {
      const data = { x: { 'en-US': 'Add' }, y: [{ 'en-US': 'Sort by' }] };

      expect(select('$..en-US', data)).toEqual(['Add', 'Sort by']);
      expect(select("$..['en-US']", data)).toEqual(['Add', 'Sort by']);
      expect(select("..['en-US']", data)).toEqual(['Add', 'Sort by']);
    });

    it('finds a member holding an array and the same name inside it', () => {
      const data = [{ Name: 1 }, { Name: 2 }, { Other: { Name: [3] } }];

      expect(select('$..Name', data)).toEqual([1, 2, [3]]);
    });

    it('finds several names in document order, not in the listed order', () => {
      const data = { Prop2: 'v1', child: { Prop1: 'v2', Prop2: 'v3' }, Prop1: 'v4' };

      expect(select("$..['Prop1','Prop2']", data)).toEqual(['v1', 'v2', 'v3', 'v4']);
    });

    it('lists the token itself first with ..*, then every value below it in pre-order', () => {
      const data = [{ Name: 1 }, { Name: 2 }];

      expect(select('$..*', data)).toEqual([data, data[0], 1, data[1], 2]);
      expect(select('$..*', 7)).toEqual([7]);
    });

    it('continues after a scan with further steps', () => {
      const data = { a: [{ id: 1 }], b: [{ id: 2 }, { id: 3, c: { id: 4 } }], d: [{ id: 5 }] };

      expect(select('$.b..*.id', data)).toEqual([2, 3, 4]);
      expect(select('$..b[1].id', data)).toEqual([3]);
    });

    it('does not scan before a numeric or * indexer: $..[0] is $[0], as in Newtonsoft', () => {
      const data = { a: [1, 2], b: { c: [3] } };

      expect(select('$..[0]', data)).toEqual([]);
      expect(select('$..[0]', [9, 8])).toEqual([9]);
      expect(select('$..[*]', [9, 8])).toEqual([9, 8]);
    });

    it('applies the next step to each scanned token in turn, so results follow Newtonsoft, not document order', () => {
      const data = {
        station: 1,
        containers: [
          { text: 'Sort system', containers: [{ text: 'Yard 11' }, { text: 'Sort yard 12' }] },
          { text: 'TSP-1' },
        ],
      };

      expect(select('$..*[?(@.text)].text', data)).toEqual(['Sort system', 'TSP-1', 'Yard 11', 'Sort yard 12']);
    });

    it('finds nothing in a primitive', () => {
      expect(select('$..a', 5)).toEqual([]);
    });

    it('skips empty containers and keeps scanning their siblings', () => {
      expect(select('$..test', { cont: [], o: {}, test: 'found' })).toEqual(['found']);
    });
  });

  describe('filters with recursive descent ($..[?()])', () => {
    it('tests the root itself first, then the descendants in pre-order', () => {
      const data = { v: 1, c: [{ v: 2, d: { v: 3 } }, { v: 4 }] };

      expect(select('$..[?(@.v)]', data)).toEqual([data, data.c[0], data.c[0]?.d, data.c[1]]);
    });

    it('matches the root of a MedTech-style message with @heartRate (no dot)', () => {
      const message = { heartRate: 78, deviceId: 'device01' };

      expect(select('$..[?(@heartRate)]', message)).toEqual([message]);
    });

    it('finds each measurement object of a batched payload', () => {
      const payload = {
        Body: {
          telemetry: [
            { heartRate: 78, time: 't1' },
            { steps: 100, time: 't2' },
            { heartRate: 80, time: 't3' },
          ],
        },
      };

      expect(select('$..[?(@heartRate)].time', payload)).toEqual(['t1', 't3']);
    });

    it('treats @name and @.name alike', () => {
      const data = [{ heartRate: 1 }, { other: 2 }, { nested: { heartRate: 3 } }];

      expect(select('$..[?(@heartRate)]', data)).toEqual(select('$..[?(@.heartRate)]', data));
      expect(select('$..[?(@heartRate)]', data)).toEqual([{ heartRate: 1 }, { heartRate: 3 }]);
    });

    it('counts a member holding null, 0, false or an empty string as existing', () => {
      const data = [{ a: null }, { a: 0 }, { a: false }, { a: '' }, { b: 1 }];

      expect(select('$[?(@.a)]', data)).toEqual([{ a: null }, { a: 0 }, { a: false }, { a: '' }]);
    });

    it('lets only objects match a member test', () => {
      const data = { list: [[1, 2], 'text', 5, { length: 2 }] };

      expect(select('$..[?(@.length)]', data)).toEqual([{ length: 2 }]);
    });

    it('tests a primitive root itself', () => {
      expect(select('$..[?(@ == 5)]', 5)).toEqual([5]);
    });

    it('continues after the filter with a bracketed name or a scan', () => {
      const data = { elements: [{ id: 'A', children: [{ id: 'AA', children: [{ id: 'AAA' }] }] }] };

      expect(select("$.elements..[?(@.id=='AAA')]", data)).toEqual([{ id: 'AAA' }]);
      expect(select("$..[?(@.id=='AA')]['id']", data)).toEqual(['AA']);
    });
  });

  describe('filters without recursive descent ([?()])', () => {
    it('tests the elements of an array', () => {
      const data = { items: [{ x: 1 }, { y: 2 }, { x: null }] };

      expect(select('$.items[?(@.x)]', data)).toEqual([{ x: 1 }, { x: null }]);
    });

    it('selects nothing from an object (Newtonsoft tests its property wrappers, which no member test matches)', () => {
      expect(select('$[?(@.x)]', { a: { x: 1 }, b: { y: 1 } })).toEqual([]);
      expect(select('$.a[?(@ == 1)]', { a: { x: 1 } })).toEqual([]);
    });

    it('keeps every element for a constant, even false, as Newtonsoft does', () => {
      expect(select('$[?(true)]', [1, 2])).toEqual([1, 2]);
      expect(select('$[?(false)]', [1, 2])).toEqual([1, 2]);
    });

    it('compares the element itself with @', () => {
      expect(select('$[?(@ > 1)]', [1, 2, 3])).toEqual([2, 3]);
      expect(select('$[?(@ <> 1)][?(@ <> 4)][?(@ < 7)]', [1, 2, 3])).toEqual([]);
    });

    it('accepts spaces inside the brackets and the parentheses', () => {
      expect(select('$[ ?( @.hi ) ]', [{ hi: 'ho' }, { lo: 1 }])).toEqual([{ hi: 'ho' }]);
    });
  });

  describe('filter paths', () => {
    it('follows nested members, indexes, bracket names and scans inside a filter', () => {
      const data = [
        { a: { b: 1 }, list: [5], 'x-y': 'z', deep: { deeper: { id: 7 } } },
        { a: { c: 1 }, list: [], deep: {} },
      ];

      expect(select('$[?(@.a.b)]', data)).toEqual([data[0]]);
      expect(select('$[?(@.list[0] == 5)]', data)).toEqual([data[0]]);
      expect(select("$[?(@['x-y'] == 'z')]", data)).toEqual([data[0]]);
      expect(select("$[?(@.['x-y'])]", data)).toEqual([data[0]]);
      expect(select('$[?(@..id == 7)]', data)).toEqual([data[0]]);
      expect(select('$[?(@.list[*])]', data)).toEqual([data[0]]);
    });

    it('evaluates $-rooted paths against the document root', () => {
      const data = { limit: 10, flag: true, items: [{ v: 5 }, { v: 15 }] };

      expect(select('$.items[?(@.v < $.limit)]', data)).toEqual([{ v: 5 }]);
      expect(select("$.items[?(@.v > $['limit'])]", data)).toEqual([{ v: 15 }]);
      expect(select('$.items[?($.flag)]', data)).toEqual(data.items);
      expect(select('$.items[?($.missing)]', data)).toEqual([]);
    });

    it('compares two paths of the same element', () => {
      const data = [
        { price: 5, max_price: 10 },
        { price: 15, max_price: 10 },
        { price: 25, max_price: 30 },
      ];

      expect(select('$[?(@.price > @.max_price)]', data)).toEqual([data[1]]);
    });

    it('supports a filter nested inside a filter', () => {
      const movies = [
        { name: 'Bad Boys', cast: [{ name: 'Will Smith' }] },
        { name: 'Other', cast: [{ name: 'Someone' }] },
        { name: 'Independence Day', cast: [{ name: 'Will Smith' }] },
      ];

      expect(select("$[?(@.cast[?(@.name=='Will Smith')])].name", movies)).toEqual(['Bad Boys', 'Independence Day']);
    });
  });

  describe('general steps: what they skip, where an existence test stops them, what they cost', () => {
    // Index, union, wildcard, slice and filter steps select array elements only: a string's characters, an object's
    // member "0" or "length" are not elements, and null is not a container.
    it.each([
      ["$.a['0','length']", { a: ['x'] }],
      ["$.a['0','length']", { a: 'abc' }],
      ["$.*['a','b']", { x: null, y: 5 }],
      ['$.*[0]', { a: { '0': 5 } }],
      ['$.*[0]', { a: 'abc' }],
      ['$.a[0,1]', { a: 'ab' }],
      ['$.a[0,1]', { a: { length: 2, '0': 5, '1': 6 } }],
      ['$.a[*]', { a: 'ab' }],
      ['$.a[*]', { a: { length: 1, '0': 5 } }],
      ["$.a[?(@ == 'a')]", { a: 'ab' }],
      ["$.a[?(@ == 'a')]", { a: { length: 1, '0': 'a' } }],
    ])('%s selects nothing in %j', (source, data) => {
      expect(compileJsonPath(source).matches(data)).toEqual([]);
    });

    it('reads the listed names only, not a member with an empty name after them', () => {
      expect(select("$['a','b']", { a: 1, b: 2, '': 3 })).toEqual([1, 2]);
    });

    it('never reads a name of a union from Object.prototype', () => {
      expect(select("$['constructor','a','toString']", { a: 1 })).toEqual([1]);
      expect(select("$['constructor','a']", { constructor: 'own', a: 1 })).toEqual(['own', 1]);
    });

    it('reads each name of a union as a single-name step reads it, on any object', () => {
      class Reading {
        constructor(readonly heartRate: number) {}
      }
      Object.defineProperty(Reading.prototype, 'inherited', { value: 'from the prototype', enumerable: false });
      const data = { r: new Reading(72) };

      expect(select('$.r.inherited', data)).toEqual(['from the prototype']);
      expect(select("$.r['inherited','heartRate']", data)).toEqual(['from the prototype', 72]);
    });

    it('scans nothing below a string or null: only the token itself', () => {
      expect(select('$..*', 'ab')).toEqual(['ab']);
      expect(select('$..*', null)).toEqual([null]);
      expect(select('$[*]..a', [1, null, 'ab', { a: 2 }])).toEqual([2]);
    });

    // Not JSON, but a JavaScript caller may hand one over: an undefined member or element is absent, never a token.
    it('skips members and elements holding undefined, as if absent', () => {
      expect(select('$.*', { a: undefined, b: 1 })).toEqual([1]);
      expect(select('$.*[1]', { a: [1, undefined] })).toEqual([]);
      expect(select('$.a[0,1]', { a: [undefined, 2] })).toEqual([2]);
      expect(select('$[*]', [1, undefined])).toEqual([1]);
      expect(select('$[0:2]', [undefined, 1])).toEqual([1]);
      expect(select('$[?(false)]', [1, undefined, 3])).toEqual([1, 3]);
    });

    it('keeps going after an element that selects nothing', () => {
      expect(select('$[*][0]', [[], [2], 5, [4]])).toEqual([2, 4]);
      expect(select('$[*][:]', [5, [1], {}, [2]])).toEqual([1, 2]);
    });

    it('ends a slice at a zero end, which counts from the start', () => {
      expect(select('$[:0]', [1, 2, 3])).toEqual([]);
      expect(select('$[2:0:-1]', [1, 2, 3])).toEqual([3, 2]);
    });

    // An existence test stops at the first token its path selects; every step must pass that stop on.
    it.each([
      ["$[?(@['a','b'])]", [{ a: 1 }, { b: 2 }, { c: 3 }, 5], [{ a: 1 }, { b: 2 }]],
      ['$[?(@.*)]', [{ a: 1 }, { a: 1, b: 2 }, {}, [1], 5], [{ a: 1 }, { a: 1, b: 2 }]],
      ['$[?(@[0,1])]', [[1], [1, 2], [], {}, 5], [[1], [1, 2]]],
      ['$[?(@[0:])]', [[1], [1, 2], [], {}, 5], [[1], [1, 2]]],
      [
        "$[?(@..['a','b'])]",
        [{ x: { b: 1 } }, { x: { a: 1, b: 2 } }, { y: 1 }, 5],
        [{ x: { b: 1 } }, { x: { a: 1, b: 2 } }],
      ],
      ['$[?(@..[?(@.a)])]', [{ a: 1 }, { x: { a: 1 } }, { b: 1 }, 5], [{ a: 1 }, { x: { a: 1 } }]],
    ])('%s on %j selects %j', (source, data, expected) => {
      expect(select(source, data)).toEqual(expected);
    });

    it('is false when the left path of a comparison of two paths selects nothing', () => {
      expect(select('$[?(@.a == @.b)]', [{ b: 1 }, { a: 1, b: 1 }, { a: 1 }])).toEqual([{ a: 1, b: 1 }]);
      expect(select('$[?(@.a != @.b)]', [{ b: 1 }, { a: 1, b: 2 }])).toEqual([{ a: 1, b: 2 }]);
    });

    // As in the work-bound table: exactly that many visits pass, one fewer fails.
    it.each([
      ['$[*][0]', [[1], [2]], 5],
      ['$.a[?($.b)]', { a: [1, 2], b: 1 }, 8],
      ['$[99::-1]', [1, 2, 3], 4],
      // The right path is not evaluated when the left one selects nothing.
      ['$[?(@.a[*] == @.b[*])]', [{ b: [1, 2, 3] }], 3],
    ])('%s on %j needs exactly %i node visits', (source, data, visits) => {
      expect(() => compileJsonPath(source, { maxNodeVisits: visits }).matches(data)).not.toThrow();
      expect(() => compileJsonPath(source, { maxNodeVisits: visits - 1 }).matches(data)).toThrow(
        ExpressionEvaluationError,
      );
    });
  });

  describe('comparisons', () => {
    const values = [{ v: 1 }, { v: 2.5 }, { v: 'abc' }, { v: true }, { v: null }, { v: { o: 1 } }, { v: [1] }, {}];

    it('compares numbers numerically, an integer equal to the same float', () => {
      const numbers = [{ v: 1 }, { v: 2.5 }, { v: 10 }, {}, { v: [3] }];

      expect(select('$[?(@.v == 1)]', values)).toEqual([{ v: 1 }]);
      expect(select('$[?(@.v == 1.0)]', values)).toEqual([{ v: 1 }]);
      expect(select('$[?(@.v == 2.5)]', values)).toEqual([{ v: 2.5 }]);
      expect(select('$[?(@.v > 1)]', numbers)).toEqual([{ v: 2.5 }, { v: 10 }]);
      expect(select('$[?(@.v >= 2.5)]', numbers)).toEqual([{ v: 2.5 }, { v: 10 }]);
      expect(select('$[?(@.v < 10)]', numbers)).toEqual([{ v: 1 }, { v: 2.5 }]);
      expect(select('$[?(@.v <= -1.5e1)]', [{ v: -20 }, { v: -15 }, { v: 0 }])).toEqual([{ v: -20 }, { v: -15 }]);
      expect(select('$[?(2 < @.v)]', numbers)).toEqual([{ v: 2.5 }, { v: 10 }]);
    });

    it('orders a boolean against a number as Newtonsoft does (a non-zero number converts to true)', () => {
      expect(select('$[?(@.v >= 1)]', [{ v: true }, { v: false }])).toEqual([{ v: true }]);
    });

    it("equates floats within Newtonsoft's tolerance", () => {
      expect(select('$[?(@.v == 0.3)]', [{ v: 0.1 + 0.2 }])).toEqual([{ v: 0.1 + 0.2 }]);
    });

    it('compares strings ordinally and case-sensitively', () => {
      const words = [{ w: 'B' }, { w: 'a' }, { w: 'b' }];

      expect(select("$[?(@.w == 'b')]", words)).toEqual([{ w: 'b' }]);
      expect(select("$[?(@.w < 'a')]", words)).toEqual([{ w: 'B' }]);
      expect(select("$[?(@.w >= 'a')]", words)).toEqual([{ w: 'a' }, { w: 'b' }]);
    });

    it('matches true, false and null literals by kind', () => {
      expect(select('$[?(@.v == true)]', values)).toEqual([{ v: true }]);
      expect(select('$[?(@.v == false)]', values)).toEqual([]);
      expect(select('$[?(@.v == null)]', values)).toEqual([{ v: null }]);
    });

    it('never equates values of different kinds', () => {
      expect(select("$[?(@.v == '1')]", values)).toEqual([]);
      expect(select("$[?(@.v == 'true')]", values)).toEqual([]);
      expect(select('$[?(@.v == 0)]', [{ v: false }, { v: null }, { v: '' }])).toEqual([]);
      expect(select('$[?(@.v === 1)]', [{ v: 1 }, { v: '1' }])).toEqual([{ v: 1 }]);
      expect(select("$[?(@.v !== '1')]", [{ v: 1 }, { v: '1' }])).toEqual([{ v: 1 }]);
    });

    it('selects with != every present value that differs, objects and arrays included, but not a missing member', () => {
      expect(select('$[?(@.v != 1)]', values)).toEqual(values.slice(1, 7));
      expect(select('$[?(@.v <> 1)]', values)).toEqual(values.slice(1, 7));
    });

    it('never orders or equates objects and arrays', () => {
      expect(select('$[?(@.v > 0)]', [{ v: { o: 1 } }, { v: [1] }])).toEqual([]);
      expect(select('$[?(@.v == 1)]', [{ v: [1] }])).toEqual([]);
    });

    it('orders null before every value, as JValue.CompareTo does', () => {
      expect(select('$[?(@.v < 5)]', [{ v: null }, { v: 6 }, { v: 4 }])).toEqual([{ v: null }, { v: 4 }]);
      expect(select('$[?(@.v > null)]', [{ v: null }, { v: 0 }])).toEqual([{ v: 0 }]);
      expect(select('$[?(@.v >= null)]', [{ v: null }])).toEqual([{ v: null }]);
    });

    it('converts a string to the number it is compared with, as Newtonsoft does', () => {
      const people = [{ age: '26' }, { age: '2' }];

      expect(select('$[?(@.age > 3)]', people)).toEqual([{ age: '26' }]);
      expect(select("$[?(@.age > '3')]", [{ age: 26 }, { age: 2 }])).toEqual([{ age: 26 }]);
      expect(select('$[?(@.v < 10.5)]', [{ v: ' 1,000.5 ' }, { v: '9.5' }])).toEqual([{ v: '9.5' }]);
      expect(select("$[?(@.ok == true && @.ok >= 'TRUE')]", [{ ok: true }])).toEqual([{ ok: true }]);
    });

    it('fails like Newtonsoft when an ordering comparison meets a string that does not convert', () => {
      const expression = compileJsonPath('$..[?(@.v > 50)]');

      expect(() => expression.matches([{ v: 'n/a' }])).toThrow(ExpressionEvaluationError);
      expect(() => expression.matches([{ v: '72.5' }])).toThrow(/not an integer/);
      expect(expression.matches([{ v: '72' }])).toEqual([{ v: '72' }]);
    });

    it('hands on the tokens selected before the failing one, in the depth-first order Newtonsoft yields them', () => {
      // Each checked on Mono with Newtonsoft.Json 13.0.3, enumerating SelectTokens until it threw.
      const before = (path: string, data: unknown): unknown => {
        try {
          compileJsonPath(path).matches(data);
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionEvaluationError);
          return (error as ExpressionEvaluationError).matchesBefore;
        }
        return 'no failure';
      };

      expect(before('$.r[?(@.v > 50)]', { r: [{ v: 60 }, { v: 'n' }, { v: 70 }] })).toEqual([{ v: 60 }]);
      expect(before('$.a[*].b[?(@.v > 1)]', { a: [{ b: [{ v: 2 }, { v: 'x' }] }, { b: [{ v: 3 }] }] })).toEqual([
        { v: 2 },
      ]);
      // The later steps of an earlier token run before the filter tests the next one.
      const a = [{ b: [{ v: 2 }, { v: 5 }] }, { b: [{ v: 3 }] }, { c: 1, b: [{ v: 'q' }] }];
      expect(before('$.a[?(@.b[0].v > 2)].b[0]', { a })).toEqual([{ v: 3 }]);
      expect(before('$..[?(@.v > 1)]..x', { a: [{ v: 2, w: [{ x: 1 }] }, { v: 'q' }] })).toEqual([1]);
      // Nothing before the failure: no list.
      expect(before('$.r[?(@.v > 50)]', { r: [{ v: 'n' }, { v: 60 }] })).toBeUndefined();
    });

    it('hands on no tokens when the work bound stops the evaluation', () => {
      const data = { r: [{ v: 60 }, ...Array.from({ length: 50 }, () => ({ v: 1 })), { v: 'n' }] };

      expect(() => compileJsonPath('$.r[?(@.v > 50)]', { maxNodeVisits: 1000 }).matches(data)).toThrow(
        /not an integer/,
      );
      try {
        compileJsonPath('$.r[?(@.v > 50)]', { maxNodeVisits: 20 }).matches(data);
        expect.unreachable('the bound should stop it');
      } catch (error) {
        expect((error as Error).message).toMatch(/visited more than 20 nodes/);
        expect((error as ExpressionEvaluationError).matchesBefore).toBeUndefined();
      }
    });

    it('keeps payload values out of the conversion error message', () => {
      try {
        select('$[?(@.v > 50)]', [{ v: 'patient-secret' }]);
        expect.unreachable('the comparison should fail');
      } catch (error) {
        expect(error).toBeInstanceOf(ExpressionEvaluationError);
        expect((error as Error).message).not.toContain('patient-secret');
        expect((error as Error).message).toContain('$[?(@.v > 50)]');
      }
    });

    it('is true when any selected token compares true', () => {
      const data = [{ list: [1, 5] }, { list: [1, 2] }];

      expect(select('$[?(@.list[*] > 4)]', data)).toEqual([data[0]]);
    });

    it('reads a number directly followed by an operator (an extension: Newtonsoft needs a space)', () => {
      expect(
        select('$[?(@.a==1&&@.b==2)]', [
          { a: 1, b: 2 },
          { a: 1, b: 3 },
        ]),
      ).toEqual([{ a: 1, b: 2 }]);
    });
  });

  describe('comparisons: conversions and edge cases, as Newtonsoft.Json compares', () => {
    /** True when the string `text` converts to the value of the literal `literal` (it is both >= and <= it). */
    function convertsTo(text: string, literal: string): boolean {
      return select(`$[?(@.v >= ${literal} && @.v <= ${literal})]`, [{ v: text }]).length === 1;
    }

    it.each([
      ['7', '7'],
      ['0', '0'],
      ['9', '9'],
      ['1234567890', '1234567890'],
      ['007', '7'],
      ['+7', '7'],
      ['-7', '-7'],
      ['-0', '0'],
      [' 7 ', '7'],
      ['\t7\r', '7'],
      ['\u000b7\u000c', '7'],
      ['\n 7 \n', '7'],
      ['9223372036854775807', '9223372036854775807'],
      ['-9223372036854775808', '-9223372036854775808'],
      ['0009223372036854775807', '9223372036854775807'],
      // .NET accepts NUL characters at the very end, after any white space ("for compatibility").
      ['7\0', '7'],
      ['7 \0\0', '7'],
      [' -7\t\0', '-7'],
    ])('reads the string %j as the integer %s when compared with an integer (Int64.Parse)', (text, literal) => {
      expect(convertsTo(text, literal)).toBe(true);
    });

    it.each([
      [''],
      ['  '],
      ['+'],
      ['-'],
      ['--7'],
      ['+-7'],
      ['- 7'],
      ['7:'],
      ['/7'],
      ['7.0'],
      ['1e3'],
      ['1,000'],
      ['\b7'],
      ['7\u000e'],
      ['\u00a07'],
      ['\u00857'],
      ['\u00007'],
      ['7\0 '],
      ['7\0x'],
      ['\0'],
      ['9223372036854775808'],
      ['-9223372036854775809'],
      ['10000000000000000000'],
    ])('fails on the string %j compared with an integer, as Int64.Parse does', (text) => {
      expect(() => select('$[?(@.v > 0)]', [{ v: text }])).toThrow(/not an integer/);
    });

    it.each([
      ['2.5', '2.5'],
      ['2.05', '2.05'],
      ['2.9', '2.9'],
      ['00.5', '0.5'],
      ['.5', '0.5'],
      ['5.', '5.0'],
      ['+2.5', '2.5'],
      ['-2.5', '-2.5'],
      ['\t2.5\r', '2.5'],
      ['1,5', '15.0'],
      ['1,000.5', '1000.5'],
      ['1e3', '1000.0'],
      ['1E3', '1000.0'],
      ['1e+3', '1000.0'],
      ['2.5e-1', '0.25'],
      ['1e10', '1e10'],
      ['1e9', '1e9'],
      ['Infinity', '1e999'],
      [' Infinity ', '1e999'],
      ['-Infinity', '-1e999'],
      ['+Infinity', '1e999'],
      ['INFINITY', '1e999'],
      ['-infinity', '-1e999'],
      // The symbols are matched once the text is trimmed of any Unicode white space, U+0085 included.
      ['\u00a0Infinity\u2003', '1e999'],
      ['\u0085-Infinity\u3000', '-1e999'],
      ['2.5\0', '2.5'],
      ['2.5 \0\0', '2.5'],
      ['1e3\0', '1000.0'],
    ])('reads the string %j as the number %s when compared with a float (Double.Parse)', (text, literal) => {
      expect(convertsTo(text, literal)).toBe(true);
    });

    it.each([
      [''],
      [' '],
      ['.'],
      [',5'],
      ['5x'],
      ['2a'],
      ['2.5x'],
      ['2.5+1'],
      ['1-2'],
      ['1e'],
      ['1e+'],
      ['1e3x'],
      ['1e3+1'],
      ['\u00a05'],
      ['abc'],
      // The invariant culture's infinity is "Infinity"; "∞" is another culture's symbol.
      ['∞'],
      ['-∞'],
      ['- Infinity'],
      ['++Infinity'],
      ['+-Infinity'],
      ['-+NaN'],
      ['Infinity\0'],
      ['\ufeffInfinity'],
      ['2.5\0 '],
      ['\u00002.5'],
    ])('fails on the string %j compared with a float, as Double.Parse does', (text) => {
      expect(() => select('$[?(@.v > 0.5)]', [{ v: text }])).toThrow(/not a number/);
    });

    it.each([['NaN'], ['nan'], ['+NaN'], ['-NaN'], [' NaN\u2028']])(
      'reads the string %j as NaN, which .NET orders before every number',
      (text) => {
        expect(select('$[?(@.v < -1e999)]', [{ v: text }])).toHaveLength(1);
      },
    );

    it('orders NaN before every number, as .NET does', () => {
      const nan = [{ v: 'NaN' }];

      expect(select('$[?(@.v < 1.5)]', nan)).toEqual(nan);
      expect(select('$[?(@.v < -1e999)]', nan)).toEqual(nan);
      expect(select('$[?(@.v > 1.5)]', nan)).toEqual([]);
      expect(select('$[?(1.5 > @.v)]', nan)).toEqual(nan);
      expect(select('$[?(1.5 <= @.v)]', nan)).toEqual([]);
    });

    it.each([
      ['$[?(@.v >= 1.0000000000000002)]', 1, true],
      ['$[?(@.v > 1.0000000000000002)]', 1, false],
      ['$[?(@.v <= 1)]', 1.0000000000000002, true],
      ['$[?(@.v == 1)]', 1.0000000000000002, true],
      ['$[?(@.v == 1000000.0000000002)]', 1000000, true],
      ['$[?(@.v == 2.2e-15)]', 0, true],
      ['$[?(@.v == 2.2204460492503135e-15)]', 0, false],
      ['$[?(@.v == 0)]', 2.2204460492503135e-15, false],
      ["$[?(@.v == '2.5')]", 2.5, false],
      ["$[?(@.v != '2.5')]", 2.5, true],
    ])('%s with v = %d is %s: an integer and a float compare within Newtonsoft tolerance', (path, v, selected) => {
      expect(select(path, [{ v }])).toHaveLength(selected ? 1 : 0);
    });

    it.each([
      ['$[?(@.v > true)]', 5, true],
      ['$[?(@.v > true)]', 1, false],
      ['$[?(@.v > false)]', 1, true],
      ['$[?(@.v < true)]', 0, true],
      ['$[?(@.v < 5)]', true, false],
      ['$[?(@.v <= 0.5)]', true, true],
      ['$[?(@.v > 0)]', true, true],
      ['$[?(@.v > 0.0)]', true, true],
      ["$[?(@.v <= 'true')]", true, true],
      ["$[?(@.v > 'true')]", true, false],
      ["$[?(@.v >= 'false')]", false, true],
      ["$[?(@.v > 'false')]", true, true],
      ["$[?(@.v <= ' TRUE ')]", true, true],
      ["$[?(@.v < ' False ')]", false, false],
      ['$[?(@.v >= true)]', ' True ', true],
      ['$[?(@.v > false)]', 'false', false],
      // Boolean.Parse trims white space (Unicode's, U+0085 included) and NUL characters at both ends.
      ['$[?(@.v >= true)]', '\0true\0', true],
      ['$[?(@.v >= true)]', '\u0085TRUE\u2003', true],
      ['$[?(@.v < true)]', ' \0 false\u3000', true],
    ])('%s with v = %j is %s: booleans order false < true, other kinds convert', (path, v, selected) => {
      expect(select(path, [{ v }])).toHaveLength(selected ? 1 : 0);
    });

    it.each([
      ['$[?(@.v > true)]', 'yes'],
      ["$[?(@.v < 'maybe')]", true],
      // U+FEFF is white space to JavaScript's trim, not to .NET.
      ['$[?(@.v > true)]', '\ufefftrue'],
      ['$[?(@.v > true)]', 't\0rue'],
    ])('%s with v = %j fails: the string is not a boolean', (path, v) => {
      expect(() => select(path, [{ v }])).toThrow(/not a boolean/);
    });

    it('names the number kind a string failed to convert to', () => {
      expect(() => select('$[?(@.v > 50.5)]', [{ v: 'n/a' }])).toThrow(/not a number/);
      expect(() => select('$[?(@.v > 50)]', [{ v: 'n/a' }])).toThrow(/not an integer/);
    });

    it('converts a string against the kind of the other operand, whichever side it is on', () => {
      expect(() => select("$[?(@.v < 'abc')]", [{ v: 9 }])).toThrow(/not an integer/);
      expect(() => select("$[?(@.v < 'abc')]", [{ v: 2.5 }])).toThrow(/not a number/);
    });

    it('orders strings ordinally, equal strings neither before nor after', () => {
      const words = [{ w: 'a' }, { w: 'b' }];

      expect(select("$[?(@.w > 'a')]", words)).toEqual([{ w: 'b' }]);
      expect(select("$[?(@.w <= 'a')]", words)).toEqual([{ w: 'a' }]);
    });

    it.each([['$[?(@.v !== 1)]'], ['$[?(1 !== @.v)]'], ['$[?(0 <= @.v)]'], ['$[?(1 > @.v)]'], ['$[?(1 == @.v)]']])(
      '%s never selects an object or an array (only != is true for them)',
      (path) => {
        expect(select(path, [{ v: {} }, { v: [] }])).toEqual([]);
      },
    );

    it.each([
      ['$[?(@.a<2)]', [1]],
      ['$[?(@.a>2)]', [3]],
      ['$[?(@.a!=1)]', [2, 3]],
      ['$[?(@.b||@.c)]', [2, 3]],
      ['$[?(@.b&&@.c)]', [3]],
      ['$[?(@.a==1||@.c)]', [1, 3]],
      ['$[?(@.a == 3E0)]', [3]],
      ['$[?(@.a == 1e+0)]', [1]],
      ['$[?(@.a == 2.5e-1 || @.a == 20e-1)]', [2]],
      ['$[?(@.v == false)]', [2]],
    ])('reads the filter %s: an operator ends a path, literals keep their kind', (path, ids) => {
      const rows = [
        { id: 1, a: 1, v: 0 },
        { id: 2, a: 2, b: 1, v: false },
        { id: 3, a: 3, b: 1, c: 1 },
      ];

      expect(select(`${path}.id`, rows)).toEqual(ids);
    });

    it('reads a number with an exponent as a float, so a string compared with it converts to a float', () => {
      expect(select('$[?(@.v < 1e3)]', [{ v: '999.5' }])).toEqual([{ v: '999.5' }]);
      expect(() => select('$[?(@.v < 1000)]', [{ v: '999.5' }])).toThrow(/not an integer/);
    });

    it('selects objects and arrays with != on either side', () => {
      const containers = [{ v: {} }, { v: [] }];

      expect(select('$[?(@.v != 1)]', containers)).toEqual(containers);
      expect(select('$[?(1 != @.v)]', containers)).toEqual(containers);
    });
  });

  describe('comparisons: Int64 range, the conversion error, values that are not JSON', () => {
    it.each([['95'], ['-95'], ['99'], ['930000000000000000']])(
      'reads the string %j, shorter than Int64.MaxValue but after it in text order, as an integer in range',
      (text) => {
        expect(select(`$[?(@.v >= ${text} && @.v <= ${text})]`, [{ v: text }])).toHaveLength(1);
        expect(select('$[?(@.v > 0)]', [{ v: text }])).toHaveLength(text.startsWith('-') ? 0 : 1);
      },
    );

    it('says in the conversion error which expression failed and that Newtonsoft.Json fails there too', () => {
      expect(() => select('$[?(@.v > 50)]', [{ v: 'n/a' }])).toThrow(
        new ExpressionEvaluationError(
          "JSONPath expression '$[?(@.v > 50)]' compares a string that is not an integer with an integer " +
            '(Newtonsoft.Json fails on this comparison too).',
        ),
      );
    });

    it.each([
      ['a bigint', 10n],
      ['a symbol', Symbol('s')],
      ['a function', () => 1],
    ])('compares %s (not JSON, from a caller) like an object: only != is true', (_name, v) => {
      const data = [{ v }];

      expect(select('$[?(@.v > null)]', data)).toEqual([]);
      expect(select('$[?(@.v >= 0)]', data)).toEqual([]);
      expect(select('$[?(@.v == 1)]', data)).toEqual([]);
      expect(select('$[?(@.v != 1)]', data)).toEqual(data);
      expect(select('$[?(@.v != @.v)]', data)).toEqual(data);
    });
  });

  describe('logical operators', () => {
    const rows = [
      { id: 1, a: 1, c: 1 },
      { id: 2, a: 1, b: 1 },
      { id: 3, b: 1, c: 1 },
      { id: 4, c: 1 },
      { id: 5, a: 1 },
    ];

    function ids(path: string): unknown[] {
      return select(`${path}.id`, rows);
    }

    it('combines tests with && and ||', () => {
      expect(ids('$[?(@.a && @.b)]')).toEqual([2]);
      expect(ids('$[?(@.b || @.c)]')).toEqual([1, 2, 3, 4]);
      expect(ids('$[?(@.id > 1 && @.id < 4 && @.b)]')).toEqual([2, 3]);
    });

    it("groups a chain the Newtonsoft way: a && b || c means a && (b || c), not C's (a && b) || c", () => {
      expect(ids('$[?(@.a && @.b || @.c)]')).toEqual([1, 2]);
      expect(ids('$[?(@.b || @.c && @.a)]')).toEqual([1, 2, 3]);
      expect(ids('$[?(@.a || @.b && @.c || @.id == 4)]')).toEqual([1, 2, 3, 5]);
      expect(ids('$[?(@.c && @.a || @.b && @.id == 3)]')).toEqual([1, 3]);
    });

    it('groups with parentheses (an extension: Newtonsoft rejects them)', () => {
      expect(ids('$[?((@.a && @.b) || @.c)]')).toEqual([1, 2, 3, 4]);
      expect(ids('$[?( ( @.a ) && ( @.b || @.c ) )]')).toEqual([1, 2]);
    });
  });

  describe('syntax errors', () => {
    it.each([
      ['$.a[', 4, 'ended inside the indexer'],
      ['$.a.', 4, 'member name is missing'],
      ['$..', 3, 'member name is missing'],
      ['$.Blah[0', 8, 'ended inside the indexer'],
      ['$[]', 2, 'array index was expected'],
      [']', 0, "unexpected character ']'"],
      ['$ .Blah', 1, 'unexpected space'],
      ['$.a b', 4, "unexpected character 'b'"],
      ['[1]Blah', 3, 'after an indexer'],
      ['Blah[[0]]', 5, "unexpected character '['"],
      ["$['a", 2, 'not closed'],
      ["$['a' 'b']", 6, 'bracketed name list'],
      ["$['a\\q']", 4, "unknown escape sequence '\\q'"],
      ['$[x]', 2, "unexpected character 'x'"],
      ['$[99999999999]', 2, '32-bit'],
      ['$[?@.a]', 3, "'(' was expected"],
      ['$[?(@.a', 7, 'ended inside a filter'],
      ['$[?(@.a)', 8, "']' was expected"],
      ['$[?(@.a ||)]', 10, "unexpected character ')'"],
      ['$[?(@.a |)]', 8, "unexpected character '|'"],
      ['$[?(@.a = 1)]', 8, 'comparison operator'],
      ['$[?(@.a @.b)]', 8, 'comparison operator'],
      ['$[?(@.a == 1 & @.b)]', 13, "unexpected character '&'"],
      ['$[?(@.)]', 6, 'member name is missing'],
      ['$[?(@.a == "x")]', 11, 'double-quoted strings'],
      ['$[?(@.a == abc)]', 11, "unexpected character 'a'"],
      ['$[?(@.a == 1x)]', 11, 'invalid number'],
      ['$[?(@.a == -)]', 11, 'a number was expected'],
      ['.', 1, "a member name is missing after '.'"],
      ['$.a.', 4, "a member name is missing after '.'"],
      ['$..', 3, "a member name is missing after '..'"],
      ["$['a', b]", 7, 'the quoted text is not closed'],
      ["$['a',", 6, 'the expression ended inside a bracketed name list'],
      ["$['a'", 5, 'the expression ended inside a bracketed name list'],
      ["$['a\\", 2, 'not closed'],
      ['$[*x]', 3, "']' was expected after '*'"],
      ['$[1,2 x]', 6, "unexpected character 'x' in an indexer"],
      ['$[1 2]', 4, "unexpected character '2' after a space in an indexer"],
      ['$[1-2]', 3, "unexpected character '-' in an index"],
      ['$[1:2:0:0]', 8, 'a slice step cannot be zero'],
      ['$[1:-2,3]', 4, 'negative array indexes are not supported'],
      ['$[1:2:0]', 6, 'a slice step cannot be zero'],
      ['$[,1]', 2, 'an array index was expected'],
      ['$[1,]', 4, 'an array index was expected'],
      ['$[-]', 3, "digits were expected after '-'"],
      ['$[2147483648]', 2, '32-bit'],
      ['$[-2147483649:]', 2, '32-bit'],
      ['$[?((@.a)', 9, 'the expression ended inside a filter'],
      ['$[?(@.a == ', 11, 'the expression ended inside a filter'],
      ['$[?(@.a == /x)]', 11, 'the regular expression is not closed'],
      ['$[?(@.a =~ /(x)\\1/)]', 15, 'back references (which need backtracking) are not supported here'],
      ['$[?(@.a =~ /(?=x)/)]', 12, 'lookahead (which needs backtracking) is not supported here'],
      ['$[?(@.a =~ /x**/)]', 14, 'Nested quantifier'],
      ['$[?(@.a =~ /[z-a]/)]', 13, '[x-y] range in reverse order'],
      ["$[?(@.a =~ 'x')]", 11, 'a regular expression is written /pattern/flags'],
      ['$[?(@.a == 1e)]', 13, 'digits were expected in the exponent'],
      ['$[?(@.a == 1e+)]', 14, 'digits were expected in the exponent'],
      ['$[?(@.a == 1.2.3)]', 11, 'invalid number'],
      ['$[?(@.a == 1A)]', 11, 'invalid number'],
      ['$[?(@.a == 1Z)]', 11, 'invalid number'],
      ['$[?(@.a == 1a)]', 11, 'invalid number'],
      ['$[?(@.a == 1z)]', 11, 'invalid number'],
      ['$[?(@.a == 1_)]', 11, 'invalid number'],
      ['$[?(@.a == 1@.b)]', 11, 'invalid number'],
      ["$[?(@.a == 1'x')]", 11, 'invalid number'],
      ['$[?(@.a == 1])]', 11, 'invalid number'],
      ['$[?(@.a ~ 1)]', 8, "unexpected character '~' in a filter (a comparison operator"],
    ])('rejects %s at position %i', (path, position, reason) => {
      const error = syntaxErrorOf(path);

      expect(error.position).toBe(position);
      expect(error.message).toContain(reason);
      expect(error.message).toContain(`'${path}'`);
      expect(error.message).toContain(`position ${position}`);
    });

    it('reports TemplateExpression, the MedTech error name for a bad expression', () => {
      const error = syntaxErrorOf('$.a[');

      expect(error.name).toBe('TemplateExpression');
      expect(error.stage).toBe('Normalization');
    });

    it('points a function call written in JSONPath to the JmesPath language', () => {
      const hint = 'it reads as a function call, and functions (add(), divide(), fromUnixTimestamp()…) are JMESPath';
      for (const [path, position] of [
        ['divide($.Body.weightKg, multiply($.Body.heightMeters, $.Body.heightMeters))', 7],
        [' add ($.matchedToken.heartRate, `2`)', 5],
        ['fromUnixTimestamp(matchedToken.time)', 18],
      ] as const) {
        const error = syntaxErrorOf(path);
        expect(error.position, path).toBe(position);
        expect(error.message, path).toContain(hint);
        expect(error.message, path).toContain('"language": "JmesPath"');
      }
      // Other syntax errors, and a member read with Newtonsoft's parenthesized index, get no such hint.
      for (const path of ['$.divide(', 'a b(', '$[x]']) {
        expect(syntaxErrorOf(path).message, path).not.toContain('function call');
      }
      expect(compileJsonPath('a(1)').matches({ a: [10, 20] })).toEqual([20]);
    });

    it('reads =~ as a .NET regular expression test, as Newtonsoft does', () => {
      const books = [{ title: 'Sword of Honour' }, { title: 'sword' }, { title: 'Moby Dick' }, { title: 7 }];

      expect(compileJsonPath('$[?(@.title =~ /^.*Sword.*$/)]').matches(books)).toEqual([books[0]]);
      expect(compileJsonPath('$[?(@.title =~ /sword/i)]').matches(books)).toEqual([books[0], books[1]]);
      // The pattern may come from the data, as a /pattern/flags string.
      const data = { re: '/^m/i', items: books };
      expect(compileJsonPath('$.items[?(@.title =~ $.re)]').matches(data)).toEqual([books[2]]);
    });

    it('rejects filters nested deeper than the parser accepts instead of exhausting the stack', () => {
      const path = `$${'[?(@'.repeat(40)}${')]'.repeat(40)}`;

      expect(syntaxErrorOf(path).message).toContain('nested deeper');
      expect(() => compileJsonPath(`$${'[?(@'.repeat(10)}${')]'.repeat(10)}`)).not.toThrow();
      expect(syntaxErrorOf(`$[?(${'('.repeat(100)}@.a${')'.repeat(100)})]`).message).toContain('nested deeper');
    });

    it.each([
      ['$.x<y', [1]],
      ['$.x=y!z>w|v&u', [2]],
      ['$.a\t', [1]],
      ['$.\ta', [4]],
      ["$['a\\bb']", [5]],
      ["$['a\\tb']", [6]],
      ["$['a\\nb']", [7]],
      ["$['a\\fb']", [8]],
      ["$['a\\rb']", [9]],
      ["$['a\\\\b']", [10]],
      ["$['a\\\"b']", [11]],
      ["$['a\\'b']", [12]],
      ["$['a\\/b']", [13]],
      ['$.list[* ]', [1, 2, 3]],
      ['$.list[0: 2]', [1, 2]],
      ['$.list[0:3:2 ]', [1, 3]],
      ['$.list[0:3: 2]', [1, 3]],
      ['$.list[2147483647]', []],
      ['$.list[-2147483648:]', [1, 2, 3]],
      ['$.list[-2147483647:]', [1, 2, 3]],
    ])('reads %j as Newtonsoft.Json does', (path, expected) => {
      const data = {
        a: 1,
        'x<y': 1,
        'x=y!z>w|v&u': 2,
        '\ta': 4,
        'a\bb': 5,
        'a\tb': 6,
        'a\nb': 7,
        'a\fb': 8,
        'a\rb': 9,
        'a\\b': 10,
        'a"b': 11,
        "a'b": 12,
        'a/b': 13,
        list: [1, 2, 3],
      };

      expect(select(path, data)).toEqual(expected);
    });

    it('limits nesting, not the number of filters or groups one after another', () => {
      const nested = (depth: number): string => `$${'[?(@'.repeat(depth)}${')]'.repeat(depth)}`;

      expect(() => compileJsonPath(nested(32))).not.toThrow();
      expect(syntaxErrorOf(nested(33)).message).toContain('nested deeper than 32');
      expect(select(`$${'[?(@.a)]'.repeat(40)}`, [{ a: 1 }])).toEqual([]);
      expect(select(`$[?(${Array(40).fill('(@.a)').join(' && ')})]`, [{ a: 1 }, { b: 1 }])).toEqual([{ a: 1 }]);
    });

    it('accepts leading and trailing spaces around the path', () => {
      expect(select('', { a: 1 })).toEqual([{ a: 1 }]);
      expect(select('   ', { a: 1 })).toEqual([{ a: 1 }]);
      expect(select(' $.a ', { a: 1 })).toEqual([1]);
      expect(select('$.a  ', { a: 1 })).toEqual([1]);
    });
  });

  describe('constants in filters', () => {
    // Newtonsoft compares a constant with a constant, or a constant on the left with the token's value.
    it.each([
      ['$.a[?(1 == 1)]', [1, 2, 3]],
      ['$.a[?(1 == 2)]', []],
      ['$.a[?(2 < @)]', [3]],
      ["$.a[?('x' != @)]", [1, 2, 3]],
    ])('%s selects %j from [1, 2, 3]', (source, expected) => {
      expect(compileJsonPath(source).matches({ a: [1, 2, 3] })).toEqual(expected);
    });
  });

  it.each(['$..*', '$..a', '$[*]', '$..[?(@ == 1)]', '$.a[0,1]'])('%s selects nothing in undefined data', (source) => {
    expect(compileJsonPath(source).matches(undefined)).toEqual([]);
  });

  describe('work bound', () => {
    // One visit per step applied to a token and one per child it walks: exactly that many passes, one fewer fails.
    it.each([
      ["$['a','b']", { a: 1, b: 2 }, 1],
      ['$.a.*', { a: { x: 1, y: 2 } }, 4],
      ['$.a[0,1]', { a: [1, 2] }, 2],
      ['$.a[*]', { a: [1, 2, 3] }, 5],
      ['$.a[0:2]', { a: [1, 2, 3] }, 4],
      ['$.a[?(@ > 1)]', { a: [1, 2, 3] }, 8],
      ['$..b', { a: { b: 1 }, c: [2] }, 5],
      ["$..['b','c']", { a: { b: 1 }, c: [2] }, 5],
      ['$..*', { a: { b: 1 }, c: [2] }, 5],
      ['$..[?(@.b == 1)]', { a: { b: 1 }, c: [2] }, 10],
    ])('%s on %j needs exactly %i node visits', (source, data, visits) => {
      expect(() => compileJsonPath(source, { maxNodeVisits: visits }).matches(data)).not.toThrow();
      expect(() => compileJsonPath(source, { maxNodeVisits: visits - 1 }).matches(data)).toThrow(
        ExpressionEvaluationError,
      );
    });

    it('exports the default bound of one million node visits', () => {
      expect(JSONPATH_MAX_NODE_VISITS).toBe(1_000_000);
    });

    it('stops an evaluation that visits more nodes than allowed, naming the expression but no data', () => {
      const expression = compileJsonPath('$..*', { maxNodeVisits: 100 });
      const small = Array.from({ length: 20 }, (_, i) => i);
      const large = Array.from({ length: 200 }, () => 'secret-value');

      expect(expression.matches(small)).toHaveLength(21);
      try {
        expression.matches(large);
        expect.unreachable('the bound should stop the evaluation');
      } catch (error) {
        expect(error).toBeInstanceOf(ExpressionEvaluationError);
        expect((error as Error).message).toContain("'$..*'");
        expect((error as Error).message).toContain('100');
        expect((error as Error).message).not.toContain('secret-value');
      }
    });

    it('starts each evaluation with a fresh budget', () => {
      const expression = compileJsonPath('$..*', { maxNodeVisits: 100 });
      const data = Array.from({ length: 40 }, (_, i) => i);

      for (let i = 0; i < 5; i++) {
        expect(expression.matches(data)).toHaveLength(41);
      }
    });

    it('stops a cubic expression on a moderately deep document at the default bound', () => {
      let chain: unknown = { leaf: 1 };
      for (let i = 0; i < 2000; i++) {
        chain = { child: chain };
      }

      expect(() => compileJsonPath('$..*..*..*').matches(chain)).toThrow(ExpressionEvaluationError);
    });

    it('counts the work of filters, so a union that multiplies tokens is bounded too', () => {
      const path = `$${"['a','a','a','a']".repeat(12)}`;
      let data: unknown = 1;
      for (let i = 0; i < 12; i++) {
        data = { a: data };
      }

      expect(() => compileJsonPath(path).matches(data)).toThrow(/visited more than 1000000 nodes/);
    });

    it('counts every pair a comparison of two paths tests, so two long lists are bounded too', () => {
      const expression = compileJsonPath('$[?(@.a[*] == @.b[*])]', { maxNodeVisits: 1_000 });
      const pairs = (n: number): unknown => [{ a: Array<number>(n).fill(0), b: Array<number>(n).fill(1) }];

      expect(expression.matches(pairs(10))).toEqual([]);
      // 100 × 100 pairs, none equal: 10,000 comparisons for about 200 nodes visited.
      expect(() => expression.matches(pairs(100))).toThrow(/visited more than 1000 nodes/);
    });
  });

  describe('deep documents', () => {
    function nest(depth: number): unknown {
      let node: unknown = { leaf: 'bottom', heartRate: 60 };
      for (let i = 0; i < depth; i++) {
        node = { child: node };
      }
      return node;
    }

    it('scans a 100,000-deep document without overflowing the stack', () => {
      const deep = nest(100_000);

      expect(select('$..leaf', deep)).toEqual(['bottom']);
      expect(select('$..[?(@heartRate)].leaf', deep)).toEqual(['bottom']);
      expect(select('$..*', deep)).toHaveLength(100_003);
    });

    it('fails with an evaluation error, not a RangeError, when a long path follows data as deep', () => {
      // 20,000 steps (a 40 KB expression), each a call deeper: the stack ran out and a RangeError escaped.
      const path = `$${'.child'.repeat(20_000)}.*`;

      expect(() => compileJsonPath(path).matches(nest(20_000))).toThrow(ExpressionEvaluationError);
      expect(() => compileJsonPath(path).matches(nest(20_000))).toThrow(/nested too deeply/);
      expect(compileJsonPath(path).matches(nest(10))).toEqual([]);
    });

    it('scans a 100,000-deep array nesting without overflowing the stack', () => {
      let node: unknown = [{ heartRate: 1 }];
      for (let i = 0; i < 100_000; i++) {
        node = [node];
      }

      expect(select('$..heartRate', node)).toEqual([1]);
    });
  });
});

describe('compileJsonPath: one member lookup on every evaluation path', () => {
  class Sample {
    constructor(readonly value: number) {}
  }
  Object.defineProperty(Sample.prototype, 'inherited', { value: 'from the prototype', enumerable: false });

  it('reads own members named like Object.prototype members in a general step, never inherited ones', () => {
    const list = JSON.parse('[{"constructor": 1}, {}, {"__proto__": 2}]') as unknown;

    expect(select('$[*].constructor', list)).toEqual([1]);
    expect(select("$[*]['__proto__']", list)).toEqual([2]);
    expect(select("$[*]['constructor','__proto__']", list)).toEqual([1, 2]);
    expect(select('$.*.toString', { a: {}, b: { toString: 'own' } })).toEqual(['own']);
  });

  it('reads a member of a class instance in a general step as a plain path reads it', () => {
    const data = { one: new Sample(1) };

    expect(select('$.one.inherited', data)).toEqual(['from the prototype']);
    expect(select('$.*.inherited', data)).toEqual(['from the prototype']);
    expect(select('$.*.value', data)).toEqual([1]);
  });

  it('follows a two-step plain path through own members only when the first is an Object.prototype name', () => {
    const parsed = JSON.parse('{"__proto__": {"inherited": 1}, "constructor": {"name": "own"}}') as unknown;

    expect(select('$.__proto__.inherited', new Sample(1))).toEqual([]);
    expect(select('$.constructor.name', new Sample(1))).toEqual([]);
    expect(select('$.__proto__.inherited', parsed)).toEqual([1]);
    expect(select('$.constructor.name', parsed)).toEqual(['own']);
  });

  it('follows an index then a member, at the root and inside a filter', () => {
    const data = [{ a: 1 }, { a: 2 }];

    expect(select('$[0].a', data)).toEqual([1]);
    expect(select('$[1].a', data)).toEqual([2]);
    expect(select('$[2].a', data)).toEqual([]);
    expect(select('$[?(@[0].a)]', [data, [{ b: 1 }], [5]])).toEqual([data]);
  });

  it('selects what a $.. filter that is not a test of member paths accepts', () => {
    const data = { a: [1, 2], b: { a: [] }, c: [[3]], d: { a: { x: 1 } } };

    expect(select('$..[?(@)]', data)).toEqual([
      data,
      data.a,
      1,
      2,
      data.b,
      data.b.a,
      data.c,
      data.c[0],
      3,
      data.d,
      data.d.a,
      1,
    ]);
    expect(select('$..[?(@[0])]', data)).toEqual([data.a, data.c, data.c[0]]);
    expect(select('$..[?(@.a[*])]', data)).toEqual([data]);
    expect(select('$..[?(@[0] || @.x)]', data)).toEqual([data.a, data.c, data.c[0], data.d.a]);
  });
});

describe('compileJsonPath: odd forms Newtonsoft.Json accepts, read as its JPath parser reads them', () => {
  describe('the start and the end of a path (ParseMain, ParsePath)', () => {
    it('reads $ followed by spaces only as the member "$", not the root', () => {
      // ParseMain moves past `$` only before `.` or `[`; otherwise `$` starts a member name, which a space ends.
      expect(select('$ ', { $: 5, a: 1 })).toEqual([5]);
      expect(select('$   ', { $: 5, a: 1 })).toEqual([5]);
      expect(select('$ ', { a: 1 })).toEqual([]);
    });

    it('keeps leading spaces in a first member that does not start with $., $[ ', () => {
      // The first member name starts at position 0, before the spaces ParseMain skipped.
      const data = { ' a': 1, a: 2, ' ': { b: 3 }, b: 4, ' $': 5, '  $': 6, $: 7 };

      expect(select(' a', data)).toEqual([1]);
      expect(select(' .b', data)).toEqual([3]);
      expect(select(' [0]', { ' ': [8], 0: 9 })).toEqual([8]);
      expect(select(' $ ', data)).toEqual([5]);
      expect(select('  $ ', data)).toEqual([6]);
      expect(select(' $.a', data)).toEqual([2]);
      expect(select("  $['a']", data)).toEqual([2]);
    });

    it('ignores a dot or a scan followed by spaces only at the end of the path', () => {
      // ParsePath rejects a missing name after a dot only at the very end (or in a filter), not before a space.
      expect(select('$.a. ', { a: 1 })).toEqual([1]);
      expect(select('$.a..  ', { a: 1 })).toEqual([1]);
      expect(select('$. ', { a: 1 })).toEqual([{ a: 1 }]);
      expect(select('$[0]. ', [1])).toEqual([1]);
      expect(syntaxErrorOf('$.a.').position).toBe(4);
      expect(syntaxErrorOf('$.a. x').position).toBe(5);
      expect(syntaxErrorOf('$[?(@.a. == 1)]').message).toContain('member name is missing');
    });

    it(".NET's white space, not JavaScript's, is trimmed from the end of the last member name", () => {
      // String.TrimEnd() trims U+0085 (NEXT LINE) but not U+FEFF (the byte-order mark); JavaScript does the opposite.
      expect(select('$.a\u0085', { a: 1 })).toEqual([1]);
      expect(select('$.a\uFEFF', { a: 1, 'a\uFEFF': 2 })).toEqual([2]);
      expect(select('$.a\u3000', { a: 1 })).toEqual([1]);
    });
  });

  describe('indexers (ParseArrayIndexer)', () => {
    const digits = [1, 2, 3, 4];

    it('lets a fourth slice part replace the step, a zero step included', () => {
      expect(select('$[1:2:3:4]', digits)).toEqual([2]);
      expect(select('$[0:4:1:2]', digits)).toEqual([1, 3]);
      expect(select('$[0:4:0:1]', digits)).toEqual(digits);
      expect(select('$[:::]', digits)).toEqual(digits);
      expect(select('$[::-1:]', digits)).toEqual([4, 3, 2, 1]);
    });

    it('ends a slice with an index list: the list keeps the parts after commas and the last part', () => {
      expect(select('$[1,2:3]', digits)).toEqual([2, 4]);
      expect(select('$[1:2,3]', digits)).toEqual([3, 4]);
      expect(select('$[0, 1:3]', digits)).toEqual([1, 4]);
    });

    it('reads * after anything in the brackets as the wildcard', () => {
      for (const path of ['$[1,*]', '$[1*]', '$[1 *]', '$[1:*]', '$[-*]', '$[::*]', '$[1, * ]']) {
        expect(select(path, digits)).toEqual(digits);
      }
    });

    it('reads -0 as the index 0', () => {
      expect(select('$[-0]', digits)).toEqual([1]);
      expect(select('$[-0,1]', digits)).toEqual([1, 2]);
    });
  });

  describe('name lists (ParseQuotedField)', () => {
    it('takes any character after a comma for the opening quote of the next name', () => {
      // ReadQuotedString steps over its first character without looking at it.
      const data = { a: 1, b: 2, '': 3 };

      expect(select("$['a',b']", data)).toEqual([1, 3]);
      expect(select("$['a',xb']", data)).toEqual([1, 2]);
      expect(select("$['a', xb' ]", data)).toEqual([1, 2]);
      expect(select("$..['a',xb']", { c: data })).toEqual([1, 2]);
    });
  });

  describe('filter terms (ParseExpression)', () => {
    const rows = [
      { id: 1, a: 1 },
      { id: 2, a: 2, b: 1 },
      { id: 3, b: 1 },
    ];

    function ids(path: string): unknown[] {
      return select(`${path}.id`, rows);
    }

    it('forgets a comparison directly followed by another term, as Newtonsoft does', () => {
      // ParseExpression reads on when no '&&', '||' or ')' follows a comparison; the comparison joins no group.
      expect(ids('$[?(@.a == 1 @.b)]')).toEqual([2, 3]);
      expect(ids('$[?(@.a == 9 true)]')).toEqual([1, 2, 3]);
      expect(ids("$[?(@.a == 1 'x' == @.b)]")).toEqual([]);
      expect(ids('$[?(@.a == 2 && @.a == 1 @.b)]')).toEqual([2]);
      expect(ids('$[?(@.a == 1 || @.a == 5 @.b)]')).toEqual([1, 2, 3]);
      expect(ids('$[?(@.id == true@.a)]')).toEqual([1, 2]);
    });
  });

  describe('numbers in filters (TryParseValue)', () => {
    const values = [0.5, 1, 2, 1000.5, 1500];

    it('reads the text up to a space or ) as .NET parses a double when it holds ., e or E', () => {
      // Double.TryParse with NumberStyles.Float | AllowThousands: no digit before the point, group separators.
      expect(select('$[?(@ == -.5)]', [-0.5, 0.5])).toEqual([-0.5]);
      expect(select('$[?(@ > -.5)]', [-1, 0])).toEqual([0]);
      expect(select('$[?(@ == 1,000.5)]', values)).toEqual([1000.5]);
      expect(select('$[?(@ == 1,5e2)]', values)).toEqual([1500]);
      expect(select('$[?(@ == 1,0e-1)]', values)).toEqual([1]);
      expect(select('$[?(@ == 2.)]', values)).toEqual([2]);
      expect(select('$[?(@ == 5e-1)]', values)).toEqual([0.5]);
    });

    it('still rejects what .NET does not parse as an Int64 or a double', () => {
      expect(syntaxErrorOf('$[?(@ == 1,000)]').position).toBe(9);
      expect(syntaxErrorOf('$[?(@ == ,5)]').position).toBe(9);
      expect(syntaxErrorOf('$[?(@ == -.)]').position).toBe(9);
    });
  });

  describe('regular expression literals without =~ (ReadRegexString)', () => {
    it('reads /pattern/flags as that text, compared as a string (no regular expression runs)', () => {
      const rows = [{ v: '/p/' }, { v: 'p' }, { v: '/a\\/b/gi' }];

      expect(select('$[?(@.v == /p/)]', rows)).toEqual([rows[0]]);
      expect(select('$[?(@.v != /p/)]', rows)).toEqual([rows[1], rows[2]]);
      expect(select('$[?(@.v == /a\\/b/gi)]', rows)).toEqual([rows[2]]);
      expect(select('$[?(/p/ == @.v)]', rows)).toEqual([rows[0]]);
      expect(select('$[?(/p/)]', rows)).toEqual(rows);
    });
  });
});
