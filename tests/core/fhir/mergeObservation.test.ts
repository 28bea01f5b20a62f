import type { Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { buildObservation } from '../../../shared/core/fhir/buildObservation.js';
import { isDeepEqual, mergeObservation } from '../../../shared/core/fhir/mergeObservation.js';
import type { MergeResult } from '../../../shared/core/fhir/contract.js';
import { stringifyFhirJson } from '../../../shared/core/fhir/fhirJson.js';
import { bloodPressureTemplate, observationGroup, quantityTemplate, sampledTemplate } from './support.js';

const SYSTEM = 'https://azure.microsoft.com/en-us/services/iomt-fhir-connector/';
const identity = { patientId: 'p1', deviceId: 'd1' };
const FIRST = '2019-01-01T01:00:00.000Z';
const SECOND = '2019-01-01T02:00:00.000Z';

/** A SampledData template at 5 s per slot, folded per correlation id (boundaries follow the data). */
const correlationTemplate = sampledTemplate({ periodInterval: -1 });

function stored(observation: Observation): Observation {
  return { ...observation, meta: { versionId: '1', lastUpdated: FIRST } };
}

describe('mergeObservation', () => {
  it('is a no-op when the same data is processed again', () => {
    const group = observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', {
      hr: [
        ['2019-01-01T00:00:00.000Z', '60'],
        ['2019-01-01T00:30:00.000Z', '61'],
      ],
    });
    const existing = stored(buildObservation(group, sampledTemplate(), identity, FIRST));
    const result = mergeObservation(existing, group, sampledTemplate(), identity, SECOND);
    expect(result.changed).toBe(false);
    expect(result.observation).toEqual(existing);
    expect(result.observation.issued).toBe(FIRST);
  });

  it('adds new values into the existing hour and marks it amended, keeping issued as MedTech does', () => {
    const first = observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', {
      hr: [['2019-01-01T00:00:00.000Z', '60']],
    });
    const existing = stored(buildObservation(first, sampledTemplate(), identity, FIRST));
    const second = observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', {
      hr: [['2019-01-01T00:00:05.000Z', '61']],
    });
    const result = mergeObservation(existing, second, sampledTemplate(), identity, SECOND);
    expect(result.changed).toBe(true);
    expect(result.observation.status).toBe('amended');
    expect(result.observation.issued).toBe(FIRST);
    expect(result.observation.meta).toEqual(existing.meta);
    expect(result.observation.id).toBe(existing.id);
    const tokens = result.observation.valueSampledData!.data!.split(' ');
    expect(tokens).toHaveLength(720);
    expect(tokens.slice(0, 3)).toEqual(['60', '61', 'E']);
    expect(result.observation.effectivePeriod).toEqual(existing.effectivePeriod);
    expect(existing.status).toBe('final'); // the input is not mutated
  });

  it('lets a new value win a collision with an existing one', () => {
    const group = (value: string): ReturnType<typeof observationGroup> =>
      observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', {
        hr: [['2019-01-01T00:00:10.000Z', value]],
      });
    const existing = stored(buildObservation(group('old'), sampledTemplate(), identity, FIRST));
    const result = mergeObservation(existing, group('new'), sampledTemplate(), identity, SECOND);
    expect(result.observation.valueSampledData!.data!.split(' ')[2]).toBe('new');
  });

  it('extends the period and the data before and after the existing boundaries', () => {
    const existing = stored(
      buildObservation(
        observationGroup(
          '2019-01-01T00:00:10.000Z',
          '2019-01-01T00:00:20.000Z',
          {
            hr: [
              ['2019-01-01T00:00:10.000Z', '10'],
              ['2019-01-01T00:00:20.000Z', '20'],
            ],
          },
          { correlationId: 'c1' },
        ),
        correlationTemplate,
        identity,
        FIRST,
      ),
    );
    expect(existing.valueSampledData?.data).toBe('10 E 20');
    const result = mergeObservation(
      existing,
      observationGroup(
        '2019-01-01T00:00:00.000Z',
        '2019-01-01T00:00:30.000Z',
        {
          hr: [
            ['2019-01-01T00:00:00.000Z', '0'],
            ['2019-01-01T00:00:30.000Z', '30'],
          ],
        },
        { correlationId: 'c1' },
      ),
      correlationTemplate,
      identity,
      SECOND,
    );
    expect(result.observation.effectivePeriod).toEqual({
      start: '2019-01-01T00:00:00.0000000Z',
      end: '2019-01-01T00:00:30.0000000Z',
    });
    expect(result.observation.valueSampledData?.data).toBe('0 E 10 E 20 E 30');
  });

  it('keeps the stored boundary texts when they are not extended', () => {
    const existing: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'heartrate' },
      effectivePeriod: { start: '2019-01-01T00:00:00Z', end: '2019-01-01T00:59:59.9999999+00:00' },
      valueSampledData: { origin: { value: 0, unit: 'count/min' }, period: 5000, dimensions: 1, data: '60' },
    };
    const group = observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', {
      hr: [['2019-01-01T00:00:05.000Z', '61']],
    });
    const result = mergeObservation(existing, group, sampledTemplate(), identity, SECOND);
    expect(result.observation.effectivePeriod).toEqual(existing.effectivePeriod);
    expect(result.observation.valueSampledData?.data?.split(' ').slice(0, 3)).toEqual(['60', '61', 'E']);
  });

  it('reads the existing data from the existing start with the template period and drops E', () => {
    const existing: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'heartrate' },
      effectivePeriod: { start: '2019-01-01T00:00:10.0000000Z', end: '2019-01-01T00:00:20.0000000Z' },
      valueSampledData: { origin: { value: 0 }, period: 5000, dimensions: 1, data: 'E 15 E' },
    };
    const group = observationGroup(
      '2019-01-01T00:00:00.000Z',
      '2019-01-01T00:00:00.000Z',
      { hr: [['2019-01-01T00:00:00.000Z', '0']] },
      { correlationId: 'c1' },
    );
    const result = mergeObservation(existing, group, correlationTemplate, identity, SECOND);
    expect(result.observation.valueSampledData).toEqual({
      origin: { value: 0, unit: 'count/min' },
      period: 5000,
      dimensions: 1,
      data: '0 E E 15 E',
    });
  });

  it('replaces a Quantity value and is a no-op when it is the same', () => {
    const group = (value: string): ReturnType<typeof observationGroup> =>
      observationGroup('2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z', { hr: [['2019-01-01T00:00:00Z', value]] });
    const existing = stored(buildObservation(group('78'), quantityTemplate(), identity, FIRST));
    expect(mergeObservation(existing, group('78.0'), quantityTemplate(), identity, SECOND).changed).toBe(false);
    const changed = mergeObservation(existing, group('80'), quantityTemplate(), identity, SECOND);
    expect(changed.changed).toBe(true);
    expect(changed.observation.valueQuantity?.value).toBe(80);
    expect(changed.observation.status).toBe('amended');
  });

  it('replaces the category from the template, removing it when the template has none', () => {
    const group = observationGroup('2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z', {
      hr: [['2019-01-01T00:00:00Z', '1']],
    });
    const withCategory = quantityTemplate({ category: [{ text: 'vital', codes: [] }] });
    const existing = stored(buildObservation(group, withCategory, identity, FIRST));
    const result = mergeObservation(existing, group, quantityTemplate(), identity, SECOND);
    expect(result.changed).toBe(true);
    expect(result.observation).not.toHaveProperty('category');
    const readded = mergeObservation(result.observation, group, withCategory, identity, SECOND);
    expect(readded.observation.category).toEqual([{ text: 'vital' }]);
  });

  it('adds a missing component and merges an existing one found by its service coding', () => {
    const template = bloodPressureTemplate();
    const hour = (values: Record<string, [string, string][]>): ReturnType<typeof observationGroup> =>
      observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', values, { typeName: 'bp' });
    const existing = stored(
      buildObservation(hour({ systolic: [['2019-01-01T00:00:00Z', '120']] }), template, identity, FIRST),
    );
    expect(existing.component).toHaveLength(1);
    const result = mergeObservation(
      existing,
      hour({ systolic: [['2019-01-01T00:00:05Z', '121']], diastolic: [['2019-01-01T00:00:05Z', '81']] }),
      template,
      identity,
      SECOND,
    );
    const components = result.observation.component!;
    expect(components.map((c) => c.code.text)).toEqual(['systolic', 'diastolic']);
    expect(components[0]!.valueSampledData!.data!.split(' ').slice(0, 2)).toEqual(['120', '121']);
    expect(components[1]!.valueSampledData!.data!.split(' ').slice(0, 2)).toEqual(['E', '81']);
    expect(components[1]!.code.coding).toContainEqual({ system: SYSTEM, code: 'diastolic', display: 'diastolic' });
  });

  /** Merges one heart rate at `from` (the group spans `from`…`to`) into a stored Quantity Observation. */
  function mergeHeartRateInto(effective: Partial<Observation>, from: string, to: string): MergeResult {
    const existing: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'heartrate' },
      ...effective,
      valueQuantity: { value: 1 },
    };
    const group = observationGroup(from, to, { hr: [[from, '1']] });
    const template = quantityTemplate({ value: { valueType: 'Quantity', valueName: 'hr' } });
    return mergeObservation(existing, group, template, identity, SECOND);
  }

  it('turns an effectiveDateTime into the union effectivePeriod', () => {
    const result = mergeHeartRateInto(
      { effectiveDateTime: '2019-01-01T00:00:00Z' },
      '2019-01-01T00:00:00Z',
      '2019-01-01T00:00:00Z',
    );
    expect(result.changed).toBe(true);
    expect(result.observation).not.toHaveProperty('effectiveDateTime');
    expect(result.observation.effectivePeriod).toEqual({ start: '2019-01-01T00:00:00Z', end: '2019-01-01T00:00:00Z' });
  });

  // MedTech fails on each of these (its period reader needs a start and an end, or a dateTime); here the time that is
  // there stands for the one that is not, and an Observation with none takes the group's boundaries.
  it.each([
    [
      'a period with a start only',
      { effectivePeriod: { start: '2019-01-01T00:10:00Z' } },
      { start: '2019-01-01T00:10:00Z', end: '2019-01-01T00:25:00.0000000Z' },
    ],
    [
      'a period with an end only',
      { effectivePeriod: { end: '2019-01-01T00:30:00Z' } },
      { start: '2019-01-01T00:20:00.0000000Z', end: '2019-01-01T00:30:00Z' },
    ],
    [
      'an effectiveInstant',
      { effectiveInstant: '2019-01-01T00:10:00Z' },
      { start: '2019-01-01T00:10:00Z', end: '2019-01-01T00:25:00.0000000Z' },
    ],
    [
      'a period whose times cannot be read',
      { effectivePeriod: { start: 'soon' } },
      { start: '2019-01-01T00:20:00.0000000Z', end: '2019-01-01T00:25:00.0000000Z' },
    ],
    ['no effective time', {}, { start: '2019-01-01T00:20:00.0000000Z', end: '2019-01-01T00:25:00.0000000Z' }],
  ] as const)('widens the effective time of %s to the union effectivePeriod', (_what, effective, period) => {
    const result = mergeHeartRateInto(effective, '2019-01-01T00:20:00Z', '2019-01-01T00:25:00Z');
    expect(result.observation).not.toHaveProperty('effectiveInstant');
    expect(result.observation.effectivePeriod).toEqual(period);
  });

  it('replaces a value of another type with the template type', () => {
    const existing: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'heartrate' },
      effectivePeriod: { start: '2019-01-01T00:00:00.0000000Z', end: '2019-01-01T00:00:00.0000000Z' },
      valueString: '78',
    };
    const group = observationGroup('2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z', {
      hr: [['2019-01-01T00:00:00Z', '78']],
    });
    const result = mergeObservation(existing, group, quantityTemplate(), identity, SECOND);
    expect(result.observation).not.toHaveProperty('valueString');
    expect(result.observation.valueQuantity?.value).toBe(78);
  });

  it('replaces a stored SampledData of more than one dimension, as a value of another type (MedTech failed)', () => {
    const group = observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', {
      hr: [['2019-01-01T00:00:05.000Z', '71']],
    });
    const built = buildObservation(group, sampledTemplate(), identity, FIRST);
    const twoDimensions = `70 80 ${'E '.repeat(1438)}`.trimEnd();
    const existing = stored({
      ...built,
      valueSampledData: { ...built.valueSampledData!, dimensions: 2, data: twoDimensions },
    });
    const result = mergeObservation(existing, group, sampledTemplate(), identity, SECOND);
    expect(result.changed).toBe(true);
    expect(result.observation.valueSampledData?.dimensions).toBe(1);
    expect(result.observation.valueSampledData?.data?.split(' ').slice(0, 3)).toEqual(['E', '71', 'E']);
  });
});

describe('isDeepEqual', () => {
  it('ignores key order and undefined members but not array order', () => {
    expect(isDeepEqual({ a: 1, b: [1, 2], c: undefined }, { b: [1, 2], a: 1 })).toBe(true);
    expect(isDeepEqual({ b: [2, 1] }, { b: [1, 2] })).toBe(false);
    expect(isDeepEqual({ a: { x: 1 } }, { a: { x: 2 } })).toBe(false);
    expect(isDeepEqual([], {})).toBe(false);
  });
});

describe('mergeObservation with a great many components', () => {
  // A template may hold tens of thousands of components within the mapping size bound: searching the stored list for
  // each and copying it for each addition was quadratic (31 s for 40,000), this many would pass the test timeout.
  it('merges 100,000 components, half of them stored, in one pass', () => {
    const components = 100_000;
    const template = quantityTemplate({
      value: undefined,
      components: Array.from({ length: components }, (_, i) => ({
        codes: [],
        value: { valueType: 'String' as const, valueName: `v${i}` },
      })),
    });
    const at = '2019-01-01T00:00:00Z';
    const values = (from: number, to: number): Record<string, [string, string][]> =>
      Object.fromEntries(Array.from({ length: to - from }, (_, i) => [`v${from + i}`, [[at, `x${from + i}`]]]));
    const stored = buildObservation(observationGroup(at, at, values(0, components / 2)), template, identity, FIRST);

    const result = mergeObservation(
      stored,
      observationGroup(at, at, values(0, components)),
      template,
      identity,
      SECOND,
    );

    expect(result.changed).toBe(true);
    expect(result.observation.component).toHaveLength(components);
    expect(result.observation.component?.[components - 1]?.valueString).toBe(`x${components - 1}`);
    expect(stored.component).toHaveLength(components / 2);
  });
});

describe('mergeObservation and decimal text', () => {
  // Heart rate as SampledData, with the temperature as a Quantity component.
  const template = sampledTemplate({
    components: [{ codes: [], value: { valueType: 'Quantity', valueName: 'temp', unit: 'Cel' } }],
  });
  const hour = (values: Record<string, [string, string][]>): ReturnType<typeof observationGroup> =>
    observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', values);
  const temperatureOf = (observation: Observation): string | undefined =>
    /"valueQuantity":\{"value":([^,}]+)/.exec(stringifyFhirJson(observation) ?? '')?.[1];
  const mergeInto = (existing: Observation, values: Record<string, [string, string][]>): MergeResult =>
    mergeObservation(existing, hour(values), template, identity, SECOND);

  it("keeps a component's decimal text through a merge that leaves it, and takes the new one's", () => {
    const existing = stored(
      buildObservation(
        hour({ hr: [['2019-01-01T00:00:00.000Z', '60']], temp: [['2019-01-01T00:00:00.000Z', '36.60']] }),
        template,
        identity,
        FIRST,
      ),
    );
    expect(temperatureOf(existing)).toBe('36.60');

    const heartRateOnly = mergeInto(existing, { hr: [['2019-01-01T00:00:05.000Z', '61']] });
    expect(heartRateOnly.changed).toBe(true);
    expect(temperatureOf(heartRateOnly.observation)).toBe('36.60');

    const newTemperature = mergeInto(heartRateOnly.observation, { temp: [['2019-01-01T00:10:00.000Z', '36.70']] });
    expect(temperatureOf(newTemperature.observation)).toBe('36.70');
  });

  it('is a no-op when only the written digits differ (37.5 stored, "37.50" read): the value is the same', () => {
    const existing = stored(
      buildObservation(hour({ temp: [['2019-01-01T00:00:00.000Z', '37.5']] }), template, identity, FIRST),
    );
    const again = mergeInto(existing, { temp: [['2019-01-01T00:00:00.000Z', '37.50']] });
    expect(again.changed).toBe(false);
    expect(temperatureOf(again.observation)).toBe('37.5');
  });
});
