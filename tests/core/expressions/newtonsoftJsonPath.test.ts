import { describe, expect, it } from 'vitest';
import { compileJsonPath } from '../../../shared/core/expressions/jsonPath.js';
import type { WorkMeter } from '../../../shared/core/expressions/types.js';
import { readKindedBody } from '../../../shared/core/normalize/kindedBody.js';
import { loadOracleCasesText, splitByDifference, type NewtonsoftPathCase } from '../../support/oracleCases.js';

// The documents as JSON.parse reads them, each linked with its reading that keeps how the text wrote its numbers
// (`9007199254740993` with all its digits), which a filter reads as normalizeEvent's does.
const casesText = loadOracleCasesText('newtonsoft-jsonpath');
const cases = JSON.parse(casesText) as NewtonsoftPathCase[];
const hasKinds = readKindedBody(casesText, cases) !== undefined;

const JPROPERTY = '"__jproperty__"';

/** Where this project evaluates otherwise on purpose or cannot do the same, and why. */
function deliberateDifference(c: NewtonsoftPathCase): string | undefined {
  if (c.path === "$[?(@.s =~ 'abc')]") {
    return 'a constant =~ operand that is no /pattern/flags is refused (it fails on every string)';
  }
  if (/\[(?:\d+,)*-\d+(?:,-?\d+)*\]/.test(c.path)) {
    return 'negative single indexes are refused (Newtonsoft throws on every array)';
  }
  if (JSON.stringify(c.tokens).includes(JPROPERTY)) {
    return 'a filter never yields the JProperty wrappers of an object';
  }
  if (c.path === '$[?(@.a==1&&@.b==2)]' || c.path === '$[?((@.a == 1))]') {
    return 'filters may group terms and put an operator right after a number';
  }
  return undefined;
}

function evaluate(c: NewtonsoftPathCase): { ok: true; tokens: unknown[]; single: unknown } | { ok: false } {
  const multiple = Symbol('multiple');
  try {
    const expression = compileJsonPath(c.path);
    const meter = (): WorkMeter => ({ remaining: 1e9, readBodyNumberKinds: () => hasKinds });
    const tokens = expression.matches(c.doc, undefined, meter());
    const one = expression.selectOne === undefined ? undefined : expression.selectOne(c.doc, multiple, meter());
    const single = one === multiple ? 'ERROR:multiple' : one === undefined ? null : one;
    return { ok: true, tokens, single };
  } catch {
    return { ok: false };
  }
}

describe('JSONPath as MedTech evaluates it (tests/fixtures/newtonsoft-jsonpath)', () => {
  const { same, differing } = splitByDifference(cases, deliberateDifference);

  it('holds the cases the README describes', () => {
    expect(cases).toHaveLength(236);
    expect(differing.map(deliberateDifference).sort()).toMatchInlineSnapshot(`
      [
        "a constant =~ operand that is no /pattern/flags is refused (it fails on every string)",
        "a constant =~ operand that is no /pattern/flags is refused (it fails on every string)",
        "a filter never yields the JProperty wrappers of an object",
        "a filter never yields the JProperty wrappers of an object",
        "a filter never yields the JProperty wrappers of an object",
        "a filter never yields the JProperty wrappers of an object",
        "a filter never yields the JProperty wrappers of an object",
        "filters may group terms and put an operator right after a number",
        "filters may group terms and put an operator right after a number",
        "negative single indexes are refused (Newtonsoft throws on every array)",
        "negative single indexes are refused (Newtonsoft throws on every array)",
        "negative single indexes are refused (Newtonsoft throws on every array)",
        "negative single indexes are refused (Newtonsoft throws on every array)",
        "negative single indexes are refused (Newtonsoft throws on every array)",
        "negative single indexes are refused (Newtonsoft throws on every array)",
        "negative single indexes are refused (Newtonsoft throws on every array)",
        "negative single indexes are refused (Newtonsoft throws on every array)",
        "negative single indexes are refused (Newtonsoft throws on every array)",
      ]
    `);
  });

  it.each(same.map((c) => [c.path, c] as const))('%s', (_path, c) => {
    const actual = evaluate(c);
    if (c.outcome === 'error') {
      expect(actual.ok, c.note).toBe(false);
      return;
    }
    expect(actual.ok, c.note).toBe(true);
    if (actual.ok) {
      expect(actual.tokens, c.note).toEqual(c.tokens);
      // SelectToken's own exceptions (not "multiple tokens") fail the single value here as an error does there.
      if (c.single !== 'ERROR:exception') {
        expect(actual.single, c.note).toEqual(c.single);
      }
    }
  });

  it.each(differing.map((c) => [deliberateDifference(c), c.path, c] as const))(
    'differs on purpose (%s): %s',
    (reason, _path, c) => {
      const actual = evaluate(c);
      if (reason?.includes('refused')) {
        expect(actual.ok).toBe(false);
      } else if (reason?.includes('JProperty')) {
        // The same tokens without the wrappers.
        expect(actual.ok && actual.tokens).toEqual(c.tokens.filter((t) => !JSON.stringify(t).includes(JPROPERTY)));
      } else if (reason?.includes('group terms')) {
        expect(c.outcome).toBe('error');
        expect(actual.ok).toBe(true);
      } else {
        expect(actual.ok && actual.tokens).not.toEqual(c.tokens);
      }
    },
  );
});
