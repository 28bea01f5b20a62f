import { describe, expect, it } from 'vitest';
import type { MeasurementGroup, ObservationGroup } from '../../../shared/core/fhir/contract.js';
import {
  measurementsByObservationGroup,
  planObservationGroups,
} from '../../../shared/core/fhir/planObservationGroups.js';
import { MedTechError } from '../../../shared/core/errors.js';
import type { Measurement } from '../../../shared/core/measurement.js';
import { measurement, ms, quantityTemplate, sampledTemplate } from './support.js';

function groupOf(measurements: Measurement[], correlationId?: string): MeasurementGroup {
  const key = { deviceId: 'd1', type: 'heartrate', patientId: 'p1' };
  return { key: correlationId === undefined ? key : { ...key, correlationId }, measurements };
}

function summary(groups: ObservationGroup[]): { start: string; end: string; hr: string[] }[] {
  return groups.map((g) => ({
    start: new Date(g.start).toISOString(),
    end: new Date(g.end).toISOString(),
    hr: (g.values.get('hr') ?? []).map((v) => `${new Date(v.time).toISOString()}=${v.value}`),
  }));
}

describe('planObservationGroups', () => {
  it('makes one group per distinct timestamp for periodInterval 0', () => {
    const groups = planObservationGroups(
      groupOf([measurement('2019-01-01T00:00:00Z', { hr: '60' }), measurement('2019-01-01T00:00:05Z', { hr: '61' })]),
      sampledTemplate({ periodInterval: 0 }),
    );
    expect(summary(groups)).toEqual([
      { start: '2019-01-01T00:00:00.000Z', end: '2019-01-01T00:00:00.000Z', hr: ['2019-01-01T00:00:00.000Z=60'] },
      { start: '2019-01-01T00:00:05.000Z', end: '2019-01-01T00:00:05.000Z', hr: ['2019-01-01T00:00:05.000Z=61'] },
    ]);
  });

  it('keeps the first value of a valueName a measurement repeats, as MedTech does, for every template kind', () => {
    const repeating: Measurement = {
      ...measurement('2019-01-01T00:00:00Z', {}),
      properties: [
        { name: 'hr', value: 'first' },
        { name: 'hr', value: 'fallback' },
      ],
    };
    for (const template of [sampledTemplate({ periodInterval: 60 }), quantityTemplate()]) {
      expect(summary(planObservationGroups(groupOf([repeating]), template))[0]?.hr).toEqual([
        '2019-01-01T00:00:00.000Z=first',
      ]);
    }
  });

  it('folds SampledData into UTC hours from hh:00:00.000 to hh:59:59.999', () => {
    const groups = planObservationGroups(
      groupOf([
        measurement('2019-01-01T00:00:00.000Z', { hr: 'a' }),
        measurement('2019-01-01T00:59:59.999Z', { hr: 'b' }),
        measurement('2019-01-01T01:00:00.000Z', { hr: 'c' }),
      ]),
      sampledTemplate({ periodInterval: 60 }),
    );
    expect(summary(groups)).toEqual([
      {
        start: '2019-01-01T00:00:00.000Z',
        end: '2019-01-01T00:59:59.999Z',
        hr: ['2019-01-01T00:00:00.000Z=a', '2019-01-01T00:59:59.999Z=b'],
      },
      { start: '2019-01-01T01:00:00.000Z', end: '2019-01-01T01:59:59.999Z', hr: ['2019-01-01T01:00:00.000Z=c'] },
    ]);
  });

  it('folds SampledData into UTC days, splitting at midnight', () => {
    const groups = planObservationGroups(
      groupOf([
        measurement('2019-01-01T23:59:59.999Z', { hr: 'a' }),
        measurement('2019-01-02T00:00:00.000Z', { hr: 'b' }),
        measurement('2019-01-01T00:00:00.000Z', { hr: 'c' }),
      ]),
      sampledTemplate({ periodInterval: 1440 }),
    );
    expect(summary(groups).map(({ start, end, hr }) => [start, end, hr.length])).toEqual([
      ['2019-01-01T00:00:00.000Z', '2019-01-01T23:59:59.999Z', 2],
      ['2019-01-02T00:00:00.000Z', '2019-01-02T23:59:59.999Z', 1],
    ]);
  });

  it('uses UTC even when the measurement time was written with an offset', () => {
    const groups = planObservationGroups(
      groupOf([measurement('2019-01-01T00:30:00+02:00', { hr: 'a' })]),
      sampledTemplate({ periodInterval: 1440 }),
    );
    expect(new Date(groups[0]!.start).toISOString()).toBe('2018-12-31T00:00:00.000Z');
  });

  it('makes one group per correlation id spanning the min..max occurrence time for -1', () => {
    const groups = planObservationGroups(
      groupOf(
        [measurement('2019-01-01T00:00:10Z', { hr: 'a' }), measurement('2019-01-01T03:00:00Z', { hr: 'b' })],
        'session-1',
      ),
      sampledTemplate({ periodInterval: -1 }),
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({
      correlationId: 'session-1',
      start: ms('2019-01-01T00:00:10Z'),
      end: ms('2019-01-01T03:00:00Z'),
    });
  });

  it('spans a correlation group of 200,000 measurements without exhausting the stack', () => {
    const base = ms('2019-01-01T00:00:00Z');
    const measurements = Array.from({ length: 200_000 }, (_, i) =>
      measurement(new Date(base + i * 1000).toISOString(), { hr: String(i % 100) }),
    );
    const [group] = planObservationGroups(groupOf(measurements, 'c'), sampledTemplate({ periodInterval: -1 }));
    expect([group!.start, group!.end]).toEqual([base, base + 199_999_000]);
    expect(group!.values.get('hr')).toHaveLength(200_000);
  });

  it('throws CorrelationIdNotDefined for -1 without a correlation id', () => {
    const run = (): unknown =>
      planObservationGroups(
        groupOf([measurement('2019-01-01T00:00:00Z', { hr: 'a' })]),
        sampledTemplate({ periodInterval: -1 }),
      );
    expect(run).toThrow(MedTechError);
    try {
      run();
    } catch (error) {
      expect(error).toMatchObject({
        name: 'CorrelationIdNotDefined',
        stage: 'FHIRConversion',
        severity: 'non-blocking',
      });
    }
  });

  it('throws CorrelationIdNotDefined for a blank correlation id', () => {
    expect(() =>
      planObservationGroups(
        groupOf([measurement('2019-01-01T00:00:00Z', { hr: 'a' })], '  '),
        sampledTemplate({ periodInterval: -1 }),
      ),
    ).toThrow(/correlation id/);
  });

  it('takes a correlation id of a byte-order mark alone, which .NET does not count as white space, as MedTech does', () => {
    const [group] = planObservationGroups(
      groupOf([measurement('2019-01-01T00:00:00Z', { hr: 'a' })], '\uFEFF'),
      sampledTemplate({ periodInterval: -1 }),
    );
    expect(group?.correlationId).toBe('\uFEFF');
    expect(() =>
      planObservationGroups(
        groupOf([measurement('2019-01-01T00:00:00Z', { hr: 'a' })], '\u2028\u3000'),
        sampledTemplate({ periodInterval: -1 }),
      ),
    ).toThrow(/correlation id/);
  });

  it('never folds a template without SampledData, whatever its periodInterval (issue #82)', () => {
    const measurements = [
      measurement('2019-01-01T00:00:00Z', { hr: '60' }),
      measurement('2019-01-01T00:30:00Z', { hr: '61' }),
    ];
    for (const periodInterval of [60, 1440, -1] as const) {
      const groups = planObservationGroups(groupOf(measurements), quantityTemplate({ periodInterval }));
      expect(groups.map((g) => [g.start, g.end, g.correlationId])).toEqual([
        [ms('2019-01-01T00:00:00Z'), ms('2019-01-01T00:00:00Z'), undefined],
        [ms('2019-01-01T00:30:00Z'), ms('2019-01-01T00:30:00Z'), undefined],
      ]);
    }
  });

  it('folds a template whose SampledData is in a component', () => {
    const template = quantityTemplate({
      periodInterval: 60,
      value: undefined,
      components: [{ codes: [], value: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: 1000 } }],
    });
    const groups = planObservationGroups(
      groupOf([measurement('2019-01-01T00:00:00Z', { hr: '1' }), measurement('2019-01-01T00:30:00Z', { hr: '2' })]),
      template,
    );
    expect(groups).toHaveLength(1);
  });

  it('collects every property by name and uses the group type spelling', () => {
    const groups = planObservationGroups(
      {
        key: { deviceId: 'd1', type: 'BloodPressure' },
        measurements: [measurement('2019-01-01T00:00:00Z', { systolic: '120', diastolic: '80' })],
      },
      quantityTemplate({ typeName: 'bloodpressure' }),
    );
    expect(groups[0]!.typeName).toBe('BloodPressure');
    expect([...groups[0]!.values.keys()]).toEqual(['systolic', 'diastolic']);
  });
});

describe('measurementsByObservationGroup', () => {
  it('gives each observation group the measurements inside its boundaries', () => {
    const inside = (group: MeasurementGroup, o: ObservationGroup): Measurement[] =>
      group.measurements.filter((m) => {
        const time = Date.parse(m.occurrenceTimeUtc);
        return time >= o.start && time <= o.end;
      });
    const measurements = ['00:00:00', '00:59:59', '01:00:00', '03:30:00', '03:30:00'].map((t, i) =>
      measurement(`2019-01-01T${t}Z`, { hr: String(i) }),
    );
    for (const template of [sampledTemplate(), sampledTemplate({ periodInterval: 0 }), quantityTemplate()]) {
      const group = groupOf(measurements, 'c1');
      const observationGroups = planObservationGroups(group, template);

      expect(measurementsByObservationGroup(group, observationGroups)).toEqual(
        observationGroups.map((o) => inside(group, o)),
      );
    }
    const series = groupOf(measurements, 'c1');
    const one = planObservationGroups(series, sampledTemplate({ periodInterval: -1 }));
    expect(measurementsByObservationGroup(series, one)).toEqual([measurements]);
  });

  it('reads each measurement time once, however many observation groups there are', () => {
    // 3,000 timestamps, each its own Observation: filtering the group per failed Observation read 9,000,000 times.
    let reads = 0;
    const measurements = Array.from({ length: 3_000 }, (_, i) => {
      const time = new Date(Date.UTC(2019, 0, 1) + i * 1000).toISOString();
      return Object.defineProperty(measurement(time, { hr: 'x' }), 'occurrenceTimeUtc', {
        get: () => {
          reads += 1;
          return time;
        },
        enumerable: true,
      });
    });
    const group = groupOf(measurements);
    const observationGroups = planObservationGroups(group, quantityTemplate());
    reads = 0;

    const lists = measurementsByObservationGroup(group, observationGroups);

    expect(lists.map((list) => list.length)).toEqual(Array<number>(3_000).fill(1));
    expect(reads).toBe(3_000);
  });
});
