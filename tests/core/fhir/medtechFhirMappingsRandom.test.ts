import { describe, expect, it } from 'vitest';
import { parseFhirMapping } from '../../../shared/core/fhir/fhirMapping.js';
import { loadOracleCases } from '../../support/oracleCases.js';

/** One case of tests/fixtures/medtech-fhir-mappings-random (see its README). */
interface RandomFhirMappingCase {
  mapping: unknown;
  outcome: 'templates' | 'refused';
  /** The CodeValueFhir templates MedTech's loader made, its nulls kept. */
  templates: Record<string, unknown>[];
  /** MedTech loads the mapping but fails when a measurement of a type reaches an unusable template. */
  unusable: boolean;
}

const cases = loadOracleCases<RandomFhirMappingCase>('medtech-fhir-mappings-random');

/** A value without its null members, a `defaultPeriod` as the number it is (MedTech writes a decimal's text). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutNulls);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== null) {
      out[key] = key === 'defaultPeriod' ? Number(member) : withoutNulls(member);
    }
  }
  return out;
}

/**
 * Templates in the terms both write alike: a null list is an empty one (a category without codes writes no coding
 * either way), null members are left out, and a main value without valueName (MedTech: null, here "") is never set.
 */
function comparable(templates: readonly unknown[]): unknown {
  return templates.map((raw) => {
    const t = { ...(raw as Record<string, unknown>) };
    t.components = t.components ?? [];
    t.category = ((t.category ?? []) as (Record<string, unknown> | null)[]).map((c) =>
      c === null ? c : { ...c, codes: c.codes ?? [] },
    );
    const value = t.value as Record<string, unknown> | null | undefined;
    if (value !== null && value !== undefined && (value.valueName ?? null) === null) {
      t.value = { ...value, valueName: '' };
    }
    return withoutNulls(t);
  });
}

describe("parseFhirMapping against MedTech's own loader on random FHIR mappings", () => {
  it('has mappings both load, both refuse, and MedTech loads but cannot use', () => {
    expect(cases.filter((c) => c.outcome === 'templates' && !c.unusable).length).toBeGreaterThan(100);
    expect(cases.filter((c) => c.outcome === 'refused').length).toBeGreaterThan(30);
    expect(cases.filter((c) => c.unusable).length).toBeGreaterThan(30);
  });

  it.each(cases.map((c, i) => [i, c] as const))('#%i', (_i, c) => {
    const result = parseFhirMapping(JSON.stringify(c.mapping));
    if (c.outcome === 'refused' || c.unusable) {
      // Refused by both, or refused here because MedTech would fail on the template (the acceptance oracle test).
      expect(result.ok).toBe(false);
      return;
    }
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(comparable([...result.value.templates.values()])).toEqual(comparable(c.templates));
    }
  });
});
