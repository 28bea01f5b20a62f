import { createHash } from 'node:crypto';

/**
 * Keys of staged data: partition keys, document ids and work-unit keys. They are deterministic, so a redelivered
 * batch or a rerun writes to the same documents instead of adding new ones; only a window's chunks after the first
 * are named per staging too (see toStagingDocumentId), and the first supersedes an earlier staging's.
 */

/** A unit of flush work: every staged document of one window and one shard (one Cosmos logical partition). */
export interface WorkUnit {
  /** Window start, ISO-8601 UTC (`toISOString` form). */
  windowStart: string;
  /**
   * The shard: the Event Hubs partition id the measurements were ingested from, or a replay shard
   * (`deadletter-replay-…`) for replayed dead letters.
   */
  shard: string;
}

/**
 * The first and last sequence numbers of an ingest batch: Event Hubs sequence numbers, or for a replayed dead letter
 * one number derived from it.
 */
export interface SequenceRange {
  first: number;
  last: number;
}

/** Cosmos DB forbids `/`, `\`, `?` and `#` in ids; keep ids to a conservative character set and length. */
const safeSegment = /^[A-Za-z0-9_.:=-]{1,64}$/;

/**
 * Makes a text usable as part of a Cosmos DB id: returned as-is when it is short and plain, otherwise replaced by
 * `h` + the first 32 hex characters of its SHA-256.
 * @param text - any text (an Event Hubs partition id, a unit key)
 */
export function toIdSegment(text: string): string {
  return safeSegment.test(text) ? text : `h${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * The staging partition key of a work unit: `{windowStartIso}|{shard}`.
 * @param unit - window start and shard
 */
export function toStagingPartitionKey(unit: WorkUnit): string {
  return `${unit.windowStart}|${unit.shard}`;
}

/**
 * The key that names a work unit (for leases and queue messages); equal to its staging partition key.
 * @param unit - window start and shard
 */
export function toWorkUnitKey(unit: WorkUnit): string {
  return toStagingPartitionKey(unit);
}

/**
 * Reads a work-unit key back.
 * @param key - a key made by {@link toWorkUnitKey}
 * @returns the unit, or `undefined` when the key is not in that form
 */
export function parseWorkUnitKey(key: string): WorkUnit | undefined {
  const bar = key.indexOf('|');
  if (bar <= 0 || bar === key.length - 1) {
    return undefined;
  }
  const windowStart = key.slice(0, bar);
  if (Number.isNaN(Date.parse(windowStart))) {
    return undefined;
  }
  return { windowStart, shard: key.slice(bar + 1) };
}

/**
 * Checks a sequence range: two safe non-negative integers, `first ≤ last`.
 * @param range - the batch's sequence range
 * @throws RangeError when the range is not valid
 */
export function assertSequenceRange(range: SequenceRange): void {
  const valid =
    Number.isSafeInteger(range.first) &&
    Number.isSafeInteger(range.last) &&
    range.first >= 0 &&
    range.first <= range.last;
  if (!valid) {
    throw new RangeError('sequence range must be two non-negative integers with first ≤ last');
  }
}

/**
 * The id of one staging document: `s{shard}_q{first}-{last}_w{yyyyMMddHHmm}_c{chunk}`, and for a chunk after the
 * first, `_{stagingId}` after it when a staging id is given. A batch's first document in a window (its head) has the
 * same id at every staging of the batch, so a redelivery writes over it instead of adding one; the later
 * chunks are named per staging, so that two stagings of the batch cut at other events never write over each other's
 * (the head written last then says which staging's chunks hold the batch).
 * @param shard - the Event Hubs partition id, or a replay shard
 * @param range - the batch's first and last sequence numbers (see {@link SequenceRange})
 * @param windowStart - window start, ISO-8601
 * @param chunk - 0-based chunk index within the (batch, window)
 * @param stagingId - the staging that writes a chunk after the first (ignored for chunk 0)
 * @throws RangeError when the range, window start or chunk index is invalid
 */
export function toStagingDocumentId(
  shard: string,
  range: SequenceRange,
  windowStart: string,
  chunk: number,
  stagingId?: string,
): string {
  assertSequenceRange(range);
  if (!Number.isInteger(chunk) || chunk < 0) {
    throw new RangeError('chunk must be a non-negative integer');
  }
  const ms = Date.parse(windowStart);
  if (Number.isNaN(ms)) {
    throw new RangeError('windowStart is not an ISO-8601 timestamp');
  }
  const window = new Date(ms).toISOString().slice(0, 16).replace(/[-:T]/g, '');
  const staging = chunk === 0 || stagingId === undefined ? '' : `_${toIdSegment(stagingId)}`;
  return `s${toIdSegment(shard)}_q${range.first}-${range.last}_w${window}_c${chunk}${staging}`;
}
