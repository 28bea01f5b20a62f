import { describe, expect, it } from 'vitest';
import {
  isWindowClosed,
  toClosedWindowCutoff,
  toStagingWindow,
  toWindowFromStart,
} from '../../../shared/core/staging/stagingWindow.js';

describe('toStagingWindow', () => {
  it('buckets an ingestion time into its epoch-aligned window', () => {
    expect(toStagingWindow('2024-05-01T10:14:59.999Z', 15)).toEqual({
      start: '2024-05-01T10:00:00.000Z',
      end: '2024-05-01T10:15:00.000Z',
    });
  });

  it('puts a time exactly on a boundary into the window that starts there', () => {
    expect(toStagingWindow('2024-05-01T10:15:00.000Z', 15).start).toBe('2024-05-01T10:15:00.000Z');
  });

  it('converts offsets and seven fraction digits to UTC before bucketing', () => {
    expect(toStagingWindow('2024-05-01T12:05:00.1234567+02:00', 15).start).toBe('2024-05-01T10:00:00.000Z');
  });

  it('honours a configured window length', () => {
    expect(toStagingWindow('2024-05-01T10:07:00.000Z', 5)).toEqual({
      start: '2024-05-01T10:05:00.000Z',
      end: '2024-05-01T10:10:00.000Z',
    });
  });

  it('rejects an unparseable time and a window length that is not a positive integer', () => {
    expect(() => toStagingWindow('yesterday', 15)).toThrow('ingestionTimeUtc is not an ISO-8601 timestamp');
    expect(() => toStagingWindow('2024-05-01T10:07:00.000Z', 0)).toThrow('windowMinutes must be a positive integer');
    expect(() => toStagingWindow('2024-05-01T10:07:00.000Z', 1.5)).toThrow(RangeError);
  });
});

describe('toWindowFromStart', () => {
  it('normalizes the start and adds the window length', () => {
    expect(toWindowFromStart('2024-05-01T10:00:00Z', 60)).toEqual({
      start: '2024-05-01T10:00:00.000Z',
      end: '2024-05-01T11:00:00.000Z',
    });
  });
});

describe('isWindowClosed', () => {
  const end = '2024-05-01T10:15:00.000Z';
  const endMs = Date.parse(end);

  it('keeps a window open until the grace period after its end has fully passed', () => {
    expect(isWindowClosed(end, endMs + 60_000, 60_000)).toBe(false);
    expect(isWindowClosed(end, endMs + 60_001, 60_000)).toBe(true);
  });

  it('closes a window right after its end when there is no grace', () => {
    expect(isWindowClosed(end, endMs, 0)).toBe(false);
    expect(isWindowClosed(end, endMs + 1, 0)).toBe(true);
  });

  it('rejects a negative grace', () => {
    expect(() => isWindowClosed(end, endMs, -1)).toThrow('graceMs must be a finite number ≥ 0');
  });
});

describe('toClosedWindowCutoff', () => {
  it('agrees with isWindowClosed: a window is closed exactly when its end is before the cutoff', () => {
    const now = Date.parse('2024-05-01T10:16:00.000Z');
    const cutoff = toClosedWindowCutoff(now, 60_000);

    expect(cutoff).toBe('2024-05-01T10:15:00.000Z');
    expect('2024-05-01T10:15:00.000Z' < cutoff).toBe(isWindowClosed('2024-05-01T10:15:00.000Z', now, 60_000));
    expect('2024-05-01T10:14:00.000Z' < cutoff).toBe(isWindowClosed('2024-05-01T10:14:00.000Z', now, 60_000));
  });
});
