import { describe, expect, it } from 'vitest';
import { toDeviceEvent } from '../../../shared/cli/readMessageFiles.js';
import { knownProperties } from '../../../shared/core/mapping/deviceMappingSchema.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';
import { collectionContentType, contentTemplateKinds } from '../../../shared/core/mapping/templateType.js';
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

/** A case's mapping, as far as the coverage check reads it. */
interface MappingOfCase {
  template: { templateType: string }[];
}

/** Property names and template types as the schema spells them. */
const CANONICAL = new Set([
  ...knownProperties.root,
  ...knownProperties.node,
  ...Object.values(knownProperties.content).flat(),
  ...knownProperties.calculatedValue,
  ...knownProperties.jsonPathValue,
  ...knownProperties.expression,
]);
const TEMPLATE_TYPES = new Set<string>([collectionContentType, ...contentTemplateKinds]);

/** Whether a mapping is written otherwise than the schema writes it: a property name, a template type, `required`. */
function writtenOtherwise(node: unknown): boolean {
  if (Array.isArray(node)) {
    return node.some(writtenOtherwise);
  }
  if (typeof node !== 'object' || node === null) {
    return false;
  }
  return Object.entries(node).some(
    ([key, value]) =>
      !CANONICAL.has(key) ||
      (key === 'templateType' && !TEMPLATE_TYPES.has(String(value))) ||
      (key === 'required' && typeof value !== 'boolean') ||
      writtenOtherwise(value),
  );
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
  it('has messages that measure something and messages that do not, bodies and envelopes', () => {
    expect(cases.filter((c) => c.measurements.length > 0).length).toBeGreaterThan(200);
    expect(cases.filter((c) => c.measurements.length === 0).length).toBeGreaterThan(40);
    const envelopes = cases.filter((c) => c.message.includes('"Body":') && !writtenOtherwise(c.mapping));
    expect(envelopes.filter((c) => c.measurements.length > 0).length).toBeGreaterThan(100);
    const types = new Set(envelopes.flatMap((c) => (c.mapping as MappingOfCase).template.map((t) => t.templateType)));
    expect([...types]).toEqual(
      expect.arrayContaining(['CalculatedContent', 'IotCentralJsonPathContent', 'IotJsonPathContent']),
    );
    // The mappings of tools/dotnet-oracle's `mappings` kind: valid ones changed (a name in another case, a text where
    // a boolean is expected…), which MedTech and this project both load.
    expect(cases.filter((c) => writtenOtherwise(c.mapping)).length).toBeGreaterThan(50);
  });

  it.each(cases.map((c, i) => [i, c] as const))('#%i', (_i, c) => {
    const mapping = parseDeviceMapping(JSON.stringify(c.mapping));
    expect(mapping.ok).toBe(true);
    if (!mapping.ok) {
      return;
    }
    // A message is a body, or an envelope {Body, Properties, SystemProperties} read as `medtech normalize` reads one.
    const { event } = toDeviceEvent(new TextEncoder().encode(c.message), {
      enqueuedTime: '2024-05-01T12:00:00Z',
      now: () => new Date('2024-05-01T12:00:00Z'),
    });
    const result = normalizeEvent(mapping.value, event);
    expect(result.errors).toEqual([]);
    expect(result.measurements.map(comparable)).toEqual(c.measurements.map(comparable));
  });
});
