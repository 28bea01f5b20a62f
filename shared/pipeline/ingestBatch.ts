/**
 * Ingest use case: one Event Hubs batch → normalized measurements staged per window, rejected messages
 * dead-lettered. Idempotent: a redelivered batch overwrites its staged head documents and supersedes the rest of an
 * earlier staging (see planStagingSteps), and dead-letter ids are deterministic.
 */
import type { EventCoordinates, IngestEvent } from '../core/deviceEvent.js';
import type { ErrorName, MedTechError } from '../core/errors.js';
import type { DeviceMapping } from '../core/mapping/deviceMapping.js';
import type { Measurement } from '../core/measurement.js';
import { normalizeEvent } from '../core/normalize/normalizeEvent.js';
import { boundErrorText, toDeadLetterBody, type DeadLetterRecord } from '../core/staging/deadLetter.js';
import type { DeadLetterStore, StagingStore, StoredDeadLetterKey } from './stagingPorts.js';

/** What ingest needs. */
export interface IngestDeps {
  staging: StagingStore;
  deadLetters: DeadLetterStore;
  /** Current time (dead-letter `time`). */
  now: () => Date;
}

/**
 * Counts of one ingest call. A redelivered batch is counted again by the call that handles it (its staging and
 * dead-letter writes overwrite the same documents). MedTech's own names differ in scope, so none is reused as is.
 */
export interface IngestSummary {
  /** Events received (MedTech's DeviceEvent). */
  deviceEvents: number;
  /** Events that produced at least one measurement. */
  normalizedEvents: number;
  /** Events that matched no template and had no error: nothing to stage, nothing to dead-letter. */
  droppedEvents: number;
  /** Events that produced no measurement because of errors: dead-lettered. */
  rejectedEvents: number;
  /** Measurements staged (one per normalized value set: what MedTech's NormalizedEvent counts). */
  measurements: number;
  /** Dead-letter records written: one per distinct error of an event, at most 10 per event. */
  deadLettered: number;
  /**
   * Of those, the records stored with less than they held: without the message body or a property bag, too large for
   * one document (their Event Hubs coordinates find the message while it is retained).
   */
  deadLetteredWithLess: number;
  /** Errors by MedTech error name, every occurrence (an event failing in 5 matches counts 5). */
  errorsByName: Partial<Record<ErrorName, number>>;
  /** Staging documents written. */
  stagingDocuments: number;
  /** Now minus the oldest event's enqueued time (0 when the trigger gave none and the receive time stood in). */
  maxProcessingLatencyMs: number;
}

/** Options of {@link ingestBatch}. */
export interface IngestOptions {
  /**
   * Where an event's measurements are staged: its shard and the sequence number that goes into the staging range.
   * Default: the Event Hubs partition and sequence number. A replay stages elsewhere so that it never overwrites a
   * live batch's staging document.
   */
  stagingKeyOf?: (coordinates: EventCoordinates) => { shard: string; sequenceNumber: number };
  /** Told how many measurements were staged, once all are and before any dead letter is written. */
  onStaged?: (measurements: number) => void;
  /** Told the keys of the dead letters written, as the store answered them (a replay looks at them). */
  onDeadLettered?: (keys: readonly StoredDeadLetterKey[]) => void;
}

/** Most dead-letter records kept for one event (a message failing in every match of a template repeats itself). */
const MAX_DEAD_LETTERS_PER_EVENT = 10;

/**
 * Rejected events whose dead letters are made and written at once: each letter holds its message's body parsed again,
 * so a batch of rejected messages is not held parsed whole (the store writes 8 documents at once).
 */
const DEAD_LETTER_EVENTS_AT_ONCE = 8;

/**
 * Normalizes a batch with the device mapping, stages the measurements, and dead-letters rejected messages.
 * Throws only what must be retried (store unavailable); a bad message never fails the batch.
 * @param events - the batch, with Event Hubs coordinates
 * @param mapping - the device mapping currently served
 * @param deps - stores and clock
 * @param options - where measurements are staged (default: by Event Hubs partition), who is told the dead letters' keys
 * @throws a retriable error when staging or dead-lettering fails, so the batch is delivered again
 */
export async function ingestBatch(
  events: readonly IngestEvent[],
  mapping: DeviceMapping,
  deps: IngestDeps,
  options: IngestOptions = {},
): Promise<IngestSummary> {
  const stagingKeyOf = options.stagingKeyOf ?? defaultStagingKey;
  const now = deps.now();
  const summary: IngestSummary = {
    deviceEvents: events.length,
    normalizedEvents: 0,
    droppedEvents: 0,
    rejectedEvents: 0,
    measurements: 0,
    deadLettered: 0,
    deadLetteredWithLess: 0,
    errorsByName: {},
    stagingDocuments: 0,
    maxProcessingLatencyMs: 0,
  };
  // Each shard's range names its documents, so it is found first; its events are then normalized as its staging reads
  // their measurements, so that a batch is never held whole (a batch of 100 messages each near the per-message
  // bounds held about 900 MB when it was).
  const byShard = new Map<string, { first: number; last: number; events: IngestEvent[]; eventTimes: string[] }>();
  for (const item of events) {
    const key = stagingKeyOf(item.coordinates);
    const shard = byShard.get(key.shard) ?? {
      first: key.sequenceNumber,
      last: key.sequenceNumber,
      events: [],
      eventTimes: [],
    };
    shard.events.push(item);
    shard.eventTimes.push(item.event.enqueuedTimeUtc);
    shard.first = Math.min(shard.first, key.sequenceNumber);
    shard.last = Math.max(shard.last, key.sequenceNumber);
    byShard.set(key.shard, shard);
  }
  // A rejected event and the errors its dead letters name; the letters (whose bodies are parsed again from the event's
  // bytes) are made only when written, a few events at a time.
  const rejected: { item: IngestEvent; errors: DeadLetterRecord['error'][] }[] = [];
  let read = 0;
  const normalized = function* (shardEvents: readonly IngestEvent[]): Generator<Measurement, void, undefined> {
    for (const { event, coordinates } of shardEvents) {
      const result = normalizeEvent(mapping, event);
      countEvent(summary, result.measurements.length, result.errors.length);
      summary.maxProcessingLatencyMs = Math.max(
        summary.maxProcessingLatencyMs,
        now.getTime() - Date.parse(coordinates.enqueuedTimeUtc),
      );
      const errors = toDeadLetterErrors(result.errors, summary);
      if (errors.length > 0) {
        rejected.push({ item: { event, coordinates }, errors });
      }
      summary.measurements += result.measurements.length;
      yield* result.measurements;
      read += 1;
    }
  };

  // Every shard, those whose events yield nothing too: a redelivery may have to supersede an earlier staging there.
  for (const [shard, batch] of byShard) {
    summary.stagingDocuments += await deps.staging.stageBatch(
      shard,
      { first: batch.first, last: batch.last },
      normalized(batch.events),
      batch.eventTimes,
    );
  }
  if (read !== events.length) {
    throw new Error('internal: the staging store did not read every measurement of the batch');
  }
  options.onStaged?.(summary.measurements);
  // Then the dead letters: if writing them fails, the redelivery stages the batch again over the same heads and
  // rewrites the same dead-letter ids.
  const keys: StoredDeadLetterKey[] = [];
  for (let i = 0; i < rejected.length; i += DEAD_LETTER_EVENTS_AT_ONCE) {
    const letters = rejected
      .slice(i, i + DEAD_LETTER_EVENTS_AT_ONCE)
      .flatMap(({ item, errors }) => toDeadLetters(item, errors, mapping, now));
    keys.push(...(await deps.deadLetters.addDeadLetters(letters)));
    summary.deadLettered += letters.length;
  }
  if (rejected.length > 0) {
    summary.deadLetteredWithLess = keys.filter((key) => key.withLess === true).length;
    options.onDeadLettered?.(keys);
  }
  return summary;
}

/** Counts an event as normalized (it made a measurement), rejected (errors and nothing else) or dropped. */
function countEvent(summary: IngestSummary, measurements: number, errors: number): void {
  if (measurements > 0) {
    summary.normalizedEvents++;
  } else if (errors > 0) {
    summary.rejectedEvents++;
  } else {
    summary.droppedEvents++;
  }
}

/**
 * The errors an event's dead letters name: one per distinct error (name, message and place), at most
 * {@link MAX_DEAD_LETTERS_PER_EVENT}; every error is counted by name.
 */
function toDeadLetterErrors(errors: readonly MedTechError[], summary: IngestSummary): DeadLetterRecord['error'][] {
  const kept = new Map<string, DeadLetterRecord['error']>();
  for (const error of errors) {
    summary.errorsByName[error.name] = (summary.errorsByName[error.name] ?? 0) + 1;
    // Bounded as the dead letter keeps it (a mapping's expression may be megabytes long, held by every error).
    const record = boundErrorText(error.toRecord());
    const key = JSON.stringify([record.name, record.message, record.location ?? null]);
    if (!kept.has(key) && kept.size < MAX_DEAD_LETTERS_PER_EVENT) {
      kept.set(key, record);
    }
  }
  return [...kept.values()];
}

/** A rejected event's dead letters, one per error, sharing one copy of its body (parsed again from its bytes). */
function toDeadLetters(
  { event, coordinates }: IngestEvent,
  errors: readonly DeadLetterRecord['error'][],
  mapping: DeviceMapping,
  now: Date,
): DeadLetterRecord[] {
  const body = toDeadLetterBody(event.body);
  return errors.map((error) => {
    const templateIndex = error.location?.templateIndex;
    return {
      error,
      time: now.toISOString(),
      ...(templateIndex === undefined ? {} : { templateType: mapping.templates[templateIndex]?.kind }),
      subject: {
        kind: 'message',
        body,
        coordinates,
        properties: event.properties,
        systemProperties: event.systemProperties,
      },
    };
  });
}

function defaultStagingKey(coordinates: EventCoordinates): { shard: string; sequenceNumber: number } {
  return { shard: coordinates.partitionId, sequenceNumber: coordinates.sequenceNumber };
}
