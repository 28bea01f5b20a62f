/**
 * Number kinds in JMESPath expressions over a message, as JmesPath.Net (MedTech) reads a body: a number written `1.0`
 * is a float and `1` an integer, a 17-digit integer keeps its digits. Each expected value is what MedTech's functions
 * on JmesPath.Net gave for the same expression and data (tools/dotnet-oracle, JmesPathCases).
 */
import { describe, expect, it } from 'vitest';
import { calculatedValuesOf } from '../../support/deviceMappings.js';

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
