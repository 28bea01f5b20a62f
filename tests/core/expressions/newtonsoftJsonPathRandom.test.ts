import { describe, expect, it } from 'vitest';
import { compileJsonPath } from '../../../shared/core/expressions/jsonPath.js';
import type { WorkMeter } from '../../../shared/core/expressions/types.js';
import { kindedBodyMeter } from '../../../shared/core/normalize/kindedBody.js';
import { readJsonAsMedTech } from '../../../shared/core/normalize/medTechJsonReader.js';
import { loadOracleCases } from '../../support/oracleCases.js';

/** One case of tests/fixtures/newtonsoft-jsonpath-random and newtonsoft-jsonpath-number-forms (see their READMEs). */
interface RandomPathCase {
  document: string;
  path: string;
  outcome: 'tokens' | 'error';
  tokens: unknown[];
}

/**
 * Tokens as JSON text with each object's members sorted (the fixture, read with `JSON.parse`, lists integer-like names
 * first; the tokens themselves are compared in their order), and `-0` as `0` (Newtonsoft writes `-0.0` as `0.0`).
 */
function canonical(tokens: unknown[]): string {
  return JSON.stringify(tokens, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

/**
 * What `compileJsonPath` makes of a case: the document read as MedTech's reader reads it, members in the order the
 * text writes them, and, with `kinds`, a meter that lets a filter read how the text wrote a number, as normalizeEvent's.
 */
function evaluate(c: RandomPathCase, kinds: boolean): { tokens: string } | { error: true } {
  const read = readJsonAsMedTech(c.document, { keepMemberOrder: true });
  expect(read.ok).toBe(true);
  const document = read.ok ? read.value : undefined;
  const meter: WorkMeter | undefined = kinds ? kindedBodyMeter(c.document, document, 1e9) : undefined;
  try {
    return { tokens: canonical(compileJsonPath(c.path).matches(document, undefined, meter)) };
  } catch {
    return { error: true };
  }
}

function expected(c: RandomPathCase): { tokens: string } | { error: true } {
  return c.outcome === 'error' ? { error: true } : { tokens: canonical(c.tokens) };
}

describe('compileJsonPath against what Newtonsoft.Json 13.0.3 itself selected on random documents and paths', () => {
  const cases = loadOracleCases<RandomPathCase>('newtonsoft-jsonpath-random');

  it('has cases of every outcome', () => {
    expect(cases.filter((c) => c.outcome === 'tokens' && c.tokens.length > 0).length).toBeGreaterThan(200);
    expect(cases.filter((c) => c.outcome === 'tokens' && c.tokens.length === 0).length).toBeGreaterThan(40);
    expect(cases.filter((c) => c.outcome === 'error').length).toBeGreaterThan(40);
  });

  it.each(cases.map((c, i) => [i, c.path, c] as const))('#%i %s', (_i, _path, c) => {
    expect(evaluate(c, true)).toEqual(expected(c));
  });
});

/**
 * A fixture recorded by tools/dotnet-oracle (number_form_cases.py, big_integer_cases.py): first the cases that reading
 * the numbers from the text makes agree, then as many that agree either way. Checks the first half's size and outcomes
 * and that every case agrees when the numbers are read; returns that first half.
 */
function checkRecordedCases(
  fixture: string,
  what: string,
  size: { fixed: number; errors: number; tokens: number },
): RandomPathCase[] {
  const cases = loadOracleCases<RandomPathCase>(fixture);
  const fixed = cases.slice(0, cases.length / 2);

  it(`has the cases ${what} decide, of both outcomes`, () => {
    expect(fixed).toHaveLength(size.fixed);
    expect(fixed.filter((c) => c.outcome === 'error').length).toBeGreaterThan(size.errors);
    expect(fixed.filter((c) => c.outcome === 'tokens').length).toBeGreaterThan(size.tokens);
  });

  it.each(cases.map((c, i) => [i, c.path, c] as const))('#%i %s', (_i, _path, c) => {
    expect(evaluate(c, true)).toEqual(expected(c));
  });
  return fixed;
}

/** The cases evaluated right with the numbers as JSON.parse made them. */
function agreeingPlain(cases: RandomPathCase[]): RandomPathCase[] {
  return cases.filter((c) => JSON.stringify(evaluate(c, false)) === JSON.stringify(expected(c)));
}

describe('JSONPath filters that depend on how the document wrote a whole number, as Newtonsoft.Json selected', () => {
  const fixed = checkRecordedCases('newtonsoft-jsonpath-number-forms', 'the forms', {
    fixed: 56,
    errors: 10,
    tokens: 5,
  });

  it('gets the string comparisons of the first half wrong with the numbers as JSON.parse made them', () => {
    // A float written whole against a string with a fraction: what the forms are read for. (The first half's other
    // cases order an integer beyond 64 bits against a boolean: a whole number that large is a BigInteger by its
    // value alone, unless the message wrote it as a float.)
    const againstFractions = fixed.filter((c) => c.path.includes("'2.5'"));
    expect(againstFractions.length).toBeGreaterThan(5);
    expect(agreeingPlain(againstFractions)).toEqual([]);
  });
});

describe('JSONPath filters that compare whole numbers from 2^51 on, as Newtonsoft.Json selected', () => {
  const fixed = checkRecordedCases('newtonsoft-jsonpath-big-integers', 'the digits', {
    fixed: 127,
    errors: 2,
    tokens: 100,
  });

  it('gets the first half wrong with the numbers as JSON.parse made them', () => {
    expect(agreeingPlain(fixed)).toEqual([]);
  });
});
