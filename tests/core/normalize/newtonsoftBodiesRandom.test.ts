import { describe, expect, it } from 'vitest';
import { parseEventBody } from '../../../shared/core/normalize/parseEventBody.js';
import { loadOracleCases } from '../../support/oracleCases.js';
import { sameJsonBy } from '../../support/sameJson.js';
import { isRecord } from '../../../shared/core/isRecord.js';

/** One case of tests/fixtures/newtonsoft-bodies-random (see its README). */
interface RandomBodyCase {
  text: string;
  outcome: 'value' | 'error';
  value?: unknown;
}

const cases = loadOracleCases<RandomBodyCase>('newtonsoft-bodies-random');

/**
 * Whether this project's value is Newtonsoft's, in the fixture's encoding: `{"$undefined": true}` is read as null
 * here (README), `{"$integer": digits}` is the double nearest those digits, `{"$number": "NaN"}` and the infinities
 * are those numbers, `-0` is `0`; object members are compared by name.
 */
const same = sameJsonBy((theirs, ours) => {
  if (isRecord(theirs) && '$undefined' in theirs) {
    return ours === null;
  }
  if (isRecord(theirs) && typeof theirs.$integer === 'string') {
    return ours === Number(theirs.$integer);
  }
  if (isRecord(theirs) && typeof theirs.$number === 'string') {
    return Object.is(ours, Number(theirs.$number));
  }
  return undefined;
});

describe('parseEventBody against what Newtonsoft.Json 13.0.3 itself read from random bodies', () => {
  it('has bodies it reads and bodies it refuses', () => {
    expect(cases.filter((c) => c.outcome === 'value').length).toBeGreaterThan(100);
    expect(cases.filter((c) => c.outcome === 'error').length).toBeGreaterThan(50);
  });

  it.each(cases.map((c, i) => [i, JSON.stringify(c.text).slice(0, 60), c] as const))('#%i %s', (_i, _text, c) => {
    const body = parseEventBody({ kind: 'bytes', bytes: new TextEncoder().encode(c.text) });
    expect(body.ok).toBe(c.outcome === 'value');
    if (body.ok) {
      expect(same(c.value, body.value), JSON.stringify(body.value)).toBe(true);
    }
  });
});
