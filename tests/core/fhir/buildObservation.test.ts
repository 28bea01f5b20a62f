import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildObservation } from '../../../shared/core/fhir/buildObservation.js';
import { mergeObservation } from '../../../shared/core/fhir/mergeObservation.js';
import { MAX_OBSERVATION_VALUE_CHARS } from '../../../shared/core/fhir/sampledData.js';
import type { CodeValueFhirTemplate } from '../../../shared/core/fhir/contract.js';
import { isMedTechError } from '../../../shared/core/errors.js';
import { observationGroup, quantityTemplate, sampledTemplate, thrownBy } from './support.js';

const SYSTEM = 'https://azure.microsoft.com/en-us/services/iomt-fhir-connector/';
const ISSUED = '2023-04-05T21:02:59.165Z';
const identity = { patientId: 'p1', deviceId: 'd1' };

/** A Quantity template without a value of its own: its only value is the component 'x'. */
function componentOnlyTemplate(): CodeValueFhirTemplate {
  return quantityTemplate({
    value: undefined,
    components: [{ codes: [], value: { valueType: 'Quantity', valueName: 'x' } }],
  });
}

describe('buildObservation', () => {
  it('builds a point-in-time Quantity Observation with identifier, id, codes, references and period', () => {
    const group = observationGroup('2023-03-13T22:46:01.875Z', '2023-03-13T22:46:01.875Z', {
      hr: [['2023-03-13T22:46:01.875Z', '78']],
    });
    const value = 'p1.d1.heartrate.20230313224601Z.20230313224601Z';
    expect(buildObservation(group, quantityTemplate(), identity, ISSUED)).toEqual({
      resourceType: 'Observation',
      id: createHash('sha256').update(`${SYSTEM}_${value}`, 'utf8').digest('hex'),
      identifier: [{ system: SYSTEM, value }],
      status: 'final',
      code: {
        coding: [
          { system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' },
          { system: SYSTEM, code: 'heartrate', display: 'heartrate' },
        ],
        text: 'heartrate',
      },
      subject: { reference: 'Patient/p1' },
      device: { reference: 'Device/d1' },
      effectivePeriod: { start: '2023-03-13T22:46:01.8750000Z', end: '2023-03-13T22:46:01.8750000Z' },
      issued: ISSUED,
      valueQuantity: { value: 78, unit: 'count/min', system: 'http://unitsofmeasure.org', code: 'count/min' },
    });
  });

  it('adds the template category only when it has one, and the encounter when resolved', () => {
    const group = observationGroup('2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z', {
      hr: [['2019-01-01T00:00:00Z', '1']],
    });
    const plain = buildObservation(group, quantityTemplate(), identity, ISSUED);
    expect(plain).not.toHaveProperty('category');
    expect(plain).not.toHaveProperty('encounter');

    const withCategory = buildObservation(
      group,
      quantityTemplate({
        category: [
          {
            text: ' Vital Signs\n',
            codes: [{ code: 'vital-signs', system: 'http://terminology.hl7.org/CodeSystem/observation-category' }],
          },
          { text: '  ', codes: [] },
        ],
      }),
      { ...identity, encounterId: 'e1' },
      ISSUED,
    );
    expect(withCategory.category).toEqual([
      {
        text: 'Vital Signs',
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }],
      },
      {},
    ]);
    expect(withCategory.encounter).toEqual({ reference: 'Encounter/e1' });
  });

  it('takes the latest of an hour of Quantity and String readings in a folding template (MedTech fails the group)', () => {
    const template = sampledTemplate({
      components: [
        { codes: [], value: { valueType: 'Quantity', valueName: 'spo2', unit: '%' } },
        { codes: [], value: { valueType: 'String', valueName: 'note' } },
      ],
    });
    const group = observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', {
      hr: [['2019-01-01T00:10:00Z', '70']],
      spo2: [
        ['2019-01-01T00:10:00Z', '97'],
        ['2019-01-01T00:20:00Z', '91'],
      ],
      note: [
        ['2019-01-01T00:10:00Z', 'sitting'],
        ['2019-01-01T00:20:00Z', 'walking'],
      ],
    });

    const observation = buildObservation(group, template, identity, ISSUED);

    expect(observation.component?.map((c) => c.valueQuantity?.value ?? c.valueString)).toEqual([91, 'walking']);
  });

  it('writes an hour of SampledData: 720 slots and the period end at the last tick', () => {
    const group = observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', {
      hr: [
        ['2019-01-01T00:00:00.000Z', '60'],
        ['2019-01-01T00:00:04.999Z', '61'], // same slot: the later one wins
        ['2019-01-01T00:59:59.999Z', '70'],
      ],
    });
    const observation = buildObservation(group, sampledTemplate(), identity, ISSUED);
    expect(observation.effectivePeriod).toEqual({
      start: '2019-01-01T00:00:00.0000000Z',
      end: '2019-01-01T00:59:59.9999999Z',
    });
    expect(observation.identifier?.[0]?.value).toBe('p1.d1.heartrate.20190101000000Z.20190101005959Z');
    const sampled = observation.valueSampledData!;
    expect(sampled).toMatchObject({ origin: { value: 0, unit: 'count/min' }, period: 5000, dimensions: 1 });
    const tokens = sampled.data!.split(' ');
    expect(tokens).toHaveLength(720);
    expect([tokens[0], tokens[1], tokens[719]]).toEqual(['61', 'E', '70']);
  });

  it('writes a day of SampledData at 1000 ms: 86,400 slots from midnight to 23:59:59.9999999', () => {
    const group = observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T23:59:59.999Z', {
      hr: [['2019-01-01T12:00:00.000Z', '65']],
    });
    const template = sampledTemplate({
      periodInterval: 1440,
      value: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: 1000, unit: 'count/min' },
    });
    const observation = buildObservation(group, template, identity, ISSUED);
    expect(observation.effectivePeriod?.end).toBe('2019-01-01T23:59:59.9999999Z');
    const tokens = observation.valueSampledData!.data!.split(' ');
    expect(tokens).toHaveLength(86_400);
    expect(tokens[43_200]).toBe('65');
  });

  it('writes a correlation group with its actual boundaries and the correlation id in the identifier', () => {
    const group = observationGroup(
      '2019-01-01T00:00:00.000Z',
      '2019-01-01T00:00:10.000Z',
      { hr: [['2019-01-01T00:00:10.000Z', '5']] },
      { correlationId: 'c-1' },
    );
    const observation = buildObservation(group, sampledTemplate({ periodInterval: -1 }), identity, ISSUED);
    expect(observation.effectivePeriod).toEqual({
      start: '2019-01-01T00:00:00.0000000Z',
      end: '2019-01-01T00:00:10.0000000Z',
    });
    expect(observation.valueSampledData?.data).toBe('E E 5');
    expect(observation.identifier?.[0]?.value).toBe('p1.d1.heartrate.c-1');
  });

  it('leaves the value out when the group lacks the template valueName', () => {
    const group = observationGroup('2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z', {
      other: [['2019-01-01T00:00:00Z', '1']],
    });
    const observation = buildObservation(group, quantityTemplate(), identity, ISSUED);
    expect(Object.keys(observation).filter((k) => k.startsWith('value'))).toEqual([]);
  });

  it('adds a component for each template component whose valueName is present, with the service coding', () => {
    const template = quantityTemplate({
      typeName: 'bloodpressure',
      value: undefined,
      components: [
        {
          codes: [{ code: '8462-4', system: 'http://loinc.org', display: 'Diastolic blood pressure' }],
          value: { valueType: 'Quantity', valueName: 'diastolic', unit: 'mmHg' },
        },
        {
          codes: [{ code: '8480-6', system: 'http://loinc.org', display: 'Systolic blood pressure' }],
          value: { valueType: 'Quantity', valueName: 'systolic', unit: 'mmHg' },
        },
        { codes: [], value: { valueType: 'Quantity', valueName: 'absent' } },
      ],
    });
    const group = observationGroup(
      '2019-01-01T00:00:00Z',
      '2019-01-01T00:00:00Z',
      { systolic: [['2019-01-01T00:00:00Z', '120']], diastolic: [['2019-01-01T00:00:00Z', '80']] },
      { typeName: 'bloodpressure' },
    );
    expect(buildObservation(group, template, identity, ISSUED).component).toEqual([
      {
        code: {
          coding: [
            { system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' },
            { system: SYSTEM, code: 'diastolic', display: 'diastolic' },
          ],
          text: 'diastolic',
        },
        valueQuantity: { value: 80, unit: 'mmHg' },
      },
      {
        code: {
          coding: [
            { system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' },
            { system: SYSTEM, code: 'systolic', display: 'systolic' },
          ],
          text: 'systolic',
        },
        valueQuantity: { value: 120, unit: 'mmHg' },
      },
    ]);
  });

  it('omits component when no component value is present', () => {
    const template = componentOnlyTemplate();
    const group = observationGroup('2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z', {});
    expect(buildObservation(group, template, identity, ISSUED)).not.toHaveProperty('component');
  });

  it('throws InvalidQuantityFhirValue for a component value that is not a number', () => {
    const template = componentOnlyTemplate();
    const group = observationGroup('2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z', {
      x: [['2019-01-01T00:00:00Z', 'n/a']],
    });
    const caught = thrownBy(() => buildObservation(group, template, identity, ISSUED));
    expect(isMedTechError(caught) && caught.name).toBe('InvalidQuantityFhirValue');
  });

  it("uses the group's spelling of the type in code and identifier", () => {
    const group = observationGroup(
      '2019-01-01T00:00:00Z',
      '2019-01-01T00:00:00Z',
      { hr: [['2019-01-01T00:00:00Z', '1']] },
      { typeName: 'HeartRate' },
    );
    const observation = buildObservation(group, quantityTemplate(), identity, ISSUED);
    expect(observation.code.text).toBe('HeartRate');
    expect(observation.code.coding?.[1]).toEqual({ system: SYSTEM, code: 'HeartRate', display: 'HeartRate' });
    expect(observation.identifier?.[0]?.value).toBe('p1.d1.HeartRate.20190101000000Z.20190101000000Z');
  });
});

describe('buildObservation and mergeObservation: the size of an Observation', () => {
  /** A day-long template whose components are SampledData at 100 ms (864,000 slots each), all reading `hr`. */
  function dayOfComponents(count: number): CodeValueFhirTemplate {
    return sampledTemplate({
      periodInterval: 1440,
      value: undefined,
      components: Array.from({ length: count }, () => ({
        codes: [],
        value: { valueType: 'SampledData' as const, valueName: 'hr', defaultPeriod: 100 },
      })),
    });
  }
  const day = (values: Record<string, [string, string][]>) =>
    observationGroup('2023-03-13T00:00:00Z', '2023-03-13T23:59:59.999Z', values);

  it('refuses one whose components together would hold more values than an Observation may, before building', () => {
    // 20 such components: 35 MB of SampledData (200 of them made a 346 MB Observation from a 25 KB mapping).
    const error = thrownBy(() =>
      buildObservation(day({ hr: [['2023-03-13T10:00:00Z', '78']] }), dayOfComponents(20), identity, ISSUED),
    );

    expect(isMedTechError(error) && [error.name, error.stage, error.retriable]).toEqual([
      'IncompatibleData',
      'FHIRConversion',
      false,
    ]);
    expect((error as Error).message).toContain(`more than the ${MAX_OBSERVATION_VALUE_CHARS}`);
  });

  it('refuses one whose String components repeat a long value past the bound', () => {
    const template = quantityTemplate({
      value: undefined,
      components: Array.from({ length: 100 }, () => ({
        codes: [],
        value: { valueType: 'String' as const, valueName: 'note' },
      })),
    });
    const group = observationGroup('2023-03-13T10:00:00Z', '2023-03-13T10:00:00Z', {
      note: [['2023-03-13T10:00:00Z', 'x'.repeat(100_000)]],
    });

    expect(isMedTechError(thrownBy(() => buildObservation(group, template, identity, ISSUED)))).toBe(true);
  });

  it('builds one within the bound, and merges the same values into it again', () => {
    const template = dayOfComponents(4);
    const group = day({ hr: [['2023-03-13T10:00:00Z', '78']] });

    const built = buildObservation(group, template, identity, ISSUED);
    const merged = mergeObservation(built, group, template, identity, ISSUED);

    expect(built.component).toHaveLength(4);
    expect(merged.changed).toBe(false);
  });
});
