import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../../shared/core/measurement.js';
import { fromCompactMeasurement, toCompactMeasurement } from '../../../shared/core/staging/compactMeasurement.js';

const full: Measurement = {
  type: 'bloodpressure',
  occurrenceTimeUtc: '2024-05-01T10:00:01.1234567Z',
  ingestionTimeUtc: '2024-05-01T10:00:02.000Z',
  deviceId: 'device-1',
  patientId: 'patient-1',
  encounterId: 'encounter-1',
  correlationId: 'corr-1',
  properties: [
    { name: 'systolic', value: '120' },
    { name: 'diastolic', value: '' },
  ],
};

describe('toCompactMeasurement', () => {
  it('writes a positional array with flattened properties and strings unchanged', () => {
    expect(toCompactMeasurement(full)).toEqual([
      'bloodpressure',
      '2024-05-01T10:00:01.1234567Z',
      '2024-05-01T10:00:02.000Z',
      'device-1',
      ['systolic', '120', 'diastolic', ''],
      'patient-1',
      'encounter-1',
      'corr-1',
    ]);
  });

  it('leaves out trailing absent ids and writes null for an absent id before a present one', () => {
    const { patientId: _p, encounterId: _e, correlationId: _c, ...bare } = full;

    expect(toCompactMeasurement(bare)).toHaveLength(5);
    expect(toCompactMeasurement({ ...bare, encounterId: 'e' }).slice(5)).toEqual([null, 'e']);
  });

  it('is smaller than the object form', () => {
    expect(JSON.stringify(toCompactMeasurement(full)).length).toBeLessThan(JSON.stringify(full).length * 0.75);
  });
});

describe('fromCompactMeasurement', () => {
  it('round-trips measurements with and without optional ids', () => {
    const { patientId: _p, correlationId: _c, ...someIds } = full;

    expect(fromCompactMeasurement(toCompactMeasurement(full))).toEqual(full);
    expect(fromCompactMeasurement(toCompactMeasurement(someIds))).toEqual(someIds);
    expect(fromCompactMeasurement(JSON.parse(JSON.stringify(toCompactMeasurement(someIds))))).toEqual(someIds);
  });

  it('rejects values that are not in the compact shape', () => {
    const good = toCompactMeasurement(full);

    expect(fromCompactMeasurement({ type: 'x' })).toBeUndefined();
    expect(fromCompactMeasurement(good.slice(0, 4))).toBeUndefined();
    expect(fromCompactMeasurement([...good.slice(0, 4), ['odd']])).toBeUndefined();
    expect(fromCompactMeasurement([...good.slice(0, 4), [], 42])).toBeUndefined();
    expect(fromCompactMeasurement([1, ...good.slice(1)])).toBeUndefined();
  });
});
