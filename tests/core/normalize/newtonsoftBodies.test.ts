import { describe, expect, it } from 'vitest';
import { parseEventBody } from '../../../shared/core/normalize/parseEventBody.js';
import { loadOracleCases, showJson, splitByDifference } from '../../support/oracleCases.js';

/** One case of tests/fixtures/newtonsoft-bodies (see its README). */
interface BodyCase {
  text: string;
  outcome: 'value' | 'error';
  value?: unknown;
  note: string;
}

const cases = loadOracleCases<BodyCase>('newtonsoft-bodies');

/** An oracle value as this project represents it: `undefined` is null, special numbers are numbers. */
function toExpected(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(toExpected);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const record = value as Record<string, unknown>;
  if (record['$undefined'] === true) {
    return null;
  }
  if (typeof record['$number'] === 'string' || typeof record['$integer'] === 'string') {
    return Number(record['$number'] ?? record['$integer']);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    Object.defineProperty(out, key, { value: toExpected(record[key]), enumerable: true, writable: true });
  }
  return out;
}

function mentions(value: unknown, marker: string): boolean {
  return JSON.stringify(value ?? null).includes(`"${marker}"`);
}

/** Where this project reads a body otherwise on purpose (README, "Mappings"), and why. */
function deliberateDifference(c: BodyCase): string | undefined {
  if (mentions(c.value, '$date')) {
    return 'date-like strings stay strings (reference-behaviour §1.9)';
  }
  if (mentions(c.value, '$constructor')) {
    return 'JavaScript constructors are refused';
  }
  if (c.note.includes('MaxDepth')) {
    return 'no nesting limit (JSON.parse has none either)';
  }
  if (c.note.includes('MaximumJavascriptIntegerCharacterLength')) {
    return 'no integer-length limit (JSON.parse has none either)';
  }
  return undefined;
}

function outcomeOf(text: string): { ok: true; value: unknown } | { ok: false } {
  const parsed = parseEventBody({ kind: 'text', text });
  return parsed.ok ? { ok: true, value: parsed.value } : { ok: false };
}

describe('message bodies as MedTech reads them (tests/fixtures/newtonsoft-bodies)', () => {
  const { same, differing } = splitByDifference(cases, deliberateDifference);

  it('holds the cases the README describes', () => {
    expect(cases).toHaveLength(274);
    expect(differing.map(deliberateDifference).sort()).toMatchInlineSnapshot(`
      [
        "JavaScript constructors are refused",
        "JavaScript constructors are refused",
        "JavaScript constructors are refused",
        "JavaScript constructors are refused",
        "JavaScript constructors are refused",
        "JavaScript constructors are refused",
        "JavaScript constructors are refused",
        "JavaScript constructors are refused",
        "JavaScript constructors are refused",
        "date-like strings stay strings (reference-behaviour §1.9)",
        "date-like strings stay strings (reference-behaviour §1.9)",
        "date-like strings stay strings (reference-behaviour §1.9)",
        "date-like strings stay strings (reference-behaviour §1.9)",
        "date-like strings stay strings (reference-behaviour §1.9)",
        "no integer-length limit (JSON.parse has none either)",
        "no nesting limit (JSON.parse has none either)",
        "no nesting limit (JSON.parse has none either)",
      ]
    `);
  });

  it.each(same.map((c) => [c.text.length > 60 ? `${c.text.slice(0, 60)}…` : c.text, c] as const))('%j', (_label, c) => {
    const actual = outcomeOf(c.text);
    if (c.outcome === 'error') {
      expect(actual.ok, c.note).toBe(false);
      return;
    }
    expect(actual.ok, c.note).toBe(true);
    if (actual.ok) {
      const expected = toExpected(c.value);
      expect(showJson(actual.value), c.note).toBe(showJson(expected));
    }
  });

  it.each(differing.map((c) => [deliberateDifference(c), c.text.slice(0, 40), c] as const))(
    'differs on purpose (%s): %j',
    (reason, _label, c) => {
      const actual = outcomeOf(c.text);
      if (reason?.startsWith('date-like')) {
        // Read, each date as the string it is (these texts are strict JSON).
        expect(actual.ok && actual.value).toEqual(JSON.parse(c.text));
      } else if (reason?.startsWith('JavaScript constructors')) {
        expect(actual.ok).toBe(false);
      } else {
        // MedTech refuses these; they are read here.
        expect(c.outcome).toBe('error');
        expect(actual.ok).toBe(true);
      }
    },
  );
});
