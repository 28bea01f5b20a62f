import { describe, expect, it } from 'vitest';
import { parseEventBody } from '../../../shared/core/normalize/parseEventBody.js';
import { loadOracleCases } from '../../support/oracleCases.js';
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
function same(theirs: unknown, ours: unknown): boolean {
  if (isRecord(theirs) && '$undefined' in theirs) {
    return ours === null;
  }
  if (isRecord(theirs) && typeof theirs.$integer === 'string') {
    return ours === Number(theirs.$integer);
  }
  if (isRecord(theirs) && typeof theirs.$number === 'string') {
    return Object.is(ours, Number(theirs.$number));
  }
  if (Array.isArray(theirs)) {
    return Array.isArray(ours) && ours.length === theirs.length && theirs.every((t, i) => same(t, ours[i]));
  }
  if (isRecord(theirs)) {
    const names = Object.keys(theirs).sort();
    return (
      isRecord(ours) &&
      JSON.stringify(Object.keys(ours).sort()) === JSON.stringify(names) &&
      names.every((name) => same(theirs[name], ours[name]))
    );
  }
  return theirs === ours;
}

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
