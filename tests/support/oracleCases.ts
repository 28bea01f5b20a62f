import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The cases of a fixture directory whose `cases.json` records what MedTech's .NET libraries do, as read from their
 * sources (tests/fixtures/newtonsoft-bodies, newtonsoft-jsonpath, jmespath-net; each has a README).
 * @param directory - the directory under tests/fixtures
 */
export function loadOracleCases<T>(directory: string): T[] {
  return JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures', directory, 'cases.json'), 'utf8')) as T[];
}

/**
 * JSON text of a value with non-finite numbers spelled out (`NaN`, `Infinity`), so that two values holding them
 * compare as text.
 * @param value - the value
 */
export function showJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `${v}` : v));
}
