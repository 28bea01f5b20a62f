import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The cases of a fixture directory whose `cases.json` records what MedTech's .NET libraries do, as read from their
 * sources (tests/fixtures/newtonsoft-bodies, newtonsoft-jsonpath, jmespath-net; each has a README).
 * @param directory - the directory under tests/fixtures
 */
export function loadOracleCases<T>(directory: string): T[] {
  return JSON.parse(loadOracleCasesText(directory)) as T[];
}

/**
 * The text of a fixture directory's `cases.json`, for a reader that must tell what `JSON.parse` cannot (`1.0` from `1`).
 * @param directory - the directory under tests/fixtures
 */
export function loadOracleCasesText(directory: string): string {
  return readFileSync(join(import.meta.dirname, '../fixtures', directory, 'cases.json'), 'utf8');
}

/** One case of tests/fixtures/newtonsoft-jsonpath (see its README). */
export interface NewtonsoftPathCase {
  doc: unknown;
  path: string;
  outcome: 'tokens' | 'error';
  tokens: unknown[];
  single?: unknown;
  note: string;
}

/** One case of tests/fixtures/jmespath-net (see its README). */
export interface JmesPathNetCase {
  data: unknown;
  expression: string;
  outcome: 'value' | 'error';
  value?: unknown;
  note: string;
}

/**
 * JSON text of a value with non-finite numbers spelled out (`NaN`, `Infinity`), so that two values holding them
 * compare as text.
 * @param value - the value
 */
export function showJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `${v}` : v));
}

/**
 * The cases split by whether a reason is given for them: those that must agree, and those where this project
 * differs (on purpose, or because JavaScript cannot do the same), each test naming the reason.
 * @param cases - the cases
 * @param reasonOf - why a case differs, or undefined when it must agree
 */
export function splitByDifference<T>(
  cases: readonly T[],
  reasonOf: (c: T) => string | undefined,
): { same: T[]; differing: T[] } {
  return {
    same: cases.filter((c) => reasonOf(c) === undefined),
    differing: cases.filter((c) => reasonOf(c) !== undefined),
  };
}
