import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import { bodyEvent, deviceMappingOf } from '../../support/deviceMappings.js';

/**
 * Operations that read a whole string count its length against the message's work bound (an adversarial review made
 * single messages run for minutes with them): each case passes with a short string and a small bound, and is set aside
 * under the same bound when the string is long.
 */
const BOUND = 2_000;

function calculated(template: Record<string, unknown>): unknown {
  return {
    templateType: 'CalculatedContent',
    template: {
      typeName: 't',
      typeMatchExpression: '$..[?(@.d)]',
      deviceIdExpression: '$.matchedToken.d',
      timestampExpression: '$.matchedToken.t',
      ...template,
    },
  };
}

function outcome(template: unknown, body: Record<string, unknown>): string {
  const result = normalizeEvent(deviceMappingOf([template]), bodyEvent(JSON.stringify(body)), {
    limits: { maxWorkPerEvent: BOUND },
  });
  if (result.errors.some((e) => /units of expression work|needed more than|visited more than/.test(e.message))) {
    return 'set aside';
  }
  return result.measurements.length > 0 ? 'normalized' : `failed: ${result.errors.map((e) => e.message).join('; ')}`;
}

const base = { d: 'dev', t: '2024-01-01T00:00:00Z' };

/** The values of a template with one value `v` read by a JMESPath expression. */
function jmesPathValue(expression: string): unknown[] {
  return [{ valueName: 'v', valueExpression: { value: expression, language: 'JmesPath' } }];
}

describe('work charged for reading a whole string', () => {
  it('JMESPath to_number of a long digit string', () => {
    const template = calculated({
      values: jmesPathValue('to_number(matchedToken.s)'),
    });
    expect(outcome(template, { ...base, s: '12' })).toBe('normalized');
    expect(outcome(template, { ...base, s: '1'.repeat(20_000) })).toBe('set aside');
  });

  it('JMESPath max_by with a long string key', () => {
    const template = calculated({
      values: jmesPathValue('max_by(matchedToken.a, &k).k'),
    });
    expect(outcome(template, { ...base, a: [{ k: '1' }, { k: '2' }] })).toBe('normalized');
    expect(outcome(template, { ...base, a: [{ k: '1' }, { k: '2'.repeat(20_000) }] })).toBe('set aside');
  });

  it('JMESPath contains on a long string, by its length times the searched text', () => {
    const template = calculated({
      values: jmesPathValue("contains(matchedToken.s, 'aab')"),
    });
    expect(outcome(template, { ...base, s: 'a'.repeat(1_000) })).toBe('normalized');
    expect(outcome(template, { ...base, s: 'a'.repeat(20_000) })).toBe('set aside');
  });

  it('a JSONPath comparison of a long string with a number', () => {
    const template = calculated({
      typeMatchExpression: '$..[?(@.s > 0)]',
      values: [{ valueName: 'v', valueExpression: '$.matchedToken.d' }],
    });
    expect(outcome(template, { ...base, s: '5' })).toBe('normalized');
    expect(outcome(template, { ...base, s: '5'.repeat(20_000) })).toBe('set aside');
  });

  it('a JSONPath comparison of two constants, for every token it tests', () => {
    const tests = Array.from({ length: 50 }, () => "'x' == 'x'").join(' && ');
    const template = calculated({
      typeMatchExpression: `$..[?(${tests} && @.d)]`,
      values: [{ valueName: 'v', valueExpression: '$.matchedToken.d' }],
    });
    expect(outcome(template, base)).toBe('normalized');
    expect(outcome(template, { ...base, pad: Array.from({ length: 100 }, () => ({ x: 1 })) })).toBe('set aside');
  });

  it('JMESPath starts_with and ends_with on long strings', () => {
    for (const call of ['starts_with(matchedToken.s, matchedToken.s)', 'ends_with(matchedToken.s, matchedToken.s)']) {
      const template = calculated({
        values: jmesPathValue(call),
      });
      expect(outcome(template, { ...base, s: 'x'.repeat(100) })).toBe('normalized');
      expect(outcome(template, { ...base, s: 'x'.repeat(40_000) })).toBe('set aside');
    }
  });

  it('a required id or value checked for blanks, read whole', () => {
    const template = calculated({
      deviceIdExpression: '$.matchedToken.w',
      values: [{ valueName: 'v', valueExpression: '$.matchedToken.d' }],
    });
    expect(outcome(template, { ...base, w: `${' '.repeat(60)}dev` })).toBe('normalized');
    expect(outcome(template, { ...base, w: `${' '.repeat(40_000)}dev` })).toBe('set aside');
  });

  it('costs nothing more to compare two long strings in JSONPath, which are never read as numbers', () => {
    // A 12-lead ECG's base64 waveforms, picked by lead name (found set aside by a review when every long string was
    // charged as a number reading).
    const leads = Array.from({ length: 12 }, (_, i) => ({ name: `L${i}`, data: 'QUJD'.repeat(20_000) }));
    const template = calculated({
      typeMatchExpression: "$.Body.leads[?(@.data != '' && @.name == 'L1')]",
      deviceIdExpression: '$.Body.d',
      timestampExpression: '$.Body.t',
      values: [{ valueName: 'v', valueExpression: '$.matchedToken.name' }],
    });
    expect(outcome(template, { ...base, leads })).toBe('normalized');
  });

  it('JMESPath comparisons of two long strings, and sort, max and min of long strings', () => {
    const calls = [
      'matchedToken.a == matchedToken.b',
      'matchedToken.a < matchedToken.b',
      '[matchedToken.a] == [matchedToken.b]',
      'contains([matchedToken.b], matchedToken.a)',
      'length(sort([matchedToken.a, matchedToken.b]))',
      'length(max([matchedToken.a, matchedToken.b]))',
      'length(min([matchedToken.a, matchedToken.b]))',
    ];
    for (const call of calls) {
      // `[@, @, …]` repeats the comparison 50 times for a step or two each.
      const repeated = `length([${Array.from({ length: 50 }, () => `to_string(${call})`).join(', ')}])`;
      const template = calculated({
        values: jmesPathValue(repeated),
      });
      const short = { ...base, a: 'x'.repeat(60), b: `${'x'.repeat(59)}y` };
      const long = { ...base, a: 'x'.repeat(20_000), b: `${'x'.repeat(19_999)}y` };
      expect([call, outcome(template, short)]).toEqual([call, 'normalized']);
      expect([call, outcome(template, long)]).toEqual([call, 'set aside']);
    }
  });

  it('JMESPath sort_by with long string keys', () => {
    // A review case: 2,000 keys of 20,000 characters sharing their start ran 16 s for one message when sort_by was
    // charged one step a comparison.
    const template = calculated({
      values: jmesPathValue('length(sort_by(matchedToken.a, &k))'),
    });
    const keys = (length: number): { k: string }[] =>
      Array.from({ length: 20 }, (_, i) => ({ k: `${'x'.repeat(length)}${(i * 7) % 20}` }));
    expect(outcome(template, { ...base, a: keys(60) })).toBe('normalized');
    expect(outcome(template, { ...base, a: keys(20_000) })).toBe('set aside');
  });

  it('a timestamp text padded with white space', () => {
    const template = calculated({ values: [{ valueName: 'v', valueExpression: '$.matchedToken.d' }] });
    expect(outcome(template, { ...base, t: ` ${base.t} ` })).toBe('normalized');
    expect(outcome(template, { ...base, t: `${' '.repeat(40_000)}${base.t}` })).toBe('set aside');
  });
});

describe('work charged for listing a large array or object', () => {
  const repeated = (call: string): string =>
    `length([${Array.from({ length: 50 }, () => `to_string(${call})`).join(', ')}])`;
  // The type match is the body itself (no `..` scan charging a visit for every value of the large data).
  const keyed = (count: number): Record<string, number> =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));

  it('JMESPath equality of two arrays that differ only at the first element compared last, and of two objects', () => {
    // A review case: two arrays of 100,000 strings compared 200 times ran 17 s for one message at 2 steps each (all
    // pairs were listed before the differing one, compared first, was found). Pairs are now taken as compared, from
    // the end: arrays differing at the start are compared whole, a step a pair; objects are listed whole.
    for (const [call, short, long] of [
      ['matchedToken.a == matchedToken.b', 5, 5_000],
      ['matchedToken.o == matchedToken.p', 5, 5_000],
      // The same members, the last (compared first) holding another value: found at once, after listing them all.
      ['matchedToken.o == matchedToken.q', 5, 5_000],
    ] as const) {
      const template = calculated({
        typeMatchExpression: '$.Body',
        values: jmesPathValue(repeated(call)),
      });
      const body = (n: number) => ({
        ...base,
        a: Array.from({ length: n }, (_, i) => `x${i}`),
        b: Array.from({ length: n }, (_, i) => (i === 0 ? 'y' : `x${i}`)),
        o: keyed(n),
        p: { ...keyed(n), extra: 1 },
        q: { ...keyed(n), [`k${n - 1}`]: -1 },
      });
      expect([call, outcome(template, body(short))]).toEqual([call, 'normalized']);
      expect([call, outcome(template, body(long))]).toEqual([call, 'set aside']);
    }
  });

  it('JMESPath truthiness of a large object', () => {
    const template = calculated({
      typeMatchExpression: '$.Body',
      values: jmesPathValue(repeated('matchedToken.o && `1`')),
    });
    expect(outcome(template, { ...base, o: keyed(8) })).toBe('normalized');
    expect(outcome(template, { ...base, o: keyed(5_000) })).toBe('set aside');
  });

  it('a JSONPath wildcard or scan that stops at the first member of a large object, for every element', () => {
    // A review case: 2,000 elements testing an object of 60,000 members ran 15 s for one message.
    for (const path of ['$.Body.big.*', '$.Body.big..k0']) {
      const template = calculated({
        typeMatchExpression: `$.Body.m[?(${path} && @.d)]`,
        values: [{ valueName: 'v', valueExpression: '$.matchedToken.d' }],
      });
      const m = Array.from({ length: 50 }, () => base);
      expect([path, outcome(template, { m, big: keyed(5) })]).toEqual([path, 'normalized']);
      expect([path, outcome(template, { m, big: keyed(5_000) })]).toEqual([path, 'set aside']);
    }
  });
});
