import { describe, expect, it } from 'vitest';
import { readNewtonsoftDateTime } from '../../../shared/core/normalize/newtonsoftDateTimes.js';
import { toUtcTimestamp } from '../../../shared/core/normalize/toUtcTimestamp.js';
import { loadOracleCases } from '../../support/oracleCases.js';

/** One case of tests/fixtures/newtonsoft-dates-random (see its README). */
interface RandomDateCase {
  text: string;
  outcome: 'date' | 'string' | 'error';
  ms?: number;
}

const cases = loadOracleCases<RandomDateCase>('newtonsoft-dates-random');

describe("Newtonsoft.Json's date reading against what the library itself read from random body strings", () => {
  it('has dates, strings and failures', () => {
    expect(cases.filter((c) => c.outcome === 'date').length).toBeGreaterThan(100);
    expect(cases.filter((c) => c.outcome === 'string').length).toBeGreaterThan(30);
    expect(cases.filter((c) => c.outcome === 'error').length).toBeGreaterThan(10);
  });

  it.each(cases.map((c, i) => [i, c.text, c] as const))('#%i %j', (_i, _text, c) => {
    if (c.outcome === 'date') {
      expect(readNewtonsoftDateTime(c.text)).toBe(c.ms);
      expect(toUtcTimestamp(c.text)).toBe(new Date(c.ms as number).toISOString());
    } else {
      // A string goes on to DateTime.Parse (tested elsewhere); a text the library fails on is refused here.
      expect(readNewtonsoftDateTime(c.text)).toBeUndefined();
      if (c.outcome === 'error') {
        expect(toUtcTimestamp(c.text)).toBeUndefined();
      }
    }
  });
});
