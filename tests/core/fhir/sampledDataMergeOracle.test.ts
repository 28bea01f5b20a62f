/**
 * SampledData creation and merge against MedTech's algorithm (reference-behaviour §3.3, §3.4), restated here
 * independently and run on seeded random groups: slots are filled from the period start, the last value of a slot
 * in time order wins; on a merge the stored data is read back from the stored start (a value per slot, at the slot's
 * start), merged by time with the new values (a new value wins an exact collision) and laid out again over the union
 * of the boundaries. Users' Observations written by MedTech must merge exactly as MedTech would have merged them.
 */
import type { Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { buildObservation } from '../../../shared/core/fhir/buildObservation.js';
import type { CodeValueFhirTemplate, ObservationGroup } from '../../../shared/core/fhir/contract.js';
import { mergeObservation } from '../../../shared/core/fhir/mergeObservation.js';
import { ms, sampledTemplate } from './support.js';
import { seededRandom } from '../../support/seededRandom.js';

/** A value at a time (epoch ms). */
type TimedText = readonly [time: number, value: string];

/** The data stream MedTech lays out: one token per period from `start` while the slot start is not past `end`. */
function layOut(values: readonly TimedText[], start: number, end: number, period: number): string {
  const sorted = [...values].sort((a, b) => a[0] - b[0]);
  const tokens: string[] = [];
  let i = 0;
  for (let slot = start; slot <= end; slot += period) {
    let token = 'E';
    while (i < sorted.length && (sorted[i] as TimedText)[0] < slot + period) {
      token = (sorted[i] as TimedText)[1];
      i++;
    }
    tokens.push(token);
  }
  return tokens.join(' ');
}

/** A stored stream read back as MedTech reads it: each token at its slot's start, `E` left out. */
function readBack(data: string, start: number, period: number): TimedText[] {
  return data
    .split(' ')
    .map((token, k): TimedText => [start + k * period, token])
    .filter(([, token]) => token !== 'E');
}

/** Stored and new values merged by time; at the same instant the new value is kept. */
function mergeByTime(stored: readonly TimedText[], incoming: readonly TimedText[]): TimedText[] {
  const byTime = new Map<number, string>(stored.map(([time, value]) => [time, value]));
  for (const [time, value] of incoming) {
    byTime.set(time, value);
  }
  return [...byTime];
}

const identity = { patientId: 'p1', deviceId: 'd1' };
const DAY = ms('2019-01-01T00:00:00.000Z');
const HOUR = ms('2019-01-01T05:00:00.000Z');

/** The group planObservationGroups would make of these values for the period interval. */
function groupOf(values: readonly TimedText[], periodInterval: 60 | 1440 | -1 | 0): ObservationGroup {
  const times = values.map(([time]) => time);
  const [start, end] =
    periodInterval === 60
      ? [HOUR, HOUR + 3_599_999]
      : periodInterval === 1440
        ? [DAY, DAY + 86_399_999]
        : [Math.min(...times), Math.max(...times)];
  return {
    typeName: 'heartrate',
    start,
    end,
    ...(periodInterval === -1 ? { correlationId: 'session-1' } : {}),
    values: new Map([['hr', values.map(([time, value]) => ({ time, value }))]]),
  };
}

/** Up to six values at distinct random times within the period, a third of them on a slot's start. */
function randomValues(random: (n: number) => number, origin: number, span: number, period: number): TimedText[] {
  const byTime = new Map<number, string>();
  const count = 1 + random(6);
  for (let i = 0; i < count; i++) {
    const offset = random(3) === 0 ? random(Math.floor(span / period)) * period : random(span);
    byTime.set(origin + offset, String(random(200)));
  }
  return [...byTime];
}

/** The heart-rate SampledData template with this period interval and sample period. */
function heartRateTemplate(periodInterval: 60 | 1440 | -1 | 0, period: number): CodeValueFhirTemplate {
  return sampledTemplate({
    periodInterval,
    value: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: period },
  });
}

function stored(observation: Observation): Observation {
  return { ...observation, meta: { versionId: '1' } };
}

const cases = [
  { periodInterval: 60, period: 5000, origin: HOUR, span: 3_600_000, rounds: 600 },
  { periodInterval: 60, period: 7000, origin: HOUR, span: 3_600_000, rounds: 300 },
  { periodInterval: -1, period: 5000, origin: HOUR, span: 3_600_000, rounds: 600 },
  { periodInterval: -1, period: 1000, origin: HOUR, span: 600_000, rounds: 300 },
  { periodInterval: 1440, period: 60_000, origin: DAY, span: 86_400_000, rounds: 200 },
] as const;

describe("SampledData against MedTech's algorithm, on random groups", () => {
  it.each(cases)(
    'periodInterval $periodInterval at $period ms: creates and merges the stream MedTech would',
    ({ periodInterval, period, origin, span, rounds }) => {
      const random = seededRandom(periodInterval * 7919 + period);
      const template = heartRateTemplate(periodInterval, period);
      for (let n = 0; n < rounds; n++) {
        const first = randomValues(random, origin, span, period);
        const second = randomValues(random, origin, span, period);
        const firstGroup = groupOf(first, periodInterval);
        const secondGroup = groupOf(second, periodInterval);
        const what = JSON.stringify({ first, second });

        const created = buildObservation(firstGroup, template, identity, '2019-01-02T00:00:00Z');
        const createdData = layOut(first, firstGroup.start, firstGroup.end, period);
        expect(created.valueSampledData?.data, `created from ${what}`).toBe(createdData);

        const merged = mergeObservation(stored(created), secondGroup, template, identity, '2019-01-03T00:00:00Z');
        const start = Math.min(firstGroup.start, secondGroup.start);
        const end = Math.max(firstGroup.end, secondGroup.end);
        const expected = layOut(
          mergeByTime(readBack(createdData, firstGroup.start, period), second),
          start,
          end,
          period,
        );
        expect(merged.observation.valueSampledData?.data, `merged from ${what}`).toBe(expected);
        expect(merged.changed, `changed by ${what}`).toBe(
          expected !== createdData || start !== firstGroup.start || end !== firstGroup.end,
        );
      }
    },
  );

  it.each([...cases, { periodInterval: 0, period: 5000, origin: HOUR, span: 3_600_000, rounds: 300 } as const])(
    'periodInterval $periodInterval at $period ms: the same group merged again changes nothing',
    ({ periodInterval, period, origin, span, rounds }) => {
      const random = seededRandom(periodInterval * 104_729 + period);
      const template = heartRateTemplate(periodInterval, period);
      for (let n = 0; n < rounds; n++) {
        // A point group holds one timestamp.
        const values = randomValues(random, origin, span, period).slice(0, periodInterval === 0 ? 1 : undefined);
        const group = groupOf(values, periodInterval);
        const existing = stored(buildObservation(group, template, identity, '2019-01-02T00:00:00Z'));
        const again = mergeObservation(existing, group, template, identity, '2019-01-03T00:00:00Z');
        expect(again.changed, JSON.stringify(values)).toBe(false);
        expect(again.observation).toEqual(existing);
      }
    },
  );
});
