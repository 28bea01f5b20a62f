/**
 * Number kinds in JMESPath expressions over a message, as JmesPath.Net (MedTech) reads a body: a number written `1.0`
 * is a float and `1` an integer, a 17-digit integer keeps its digits. Each expected value is what MedTech's functions
 * on JmesPath.Net gave for the same expression and data (tools/dotnet-oracle, JmesPathCases).
 */
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import { bodyEvent, calculatedValuesOf, deviceMappingOf, leastPassingBound } from '../../support/deviceMappings.js';

/** The `v` values of the measurements a JMESPath template makes of a body with `readings`, and the error names. */
function normalize(
  typeMatch: string,
  value: string,
  readings: string,
  wholeBody?: string,
): { values: string[]; errors: string[] } {
  const template = {
    typeName: 'hr',
    defaultExpressionLanguage: 'JmesPath',
    typeMatchExpression: typeMatch,
    deviceIdExpression: 'Body.deviceId',
    timestampExpression: 'Body.ts',
    values: [{ valueName: 'v', valueExpression: value, required: true }],
  };
  return calculatedValuesOf(
    template,
    wholeBody ?? `{"deviceId":"d1","ts":"2023-03-13T22:46:01Z","readings":${readings}}`,
  );
}

describe('number kinds of the message in JMESPath expressions', () => {
  it.each([
    ['to_string(matchedToken.a)', '[{"a":1.0}]', '1.0'],
    ['to_string(matchedToken.a)', '[{"a":1e3}]', '1000.0'],
    ['to_string(matchedToken.a)', '[{"a":1}]', '1'],
    ['to_string(matchedToken)', '[{"a":1.0,"b":[2,2.0]}]', '{"a":1.0,"b":[2,2.0]}'],
    ['to_string(matchedToken.d)', '[{"d":123456789012345678}]', '123456789012345678'],
    ['add(matchedToken.d, `1`)', '[{"d":123456789012345678}]', '123456789012345679'],
    ['to_string(add(matchedToken.a, `1`))', '[{"a":1.0}]', '2.0'],
    ['to_string(max(matchedToken.b))', '[{"b":[2,1.5]}]', '2.0'],
    ['to_string(matchedToken.a == matchedToken.b)', '[{"a":1.0,"b":1}]', 'false'],
    ['to_string(matchedToken.a == `1.0`)', '[{"a":1.0}]', 'true'],
    // Arithmetic on a whole number of the message: the same value whatever its kind, except where the kind shows.
    ['add(matchedToken.a, `1`)', '[{"a":1.0}]', '2'],
    // A double's negative zero: `-0` on .NET 8, as this project writes it (Mono, the oracle, writes `0`).
    ['multiply(matchedToken.a, `0`)', '[{"a":-3.0}]', '-0'],
    ['multiply(matchedToken.a, `0`)', '[{"a":-3}]', '0'],
    ['multiply(matchedToken.a, `1000000`)', '[{"a":1678747561.0}]', '1.678747561E+15'],
    ['multiply(matchedToken.a, `1000000`)', '[{"a":1678747561}]', '1678747561000000'],
  ])('%s on %s is %s', (value, readings, expected) => {
    const result = normalize('Body.readings[*]', value, readings);
    expect(result.errors).toEqual([]);
    expect(result.values).toEqual([expected]);
  });

  // JMESPath integer literals at the ends of .NET's long, checked on MedTech (MedTechNormalize): past them the number
  // is a BigInteger, which MedTech cannot turn into text.
  it.each([
    ['`9223372036854775807`', ['9223372036854775807'], []],
    ['`-9223372036854775808`', ['-9223372036854775808'], []],
    ['`9223372036854775808`', [], ['IncompatibleData']],
    ['`-9223372036854775809`', [], ['IncompatibleData']],
  ])('writes the literal %s as MedTech does', (value, values, errors) => {
    const result = normalize('Body.readings[*]', value, '[{"a":1}]');
    expect(result).toEqual({ values, errors });
  });

  it('tells 1.0 from 1 in a type match', () => {
    const result = normalize('Body.readings[?a == `1`]', 'matchedToken.n', '[{"a":1,"n":"int"},{"a":1.0,"n":"float"}]');
    expect(result.values).toEqual(['int']);
  });

  it('refuses a float for fromUnixTimestamp, as MedTech does, even one with a whole value', () => {
    const result = normalize(
      'Body.readings[*]',
      'to_string(fromUnixTimestamp(matchedToken.t))',
      '[{"t":1678747561.0}]',
    );
    expect(result.values).toEqual([]);
    expect(result.errors).toEqual(['IncompatibleData']);
  });

  it.each([
    [
      'a body MedTech reads that is not strict JSON',
      "{'deviceId':'d1','ts':'2023-03-13T22:46:01Z','readings':[{'a':1.0, /* c */ 'b':0x38D7EA4C68000}]}",
      '{"a":1.0,"b":1000000000000000}',
    ],
    [
      'an object whose members are kept in the message order',
      '{"deviceId":"d1","ts":"2023-03-13T22:46:01Z","readings":[{"b":1.0,"1":2}]}',
      '{"b":1.0,"1":2}',
    ],
  ])('reads the kinds of %s', (_what, body, expected) => {
    const result = normalize('Body.readings[*]', 'to_string(matchedToken)', '', body);
    expect(result.errors).toEqual([]);
    expect(result.values).toEqual([expected]);
  });

  it('keeps plain numbers in a body nested deeper than MedTech reads (MedTech refuses such a body)', () => {
    const deep = `${'['.repeat(100)}1.0${']'.repeat(100)}`;
    const result = normalize('Body.readings[*]', 'to_string(length(to_string(matchedToken.d)))', `[{"d":${deep}}]`);
    expect(result.errors).toEqual([]);
    expect(result.values).toEqual([String(201)]);
  });

  it('leaves the numbers of a body without floats written whole or long integers as they are', () => {
    const result = normalize('Body.readings[*]', 'to_string(multiply(matchedToken.a, `2`))', '[{"a":21}]');
    expect(result.values).toEqual(['42']);
  });
});

describe('the work an expression that stops for number kinds is charged', () => {
  it('is the work of one evaluation, not of the stopped one as well', () => {
    const mapping = deviceMappingOf([
      {
        templateType: 'CalculatedContent',
        template: {
          typeName: 'hr',
          defaultExpressionLanguage: 'JmesPath',
          typeMatchExpression: 'Body.readings[*]',
          deviceIdExpression: 'Body.deviceId',
          timestampExpression: 'Body.ts',
          values: [{ valueName: 'v', valueExpression: 'to_string(matchedToken.a)', required: true }],
        },
      },
    ]);
    /** The least work bound the message passes with. */
    const least = (a: string): number =>
      leastPassingBound(
        (maxWorkPerEvent) =>
          normalizeEvent(mapping, bodyEvent(`{"deviceId":"d1","ts":"2023-03-13T22:46:01Z","readings":[{"a":${a}}]}`), {
            limits: { maxWorkPerEvent },
          }).measurements.length === 1,
        10_000,
      );

    // `1.5` never stops (a fraction has one kind); `1.0` stops at to_string and runs again on the kinded body.
    expect(least('1.5')).toBeGreaterThan(1);
    expect(least('1.0')).toBe(least('1.5'));
  });
});

describe('number forms of the message in JSONPath filters', () => {
  /** The `n` of each match of a JSONPath type match over a body, and the error names and messages. */
  function matchesOf(typeMatch: string, body: string, kind: 'bytes' | 'json' = 'bytes') {
    const mapping = deviceMappingOf([
      {
        templateType: 'CalculatedContent',
        template: {
          typeName: 'hr',
          typeMatchExpression: typeMatch,
          deviceIdExpression: '$.Body.deviceId',
          timestampExpression: '$.Body.ts',
          values: [{ valueName: 'n', valueExpression: '$.matchedToken.n', required: false }],
        },
      },
    ]);
    const event = bodyEvent(body);
    const result = normalizeEvent(
      mapping,
      kind === 'bytes' ? event : { ...event, body: { kind, value: JSON.parse(body) as unknown } },
    );
    return {
      matches: result.measurements.map((m) => m.properties[0]?.value ?? '?'),
      errors: result.errors.map((e) => `${e.name}: ${e.message}`),
    };
  }
  const body = (readings: string): string => `{"deviceId":"d1","ts":"2023-03-13T22:46:01Z","r":${readings}}`;

  // Each outcome is Newtonsoft.Json's on Mono (tools/dotnet-oracle, JsonPathRandom) for the same document and path.
  it('orders a float the message writes whole against a string with a fraction, where an integer fails', () => {
    expect(matchesOf("$..[?(@.v > '2.5')]", body('[{"v":72.0,"n":"a"},{"v":1.0,"n":"b"}]'))).toEqual({
      matches: ['a'],
      errors: [],
    });
    expect(matchesOf("$..[?('2.5' < @.v)]", body('[{"v":72.0,"n":"a"}]')).matches).toEqual(['a']);
    expect(matchesOf("$..[?(@.v < '2.5')]", body('[{"v":-0.0,"n":"a"},{"v":3.0,"n":"b"}]')).matches).toEqual(['a']);
    expect(matchesOf("$..[?(@.v >= '1e2')]", body('[{"v":1e2,"n":"a"}]')).matches).toEqual(['a']);
    expect(matchesOf("$..[?(@.v[0] > '2.5')]", body('[{"v":[72.0],"n":"a"}]')).matches).toEqual(['a']);
    const integer = matchesOf("$..[?(@.v > '2.5')]", body('[{"v":72,"n":"a"}]'));
    expect(integer.matches).toEqual([]);
    expect(integer.errors).toEqual([
      expect.stringMatching(/^IncompatibleData: .*compares a string that is not an integer with an integer/),
    ]);
  });

  it('reads each number where it stands: the same value written both ways, and through a wildcard', () => {
    // Newtonsoft measures the float before it fails on the integer, as it does here.
    const both = matchesOf("$..[?(@.v > '2.5')]", body('[{"v":72.0,"n":"a"},{"v":72,"n":"b"}]'));
    expect(both.matches).toEqual(['a']);
    expect(both.errors).toEqual([expect.stringMatching(/^IncompatibleData: /)]);
    // The second matches too: its one member, the string "b", orders after '2.5'.
    expect(matchesOf("$.Body.r[?(@.* > '2.5')]", body('[{"m":1.5,"v":72.0,"n":"a"},{"n":"b"}]')).matches).toEqual([
      'a',
      'b',
    ]);
    expect(matchesOf("$.Body.r[?(@.* > '2.5')]", body('[{"v":72,"n":"a"}]')).errors).toEqual([
      expect.stringMatching(/compares a string that is not an integer with an integer/),
    ]);
  });

  it('refuses to order a boolean against an integer beyond 64 bits, but not against such a float', () => {
    const big = matchesOf('$..[?(@.v >= false)]', body('[{"v":12345678901234567890,"n":"a"}]'));
    expect(big.matches).toEqual([]);
    expect(big.errors).toEqual([
      expect.stringMatching(/^IncompatibleData: .*compares a boolean with an integer beyond 64 bits/),
    ]);
    expect(matchesOf('$..[?(@.b > @.v)]', body('[{"b":true,"v":12345678901234567890,"n":"a"}]')).errors).toEqual([
      expect.stringMatching(/compares a boolean with an integer beyond 64 bits/),
    ]);
    expect(matchesOf('$..[?(@.v >= false)]', body('[{"v":1.2345678901234567890e19,"n":"a"}]')).matches).toEqual(['a']);
  });

  it('compares integers beyond 2^53 with all the digits the message wrote', () => {
    const ids = body('[{"id":9007199254740993,"n":"a"},{"id":9007199254740992,"n":"b"}]');
    expect(matchesOf('$..[?(@.id == 9007199254740993)]', ids)).toEqual({ matches: ['a'], errors: [] });
    expect(matchesOf('$..[?(@.id < 9007199254740993)]', ids).matches).toEqual(['b']);
    expect(matchesOf("$..[?(@.id >= '9007199254740993')]", ids).matches).toEqual(['a']);
    // Up to a long's end; beyond it a BigInteger, compared exactly with a numeric string too.
    const longs = body('[{"id":9223372036854775807,"n":"a"},{"id":9223372036854775806,"n":"b"}]');
    expect(matchesOf('$..[?(@.id == 9223372036854775807)]', longs).matches).toEqual(['a']);
    const bigs = body('[{"id":18446744073709551617,"n":"a"},{"id":18446744073709551616,"n":"b"}]');
    expect(matchesOf("$..[?(@.id > '18446744073709551616')]", bigs).matches).toEqual(['a']);
    // A numeric string far longer than the BigInteger is ordered by its sign (without converting all its digits).
    const nines = '9'.repeat(500);
    const long = body(
      `[{"id":18446744073709551617,"s":"${nines}","n":"a"},{"id":18446744073709551617,"s":"-${nines}","n":"b"},` +
        `{"id":-18446744073709551617,"s":" -000${nines} ","n":"c"}]`,
    );
    expect(matchesOf('$..[?(@.id < @.s)]', long).matches).toEqual(['a']);
    expect(matchesOf('$..[?(@.s > @.id)]', long).matches).toEqual(['a']);
    // Two paths: each operand's digits.
    expect(
      matchesOf('$..[?(@.a != @.b)]', body('[{"a":9007199254740993,"b":9007199254740992,"n":"a"}]')).matches,
    ).toEqual(['a']);
  });

  it("compares whole floats from 2^51 on within Newtonsoft's tolerance, integers exactly", () => {
    // 9007199254740989.0 and 9007199254740990.0 differ by less than the tolerance (some 4 at this size).
    const floats = body('[{"a":9007199254740989.0,"b":9007199254740990.0,"n":"a"}]');
    expect(matchesOf('$..[?(@.a == @.b)]', floats).matches).toEqual(['a']);
    expect(matchesOf('$..[?(@.a < @.b)]', floats).matches).toEqual([]);
    const integers = body('[{"a":9007199254740989,"b":9007199254740990,"n":"a"}]');
    expect(matchesOf('$..[?(@.a == @.b)]', integers).matches).toEqual([]);
    expect(matchesOf('$..[?(@.a < @.b)]', integers).matches).toEqual(['a']);
    // A BigInteger against a float: exact (2^64 + 1 is above the double 2^64), and never against one not finite.
    const big = body('[{"v":18446744073709551617,"n":"a"}]');
    expect(matchesOf('$..[?(@.v > 18446744073709551616.0)]', big).matches).toEqual(['a']);
    expect(matchesOf('$..[?(@.v == 1e400)]', big).errors).toEqual([
      expect.stringMatching(/^IncompatibleData: .*an integer beyond 64 bits with a number that is not finite/),
    ]);
  });

  it('reads the forms through an operand path that holds a filter of its own', () => {
    const floats = matchesOf(
      "$.Body.r[?(@.x[?(@.v > 5)].v > '2.5')]",
      body('[{"x":[{"v":72.0}],"n":"a"},{"x":[{"v":72}],"n":"b"}]'),
    );
    // Newtonsoft measures the float, then fails on the integer.
    expect(floats.matches).toEqual(['a']);
    expect(floats.errors).toEqual([expect.stringMatching(/compares a string that is not an integer with an integer/)]);
    const ids = body('[{"x":[{"v":9007199254740993}],"n":"a"},{"x":[{"v":9007199254740992}],"n":"b"}]');
    expect(matchesOf('$.Body.r[?(@.x[?(@.v)].v == 9007199254740993)]', ids).matches).toEqual(['a']);
    expect(matchesOf('$.Body.r[?(@.x[?(@.v > 9007199254740992)].v)]', ids).matches).toEqual(['a']);
  });

  it('reads the forms of an operand whose own filter fails on a later token, which Newtonsoft never reaches', () => {
    // Newtonsoft reads the left operand token by token: 72.0 > '2.5' matches before "x" > 5 would fail.
    const later = body('[{"a":[72.0,"x"],"b":["2.5"],"n":"a"}]');
    expect(matchesOf("$.Body.r[?(@.a[?(@ > 5)] > '2.5')]", later)).toEqual({ matches: ['a'], errors: [] });
    expect(matchesOf('$.Body.r[?(@.a[?(@ > 5)] > @.b[0])]', later)).toEqual({ matches: ['a'], errors: [] });
  });

  it('finds the forms from the envelope and in a body read again in its member order', () => {
    expect(matchesOf("$..[?(@Body.v > '2.5')]", '{"deviceId":"d1","ts":"2023-03-13T22:46:01Z","v":72.0}')).toEqual({
      matches: ['?'],
      errors: [],
    });
    const ordered = '{"deviceId":"d1","ts":"2023-03-13T22:46:01Z","r":{"x":{"v":72.0,"n":"a"},"1":{"v":3.0,"n":"b"}}}';
    expect(matchesOf("$..[?(@.v > '2.5')]", ordered).matches).toEqual(['a', 'b']);
  });

  it('charges reading the forms to the message, once per tested object, not once per number', () => {
    const mapping = deviceMappingOf([
      {
        templateType: 'CalculatedContent',
        template: {
          typeName: 'hr',
          typeMatchExpression: "$.Body.r[?(@.* > '2.5')]",
          deviceIdExpression: '$.Body.deviceId',
          timestampExpression: '$.Body.ts',
          values: [],
        },
      },
    ]);
    // One object of 200 members; none orders after '2.5', so the filter tests them all.
    const members = (value: string): string => Array.from({ length: 200 }, (_, i) => `"m${i}":${value}`).join(',');
    const least = (value: string): number =>
      leastPassingBound(
        (maxWorkPerEvent) =>
          normalizeEvent(mapping, bodyEvent(body(`[{${members(value)}}]`)), { limits: { maxWorkPerEvent } }).errors
            .length === 0,
        100_000,
      );

    // 1.5 needs no form; each 1.0 does, and the object's members are read once more for all of them (206 and 407
    // units here; reading them again for each number would be some 40,000).
    const plain = least('1.5');
    expect(least('1.0')).toBeGreaterThan(plain);
    expect(least('1.0')).toBeLessThan(3 * plain);
  });

  it('compares a body that arrived parsed as its values say (its text, and so its forms, are gone)', () => {
    expect(matchesOf("$..[?(@.v > '2.5')]", body('[{"v":72.0,"n":"a"}]'), 'json').errors).toEqual([
      expect.stringMatching(/compares a string that is not an integer with an integer/),
    ]);
  });
});
