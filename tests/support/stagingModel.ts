/**
 * A model of the staging store for exhaustive and randomized interleaving tests: a map of ids with ETags in which a
 * chunk is upserted, a head is written over the stored one as the Cosmos staging store writes it (conditionally, so
 * in one step), and a flush reads and deletes as readUnit and deleteDocuments do (superseded documents first, then in
 * orderStagedDocuments' order, stopping at the first changed). The planning, the supersession rules and the orders
 * are the real core functions.
 */
import { expect } from 'vitest';
import type { Measurement } from '../../shared/core/measurement.js';
import {
  decodeStagingDocument,
  findSupersededChunks,
  findUnsettledChunks,
  orderStagedDocuments,
  planStagingSteps,
  toSupersedingHead,
  type StagingDocument,
} from '../../shared/core/staging/planStagingDocuments.js';

/** Events in the modelled batch. */
export const events = 12;
/** The batch's sequence numbers. */
export const range = { first: 1, last: events };
/** When the batch was enqueued. */
export const ingested = '2024-05-01T10:05:00.000Z';
/**
 * Staging options of a model staging: documents of 1,600 bytes at most.
 * @param stagingId - the staging's name
 */
export const options = (stagingId: string) => ({
  windowMinutes: 15,
  maxDocumentBytes: 1_600,
  nowMs: Date.parse(ingested),
  stagingId,
});

/**
 * The batch as a mapping makes it: each event's measurement carries the mapping's tag and a note of its size.
 * @param tag - the mapping's tag, in every value (`tag:event`)
 * @param note - the note's length (a mapping that writes more needs more chunks)
 * @param makes - which events the mapping makes something of
 */
export function batch(tag: string, note: number, makes: (i: number) => boolean = () => true): Measurement[] {
  return Array.from({ length: events }, (_, i) => ({
    type: 'hr',
    occurrenceTimeUtc: new Date(Date.parse('2024-05-01T09:00:00.000Z') + i * 1000).toISOString(),
    ingestionTimeUtc: ingested,
    deviceId: 'dev',
    properties: [
      { name: 'hr', value: `${tag}:${i}` },
      { name: 'note', value: 'x'.repeat(note) },
    ],
  })).filter((_, i) => makes(i));
}

/** A staging: its write steps, and the values its mapping makes. */
export interface Staging {
  name: string;
  steps: StagingDocument[][];
  values: string[];
}

/**
 * Plans a staging of the batch, as the staging store does (at its default concurrency).
 * @param name - its staging id
 * @param measurements - what its mapping made of the batch
 */
export function staging(name: string, measurements: Measurement[]): Staging {
  return {
    name,
    steps: [...planStagingSteps('0', range, measurements, [ingested], options(name), 8)],
    values: measurements.map((m) => m.properties[0]?.value ?? '').sort(),
  };
}

/** The modelled store: documents by id, with an ETag each. */
export type Store = ReadonlyMap<string, { document: StagingDocument; etag: number }>;
let etags = 0;

/**
 * Writes a document as the staging store does: a head over the stored one, not at all when empty over none.
 * @param store - the store before
 * @param document - the document to write
 * @returns the store after (the same object when nothing was written)
 */
export function write(store: Store, document: StagingDocument): Store {
  const next = new Map(store);
  if (document.chunk !== 0) {
    next.set(document.id, { document, etag: ++etags });
    return next;
  }
  const stored = store.get(document.id)?.document;
  if (stored === undefined && document.chunks === 0) {
    return store;
  }
  next.set(document.id, { document: toSupersedingHead(document, stored), etag: ++etags });
  return next;
}

/**
 * What a flush reads: the values it writes, in order, and the documents to delete, with the ETags read.
 * @param store - the store
 * @param replayShard - whether the unit is a replay shard's (deleted by ingestion time, all the same here)
 */
export function read(store: Store, replayShard = false): { values: string[]; deletes: { id: string; etag: number }[] } {
  const documents = [...store.values()].map((s) => s.document);
  const superseded = findSupersededChunks(documents);
  const flushed = documents.filter((d) => !superseded.has(d.id));
  const deletes = [
    ...documents.filter((d) => superseded.has(d.id)),
    ...orderStagedDocuments(flushed, 'delete', replayShard ? () => Date.parse(ingested) : undefined),
  ];
  return {
    values: orderStagedDocuments(flushed, 'read').flatMap((d) =>
      decodeStagingDocument(d).measurements.map((m) => m.properties[0]?.value ?? ''),
    ),
    deletes: deletes.map((d) => ({ id: d.id, etag: store.get(d.id)?.etag ?? 0 })),
  };
}

/**
 * Deletes one document unless it changed since it was read; `deleted` false when it did (the flush stops there).
 * @param store - the store before
 * @param target - the document's id and the ETag read
 */
export function remove(store: Store, target: { id: string; etag: number }): { store: Store; deleted: boolean } {
  const stored = store.get(target.id);
  if (stored !== undefined && stored.etag !== target.etag) {
    return { store, deleted: false };
  }
  const next = new Map(store);
  next.delete(target.id);
  return { store: next, deleted: true };
}

/**
 * Flushes until nothing is staged; the values each flush read.
 * @param store - the store
 * @param replayShard - whether the unit is a replay shard's
 */
export function drain(store: Store, replayShard = false): string[][] {
  const flushes: string[][] = [];
  let current = store;
  for (let round = 0; current.size > 0; round++) {
    expect(round).toBeLessThan(5);
    const flush = read(current, replayShard);
    flushes.push(flush.values);
    for (const target of flush.deletes) {
      current = remove(current, target).store;
    }
  }
  return flushes;
}

/**
 * The value FHIR ends with for each event: the first copy in a flush, a later flush's over an earlier one's.
 * @param flushes - the values each flush read, in order
 */
export function written(flushes: readonly (readonly string[])[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const flush of flushes) {
    const seen = new Set<string>();
    for (const value of flush) {
      const event = value.split(':')[1] ?? '';
      if (!seen.has(event)) {
        seen.add(event);
        values.set(event, value);
      }
    }
  }
  return values;
}

/**
 * Whether a flush must wait: the store holds unsettled chunks (findUnsettledChunks) of a staging still running.
 * @param store - the store
 * @param running - whether the staging of a given id is still running (started, neither finished nor cut short)
 */
export function mustWait(store: Store, running: (stagingId: unknown) => boolean): boolean {
  const unsettled = findUnsettledChunks([...store.values()].map((s) => s.document));
  return [...store.values()].some((s) => unsettled.has(s.document.id) && running(s.document.stagingId));
}
