/**
 * Why we do not use the npm `jsonpath` package (1.3.x) for MedTech templates: on the cases below it disagrees with
 * Newtonsoft.Json `SelectTokens`, which is what MedTech users' templates were written and tested against
 * (docs/reference-behaviour.md §1.7). Each test pins the package's actual behaviour next to ours, so an upgrade that
 * changes it shows up here. Cases where the package agrees (no `$` prefix, `['x-y']`, name unions, slices,
 * `"72" > 50`) are not repeated.
 */
import jp from 'jsonpath';
import { describe, expect, it } from 'vitest';
import { compileJsonPath } from '../../../shared/core/expressions/jsonPath.js';

function ours(path: string, data: unknown): unknown[] {
  return compileJsonPath(path).matches(data);
}

function theirs(path: string, data: object): unknown[] {
  return jp.query(data, path);
}

describe('npm jsonpath package versus Newtonsoft semantics on MedTech-critical cases', () => {
  it('leaves the root out of $..[?(@.heartRate)], so a single-reading message matches no template', () => {
    const message = { heartRate: 78, deviceId: 'device01' };

    expect(theirs('$..[?(@.heartRate)]', message)).toEqual([]);
    expect(ours('$..[?(@.heartRate)]', message)).toEqual([message]);
  });

  it('lists $..[?()] matches out of pre-order', () => {
    const data = { v: 1, c: [{ v: 2, d: { v: 3 } }, { v: 4 }] };

    expect(theirs('$..[?(@.v)]', data)).toEqual([{ v: 2, d: { v: 3 } }, { v: 4 }, { v: 3 }]);
    expect(ours('$..[?(@.v)]', data)).toEqual([data, { v: 2, d: { v: 3 } }, { v: 3 }, { v: 4 }]);
  });

  it('rejects @heartRate without a dot, the form MedTech documentation uses', () => {
    expect(() => theirs('$..[?(@heartRate)]', { heartRate: 78 })).toThrow(/Unsafe expression/);
    expect(ours('$..[?(@heartRate)]', { heartRate: 78 })).toEqual([{ heartRate: 78 }]);
  });

  it('rejects unquoted hyphenated member names such as iothub-creation-time-utc', () => {
    const message = { Properties: { 'iothub-creation-time-utc': '2023-03-13T22:46:01Z' } };

    expect(() => theirs('$.Properties.iothub-creation-time-utc', message)).toThrow(/Lexical error/);
    expect(ours('$.Properties.iothub-creation-time-utc', message)).toEqual(['2023-03-13T22:46:01Z']);
  });

  it('tests member existence by truthiness, dropping readings of 0, false or null', () => {
    const data = [{ a: 0 }, { a: false }, { a: null }, { b: 1 }];

    expect(theirs('$[?(@.a)]', data)).toEqual([]);
    expect(ours('$[?(@.a)]', data)).toEqual([{ a: 0 }, { a: false }, { a: null }]);
  });

  it("groups a && b || c with C precedence instead of Newtonsoft's a && (b || c)", () => {
    const rows = [
      { a: 1, c: 1 },
      { a: 1, b: 1 },
      { b: 1, c: 1 },
    ];

    expect(theirs('$[?(@.a && @.b || @.c)]', rows)).toEqual(rows);
    expect(ours('$[?(@.a && @.b || @.c)]', rows)).toEqual([rows[0], rows[1]]);
  });

  it("compares with JavaScript's loose equality, so 5 == '5'", () => {
    expect(theirs("$[?(@.a == '5')]", [{ a: 5 }])).toEqual([{ a: 5 }]);
    expect(ours("$[?(@.a == '5')]", [{ a: 5 }])).toEqual([]);
  });

  it('leaves the root out of $..*', () => {
    const data = { a: [1] };

    expect(theirs('$..*', data)).toEqual([[1], 1]);
    expect(ours('$..*', data)).toEqual([data, [1], 1]);
  });

  it('applies [*] to objects, .* to arrays and [?()] to object members, which Newtonsoft does not', () => {
    expect(theirs('$[*]', { a: 1, b: 2 })).toEqual([1, 2]);
    expect(ours('$[*]', { a: 1, b: 2 })).toEqual([]);
    expect(theirs('$.*', [1, 2])).toEqual([1, 2]);
    expect(ours('$.*', [1, 2])).toEqual([]);
    expect(theirs('$[?(@.x)]', { a: { x: 1 } })).toEqual([{ x: 1 }]);
    expect(ours('$[?(@.x)]', { a: { x: 1 } })).toEqual([]);
  });

  it('scans with $..[0], which Newtonsoft reads as $[0]', () => {
    const data = { a: [1, 2], b: { c: [3] } };

    expect(theirs('$..[0]', data)).toEqual([1, 3]);
    expect(ours('$..[0]', data)).toEqual([]);
  });

  it('rejects $-rooted paths inside filters', () => {
    const data = { limit: 10, items: [{ v: 5 }, { v: 15 }] };

    expect(() => theirs('$.items[?(@.v < $.limit)]', data)).toThrow(/Unsafe expression/);
    expect(ours('$.items[?(@.v < $.limit)]', data)).toEqual([{ v: 5 }]);
  });

  it("ignores Newtonsoft's escapes in quoted names and rejects $ as the start of a name", () => {
    expect(theirs("$['it\\'s']", { "it's": 1 })).toEqual([]);
    expect(ours("$['it\\'s']", { "it's": 1 })).toEqual([1]);
    expect(() => theirs('$values[1]', { $values: [1, 2] })).toThrow(/Parse error/);
    expect(ours('$values[1]', { $values: [1, 2] })).toEqual([2]);
  });

  it('overflows the call stack on a 5,000-deep document where we scan 100,000 levels', () => {
    let deep: object = { leaf: 1 };
    for (let i = 0; i < 5000; i++) {
      deep = { child: deep };
    }

    expect(() => theirs('$..leaf', deep)).toThrow(RangeError);
    expect(ours('$..leaf', deep)).toEqual([1]);
  });
});
