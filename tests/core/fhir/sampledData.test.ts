import { describe, expect, it } from 'vitest';
import { MedTechError } from '../../../shared/core/errors.js';
import {
  fromSampledDataStream,
  toPeriodTicks,
  MAX_SAMPLED_DATA_SLOTS,
  mergeTimedValues,
  toSampledDataStream,
  toSlotCount,
} from '../../../shared/core/fhir/sampledData.js';
import { ms, thrownBy } from './support.js';

const HOUR_START = ms('2019-01-01T00:00:00.000Z');
const HOUR_END = ms('2019-01-01T00:59:59.999Z');

describe('toSlotCount', () => {
  it('has 720 slots for an hour at 5000 ms and 86,400 for a day at 1000 ms', () => {
    expect(toSlotCount(HOUR_START, HOUR_END, 5000)).toBe(720);
    expect(toSlotCount(HOUR_START, ms('2019-01-01T23:59:59.999Z'), 1000)).toBe(86_400);
  });

  it('has one slot when start equals end', () => {
    expect(toSlotCount(HOUR_START, HOUR_START, 5000)).toBe(1);
  });
});

describe('toSampledDataStream', () => {
  it('writes E for every empty slot of an hour', () => {
    const data = toSampledDataStream([], HOUR_START, HOUR_END, 5000);
    expect(data).toBe(Array(720).fill('E').join(' '));
  });

  it('places values in their slots: first, inner and last slot of an hour', () => {
    const data = toSampledDataStream(
      [
        { time: HOUR_START, value: '60' },
        { time: HOUR_START + 12_345, value: '61' }, // slot 2
        { time: HOUR_END, value: '62' }, // slot 719
      ],
      HOUR_START,
      HOUR_END,
      5000,
    );
    const tokens = data.split(' ');
    expect(tokens).toHaveLength(720);
    expect(tokens[0]).toBe('60');
    expect(tokens[2]).toBe('61');
    expect(tokens[719]).toBe('62');
    expect(tokens.filter((t) => t === 'E')).toHaveLength(717);
  });

  it('keeps the latest value of a slot, whatever the input order', () => {
    const data = toSampledDataStream(
      [
        { time: HOUR_START + 4000, value: 'later' },
        { time: HOUR_START + 1000, value: 'earlier' },
      ],
      HOUR_START,
      HOUR_START + 9999,
      5000,
    );
    expect(data).toBe('later E');
  });

  it('drops values outside the boundaries', () => {
    const data = toSampledDataStream(
      [
        { time: HOUR_START - 1, value: 'before' },
        { time: HOUR_START + 10_000, value: 'after' },
        { time: HOUR_START + 5000, value: 'in' },
      ],
      HOUR_START,
      HOUR_START + 9999,
      5000,
    );
    expect(data).toBe('E in');
  });

  it('copies value strings as they are', () => {
    expect(toSampledDataStream([{ time: HOUR_START, value: '098.60' }], HOUR_START, HOUR_START, 1000)).toBe('098.60');
  });

  it('refuses more slots than one Observation may hold, with a data error that names no value', () => {
    const start = ms('2024-01-01T00:00:00.000Z');
    const yearLater = ms('2025-01-01T00:00:00.000Z'); // 366 days: 2024 is a leap year

    const error = thrownBy(() =>
      toSampledDataStream([{ time: yearLater, value: '99' }], start, yearLater, 4),
    ) as MedTechError;
    const atTheBound = toSampledDataStream([], start, start + (MAX_SAMPLED_DATA_SLOTS - 1) * 4, 4);

    expect(error).toBeInstanceOf(MedTechError);
    expect(error.toRecord()).toMatchObject({ name: 'IncompatibleData', stage: 'FHIRConversion' });
    expect(error.message).toContain('7905600001 SampledData slots of 4 ms');
    expect(error.message).not.toContain('99');
    expect(atTheBound.split(' ')).toHaveLength(MAX_SAMPLED_DATA_SLOTS);
  });

  it('fills a whole day at 1000 ms: 86,400 tokens with the value of 23:59:59.999 last', () => {
    const dayEnd = ms('2019-01-01T23:59:59.999Z');
    const tokens = toSampledDataStream([{ time: dayEnd, value: '7' }], HOUR_START, dayEnd, 1000).split(' ');
    expect(tokens).toHaveLength(86_400);
    expect(tokens[86_399]).toBe('7');
    expect(tokens[0]).toBe('E');
  });
});

describe('fromSampledDataStream', () => {
  it('reads token k at start + k * period and skips E', () => {
    expect(fromSampledDataStream('60 E 62', HOUR_START, 5000)).toEqual([
      { time: HOUR_START, value: '60', slot: { start: HOUR_START, ticks: 0 } },
      { time: HOUR_START + 10_000, value: '62', slot: { start: HOUR_START, ticks: 100_000_000 } },
    ]);
  });

  it('reads an empty token as an empty value, as MedTech does (only E is a gap)', () => {
    expect(fromSampledDataStream('72  80', HOUR_START, 5000).map((v) => v.value)).toEqual(['72', '', '80']);
  });
});

describe('the tick grid of a period that is not a whole number of ticks (MedTech on .NET 8)', () => {
  it('steps by the period truncated to ticks, as DateTime.AddMilliseconds does', () => {
    expect([5000, 3.90625, 33.3, 16.6667, 8.3333, 2.7778, 0.1].map(toPeriodTicks)).toEqual([
      50_000_000, 39_062, 332_999, 166_666, 83_332, 27_778, 1_000,
    ]);
  });

  it('counts and places the slots of an hour on that grid', () => {
    const end = HOUR_START + 3_599_999;
    // 16.6667 ms steps 166,666 ticks: 216,001 slots to the hour's last tick, where exact steps make 216,000.
    expect(toSlotCount(HOUR_START, end, 16.6667, true)).toBe(216_001);
    expect(toSlotCount(HOUR_START, end, 3.90625, true)).toBe(921_612);
    // 33.3 ms steps 332,999 ticks: a reading at 59:59.996 is in slot 108,108, where exact steps put it in 108,107.
    const data = toSampledDataStream([{ time: end - 3, value: '9' }], HOUR_START, end, 33.3, {}, true).split(' ');
    expect(data).toHaveLength(108_109);
    expect(data.indexOf('9')).toBe(108_108);
  });

  it('reads a stored stream back slot by slot and rebuilds it in place, however far the slots are from a millisecond', () => {
    const tokens = Array.from({ length: 100_000 }, (_, k) => String(k % 97));
    const stored = tokens.join(' ');
    const values = fromSampledDataStream(stored, HOUR_START, 3.90625);
    const end = HOUR_START + 3_599_999;

    const rebuilt = toSampledDataStream(values, HOUR_START, end, 3.90625, {}, true).split(' ');

    expect(rebuilt.slice(0, 100_000)).toEqual(tokens);
  });

  it('trims white space at the end of the stream, as MedTech does', () => {
    expect(toSampledDataStream([{ time: HOUR_START + 5000, value: '' }], HOUR_START, HOUR_START + 5000, 5000)).toBe(
      'E',
    );
  });
});

describe('mergeTimedValues', () => {
  it('merges by time and lets the incoming value win a collision', () => {
    expect(
      mergeTimedValues(
        [
          { time: 0, value: 'old0' },
          { time: 10, value: 'old10' },
        ],
        [
          { time: 10, value: 'new10' },
          { time: 5, value: 'new5' },
        ],
        0,
      ),
    ).toEqual([
      { time: 0, value: 'old0' },
      { time: 5, value: 'new5' },
      { time: 10, value: 'new10' },
    ]);
  });
});
