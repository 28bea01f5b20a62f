import { describe, expect, it } from 'vitest';
import { readKindedBody } from '../../../shared/core/normalize/kindedBody.js';
import { compileJmesPathAst } from '../../../shared/core/expressions/jmesPath/compileJmesPathAst.js';
import { EvaluationBudget } from '../../../shared/core/expressions/jmesPath/evaluationBudget.js';
import { evaluateJmesPath } from '../../../shared/core/expressions/jmesPath/jmesPathInterpreter.js';
import { parseJmesPath } from '../../../shared/core/expressions/jmesPath/parseJmesPath.js';
import { toKindedJsonText } from '../../../shared/core/expressions/jmesPath/kindedNumbers.js';
import { loadOracleCasesText, splitByDifference, type JmesPathNetCase } from '../../support/oracleCases.js';

// Read with the numbers' kinds, as JmesPath.Net reads data and as normalization hands the body to an expression that
// can tell them (`1.0` a float, `1` an integer); results are compared as JSON text that keeps the kinds.
const casesText = loadOracleCasesText('jmespath-net');
const plainCases = JSON.parse(casesText) as unknown;
const cases = (readKindedBody(casesText, plainCases) ?? plainCases) as JmesPathNetCase[];
const showJson = toKindedJsonText;

const ISO_DATES = 'fromUnixTimestamp(Ms) return ISO-8601 text, not a .NET date (reference-behaviour §1.8)';
const TRUE_DIVISION = 'divide is true division (reference-behaviour §1.8)';
const MATH_ERRORS = 'a result that is no finite 64-bit value is an error, as Microsoft documents';
const REAL_POWER = 'pow of two integers keeps its fraction (no rounding to a long; the owner decides)';
const DUPLICATE_KEYS = 'a multi-select hash may repeat a key';
const ORDINAL = 'strings order by UTF-16 code unit, not by .NET culture';
const INFINITY_TEXT = "to_number reads JSON numbers only, not .NET's 'Infinity'";

/** The cases this project evaluates otherwise, by expression (and data), and why. */
const DIFFERENCES: Readonly<Record<string, string>> = {
  "fromUnixTimestamp(`0`) < '1'": ISO_DATES,
  "contains(fromUnixTimestamp(`0`), '1970')": ISO_DATES,
  "starts_with(fromUnixTimestamp(`0`), '01/01/1970')": ISO_DATES,
  "join('', [fromUnixTimestamp(`0`)])": ISO_DATES,
  'length(fromUnixTimestamp(`0`))': ISO_DATES,
  'to_string(fromUnixTimestamp(`0`))': ISO_DATES,
  'fromUnixTimestamp(`0`)': ISO_DATES,
  'fromUnixTimestamp(ts)': ISO_DATES,
  'fromUnixTimestamp(`-1`)': ISO_DATES,
  'fromUnixTimestamp(`-62135596800`)': ISO_DATES,
  'fromUnixTimestamp(`253402300799`)': ISO_DATES,
  'fromUnixTimestamp(floor(`1.7`))': ISO_DATES,
  'fromUnixTimestampMs(`1609459200000`)': ISO_DATES,
  'fromUnixTimestamp(divide(`1609459200000`, `1000`))': ISO_DATES,
  'divide(`7`, `2`)': TRUE_DIVISION,
  'divide(`-7`, `2`)': TRUE_DIVISION,
  'add(`9223372036854775807`, `1`)': MATH_ERRORS,
  'multiply(`4294967296`, `4294967296`)': MATH_ERRORS,
  'divide(`1.0`, `0`) > `1e308`': MATH_ERRORS,
  'to_string(divide(`1.0`, `0`))': MATH_ERRORS,
  'divide(`0.0`, `0`) == divide(`0.0`, `0`)': MATH_ERRORS,
  'pow(`2`, `-1`)': REAL_POWER,
  'pow(`2`, `-2`)': REAL_POWER,
  '{x: a, x: a}': DUPLICATE_KEYS,
  'max(`["a", "B"]`)': ORDINAL,
  'sort(`["b", "a", "B", "A"]`)': ORDINAL,
  "to_number('Infinity') > `1e308`": INFINITY_TEXT,
};

/** A case's difference, if it is listed. */
function differenceOf(c: JmesPathNetCase): string | undefined {
  return DIFFERENCES[c.expression];
}

type Outcome = { ok: true; value: unknown; compiled?: unknown } | { ok: false };

function evaluate(c: JmesPathNetCase): Outcome {
  try {
    const ast = parseJmesPath(c.expression);
    const value = evaluateJmesPath(ast, c.data ?? null, new EvaluationBudget(1e6, 1e6)).value;
    const compiled = compileJmesPathAst(ast);
    return compiled === null
      ? { ok: true, value }
      : { ok: true, value, compiled: compiled(c.data ?? null, new EvaluationBudget(1e6, 1e6)) };
  } catch {
    return { ok: false };
  }
}

describe('JMESPath as MedTech evaluates it (tests/fixtures/jmespath-net)', () => {
  const { same, differing } = splitByDifference(cases, differenceOf);

  it('holds the cases the README describes, and lists each difference once', () => {
    expect(cases).toHaveLength(361);
    expect(differing).toHaveLength(Object.keys(DIFFERENCES).length);
  });

  it.each(same.map((c) => [c.expression, showJson(c.data).slice(0, 40), c] as const))('%s on %s', (_e, _d, c) => {
    const actual = evaluate(c);
    if (c.outcome === 'error') {
      expect(actual.ok, c.note).toBe(false);
      return;
    }
    expect(actual.ok, c.note).toBe(true);
    if (actual.ok) {
      expect(showJson(actual.value), c.note).toBe(showJson(c.value));
      if ('compiled' in actual) {
        expect(showJson(actual.compiled), 'the compiled form agrees with the interpreter').toBe(showJson(actual.value));
      }
    }
  });

  it.each(differing.map((c) => [differenceOf(c), c.expression, c] as const))('differs (%s): %s', (_r, _e, c) => {
    const actual = evaluate(c);
    const expected = c.outcome === 'error' ? 'error' : showJson(c.value);
    expect(actual.ok ? showJson(actual.value) : 'error').not.toBe(expected);
  });
});
