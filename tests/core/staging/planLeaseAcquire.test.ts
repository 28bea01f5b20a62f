import { describe, expect, it } from 'vitest';
import { planLeaseAcquire, toLeaseDocument, toLeaseId } from '../../../shared/core/staging/planLeaseAcquire.js';

const now = Date.parse('2024-05-01T10:30:00.000Z');
const unitKey = '2024-05-01T10:00:00.000Z|3';

describe('planLeaseAcquire', () => {
  it('creates the lease when there is none', () => {
    expect(planLeaseAcquire(undefined, unitKey, 'a', 60_000, now)).toEqual({
      kind: 'create',
      document: toLeaseDocument(unitKey, 'a', 60_000, now),
    });
  });

  it('reports a live lease of another owner as held', () => {
    const current = { owner: 'b', expiresAt: '2024-05-01T10:30:00.001Z', etag: '"1"' };

    expect(planLeaseAcquire(current, unitKey, 'a', 60_000, now)).toEqual({
      kind: 'held',
      owner: 'b',
      expiresAt: '2024-05-01T10:30:00.001Z',
    });
  });

  it('takes over an expired lease (or one with an unreadable expiry) guarded by its ETag', () => {
    const expired = { owner: 'b', expiresAt: '2024-05-01T10:30:00.000Z', etag: '"1"' };
    const corrupt = { owner: 'b', expiresAt: 'soon', etag: '"2"' };

    expect(planLeaseAcquire(expired, unitKey, 'a', 60_000, now)).toMatchObject({ kind: 'replace', ifMatch: '"1"' });
    expect(planLeaseAcquire(corrupt, unitKey, 'a', 60_000, now)).toMatchObject({ kind: 'replace', ifMatch: '"2"' });
  });

  it('extends a live lease the same owner already holds', () => {
    const mine = { owner: 'a', expiresAt: '2024-05-01T10:31:00.000Z', etag: '"3"' };

    expect(planLeaseAcquire(mine, unitKey, 'a', 60_000, now)).toMatchObject({
      kind: 'replace',
      ifMatch: '"3"',
      document: { expiresAt: '2024-05-01T10:31:00.000Z', owner: 'a' },
    });
  });
});

describe('toLeaseDocument', () => {
  it('sets expiry, a TTL that outlives it, and an id usable as a Cosmos id', () => {
    const document = toLeaseDocument(unitKey, 'a', 90_500, now);

    expect(document).toEqual({
      id: toLeaseId(unitKey),
      pk: toLeaseId(unitKey),
      unitKey,
      owner: 'a',
      expiresAt: '2024-05-01T10:31:30.500Z',
      ttl: 91 + 3_600,
    });
    expect(document.id).not.toMatch(/[/\\?#]/);
  });

  it('rejects a non-positive duration', () => {
    expect(() => toLeaseDocument(unitKey, 'a', 0, now)).toThrow('lease ttlMs must be a positive number');
  });
});
