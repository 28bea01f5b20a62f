import { describe, expect, it } from 'vitest';
import {
  toEpochMs,
  toFhirInstant,
  toFhirPeriodEnd,
  toIdentifierTimestamp,
} from '../../../shared/core/fhir/instants.js';

describe('toEpochMs', () => {
  it('reads a UTC time with milliseconds', () => {
    expect(toEpochMs('2023-03-13T22:46:01.875Z')).toBe(Date.UTC(2023, 2, 13, 22, 46, 1, 875));
  });

  it('truncates fraction digits beyond milliseconds (MedTech writes seven)', () => {
    expect(toEpochMs('2019-01-01T00:59:59.9999999Z')).toBe(Date.UTC(2019, 0, 1, 0, 59, 59, 999));
  });

  it('applies an offset and reads a time without offset as UTC', () => {
    expect(toEpochMs('2019-01-01T01:00:00+01:00')).toBe(Date.UTC(2019, 0, 1, 0, 0, 0));
    expect(toEpochMs('2019-01-01T01:00:00-0230')).toBe(Date.UTC(2019, 0, 1, 3, 30, 0));
    expect(toEpochMs('2019-01-01T01:00:00')).toBe(Date.UTC(2019, 0, 1, 1, 0, 0));
  });

  it('reads a date alone as midnight UTC', () => {
    expect(toEpochMs('2019-06-30')).toBe(Date.UTC(2019, 5, 30));
  });

  it('rejects impossible dates and non-ISO text', () => {
    expect(toEpochMs('2023-02-30T00:00:00Z')).toBeUndefined();
    expect(toEpochMs('2023-01-01T24:00:00Z')).toBeUndefined();
    expect(toEpochMs('1/1/2023')).toBeUndefined();
    expect(toEpochMs('')).toBeUndefined();
  });
});

describe('toFhirInstant', () => {
  it('writes seven fraction digits like MedTech', () => {
    expect(toFhirInstant(Date.UTC(2023, 2, 13, 22, 46, 1, 875))).toBe('2023-03-13T22:46:01.8750000Z');
  });
});

describe('toFhirPeriodEnd', () => {
  it('writes the last 100 ns tick of the millisecond', () => {
    expect(toFhirPeriodEnd(Date.UTC(2019, 0, 1, 0, 59, 59, 999))).toBe('2019-01-01T00:59:59.9999999Z');
  });
});

describe('toIdentifierTimestamp', () => {
  it('formats yyyyMMddHHmmss plus a literal Z, dropping milliseconds', () => {
    expect(toIdentifierTimestamp(Date.UTC(2019, 0, 1, 0, 59, 59, 999))).toBe('20190101005959Z');
    expect(toIdentifierTimestamp(Date.UTC(2021, 11, 31, 23, 5, 7, 1))).toBe('20211231230507Z');
  });
});
