import { describe, expect, it } from 'vitest';
import {
  parseWorkUnitKey,
  toIdSegment,
  toStagingDocumentId,
  toStagingPartitionKey,
  toWorkUnitKey,
} from '../../../shared/core/staging/stagingKeys.js';

describe('toStagingPartitionKey', () => {
  it('joins window start and shard with a bar', () => {
    expect(toStagingPartitionKey({ windowStart: '2024-05-01T10:00:00.000Z', shard: '3' })).toBe(
      '2024-05-01T10:00:00.000Z|3',
    );
  });
});

describe('toWorkUnitKey / parseWorkUnitKey', () => {
  it('round-trips a unit, including a shard that contains a bar', () => {
    const unit = { windowStart: '2024-05-01T10:00:00.000Z', shard: 'a|b' };

    expect(parseWorkUnitKey(toWorkUnitKey(unit))).toEqual(unit);
  });

  it('rejects keys that are not window|shard', () => {
    expect(parseWorkUnitKey('no-bar')).toBeUndefined();
    expect(parseWorkUnitKey('not-a-time|3')).toBeUndefined();
    expect(parseWorkUnitKey('2024-05-01T10:00:00.000Z|')).toBeUndefined();
  });
});

describe('toStagingDocumentId', () => {
  it('is built from shard, sequence range, window and chunk', () => {
    expect(toStagingDocumentId('3', { first: 100, last: 199 }, '2024-05-01T10:15:00.000Z', 2)).toBe(
      's3_q100-199_w202405011015_c2',
    );
  });

  it('is the same for the same inputs and differs when any input differs', () => {
    const base = toStagingDocumentId('3', { first: 1, last: 9 }, '2024-05-01T10:15:00.000Z', 0);
    const variants = [
      toStagingDocumentId('4', { first: 1, last: 9 }, '2024-05-01T10:15:00.000Z', 0),
      toStagingDocumentId('3', { first: 2, last: 9 }, '2024-05-01T10:15:00.000Z', 0),
      toStagingDocumentId('3', { first: 1, last: 8 }, '2024-05-01T10:15:00.000Z', 0),
      toStagingDocumentId('3', { first: 1, last: 9 }, '2024-05-01T10:30:00.000Z', 0),
      toStagingDocumentId('3', { first: 1, last: 9 }, '2024-05-01T10:15:00.000Z', 1),
    ];

    expect(toStagingDocumentId('3', { first: 1, last: 9 }, '2024-05-01T10:15:00.000Z', 0)).toBe(base);
    expect(new Set([base, ...variants]).size).toBe(6);
  });

  it("names the staging in a later chunk's id, and never in the head's, which every staging of the batch overwrites", () => {
    const id = (chunk: number, stagingId?: string): string =>
      toStagingDocumentId('3', { first: 1, last: 9 }, '2024-05-01T10:15:00.000Z', chunk, stagingId);

    expect([id(0, 'a'), id(0, 'b'), id(0)]).toEqual(Array(3).fill('s3_q1-9_w202405011015_c0'));
    expect([id(1, 'a'), id(1, 'b'), id(1), id(1, 'a/b')]).toEqual([
      's3_q1-9_w202405011015_c1_a',
      's3_q1-9_w202405011015_c1_b',
      's3_q1-9_w202405011015_c1',
      expect.stringMatching(/^s3_q1-9_w202405011015_c1_h[0-9a-f]{32}$/),
    ]);
  });

  it('hashes a shard with characters Cosmos DB forbids in ids', () => {
    const id = toStagingDocumentId('a/b?#', { first: 1, last: 1 }, '2024-05-01T10:15:00.000Z', 0);

    expect(id).toMatch(/^sh[0-9a-f]{32}_q1-1_w202405011015_c0$/);
  });

  it('rejects an inverted or negative sequence range and a negative chunk', () => {
    expect(() => toStagingDocumentId('3', { first: 5, last: 4 }, '2024-05-01T10:15:00.000Z', 0)).toThrow(
      'sequence range must be two non-negative integers with first ≤ last',
    );
    expect(() => toStagingDocumentId('3', { first: -1, last: 4 }, '2024-05-01T10:15:00.000Z', 0)).toThrow(RangeError);
    expect(() => toStagingDocumentId('3', { first: 1, last: 4 }, '2024-05-01T10:15:00.000Z', -1)).toThrow(
      'chunk must be a non-negative integer',
    );
  });
});

describe('toIdSegment', () => {
  it('keeps plain short text and hashes anything else', () => {
    expect(toIdSegment('partition-0')).toBe('partition-0');
    expect(toIdSegment('x'.repeat(65))).toMatch(/^h[0-9a-f]{32}$/);
    expect(toIdSegment('a b')).not.toBe(toIdSegment('a_b'));
  });
});
