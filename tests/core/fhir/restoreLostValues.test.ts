import type { Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { buildObservation } from '../../../shared/core/fhir/buildObservation.js';
import type { CodeValueFhirTemplate } from '../../../shared/core/fhir/contract.js';
import {
  canLoseValuesToReplacement,
  RACING_CREATE_MAX_GAP_MS,
  racingCreateChain,
  restoreLostValues,
} from '../../../shared/core/fhir/restoreLostValues.js';
import { bloodPressureTemplate, observationGroup, quantityTemplate, sampledTemplate } from './support.js';

const identity = { patientId: 'p1', deviceId: 'd1' };
const ISSUED = '2019-01-01T12:00:00.000Z';
const HOUR_START = '2019-01-01T00:00:00.000Z';
const HOUR_END = '2019-01-01T00:59:59.999Z';

/** The version a blind create-by-PUT writes: only its own values, in the hour. */
function version(
  values: Record<string, [string, string][]>,
  versionId: string,
  template: CodeValueFhirTemplate = sampledTemplate(),
): Observation {
  const group = observationGroup(HOUR_START, HOUR_END, values, { typeName: template.typeName });
  return { ...buildObservation(group, template, identity, ISSUED), meta: { versionId } };
}

/** The first `count` SampledData tokens of a value holder. */
function tokens(holder: { valueSampledData?: { data?: string } } | undefined, count = 4): string[] {
  return (holder?.valueSampledData?.data ?? '').split(' ').slice(0, count);
}

describe('restoreLostValues', () => {
  it('changes nothing when the current version is the only one', () => {
    const current = version({ hr: [['2019-01-01T00:00:00Z', '60']] }, '1');

    const result = restoreLostValues(current, [], sampledTemplate(), identity);

    expect(result.changed).toBe(false);
    expect(result.observation).toBe(current);
  });

  it('changes nothing when earlier versions hold nothing the current one lacks', () => {
    const earlier = version({ hr: [['2019-01-01T00:00:00Z', '60']] }, '1');
    const current = version(
      {
        hr: [
          ['2019-01-01T00:00:00Z', '60'],
          ['2019-01-01T00:00:05Z', '61'],
        ],
      },
      '2',
    );

    expect(restoreLostValues(current, [earlier], sampledTemplate(), identity).changed).toBe(false);
  });

  it('puts back the values of every earlier version the current one replaced, keeping its own', () => {
    // Three creators at once: each version holds only its writer's value.
    const first = version({ hr: [['2019-01-01T00:00:00Z', '60']] }, '1');
    const second = version({ hr: [['2019-01-01T00:00:05Z', '61']] }, '2');
    const current = version({ hr: [['2019-01-01T00:00:10Z', '62']] }, '3');

    const result = restoreLostValues(current, [second, first], sampledTemplate(), identity);

    expect(result.changed).toBe(true);
    expect(tokens(result.observation)).toEqual(['60', '61', '62', 'E']);
    expect(result.observation.status).toBe('amended');
    expect(result.observation.issued).toBe(ISSUED);
    expect(result.observation.meta).toEqual({ versionId: '3' });
    expect(result.observation.effectivePeriod).toEqual(current.effectivePeriod);
  });

  it('never overwrites a slot the current version fills, and takes the newest of two lost values', () => {
    const oldest = version({ hr: [['2019-01-01T00:00:05Z', 'oldest']] }, '1');
    const older = version(
      {
        hr: [
          ['2019-01-01T00:00:00Z', 'older'],
          ['2019-01-01T00:00:05Z', 'newer'],
        ],
      },
      '2',
    );
    const current = version({ hr: [['2019-01-01T00:00:00Z', 'current']] }, '3');

    const result = restoreLostValues(current, [older, oldest], sampledTemplate(), identity);

    expect(tokens(result.observation)).toEqual(['current', 'newer', 'E', 'E']);
  });

  it('restores SampledData components, adding one the current version lacks', () => {
    const template = bloodPressureTemplate();
    const earlier = version(
      { systolic: [['2019-01-01T00:00:00Z', '120']], diastolic: [['2019-01-01T00:00:00Z', '80']] },
      '1',
      template,
    );
    const current = version({ systolic: [['2019-01-01T00:00:05Z', '121']] }, '2', template);

    const result = restoreLostValues(current, [earlier], template, identity);

    const components = result.observation.component ?? [];
    expect(components.map((c) => c.code.text)).toEqual(['systolic', 'diastolic']);
    expect(tokens(components[0], 2)).toEqual(['120', '121']);
    expect(tokens(components[1], 2)).toEqual(['80', 'E']);
  });

  it('widens the period to take in a lost value from outside it', () => {
    const template = sampledTemplate({ periodInterval: -1 });
    const at = (start: string, end: string, time: string, value: string, versionId: string): Observation => ({
      ...buildObservation(observationGroup(start, end, { hr: [[time, value]] }), template, identity, ISSUED),
      meta: { versionId },
    });
    const earlier = at('2019-01-01T00:00:00.000Z', '2019-01-01T00:00:10.000Z', '2019-01-01T00:00:00.000Z', '60', '1');
    const current = at('2019-01-01T00:00:10.000Z', '2019-01-01T00:00:20.000Z', '2019-01-01T00:00:20.000Z', '64', '2');

    const result = restoreLostValues(current, [earlier], template, identity);

    expect(result.observation.effectivePeriod).toEqual({
      start: '2019-01-01T00:00:00.0000000Z',
      end: '2019-01-01T00:00:20.0000000Z',
    });
    expect(tokens(result.observation, 5)).toEqual(['60', 'E', 'E', 'E', '64']);
  });

  it('puts back a component of another type that the current version lacks, from the newest version holding it', () => {
    // A SampledData heart rate with a String status: only the first two writers had a status.
    const template = sampledTemplate({
      components: [{ codes: [], value: { valueType: 'String', valueName: 'status' } }],
    });
    const first = version(
      { hr: [['2019-01-01T00:00:00Z', '60']], status: [['2019-01-01T00:00:00Z', 'ok']] },
      '1',
      template,
    );
    const second = version(
      { hr: [['2019-01-01T00:00:05Z', '61']], status: [['2019-01-01T00:00:05Z', 'low']] },
      '2',
      template,
    );
    const current = version({ hr: [['2019-01-01T00:00:10Z', '62']] }, '3', template);

    const result = restoreLostValues(current, [second, first], template, identity);

    expect(result.changed).toBe(true);
    expect(tokens(result.observation, 3)).toEqual(['60', '61', '62']);
    expect(result.observation.component?.map((c) => c.valueString)).toEqual(['low']);
    expect(result.observation.status).toBe('amended');
    expect(current.component).toBeUndefined();
  });

  it('puts back the main value of another type when the current version has none, keeping its components', () => {
    const template = quantityTemplate({
      components: [{ codes: [], value: { valueType: 'String', valueName: 'status' } }],
    });
    const at = '2019-01-01T00:00:00Z';
    const earlier = version({ hr: [[at, '60']], status: [[at, 'ok']] }, '1', template);
    const current = version({ status: [[at, 'warn']] }, '2', template);

    const result = restoreLostValues(current, [earlier], template, identity);

    expect(result.changed).toBe(true);
    expect(result.observation.valueQuantity?.value).toBe(60);
    expect(result.observation.component?.map((c) => c.valueString)).toEqual(['warn']);
    expect(result.observation.effectivePeriod).toEqual(current.effectivePeriod);
  });

  it('widens the period to the version a value of another type is taken from', () => {
    const template = sampledTemplate({
      components: [{ codes: [], value: { valueType: 'String', valueName: 'status' } }],
    });
    const earlier = {
      ...version({ status: [['2019-01-01T00:00:00Z', 'ok']] }, '1', template),
      effectivePeriod: { start: '2018-12-31T23:00:00.000Z', end: HOUR_END },
    };
    const current = version({ hr: [['2019-01-01T00:00:10Z', '62']] }, '2', template);

    const result = restoreLostValues(current, [earlier], template, identity);

    expect(result.observation.effectivePeriod?.start).toBe('2018-12-31T23:00:00.0000000Z');
    expect(result.observation.component?.map((c) => c.valueString)).toEqual(['ok']);
  });

  it('leaves values of other types as the current version has them', () => {
    const template = quantityTemplate();
    const earlier = version({ hr: [['2019-01-01T00:00:00Z', '60']] }, '1', template);
    const current = version({ hr: [['2019-01-01T00:00:00Z', '61']] }, '2', template);

    const result = restoreLostValues(current, [earlier], template, identity);

    expect(result.changed).toBe(false);
    expect(result.observation.valueQuantity?.value).toBe(61);
  });

  it('tells which templates can lose values to a replacing create', () => {
    const status: CodeValueFhirTemplate['components'][number] = {
      codes: [],
      value: { valueType: 'String', valueName: 'status' },
    };

    expect(canLoseValuesToReplacement(sampledTemplate())).toBe(true);
    expect(canLoseValuesToReplacement(quantityTemplate())).toBe(false);
    expect(canLoseValuesToReplacement(quantityTemplate({ components: [status] }))).toBe(true);
    expect(canLoseValuesToReplacement(quantityTemplate({ value: undefined, components: [status] }))).toBe(false);
  });
});

describe('racingCreateChain', () => {
  const T = Date.parse('2019-01-01T01:00:00.000Z');
  const MINUTE = 60_000;

  /** A version written `msAfterT` after T (no `meta.lastUpdated` when undefined), with one heart rate. */
  function written(
    versionId: string,
    msAfterT: number | undefined,
    value: [string, string],
    status: Observation['status'] = 'final',
  ): Observation {
    const built = version({ hr: [value] }, versionId);
    return {
      ...built,
      status,
      meta: msAfterT === undefined ? { versionId } : { versionId, lastUpdated: new Date(T + msAfterT).toISOString() },
    };
  }

  it('takes every final version of a chain of creates written close together', () => {
    const first = written('1', 0, ['2019-01-01T00:00:00Z', '60']);
    const second = written('2', 2_000, ['2019-01-01T00:00:05Z', '61']);
    const current = written('3', 5_000, ['2019-01-01T00:00:10Z', '62']);

    expect(racingCreateChain(current, [second, first])).toEqual([second, first]);
  });

  it('stops at a version written longer than the bound before the version after it', () => {
    const G = RACING_CREATE_MAX_GAP_MS;
    const hr = (time: string): [string, string] => [`2019-01-01T00:00:${time}Z`, time];
    const created = written('1', 0, hr('00'));

    // Each version is compared with the one after it, not with the current one: created is more than the bound
    // before the current version, but exactly the bound before the second.
    const second = written('2', G, hr('05'));
    expect(racingCreateChain(written('3', G + 1_000, hr('10')), [second, created])).toEqual([second, created]);
    expect(racingCreateChain(written('3', 2 * G + 1, hr('10')), [second, created])).toEqual([]);

    const secondLater = written('2', G + 1, hr('05'));
    expect(racingCreateChain(written('3', G + 1_000, hr('10')), [secondLater, created])).toEqual([secondLater]);
  });

  it('stops at a version that is not final (a merge), taking nothing before it', () => {
    const created = written('1', 0, ['2019-01-01T00:00:00Z', '60']);
    const merged = written('2', MINUTE, ['2019-01-01T00:00:05Z', '61'], 'amended');
    const current = written('3', 2 * MINUTE, ['2019-01-01T00:00:10Z', '62']);

    expect(racingCreateChain(current, [merged, created])).toEqual([]);
  });

  it('takes a restore or merge a later create wrote over (its own issued), and nothing before that merge', () => {
    const created = written('1', 0, ['2019-01-01T00:00:00Z', '60']);
    const restored = written('2', MINUTE, ['2019-01-01T00:00:05Z', '61'], 'amended');
    // A racing create: its flush began (its issued) before the version it replaced was written.
    const replacing = { ...written('3', 2 * MINUTE, ['2019-01-01T00:00:10Z', '62']), issued: '2019-01-01T00:59:00Z' };
    // A user's edit keeps the stored issued, or re-issues the Observation when it is saved: not taken for a create.
    const edited = { ...written('3', 2 * MINUTE, ['2019-01-01T00:00:10Z', '62']), issued: restored.issued };
    const reissued = { ...edited, issued: new Date(T + 2 * MINUTE).toISOString() };

    expect(racingCreateChain(replacing, [restored, created])).toEqual([restored]);
    expect(racingCreateChain(edited, [restored, created])).toEqual([]);
    expect(racingCreateChain(reissued, [restored, created])).toEqual([]);
    expect(tokens(restoreLostValues(replacing, [restored], sampledTemplate(), identity).observation, 3)).toEqual([
      'E',
      '61',
      '62',
    ]);
  });

  it('takes a final version when either of the two has no lastUpdated, as before the bound', () => {
    const created = written('1', undefined, ['2019-01-01T00:00:00Z', '60']);
    const second = written('2', 0, ['2019-01-01T00:00:05Z', '61']);
    const current = written('3', undefined, ['2019-01-01T00:00:10Z', '62']);
    const late = written('3', RACING_CREATE_MAX_GAP_MS + 1, ['2019-01-01T00:00:10Z', '62']);

    expect(racingCreateChain(current, [second, created])).toEqual([second, created]);
    expect(racingCreateChain(late, [created])).toEqual([created]);
    expect(racingCreateChain(late, [second, created])).toEqual([]);
    // Still not past a merge.
    expect(racingCreateChain(current, [{ ...created, status: 'amended' }])).toEqual([]);
  });

  it('leaves a value a user removed later than the bound removed, and restores one a racing create took', () => {
    const created = written('1', 0, ['2019-01-01T00:00:05Z', '999']);
    const corrected = written('2', 20 * MINUTE, ['2019-01-01T00:00:00Z', '70']);
    const replacing = written('2', 10_000, ['2019-01-01T00:00:00Z', '70']);
    const restore = (current: Observation) =>
      restoreLostValues(current, racingCreateChain(current, [created]), sampledTemplate(), identity);

    expect(restore(corrected).changed).toBe(false);
    expect(tokens(restore(replacing).observation, 2)).toEqual(['70', '999']);
  });
});
