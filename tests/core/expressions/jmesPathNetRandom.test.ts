import { describe, expect, it } from 'vitest';
import { readKindedBody } from '../../../shared/core/normalize/kindedBody.js';
import { EvaluationBudget } from '../../../shared/core/expressions/jmesPath/evaluationBudget.js';
import { evaluateJmesPath } from '../../../shared/core/expressions/jmesPath/jmesPathInterpreter.js';
import { parseJmesPath } from '../../../shared/core/expressions/jmesPath/parseJmesPath.js';
import { loadOracleCasesText } from '../../support/oracleCases.js';
import {
  isJmesNumber,
  numbersEqual,
  toKindedJsonText,
} from '../../../shared/core/expressions/jmesPath/kindedNumbers.js';
import { sameJsonBy } from '../../support/sameJson.js';

/** One case of tests/fixtures/jmespath-net-random (see its README). */
interface RandomJmesPathCase {
  data: string;
  expression: string;
  outcome: 'value' | 'error';
  value?: unknown;
}

// Read with the numbers' kinds: the recorded values are JmesPath.Net's, a float written `2.0`, an integer `2`.
const casesText = loadOracleCasesText('jmespath-net-random');
const plainCases = JSON.parse(casesText) as unknown;
const cases = (readKindedBody(casesText, plainCases) ?? plainCases) as RandomJmesPathCase[];

/** Whether two JSON values are equal, numbers of one kind and value, object members by name. */
const same = sameJsonBy((expected, actual) =>
  isJmesNumber(expected) || isJmesNumber(actual)
    ? isJmesNumber(expected) && isJmesNumber(actual) && numbersEqual(expected, actual)
    : undefined,
);

/** The expression's whole result, as JmesPath.Net's `Transform` gives it, or undefined when it fails. */
function evaluate(c: RandomJmesPathCase): { ok: true; value: unknown } | { ok: false } {
  try {
    const ast = parseJmesPath(c.expression);
    // The data read as JmesPath.Net reads it, with its numbers' kinds.
    const plain = JSON.parse(c.data) as unknown;
    const data = readKindedBody(c.data, plain) ?? plain;
    return { ok: true, value: evaluateJmesPath(ast, data, new EvaluationBudget(1e6, 1e6)).value ?? null };
  } catch {
    return { ok: false };
  }
}

describe('JMESPath against what JmesPath.Net itself returned on random expressions and documents', () => {
  it('has values, nulls and failures', () => {
    expect(cases.filter((c) => c.outcome === 'value' && c.value !== null).length).toBeGreaterThan(100);
    expect(cases.filter((c) => c.outcome === 'value' && c.value === null).length).toBeGreaterThan(20);
    expect(cases.filter((c) => c.outcome === 'error').length).toBeGreaterThan(20);
  });

  it.each(cases.map((c, i) => [i, c.expression, c] as const))('#%i %s', (_i, _expression, c) => {
    const actual = evaluate(c);
    expect(actual.ok).toBe(c.outcome === 'value');
    if (actual.ok) {
      expect(same(c.value, actual.value), toKindedJsonText(actual.value)).toBe(true);
    }
  });
});
