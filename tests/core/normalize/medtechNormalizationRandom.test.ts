import { describe, expect, it } from 'vitest';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import { loadOracleCases } from '../../support/oracleCases.js';

/** A measurement as MedTech's own extractor made it (see the fixture's README). */
interface MedTechMeasurement {
  type: string;
  occurrenceTimeUtc: string;
  deviceId: string;
  patientId: string | null;
  encounterId: string | null;
  correlationId: string | null;
  properties: { name: string; value: string }[];
}

/** One case of tests/fixtures/medtech-normalization-random. */
interface RandomNormalizationCase {
  mapping: unknown;
  message: string;
  measurements: MedTechMeasurement[];
}

const cases = loadOracleCases<RandomNormalizationCase>('medtech-normalization-random');

/**
 * A measurement in the terms both write alike: the time to the millisecond, and where this project decided otherwise
 * (README), its form: booleans `true`/`false` (MedTech writes `True`), a blank optional id left out (MedTech keeps it).
 */
function comparable(m: {
  type: string;
  occurrenceTimeUtc: string;
  deviceId: string;
  patientId?: string | null;
  encounterId?: string | null;
  correlationId?: string | null;
  properties: { name: string; value: string }[];
}): string {
  return JSON.stringify([
    m.type,
    m.occurrenceTimeUtc.slice(0, 23),
    m.deviceId,
    m.patientId === '' ? null : (m.patientId ?? null),
    m.encounterId === '' ? null : (m.encounterId ?? null),
    m.correlationId ?? null,
    m.properties.map(({ name, value }) => [name, value === 'True' || value === 'False' ? value.toLowerCase() : value]),
  ]);
}

describe("normalizeEvent against MedTech's own extractor on random mappings and messages", () => {
  it('has messages that measure something and messages that do not', () => {
    expect(cases.filter((c) => c.measurements.length > 0).length).toBeGreaterThan(100);
    expect(cases.filter((c) => c.measurements.length === 0).length).toBeGreaterThan(20);
  });

  it.each(cases.map((c, i) => [i, c] as const))('#%i', (_i, c) => {
    const mapping = parseDeviceMapping(JSON.stringify(c.mapping));
    expect(mapping.ok).toBe(true);
    if (!mapping.ok) {
      return;
    }
    const result = normalizeEvent(mapping.value, {
      body: { kind: 'bytes', bytes: new TextEncoder().encode(c.message) },
      properties: {},
      systemProperties: {},
      enqueuedTimeUtc: '2024-05-01T12:00:00Z',
    });
    expect(result.errors).toEqual([]);
    expect(result.measurements.map(comparable)).toEqual(c.measurements.map(comparable));
  });
});
