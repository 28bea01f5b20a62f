import type { CodeValueFhirTemplate, ObservationGroup } from '../../../shared/core/fhir/contract.js';
import type { Measurement } from '../../../shared/core/measurement.js';

/** A measurement with defaults: device `d1`, patient `p1`, type `heartrate`, ingested at 2019-01-01T12:00Z. */
export function measurement(
  at: string,
  properties: Record<string, string>,
  extra: Partial<Measurement> = {},
): Measurement {
  return {
    type: 'heartrate',
    occurrenceTimeUtc: at,
    ingestionTimeUtc: '2019-01-01T12:00:00.000Z',
    deviceId: 'd1',
    patientId: 'p1',
    properties: Object.entries(properties).map(([name, value]) => ({ name, value })),
    ...extra,
  };
}

/** Epoch ms of an ISO time (test-side arithmetic). */
export function ms(iso: string): number {
  return Date.parse(iso);
}

/** A heart-rate SampledData template (hourly, 5000 ms, like Microsoft's docs). */
export function sampledTemplate(overrides: Partial<CodeValueFhirTemplate> = {}): CodeValueFhirTemplate {
  return {
    typeName: 'heartrate',
    periodInterval: 60,
    category: [],
    codes: [{ code: '8867-4', system: 'http://loinc.org', display: 'Heart rate' }],
    value: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: 5000, unit: 'count/min' },
    components: [],
    ...overrides,
  };
}

/** Blood pressure as two SampledData components (`systolic`, `diastolic`; 5000 ms) and no main value. */
export function bloodPressureTemplate(): CodeValueFhirTemplate {
  return sampledTemplate({
    typeName: 'bp',
    value: undefined,
    components: [
      { codes: [], value: { valueType: 'SampledData', valueName: 'systolic', defaultPeriod: 5000 } },
      { codes: [], value: { valueType: 'SampledData', valueName: 'diastolic', defaultPeriod: 5000 } },
    ],
  });
}

/** A heart-rate Quantity template. */
export function quantityTemplate(overrides: Partial<CodeValueFhirTemplate> = {}): CodeValueFhirTemplate {
  return {
    typeName: 'heartrate',
    periodInterval: 0,
    category: [],
    codes: [{ code: '8867-4', system: 'http://loinc.org', display: 'Heart rate' }],
    value: {
      valueType: 'Quantity',
      valueName: 'hr',
      unit: 'count/min',
      system: 'http://unitsofmeasure.org',
      code: 'count/min',
    },
    components: [],
    ...overrides,
  };
}

/** An observation group from ISO boundaries and values by name. */
export function observationGroup(
  start: string,
  end: string,
  values: Record<string, [string, string][]>,
  extra: Partial<ObservationGroup> = {},
): ObservationGroup {
  return {
    typeName: 'heartrate',
    start: ms(start),
    end: ms(end),
    values: new Map(
      Object.entries(values).map(([name, list]) => [name, list.map(([t, v]) => ({ time: ms(t), value: v }))]),
    ),
    ...extra,
  };
}

/**
 * Runs an action the test expects to throw and returns what it threw (`undefined` when it did not throw).
 * @param action - the call under test
 */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
