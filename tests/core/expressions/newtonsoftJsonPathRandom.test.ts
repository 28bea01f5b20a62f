import { describe, expect, it } from 'vitest';
import { compileJsonPath } from '../../../shared/core/expressions/jsonPath.js';
import { readJsonAsMedTech } from '../../../shared/core/normalize/medTechJsonReader.js';
import { loadOracleCases } from '../../support/oracleCases.js';

/** One case of tests/fixtures/newtonsoft-jsonpath-random (see its README). */
interface RandomPathCase {
  document: string;
  path: string;
  outcome: 'tokens' | 'error';
  tokens: unknown[];
}

const cases = loadOracleCases<RandomPathCase>('newtonsoft-jsonpath-random');

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

describe('compileJsonPath against what Newtonsoft.Json 13.0.3 itself selected on random documents and paths', () => {
  it('has cases of every outcome', () => {
    expect(cases.filter((c) => c.outcome === 'tokens' && c.tokens.length > 0).length).toBeGreaterThan(200);
    expect(cases.filter((c) => c.outcome === 'tokens' && c.tokens.length === 0).length).toBeGreaterThan(40);
    expect(cases.filter((c) => c.outcome === 'error').length).toBeGreaterThan(40);
  });

  it.each(cases.map((c, i) => [i, c.path, c] as const))('#%i %s', (_i, _path, c) => {
    // The document as MedTech's reader reads it, members in the order the text writes them.
    const read = readJsonAsMedTech(c.document, { keepMemberOrder: true });
    expect(read.ok).toBe(true);
    const document = read.ok ? read.value : undefined;
    if (c.outcome === 'error') {
      expect(() => compileJsonPath(c.path).matches(document)).toThrow();
      return;
    }
    expect(canonical(compileJsonPath(c.path).matches(document))).toBe(canonical(c.tokens));
  });
});
