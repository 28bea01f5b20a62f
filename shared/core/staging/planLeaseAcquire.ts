import { toIdSegment } from './stagingKeys.js';

/**
 * Work-unit leases (Cosmos container `leases`, partition key `/pk` = id): one document per unit being worked on.
 * Writes are guarded by the document's ETag, so of two workers racing for the same lease exactly one wins.
 */

/** A lease document as stored. */
export interface LeaseDocument {
  /** `toIdSegment(unitKey)`; also the partition key. */
  id: string;
  pk: string;
  /** The work-unit key the lease is for. */
  unitKey: string;
  /** Who holds it (a worker/invocation id). */
  owner: string;
  /** Until when, ISO-8601 UTC. */
  expiresAt: string;
  /** Per-item time to live in seconds (honoured when the container has a default TTL), so stale leases vanish. */
  ttl: number;
}

/** What to do to acquire a lease, decided from the current document (if any). */
export type LeaseAcquirePlan =
  | { kind: 'create'; document: LeaseDocument }
  | { kind: 'replace'; document: LeaseDocument; ifMatch: string }
  | { kind: 'held'; owner: string; expiresAt: string };

/** Seconds a lease document outlives its expiry before Cosmos may remove it. */
export const leaseTtlSlackSeconds = 3_600;

/**
 * The id (and partition key) of a unit's lease document.
 * @param unitKey - the work-unit key
 */
export function toLeaseId(unitKey: string): string {
  return `lease_${toIdSegment(unitKey)}`;
}

/**
 * Builds a lease document.
 * @param unitKey - the work-unit key
 * @param owner - the worker taking the lease
 * @param ttlMs - lease duration in milliseconds (> 0)
 * @param nowMs - current time, epoch milliseconds
 * @throws RangeError when the duration is not positive
 */
export function toLeaseDocument(unitKey: string, owner: string, ttlMs: number, nowMs: number): LeaseDocument {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError('lease ttlMs must be a positive number');
  }
  const id = toLeaseId(unitKey);
  return {
    id,
    pk: id,
    unitKey,
    owner,
    expiresAt: new Date(nowMs + ttlMs).toISOString(),
    ttl: Math.ceil(ttlMs / 1000) + leaseTtlSlackSeconds,
  };
}

/**
 * Decides how to acquire a lease: create it when there is none, take it over (ETag-guarded replace) when it is
 * expired or already ours, otherwise report who holds it.
 * @param current - the stored lease and its ETag, or `undefined` when there is none
 * @param unitKey - the work-unit key
 * @param owner - the worker asking
 * @param ttlMs - lease duration in milliseconds
 * @param nowMs - current time, epoch milliseconds
 * @throws RangeError when the duration is not positive
 */
export function planLeaseAcquire(
  current: { owner: string; expiresAt: string; etag: string } | undefined,
  unitKey: string,
  owner: string,
  ttlMs: number,
  nowMs: number,
): LeaseAcquirePlan {
  const document = toLeaseDocument(unitKey, owner, ttlMs, nowMs);
  if (current === undefined) {
    return { kind: 'create', document };
  }
  const expiresMs = Date.parse(current.expiresAt);
  // An unreadable expiry counts as expired: a corrupt lease must not block the unit forever.
  const live = !Number.isNaN(expiresMs) && expiresMs > nowMs;
  if (live && current.owner !== owner) {
    return { kind: 'held', owner: current.owner, expiresAt: current.expiresAt };
  }
  return { kind: 'replace', document, ifMatch: current.etag };
}
