import { describe, expect, it } from 'vitest';
import { groupMeasurements } from '../../../shared/core/fhir/groupMeasurements.js';
import { isMedTechError } from '../../../shared/core/errors.js';
import { measurement, thrownBy } from './support.js';

describe('groupMeasurements', () => {
  it('groups by device, type, patient, encounter and correlation id, case-sensitively', () => {
    const groups = groupMeasurements([
      measurement('2019-01-01T00:00:00Z', { hr: '1' }),
      measurement('2019-01-01T00:00:01Z', { hr: '2' }, { deviceId: 'D1' }),
      measurement('2019-01-01T00:00:02Z', { hr: '3' }, { type: 'HeartRate' }),
      measurement('2019-01-01T00:00:03Z', { hr: '4' }, { encounterId: 'e1' }),
      measurement('2019-01-01T00:00:04Z', { hr: '5' }, { correlationId: 'c1' }),
      measurement('2019-01-01T00:00:05Z', { hr: '6' }, { patientId: 'p2' }),
      measurement('2019-01-01T00:00:06Z', { hr: '7' }),
    ]);
    expect(groups.map((g) => g.key)).toEqual([
      { deviceId: 'd1', type: 'heartrate', patientId: 'p1' },
      { deviceId: 'D1', type: 'heartrate', patientId: 'p1' },
      { deviceId: 'd1', type: 'HeartRate', patientId: 'p1' },
      { deviceId: 'd1', type: 'heartrate', patientId: 'p1', encounterId: 'e1' },
      { deviceId: 'd1', type: 'heartrate', patientId: 'p1', correlationId: 'c1' },
      { deviceId: 'd1', type: 'heartrate', patientId: 'p2' },
    ]);
    expect(groups[0]!.measurements.map((m) => m.properties[0]!.value)).toEqual(['1', '7']);
  });

  it('keeps the latest-ingested measurement of one occurrence time', () => {
    const [group] = groupMeasurements([
      measurement('2019-01-01T00:00:00Z', { hr: 'late' }, { ingestionTimeUtc: '2019-01-01T00:10:00Z' }),
      measurement('2019-01-01T00:00:00.000Z', { hr: 'early' }, { ingestionTimeUtc: '2019-01-01T00:05:00Z' }),
    ]);
    expect(group!.measurements).toHaveLength(1);
    expect(group!.measurements[0]!.properties).toEqual([{ name: 'hr', value: 'late' }]);
  });

  it('keeps the first one in input order when ingestion times tie, as MedTech does', () => {
    // iomt-fhir orders each timestamp's measurements by ingestion time, descending, and takes the first: LINQ's
    // OrderByDescending is stable, so of two with the same ingestion time the earlier one in the batch stays.
    const [group] = groupMeasurements([
      measurement('2019-01-01T00:00:00Z', { hr: 'first' }),
      measurement('2019-01-01T00:00:00Z', { hr: 'second' }),
    ]);
    expect(group!.measurements.map((m) => m.properties[0]!.value)).toEqual(['first']);
  });

  it('sorts each group by occurrence time', () => {
    const [group] = groupMeasurements([
      measurement('2019-01-01T02:00:00Z', { hr: 'c' }),
      measurement('2019-01-01T00:00:00Z', { hr: 'a' }),
      measurement('2019-01-01T01:00:00Z', { hr: 'b' }),
    ]);
    expect(group!.measurements.map((m) => m.properties[0]!.value)).toEqual(['a', 'b', 'c']);
  });

  it('rejects a measurement whose time is not a timestamp', () => {
    const caught = thrownBy(() => groupMeasurements([measurement('yesterday', { hr: '1' })]));
    expect(isMedTechError(caught) && caught.name).toBe('IncompatibleData');
  });
});
