import { Buffer } from 'node:buffer';
import type { Measurement } from '../measurement.js';
import type { CompactMeasurement } from './compactMeasurement.js';
import { fromCompactMeasurement, toCompactMeasurement } from './compactMeasurement.js';
import type { SequenceRange } from './stagingKeys.js';
import { assertSequenceRange, toStagingDocumentId, toStagingPartitionKey } from './stagingKeys.js';
import { toStagingWindow } from './stagingWindow.js';

/**
 * One staging document (Cosmos container `staging`, partition key `/pk`): the measurements of one ingest batch that
 * fall into one window, or one chunk of them.
 */
export interface StagingDocument {
  /** `{windowStart}|{shard}` — one logical partition per work unit. */
  pk: string;
  /** Shard, sequence range, window and chunk; a later chunk's names its staging too (see `toStagingDocumentId`). */
  id: string;
  /** Window start, ISO-8601 UTC. */
  windowStart: string;
  /** Window end (exclusive), ISO-8601 UTC. */
  windowEnd: string;
  /** The Event Hubs partition id of the batch, or a replay shard. */
  shard: string;
  /** First sequence number of the batch. */
  firstSequenceNumber: number;
  /** Last sequence number of the batch. */
  lastSequenceNumber: number;
  /** 0-based chunk index within (batch, window). */
  chunk: number;
  /**
   * How many chunks this staging of the batch wrote for the window (0 for an empty head). The flush reads it only on
   * a head the previous release wrote (first, before its chunks; see {@link findSupersededChunks}); a head written
   * last says what it supersedes by name ({@link StagingDocument.supersedes}).
   */
  chunks: number;
  /** Measurements in compact form. */
  measurements: CompactMeasurement[];
  /** `measurements.length`. */
  count: number;
  /** When the batch was staged, ISO-8601 UTC. */
  createdAt: string;
  /**
   * Names this staging of the batch (one per call that staged it): every chunk it wrote carries it, and the ids of
   * its chunks after the first, so that two stagings of the batch never write over each other's later chunks and
   * {@link findSupersededChunks} can tell which chunks a head supersedes.
   */
  stagingId?: string;
  /**
   * Set by a staging that writes its head after its other chunks (every staging with a `stagingId` now); documents
   * without it were staged head first, and {@link findSupersededChunks} reads them by the rule they were written under.
   */
  headLast?: true;
  /** On a head (chunk 0): the stagings whose later chunks it supersedes (see {@link toSupersedingHead}). */
  supersedes?: string[];
}

/** Settings of {@link planStagingDocuments}. */
export interface StagingPlanOptions {
  /** Window length in minutes (default 15). */
  windowMinutes: number;
  /**
   * Upper bound of one document's serialized JSON size in bytes, including a reserve for Cosmos system fields. A head
   * written over another staging's may exceed it by the names it adds ({@link toSupersedingHead}: at most
   * {@link MAX_SUPERSEDED_STAGINGS}, about 1.3 KB of staging ids), far within the 2 MB item limit at any bound allowed.
   */
  maxDocumentBytes: number;
  /** When the batch is staged (epoch milliseconds); becomes `createdAt`. */
  nowMs: number;
  /** A name unique to this staging (see {@link StagingDocument.stagingId}). */
  stagingId?: string;
}

/** Default window length in minutes. */
export const defaultWindowMinutes = 15;

/** Default maximum document size in bytes: well below Cosmos DB's 2 MB item limit. */
export const defaultMaxDocumentBytes = 1_500_000;

/** Bytes reserved for the system properties Cosmos adds (`_rid`, `_self`, `_etag`, `_attachments`, `_ts`). */
export const cosmosSystemPropertiesReserve = 256;

/**
 * Byte length of a value's JSON serialization in UTF-8.
 * @param value - any JSON-serializable value
 */
export function toJsonByteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * Splits items into consecutive chunks whose total size stays within a budget; an item that alone exceeds the
 * budget gets a chunk of its own (it cannot be split).
 * @param items - items in order
 * @param sizeOf - size of one item (bytes)
 * @param budget - bytes available per chunk for items and their separators
 */
export function chunkBySize<T>(items: readonly T[], sizeOf: (item: T) => number, budget: number): T[][] {
  const chunker = new SizeChunker<T>(budget);
  const chunks: T[][] = [];
  for (const item of items) {
    const closed = chunker.add(item, sizeOf(item));
    if (closed !== undefined) {
      chunks.push(closed);
    }
  }
  const last = chunker.take();
  return last.length > 0 ? [...chunks, last] : chunks;
}

/** Cuts items into consecutive chunks as they come, as {@link chunkBySize} cuts a list. */
export class SizeChunker<T> {
  private items: T[] = [];
  private used = 0;

  /** @param budget - bytes available per chunk for items and their separators */
  constructor(private readonly budget: number) {}

  /** Whether the open chunk holds nothing. */
  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /**
   * Adds an item to the open chunk, first closing it when the item would take it past the budget.
   * @param item - the next item
   * @param size - its size in bytes
   * @returns the chunk the item closed, if it closed one
   */
  add(item: T, size: number): T[] | undefined {
    // +1 for the comma that separates array elements.
    const cost = size + 1;
    let closed: T[] | undefined;
    if (this.items.length > 0 && this.used + cost > this.budget) {
      closed = this.take();
    }
    this.items.push(item);
    this.used += cost;
    return closed;
  }

  /** Takes the open chunk (empty when it holds nothing) and opens a new one. */
  take(): T[] {
    const items = this.items;
    this.items = [];
    this.used = 0;
    return items;
  }
}

/**
 * Plans the staging documents of one ingest batch: measurements are bucketed by the ingestion-time window, encoded
 * compactly and split into chunks below `maxDocumentBytes`. Staging the batch again gives the same head (chunk 0)
 * id in each window, and the same ids throughout under the same staging id. The documents
 * {@link planStagingSteps} writes, all at once: a staging store writes them in its steps.
 * @param shard - the Event Hubs partition id of the batch, or a replay shard
 * @param range - the batch's first and last sequence numbers (see {@link SequenceRange})
 * @param measurements - the batch's normalized measurements
 * @param options - window length, size bound and the current time
 * @returns the documents, ordered by window then chunk (none for no measurements)
 * @throws RangeError when the range, a measurement's ingestion time or the options are invalid
 */
export function planStagingDocuments(
  shard: string,
  range: SequenceRange,
  measurements: Iterable<Measurement>,
  options: StagingPlanOptions,
): StagingDocument[] {
  return [...planStagingSteps(shard, range, measurements, [], options, Infinity)]
    .flat()
    .sort((a, b) => (a.windowStart < b.windowStart ? -1 : a.windowStart > b.windowStart ? 1 : a.chunk - b.chunk));
}

/** A window's documents as a staging fills them. */
interface FillingWindow {
  start: string;
  end: string;
  /** The head's measurements, once a later chunk is open; `null` once the head is written. */
  head: CompactMeasurement[] | undefined | null;
  /** The open chunk's index, and its measurements. */
  chunk: number;
  chunker: SizeChunker<CompactMeasurement>;
  /** Later chunks full and not yet in a step. */
  full: StagingDocument[];
}

/**
 * Plans one staging of a batch as its measurements are read, and the order to write its documents in: a list of
 * steps, each to be written whole (in any order, at once) before the next is asked for. The measurements are read
 * once, lazily, between steps, so that a caller may normalize the batch's events as they are read and a large batch
 * is never held whole.
 *
 * Each window's measurements fill its documents in order, each cut where the next measurement would take it past
 * `maxDocumentBytes` (an item alone beyond it gets a document of its own): the head (chunk 0) holds the window's
 * first, and is written last. Window by window, oldest first: the later chunks, then the head, written over the
 * stored head as {@link toSupersedingHead} makes it (a head names the stagings it supersedes, so it must not land
 * before its own chunks do), or an empty head for a window the events reach but no measurement
 * ({@link planEmptyWindowDocuments}). A later window is never staged while an earlier one of the batch is not, so
 * the timer, which plans a shard's oldest staged window, cannot flush the later one first (a batch whose windows are
 * all closed already: ingest behind). A staging cut short leaves its later chunks without its head: nothing names
 * them, and they are flushed as they are.
 *
 * When the event times run window by window (an Event Hubs partition's enqueued times do), a window's later chunks
 * are steps of up to `concurrency` as they fill, and a window is finished (its last chunks, then its head) as soon as
 * a measurement of a later window is read: its events are all read by then, as every measurement of an event has the
 * event's time. Otherwise every document is held to the end. A later chunk holds `chunks` = its index + 1 (the chunks
 * the staging had in the window once it was written), the head the window's count.
 * @param shard - the Event Hubs partition id of the batch, or a replay shard
 * @param range - the batch's first and last sequence numbers (see {@link SequenceRange})
 * @param measurements - the batch's measurements, in the order of its events, read once
 * @param eventTimes - the ingestion times of all the batch's events, in order (see {@link planEmptyWindowDocuments})
 * @param options - window length, size bound, the current time and the staging id
 * @param concurrency - most later chunks in one step while the measurements are read
 * @returns the steps, none empty
 * @throws RangeError when the range, a measurement's ingestion time or the options are invalid
 */
export function* planStagingSteps(
  shard: string,
  range: SequenceRange,
  measurements: Iterable<Measurement>,
  eventTimes: readonly string[],
  options: StagingPlanOptions,
  concurrency: number,
): Generator<StagingDocument[], void, undefined> {
  assertSequenceRange(range);
  if (!Number.isInteger(options.maxDocumentBytes) || options.maxDocumentBytes <= 0) {
    throw new RangeError('maxDocumentBytes must be a positive integer');
  }
  const document = (
    window: { start: string; end: string },
    chunk: number,
    chunks: number,
    items: CompactMeasurement[],
  ) => toStagingDocument(shard, range, window, { chunk, chunks, items }, options);
  const windows = new Map<string, FillingWindow>();
  const reached = eventWindows(eventTimes, options.windowMinutes);
  const streaming = reached.length > 0 && reached.every((w, i) => i === 0 || (reached[i - 1]?.start ?? '') <= w.start);
  // Windows not finished yet, by start; a window the events reach and no measurement gets an empty head.
  const open = new Set(reached.map((window) => window.start));

  /** The steps that finish a window: its last later chunks, then its head (none when its head is written). */
  const finish = function* (start: string): Generator<StagingDocument[], void, undefined> {
    open.delete(start);
    const window = windows.get(start);
    if (window === undefined) {
      yield* planEmptyWindowDocuments(shard, range, [start], [], options).map((head) => [head]);
      return;
    }
    const items = window.chunker.take();
    if (items.length === 0 && window.head === null) {
      return;
    }
    const head = window.chunk === 0 && window.head !== null ? items : window.head;
    if (head !== items) {
      window.full.push(document(window, window.chunk, window.chunk + 1, items));
    }
    if (window.full.length > 0) {
      yield window.full;
    }
    if (head !== null && head !== undefined) {
      yield [document(window, 0, window.chunk + 1, head)];
    }
    Object.assign(window, { head: null, chunk: window.chunk + 1, full: [] });
  };

  for (const measurement of measurements) {
    const { start, end } = toStagingWindow(measurement.ingestionTimeUtc, options.windowMinutes);
    let window = windows.get(start);
    if (window === undefined) {
      if (streaming) {
        // A measurement of a later window: the earlier windows' events are all read.
        for (const earlier of [...open].filter((other) => other < start).sort()) {
          yield* finish(earlier);
        }
      }
      // Envelope size with generous placeholders for the chunk index and the counts (up to 9 digits each).
      const overhead =
        toJsonByteLength({ ...document({ start, end }, 999_999_999, 999_999_999, []), count: 999_999_999 }) +
        cosmosSystemPropertiesReserve;
      const chunker = new SizeChunker<CompactMeasurement>(Math.max(1, options.maxDocumentBytes - overhead));
      window = { start, end, head: undefined, chunk: 0, chunker, full: [] };
      windows.set(start, window);
      open.add(start);
    }
    const item = toCompactMeasurement(measurement);
    const closed = window.chunker.add(item, toJsonByteLength(item));
    if (closed !== undefined) {
      if (window.chunk === 0 && window.head !== null) {
        window.head = closed;
      } else {
        window.full.push(document(window, window.chunk, window.chunk + 1, closed));
      }
      window.chunk += 1;
      if (streaming && window.full.length >= concurrency) {
        yield window.full;
        window.full = [];
      }
    }
  }
  // Every window left, oldest first; a window finished early and reached again (no batch's events do) gets later
  // chunks only.
  for (const start of [...open].sort()) {
    yield* finish(start);
  }
  for (const window of [...windows.values()].filter((w) => !w.chunker.isEmpty)) {
    yield* finish(window.start);
  }
}

/** The windows of the event times that parse, in order. */
function eventWindows(eventTimes: readonly string[], windowMinutes: number): { start: string; end: string }[] {
  return eventTimes
    .filter((time) => !Number.isNaN(Date.parse(time)))
    .map((time) => toStagingWindow(time, windowMinutes));
}

/**
 * Plans the empty documents of a batch's windows that its events fall in but none of its measurements: written only
 * where an earlier staging of the same batch left documents (the caller checks), each is chunk 0 with `chunks: 0`,
 * so it overwrites the earlier staging's first document and {@link findSupersededChunks} drops the rest. Without it,
 * a redelivery whose events now yield nothing in a window (a device mapping fixed to drop them, or to reject them)
 * would leave the earlier staging's measurements there, and the flush would write them.
 * @param shard - the Event Hubs partition id of the batch, or a replay shard
 * @param range - the batch's first and last sequence numbers
 * @param eventTimes - the ingestion (enqueued) times of all the batch's events; times that do not parse are skipped
 * @param documents - the batch's documents from {@link planStagingDocuments}
 * @param options - window length and the current time
 * @returns one empty document per window without documents, ordered by window
 */
export function planEmptyWindowDocuments(
  shard: string,
  range: SequenceRange,
  eventTimes: readonly string[],
  documents: readonly StagingDocument[],
  options: Pick<StagingPlanOptions, 'windowMinutes' | 'nowMs' | 'stagingId'>,
): StagingDocument[] {
  const covered = new Set(documents.map((d) => d.windowStart));
  const empty = new Map<string, string>();
  for (const time of eventTimes) {
    if (Number.isNaN(Date.parse(time))) {
      continue;
    }
    const window = toStagingWindow(time, options.windowMinutes);
    if (!covered.has(window.start)) {
      empty.set(window.start, window.end);
    }
  }
  return [...empty.keys()]
    .sort()
    .map((start) =>
      toStagingDocument(
        shard,
        range,
        { start, end: empty.get(start) ?? start },
        { chunk: 0, chunks: 0, items: [] },
        options,
      ),
    );
}

/** Most stagings a head names (a batch delivered that often before its window was flushed is not expected). */
export const MAX_SUPERSEDED_STAGINGS = 32;

/**
 * The head (chunk 0) a staging writes over the stored one: the same document, naming the stagings whose later chunks
 * it supersedes. Those are the staging whose head it overwrites and every staging that one named: they had written
 * their head, and this staging, which finished (its head comes after its chunks), holds every event of the batch in
 * the window as its mapping makes it, so dropping their chunks loses nothing. A staging still running, or cut short
 * before its head, is never named: its chunks are flushed, so dropping them could lose what only its mapping makes.
 * The write must be conditional on the stored head read (its ETag; creation where there was none), so that two
 * stagings at once name each other in the order their heads land. A head written before stagings were named is
 * named by `''`; over a head the previous release wrote (first, superseding other stagings' chunks by its count),
 * {@link HEAD_FIRST_STAGINGS} names every chunk written so.
 * @param head - this staging's head, as planned
 * @param stored - the head in the store (untrusted shape), or `undefined` where there is none
 * @returns the head to write
 */
export function toSupersedingHead(head: StagingDocument, stored: StagedDocumentOrigin | undefined): StagingDocument {
  const named: string[] = [];
  if (stored !== undefined) {
    named.push(toStagingName(stored.stagingId));
    // A head written first (by the previous release) superseded, by its count, chunks of other stagings too: this
    // staging, which finished, supersedes every chunk written head first.
    if (stored.headLast !== true) {
      named.push(HEAD_FIRST_STAGINGS);
    }
    if (Array.isArray(stored.supersedes)) {
      named.push(...stored.supersedes.filter((name): name is string => typeof name === 'string'));
    }
  }
  const own = toStagingName(head.stagingId);
  const supersedes = [...new Set(named)].filter((name) => name !== own).slice(0, MAX_SUPERSEDED_STAGINGS);
  return { ...head, supersedes };
}

/** Named by a head written over a head written first: every chunk written head first (without `headLast`). */
export const HEAD_FIRST_STAGINGS = '*';

/** How a head names a staging: its id, or `''` for documents staged before stagings were named. */
function toStagingName(stagingId: unknown): string {
  return typeof stagingId === 'string' ? stagingId : '';
}

/** One staging document of a batch: chunk `chunk` of the `chunks` this staging writes in the window. */
function toStagingDocument(
  shard: string,
  range: SequenceRange,
  window: { start: string; end: string },
  part: { chunk: number; chunks: number; items: CompactMeasurement[] },
  options: Pick<StagingPlanOptions, 'nowMs' | 'stagingId'>,
): StagingDocument {
  return {
    pk: toStagingPartitionKey({ windowStart: window.start, shard }),
    id: toStagingDocumentId(shard, range, window.start, part.chunk, options.stagingId),
    windowStart: window.start,
    windowEnd: window.end,
    shard,
    firstSequenceNumber: range.first,
    lastSequenceNumber: range.last,
    chunk: part.chunk,
    chunks: part.chunks,
    measurements: part.items,
    count: part.items.length,
    createdAt: new Date(options.nowMs).toISOString(),
    ...(options.stagingId === undefined ? {} : { stagingId: options.stagingId }),
    ...(options.stagingId === undefined ? {} : { headLast: true }),
    ...(options.stagingId === undefined || part.chunk !== 0 ? {} : { supersedes: [] }),
  };
}

/** The fields of a stored staging document that say which staging of which batch wrote it (untrusted shape). */
export interface StagedDocumentOrigin {
  id: string;
  shard?: unknown;
  firstSequenceNumber?: unknown;
  lastSequenceNumber?: unknown;
  windowStart?: unknown;
  chunk?: unknown;
  chunks?: unknown;
  createdAt?: unknown;
  stagingId?: unknown;
  headLast?: unknown;
  supersedes?: unknown;
}

/**
 * Finds staged documents a later staging of the same batch superseded without overwriting them. A redelivered
 * batch is normalized again, with the mapping served by then, and cut into chunks at other events when that changed
 * the measurements' size; the earlier staging's chunks would stay beside the new ones, so the events in them would
 * be written twice (once as each mapping made them). Every staging of a batch that reaches a window writes its head
 * (chunk 0, the same id at every staging) there last, after its other chunks (an empty head when its events yield
 * nothing and an earlier staging left a head: {@link planEmptyWindowDocuments}), naming the stagings it supersedes
 * ({@link toSupersedingHead}); their later chunks are superseded. Nothing else is: this staging's own chunks, and
 * those of a staging still running or cut short before its head, are flushed (some events may then be flushed as
 * both mappings made them; none is lost). No clock is compared (instances' clocks differ). Nothing is superseded when
 * the head is gone. A head written before heads named stagings (first, before its chunks) keeps the rule it was
 * written under: when every chunk its count and staging id say it wrote is in the store (or, without a staging id,
 * at once), the documents of the batch at that index or beyond are superseded.
 * @param documents - the stored documents of one work unit
 * @returns the ids of the superseded documents: delete them without flushing their measurements
 */
export function findSupersededChunks(documents: readonly StagedDocumentOrigin[]): Set<string> {
  const batches = new Map<string, StagedDocumentOrigin[]>();
  const heads = new Map<string, StagedDocumentOrigin>();
  for (const document of documents) {
    if (typeof document.chunk !== 'number') {
      continue;
    }
    const key = toBatchKey(document);
    const batch = batches.get(key) ?? [];
    batch.push(document);
    batches.set(key, batch);
    if (document.chunk === 0) {
      heads.set(key, document);
    }
  }
  const superseded = new Set<string>();
  for (const [key, batch] of batches) {
    const head = heads.get(key);
    const later = batch.filter((d) => typeof d.chunk === 'number' && d.chunk > 0);
    if (head === undefined) {
      continue;
    }
    if (head.headLast === true) {
      const named = new Set(
        (Array.isArray(head.supersedes) ? head.supersedes : []).filter(
          (name): name is string => typeof name === 'string',
        ),
      );
      const own = toStagingName(head.stagingId);
      for (const document of later) {
        const name = toStagingName(document.stagingId);
        const headFirst = named.has(HEAD_FIRST_STAGINGS) && document.headLast !== true;
        if ((name !== own && named.has(name)) || headFirst) {
          superseded.add(document.id);
        }
      }
      continue;
    }
    // A staging that writes its head last may be running still: a head written first never supersedes its chunks.
    for (const id of supersededByLegacyHead(
      head,
      later.filter((d) => d.headLast !== true),
    )) {
      superseded.add(id);
    }
  }
  return superseded;
}

/**
 * Orders a unit's staged documents for reading or deleting; documents whose fields are not numbers go by id.
 * - `read`: as the flush reads them (grouping keeps the first of measurements ingested at the same instant): by first
 *   and last sequence number, so that the value kept does not depend on where the trigger cut its batches (ids would
 *   compare the numbers as text); in a batch, the documents of the staging whose head is stored before any other
 *   staging's, so that on a tie with another staging's copy of an event (one cut short, one still running, or one
 *   whose head a stopped flush deleted) the head's staging's value is kept; then by chunk.
 * - `delete`: as the flush deletes them, one at a time, stopping at the first that cannot go: by last sequence
 *   number, then first (batches a redelivery cut elsewhere overlap, and what a stopped delete leaves then holds every
 *   later event of the window that a deleted document held); in a batch, other stagings' copies before the head's
 *   staging's documents (what is left then still holds the batch as the head's staging made it); then by chunk.
 *   A replay shard's sequence numbers are hashes, not ingestion order: given `ingestedAt`, other stagings' copies go
 *   first, then the documents by their latest ingestion time.
 * @param documents - the stored documents of one work unit
 * @param purpose - `read` or `delete`
 * @param ingestedAt - for deleting a replay shard's documents: a document's latest ingestion time (epoch ms)
 * @returns a sorted copy
 */
export function orderStagedDocuments<T extends StagedDocumentOrigin>(
  documents: readonly T[],
  purpose: 'read' | 'delete',
  ingestedAt?: (document: T) => number,
): T[] {
  const copies = findStagingCopies(documents);
  const keyed = documents.map((document) => ({
    document,
    rank: copies.has(document.id) ? 1 : 0,
    ingested: ingestedAt?.(document) ?? 0,
  }));
  keyed.sort((a, b) => {
    const sequence = [
      [a.document.firstSequenceNumber, b.document.firstSequenceNumber],
      [a.document.lastSequenceNumber, b.document.lastSequenceNumber],
    ];
    const fields =
      purpose === 'read'
        ? [...sequence, [a.rank, b.rank], [a.document.chunk, b.document.chunk]]
        : ingestedAt !== undefined
          ? [
              [b.rank, a.rank],
              [a.ingested, b.ingested],
            ]
          : [...sequence.reverse(), [b.rank, a.rank], [a.document.chunk, b.document.chunk]];
    for (const [left, right] of fields) {
      if (typeof left !== 'number' || typeof right !== 'number') {
        break;
      }
      if (left !== right) {
        return left - right;
      }
    }
    return a.document.id < b.document.id ? -1 : a.document.id > b.document.id ? 1 : 0;
  });
  return keyed.map((k) => k.document);
}

/**
 * Finds the staged chunks a staging may still be writing: chunks after the first, written head last, of a staging
 * other than the one whose head is stored for their batch (or of a batch with no head yet), and not superseded. Such
 * a staging is either still running (its head will land and supersede the stored one's chunks) or was cut short;
 * flushed now, its copies lose the tie to the head's staging's, and when it then finishes, the values it made of
 * those events are never written. The caller holds such a unit back while these chunks are younger than an
 * invocation can run, and flushes them as they are after that. Documents written head first (the previous release)
 * are never among them.
 * @param documents - the stored documents of one work unit
 * @param superseded - their superseded ones, when found already ({@link findSupersededChunks})
 * @returns their ids
 */
export function findUnsettledChunks(
  documents: readonly StagedDocumentOrigin[],
  superseded: ReadonlySet<string> = findSupersededChunks(documents),
): Set<string> {
  const heads = toHeadStagings(documents);
  const copies = findStagingCopies(documents);
  const unsettled = new Set<string>();
  for (const document of documents) {
    const later = typeof document.chunk === 'number' && document.chunk > 0;
    if (!later || document.headLast !== true || superseded.has(document.id)) {
      continue;
    }
    if (!heads.has(toBatchKey(document)) || copies.has(document.id)) {
      unsettled.add(document.id);
    }
  }
  return unsettled;
}

/**
 * Finds the documents that are another staging's copies of their batch: of a batch whose stored head is of another
 * staging. A flush reads them after the head's staging's documents (a tie keeps the head's staging's value) and
 * deletes them before (what a stopped delete leaves then holds the batch as the head's staging made it).
 * @param documents - the stored documents of one work unit
 * @returns their ids
 */
export function findStagingCopies(documents: readonly StagedDocumentOrigin[]): Set<string> {
  const heads = toHeadStagings(documents);
  const copies = new Set<string>();
  for (const document of documents) {
    const head = heads.get(toBatchKey(document));
    if (head !== undefined && head.stagingId !== document.stagingId) {
      copies.add(document.id);
    }
  }
  return copies;
}

/** The stored head of each batch, by batch key. */
function toHeadStagings(documents: readonly StagedDocumentOrigin[]): Map<string, { stagingId: unknown }> {
  const heads = new Map<string, { stagingId: unknown }>();
  for (const document of documents) {
    if (document.chunk === 0) {
      heads.set(toBatchKey(document), { stagingId: document.stagingId });
    }
  }
  return heads;
}

/** The batch and window a staged document belongs to. */
function toBatchKey(document: StagedDocumentOrigin): string {
  return JSON.stringify([
    document.shard,
    document.firstSequenceNumber,
    document.lastSequenceNumber,
    document.windowStart,
  ]);
}

/** The rule of a head written before its chunks (see {@link findSupersededChunks}). */
function supersededByLegacyHead(head: StagedDocumentOrigin, later: readonly StagedDocumentOrigin[]): string[] {
  const { chunks, stagingId } = head;
  if (typeof chunks !== 'number' || !Number.isInteger(chunks)) {
    return [];
  }
  if (typeof stagingId === 'string') {
    const whole = new Set(
      later.filter((d) => d.stagingId === stagingId && Number(d.chunk) < chunks).map((d) => d.chunk),
    );
    // Its chunks after the head: all there, or the staging is not whole.
    if (whole.size !== Math.max(chunks - 1, 0)) {
      return [];
    }
  }
  return later.filter((d) => Number(d.chunk) >= chunks).map((d) => d.id);
}

/** The measurements read back from a staging document. */
export interface DecodedStagingDocument {
  measurements: Measurement[];
  /** Elements of `measurements` that were not in the compact shape (skipped). */
  malformed: number;
}

/**
 * Decodes the measurements of a staging document read from the store.
 * @param document - the stored document (untrusted shape)
 */
export function decodeStagingDocument(document: unknown): DecodedStagingDocument {
  const items =
    typeof document === 'object' && document !== null ? (document as { measurements?: unknown }).measurements : [];
  if (!Array.isArray(items)) {
    return { measurements: [], malformed: 1 };
  }
  const measurements: Measurement[] = [];
  let malformed = 0;
  for (const item of items) {
    const measurement = fromCompactMeasurement(item);
    if (measurement === undefined) {
      malformed += 1;
    } else {
      measurements.push(measurement);
    }
  }
  return { measurements, malformed };
}
