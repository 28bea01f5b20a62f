/**
 * Ports of the storage side: the staging store, the dead-letter store, work-unit leases and the mapping store.
 * Use cases depend on these interfaces; `shared/adapters/cosmos` and `shared/adapters/blob` implement them.
 */
import type { Measurement } from '../core/measurement.js';
import type { MappingProblem } from '../core/mapping/problems.js';
import type { ErrorName } from '../core/errors.js';
import type { DeadLetterDocument, DeadLetterRecord } from '../core/staging/deadLetter.js';
import type { SequenceRange, WorkUnit } from '../core/staging/stagingKeys.js';

export type { SequenceRange, WorkUnit } from '../core/staging/stagingKeys.js';
export type { DeadLetterDocument, DeadLetterRecord } from '../core/staging/deadLetter.js';

/** A staged document as read for flushing: its id and the ETag it had when read. */
export interface StagedDocumentRef {
  id: string;
  etag: string;
}

/** Everything staged for one work unit. */
export interface StagedUnit {
  documents: StagedDocumentRef[];
  /**
   * All measurements of the unit's documents, documents in ingest order (by first and last sequence number; in a
   * batch, the stored head's staging's documents before another staging's copies; then chunk), so that the first of
   * measurements ingested at the same instant does not depend on batch boundaries and is the head's staging's.
   */
  measurements: Measurement[];
  /** Stored measurements that could not be decoded (skipped; a sign of foreign writes to the container). */
  malformed: number;
  /**
   * Documents of a staging that may still be running (later chunks without their staging's head), written too
   * recently to tell it from one cut short: when any, flush the unit later. Flushed now, their values would lose the
   * tie to the stored head's staging's, and the running staging's head, landing after, would find them gone.
   */
  settling?: number;
}

/** A work unit as {@link StagingStore.listClosedUnits} lists it. */
export interface ListedUnit extends WorkUnit {
  /** The latest window end of its staged documents (exclusive), where the store tells it. */
  windowEnd?: string;
  /**
   * The smallest first sequence number of the batches staged in it: units of a shard whose windows overlap are
   * flushed in this order, the order their events were ingested in (a shard is an Event Hubs partition).
   */
  firstSequenceNumber?: number;
  /** Its window is not closed yet (listed only when it starts before a closed unit). */
  open?: true;
}

/** Outcome of deleting staged documents. */
export interface DeleteOutcome {
  /** Documents deleted now. */
  deleted: number;
  /** Documents already gone (a rerun, or another worker): fine. */
  missing: number;
  /** Documents rewritten since they were read (ETag mismatch): left staged for the next flush. */
  changed: number;
  /**
   * Documents after one that was not deleted, left staged with it (a staging store deletes a unit's documents in the
   * order {@link StagingStore.readUnit} lists them and stops there, so that what stays holds the unit's later events).
   */
  left?: number;
}

/** An error a delete threw after deleting part of what it was given, carrying the counts of that part. */
interface PartiallyDone {
  partialOutcome: DeleteOutcome;
}

/**
 * Marks a delete's failure with what it did before it (see {@link partialDeleteOutcome}): the same error, so that
 * it is classified (retriable or not) as before.
 * @param error - the failure a delete met
 * @param outcome - what it had done by then (copied)
 * @returns the error, marked when it is an object
 */
export function withPartialDeleteOutcome<E>(error: E, outcome: DeleteOutcome): E {
  if (typeof error === 'object' && error !== null) {
    Object.assign(error, { partialOutcome: { ...outcome } } satisfies PartiallyDone);
  }
  return error;
}

/**
 * What a failed delete ({@link DeadLetterStore.deleteDeadLetters}) did before it failed, when its store says so.
 * @param error - the error it threw
 */
export function partialDeleteOutcome(error: unknown): DeleteOutcome | undefined {
  return typeof error === 'object' && error !== null && 'partialOutcome' in error
    ? (error as PartiallyDone).partialOutcome
    : undefined;
}

/** The staging store: measurements wait here, grouped by (window, shard), until their window is flushed. */
export interface StagingStore {
  /**
   * Stages one ingest batch: one document per (window, chunk), the window's first (its head) under an id that every
   * staging of the batch shares, written last and naming the stagings whose heads it overwrote, so that a redelivered
   * batch replaces what an earlier staging wrote instead of duplicating it.
   * @param shard - the Event Hubs partition id of the batch, or a replay shard
   * @param range - first and last sequence numbers of the batch (see {@link SequenceRange})
   * @param measurements - the batch's normalized measurements, read once, in order, as the documents are written: a
   *   caller may produce them as they are read (ingest normalizes the batch's events so), and a batch that needs
   *   several documents is never held whole
   * @param eventTimes - the ingestion times of all the batch's events in this shard, in the order of the events
   *   whose measurements are read (when they run window by window, each window is finished as soon as the next
   *   begins), those that yielded nothing included: where an earlier staging of the batch left documents in a window these measurements do not reach, an
   *   empty document supersedes them (a redelivery normalized with a changed mapping)
   * @returns the number of documents written
   * @throws a retriable error when the store is unavailable or throttling
   */
  stageBatch(
    shard: string,
    range: SequenceRange,
    measurements: Iterable<Measurement>,
    eventTimes?: readonly string[],
  ): Promise<number>;

  /**
   * Lists the work units whose window is closed (`now > windowEnd + grace`) and that still have staged documents,
   * each with its window end and the first sequence number of its earliest batch where the store keeps them; and,
   * marked `open`, the units still open that start before the latest of those ends: windows of another length
   * (STAGING__WINDOW_MINUTES changed while data was staged), whose data may be older than a closed unit's.
   * @param now - the current time
   * @param graceMs - grace period in milliseconds
   * @throws a retriable error when the store is unavailable or throttling
   */
  listClosedUnits(now: Date, graceMs: number): Promise<ListedUnit[]>;

  /**
   * Reads every staged document of a unit. A document that a redelivery of its batch superseded without
   * overwriting it (the redelivery needed fewer chunks) is listed for deletion but its measurements are left out.
   * The documents are listed in the order to delete them: the superseded first, then by last event (the last
   * sequence number), in a batch another staging's copies before the stored head's staging's documents (a replay
   * shard: all copies first, then by last ingestion time), so that whatever a delete that stops part-way leaves holds
   * every later event of the unit that a deleted document held, as the stored head's staging made it, and supersedes
   * nothing it should not.
   * @param unit - the work unit
   * @throws a retriable error when the store is unavailable or throttling
   */
  readUnit(unit: WorkUnit): Promise<StagedUnit>;

  /**
   * Deletes staged documents of a unit; idempotent. With a ref (id + ETag) a document rewritten since it was read is
   * kept (counted as `changed`); with a bare id it is deleted unconditionally.
   * @param unit - the work unit
   * @param documents - ids, or refs as returned by {@link StagingStore.readUnit}
   * @throws a retriable error when the store is unavailable or throttling
   */
  deleteDocuments(unit: WorkUnit, documents: readonly (string | StagedDocumentRef)[]): Promise<DeleteOutcome>;
}

/** Key of a stored dead letter. */
export interface DeadLetterKey {
  id: string;
  pk: string;
}

/** Key of a dead letter just stored, and whether it holds less than the record given. */
export interface StoredDeadLetterKey extends DeadLetterKey {
  /**
   * Set when the rejected message is stored without its body or a property bag (too large for one document). A form
   * with less never replaces the message data of one stored under its id that holds more (a whole copy written under
   * a larger size bound, say): that data is kept, and only the rest of the dead letter (time, error) is rewritten.
   */
  withLess?: true;
  /** With `withLess`: the version written, for a delete of exactly that version. */
  etag?: string;
  /** With `withLess`: a dead letter was stored under this id already (it was rewritten, not created). */
  replaced?: true;
}

/** A stored dead letter with its ETag. */
export interface StoredDeadLetter extends DeadLetterDocument {
  etag: string;
}

/** A page of dead letters. */
export interface DeadLetterPage {
  items: StoredDeadLetter[];
  /** Pass to the next call to continue; absent on the last page. */
  continuationToken?: string;
}

/** Filter and paging for {@link DeadLetterStore.listDeadLetters}. */
export interface DeadLetterQuery {
  /** Only dead letters with this error name (all when absent). */
  errorName?: ErrorName;
  /**
   * Only dead letters written (their `time`) before this instant: ISO-8601 UTC as `Date.prototype.toISOString` writes
   * it, as dead letters' times are written.
   */
  before?: string;
  /** Page size (default 100). */
  maxItems?: number;
  continuationToken?: string;
}

/** The dead-letter store: rejected messages and measurement groups, kept for an operator to fix and replay. */
export interface DeadLetterStore {
  /**
   * Stores dead letters (upsert under deterministic ids: a rerun does not duplicate). A store may keep a record too
   * large for one of its documents in several parts ({@link DeadLetterRecord.part}).
   * @param records - the dead letters
   * @returns the stored keys, in input order (a record stored in parts gives one key per part), marked when stored
   *   with less than the record held
   * @throws a retriable error when the store is unavailable or throttling
   */
  addDeadLetters(records: readonly DeadLetterRecord[]): Promise<StoredDeadLetterKey[]>;

  /**
   * Lists dead letters, optionally by error name, one page at a time.
   * @param query - filter and paging
   * @throws a retriable error when the store is unavailable or throttling
   */
  listDeadLetters(query?: DeadLetterQuery): Promise<DeadLetterPage>;

  /**
   * Reads one dead letter, with its data.
   * @param key - its id and partition key, as listed
   * @returns the dead letter, or `undefined` when there is none under that key
   * @throws a retriable error when the store is unavailable or throttling
   */
  readDeadLetter(key: DeadLetterKey): Promise<StoredDeadLetter | undefined>;

  /**
   * Deletes dead letters (e.g. after a replay); idempotent. With an ETag, a dead letter rewritten since it was read
   * (the same thing rejected again) is kept and counted as `changed`.
   * @param keys - ids and partition keys as listed, optionally with the ETag read
   * @returns how many were deleted now, were already gone, or were kept because they changed
   * @throws a retriable error when the store is unavailable or throttling; what was done before it, where the store
   *   can tell, is read with {@link partialDeleteOutcome}
   */
  deleteDeadLetters(keys: readonly (DeadLetterKey & { etag?: string })[]): Promise<DeleteOutcome>;
}

/** A held lease. */
export interface Lease {
  unitKey: string;
  owner: string;
  /** ISO-8601 UTC. */
  expiresAt: string;
  /** ETag of the lease document; guards renew and release. */
  etag: string;
}

/** Work-unit leases: at most one live holder per unit. */
export interface LeaseStore {
  /**
   * Takes the lease of a unit when it is free, expired or already ours.
   * @param unitKey - the work-unit key
   * @param owner - the worker asking
   * @param ttlMs - lease duration in milliseconds
   * @param now - the current time
   * @returns the lease, or `undefined` when someone else holds it (or won a race for it)
   * @throws a retriable error when the store is unavailable or throttling
   */
  acquireLease(unitKey: string, owner: string, ttlMs: number, now: Date): Promise<Lease | undefined>;

  /**
   * Extends a lease we hold (held by our owner, also in a version written since whose answer was lost).
   * @param lease - the lease as last acquired/renewed
   * @param ttlMs - new duration from `now`
   * @param now - the current time
   * @returns the renewed lease, or `undefined` when it was lost (taken over or released)
   * @throws a retriable error when the store is unavailable or throttling
   */
  renewLease(lease: Lease, ttlMs: number, now: Date): Promise<Lease | undefined>;

  /**
   * Releases a lease we hold (as {@link LeaseStore.renewLease} tells it).
   * @param lease - the lease as last acquired/renewed
   * @returns true when released now, false when it was no longer ours
   * @throws a retriable error when the store is unavailable or throttling
   */
  releaseLease(lease: Lease): Promise<boolean>;
}

/** A mapping as currently served: the last valid version. */
export interface LoadedMapping<T> {
  value: T;
  /** Blob ETag of the version served. */
  etag: string;
  /** Warnings of that version. */
  warnings: MappingProblem[];
}

/** The two mapping files an operator maintains in Blob Storage. */
export interface MappingStore<D, F> {
  /**
   * The device mapping (`devicecontent.json`), refreshed by ETag at most once per refresh interval.
   * @throws a retriable error when no valid version has ever been loaded
   */
  getDeviceMapping(): Promise<LoadedMapping<D>>;

  /**
   * The FHIR destination mapping (`fhirmapping.json`), refreshed by ETag at most once per refresh interval.
   * @throws a retriable error when no valid version has ever been loaded
   */
  getFhirMapping(): Promise<LoadedMapping<F>>;
}
