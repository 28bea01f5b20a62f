import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { EventBody, EventCoordinates } from '../deviceEvent.js';
import type { ErrorLocation, ErrorName, ErrorRecord } from '../errors.js';
import type { Measurement } from '../measurement.js';
import { findExcessiveNesting } from '../mapping/locate.js';
import { findNumberLiteralTexts } from '../normalize/exactIntegers.js';
import { mayHaveKindedNumbers } from '../normalize/kindedBody.js';
import { toNumberText } from '../normalize/toMeasurementValue.js';
import { chunkBySize, cosmosSystemPropertiesReserve, toJsonByteLength } from './planStagingDocuments.js';

/**
 * Dead letters: what was set aside and why, kept so an operator can fix the mapping and replay
 * (reference-behaviour §6). Ids and partition keys are derived from the content, never from the clock, so a rerun
 * that rejects the same thing again overwrites the same document.
 */

export type { EventCoordinates } from '../deviceEvent.js';

/** A stored message body: JSON kept as JSON, anything else as base64 of its bytes. */
export type DeadLetterBody =
  | { encoding: 'json'; value: unknown }
  | { encoding: 'base64'; data: string }
  /**
   * Left out because the message is too large for one stored document (an Event Hubs Dedicated event of several MB):
   * its size and SHA-256 identify it, and its coordinates find it in Event Hubs (or its Capture) while retained.
   */
  | { encoding: 'omitted'; bytes: number; sha256: string };

/** What was rejected: one raw device message, or a group of measurements. */
export type DeadLetterSubject =
  | {
      kind: 'message';
      body: DeadLetterBody;
      coordinates: EventCoordinates;
      /** Application properties of the event, kept for replay (IoT Hub templates read them). */
      properties?: Record<string, unknown>;
      /** System properties of the event, kept for replay (IoT Hub device id lives here). */
      systemProperties?: Record<string, unknown>;
      /**
       * The property bags left out, each by its JSON size in bytes, because the dead letter would not fit one stored
       * document with them ({@link splitDeadLetterRecord}); such a message is not replayed from the store.
       */
      omitted?: { properties?: number; systemProperties?: number };
    }
  | { kind: 'measurements'; measurements: Measurement[] };

/** One dead letter as the pipeline hands it over. */
export interface DeadLetterRecord {
  error: ErrorRecord;
  /** When the error was recorded, ISO-8601 UTC. */
  time: string;
  /** The content template type (`CalculatedContent`, `CodeValueFhir`, …), when known. */
  templateType?: string;
  subject: DeadLetterSubject;
  /**
   * Set when a rejected group was too large for one stored document and was split: which part this is (1-based)
   * of how many. Each part holds consecutive measurements of the group and can be replayed on its own.
   */
  part?: { index: number; count: number };
}

/**
 * A dead letter as stored (Cosmos container `deadletter`, partition key `/pk` = {@link toDeadLetterPartitionKey}:
 * the error, the UTC hour of the data's enqueued/ingestion time and the first hex digit of the id — spreads a flood of
 * one error over 16 logical partitions an hour, each far from Cosmos DB's 20 GB a logical partition, while listing
 * by error name stays a simple filter).
 */
export interface DeadLetterDocument extends DeadLetterRecord {
  /** SHA-256 (hex) of the error and the subject's identity. */
  id: string;
  pk: string;
  /** Copy of `error.name`, for queries. */
  errorName: ErrorName;
}

/**
 * Deepest nesting of a body stored as JSON. `JSON.parse` reads any depth, but serializing recurses (a few thousand
 * levels overflow the stack, in our size checks and in the Cosmos SDK alike) and Cosmos DB limits the nesting of a
 * stored item; deeper JSON is stored as base64 of its bytes, so that storing the dead letter cannot fail.
 */
const MAX_JSON_BODY_DEPTH = 100;

/**
 * Converts an event body to its stored form: JSON stays JSON; text or bytes that are not JSON become base64, and so
 * does JSON that its parsed value would misrepresent, since a replay must see the message the device sent: a number
 * whose kind or text the value loses (`70.0`, which JMESPath's `to_string` writes so; an integer beyond 2^53;
 * `1.5e15`; `-0.0`), an object whose members JavaScript would list in another order (integer-like names come first,
 * and a `..` scan or `keys` sees that order), a surrogate written as a `\u` escape (a lone one reads as U+FFFD), and
 * JSON nested more than {@link MAX_JSON_BODY_DEPTH} levels deep.
 * @param body - the event body as received
 */
export function toDeadLetterBody(body: EventBody): DeadLetterBody {
  switch (body.kind) {
    case 'json':
      return { encoding: 'json', value: body.value };
    case 'text': {
      const json = parsesAsJson(body.text);
      if (json !== undefined) {
        jsonBodySources.set(json, body.text);
      }
      return json ?? { encoding: 'base64', data: Buffer.from(body.text, 'utf8').toString('base64') };
    }
    case 'bytes': {
      const bytes = Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
      const text = decodeUtf8(bytes);
      const json = text === undefined ? undefined : parsesAsJson(text);
      if (json !== undefined) {
        jsonBodySources.set(json, bytes);
      }
      return json ?? { encoding: 'base64', data: bytes.toString('base64') };
    }
  }
}

type MessageSubject = Extract<DeadLetterSubject, { kind: 'message' }>;

/**
 * A rejected message's subject with the given body and only the property bags asked for; each one left out is named
 * in `omitted` with its JSON size in bytes.
 */
function keepingOnly(
  subject: MessageSubject,
  body: DeadLetterBody,
  keep: { properties?: boolean; systemProperties?: boolean },
): MessageSubject {
  const { properties, systemProperties, omitted, ...rest } = subject;
  const result: MessageSubject = { ...rest, body };
  const leftOut = { ...omitted };
  if (properties !== undefined) {
    if (keep.properties === true) {
      result.properties = properties;
    } else {
      leftOut.properties = toJsonByteLength(properties);
    }
  }
  if (systemProperties !== undefined) {
    if (keep.systemProperties === true) {
      result.systemProperties = systemProperties;
    } else {
      leftOut.systemProperties = toJsonByteLength(systemProperties);
    }
  }
  if (Object.keys(leftOut).length > 0) {
    result.omitted = leftOut;
  }
  return result;
}

/**
 * What a body {@link toDeadLetterBody} stored as JSON was read from (the event's bytes, or its text as UTF-8): should
 * the body have to be left out, its size and hash are those of the event in Event Hubs, not of the value written again.
 */
const jsonBodySources = new WeakMap<DeadLetterBody, Uint8Array | string>();

/** A body left out: the size and SHA-256 of the event's bytes (of the value as JSON, for a value given parsed). */
function toOmittedBody(body: DeadLetterBody): Extract<DeadLetterBody, { encoding: 'omitted' }> {
  if (body.encoding === 'omitted') {
    return body;
  }
  const source =
    body.encoding === 'base64'
      ? Buffer.from(body.data, 'base64')
      : (jsonBodySources.get(body) ?? JSON.stringify(body.value));
  const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
  return { encoding: 'omitted', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function parsesAsJson(text: string): DeadLetterBody | undefined {
  // A surrogate written as an escape (a `\u` not itself escaped: after an even run of backslashes): alone, the service
  // reads it as U+FFFD, as MedTech does, where JSON.parse keeps it; paired, either would do, but the bytes are kept.
  if (findExcessiveNesting(text, MAX_JSON_BODY_DEPTH) >= 0 || /(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F]/.test(text)) {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  if (mayHaveKindedNumbers(text) || mayReorderMembers(value)) {
    return undefined;
  }
  // Stored as JSON, a number replays as its value: keep the bytes when MedTech's text of it depends on the literal.
  for (const [number, texts] of findNumberLiteralTexts(text)) {
    if (texts.some((t) => t !== toNumberText(number))) {
      return undefined;
    }
  }
  return { encoding: 'json', value };
}

/**
 * Whether an object in a parsed value may list its members in another order than its text: one of several members
 * whose first name, as JavaScript lists them, starts with a digit (JavaScript lists integer-like names first).
 */
function mayReorderMembers(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  if (Array.isArray(value)) {
    return value.some(mayReorderMembers);
  }
  const names = Object.keys(value);
  const first = names[0]?.charCodeAt(0) ?? 0;
  if (names.length > 1 && first >= 48 && first <= 57) {
    return true;
  }
  return Object.values(value).some(mayReorderMembers);
}

/**
 * The data's own times, in epoch ms: a message's enqueued time (both), the earliest and the latest ingestion time of
 * measurements; `undefined` when none parses.
 * @param subject - a dead letter's subject
 */
export function subjectTimesMs(subject: DeadLetterSubject): { earliest: number; latest: number } | undefined {
  switch (subject.kind) {
    case 'message': {
      const ms = Date.parse(subject.coordinates.enqueuedTimeUtc);
      return Number.isNaN(ms) ? undefined : { earliest: ms, latest: ms };
    }
    case 'measurements': {
      // A loop, not Math.min(...times): a rejected group may hold more measurements than the call stack has room for.
      let times: { earliest: number; latest: number } | undefined;
      for (const m of subject.measurements) {
        const ms = Date.parse(m.ingestionTimeUtc);
        if (!Number.isNaN(ms)) {
          times = { earliest: Math.min(times?.earliest ?? ms, ms), latest: Math.max(times?.latest ?? ms, ms) };
        }
      }
      return times;
    }
  }
}

/** What identifies the subject: its Event Hubs coordinates, or the measurements themselves. */
function subjectIdentity(subject: DeadLetterSubject): unknown {
  switch (subject.kind) {
    case 'message':
      return ['message', subject.coordinates.partitionId, subject.coordinates.sequenceNumber];
    case 'measurements':
      return ['measurements', subject.measurements];
  }
}

/**
 * What of an error's location identifies it: all but the line and column, which only say where that place is in the
 * file's current text. An operator who reformats a mapping between a crashed run and its rerun changes them, and the
 * rerun must still overwrite the same document; within one text the pointer and field already tell errors apart.
 */
function identifyingLocation(location: ErrorLocation | undefined): ErrorLocation | null {
  if (location === undefined) {
    return null;
  }
  const { line: _line, column: _column, ...rest } = location;
  return rest;
}

/**
 * Builds the stored dead-letter document: deterministic id and partition key from the error and the subject (the
 * error's location without its line and column: {@link identifyingLocation}).
 * @param record - the dead letter
 * @throws RangeError when neither the subject nor the record carries a parseable time
 */
export function toDeadLetterDocument(record: DeadLetterRecord): DeadLetterDocument {
  const { name, stage, message, location } = record.error;
  const identity = JSON.stringify([
    name,
    stage,
    message,
    identifyingLocation(location),
    record.templateType ?? null,
    subjectIdentity(record.subject),
  ]);
  const id = createHash('sha256').update(identity, 'utf8').digest('hex');
  const ms = subjectTimesMs(record.subject)?.earliest ?? Date.parse(record.time);
  if (Number.isNaN(ms)) {
    throw new RangeError('dead letter has no parseable time');
  }
  return { ...record, id, pk: toDeadLetterPartitionKey(name, ms, id), errorName: name };
}

/**
 * A dead letter's partition key: `{errorName}|{yyyy-MM-ddTHH}|{first hex digit of its id}`
 * (`IncompatibleData|2024-05-01T10|a`).
 * One error's dead letters of a UTC hour fill 16 logical partitions: a day of one error in a single one (the key
 * this replaced) reached Cosmos DB's 20 GB a logical partition at about 200 rejected messages a second, and every
 * write after that failed, stalling ingest.
 * @param errorName - the error's name
 * @param timeMs - the data's enqueued/ingestion time, epoch milliseconds
 * @param id - the dead letter's id (SHA-256 in hex)
 */
export function toDeadLetterPartitionKey(errorName: string, timeMs: number, id: string): string {
  return `${errorName}|${new Date(timeMs).toISOString().slice(0, 13)}|${id.charAt(0)}`;
}

/** Most characters of an error message kept in a dead letter; the rest is left out, and said to be. */
export const MAX_DEAD_LETTER_MESSAGE_CHARS = 8_000;

/** Most characters of the expression an error's location quotes, kept in a dead letter. */
export const MAX_DEAD_LETTER_EXPRESSION_CHARS = 2_000;

/** The record with its error's texts bounded ({@link boundErrorText}). */
function withBoundedErrorText(record: DeadLetterRecord): DeadLetterRecord {
  const error = boundErrorText(record.error);
  return error === record.error ? record : { ...record, error };
}

/**
 * An error with its texts bounded as a dead letter keeps them: a mapping may hold an expression of megabytes, which an
 * error message may quote and its location holds; stored whole, the dead letter would pass Cosmos DB's 2 MB and could
 * never be written, and its batch would be retried for ever. The same error when nothing is too long.
 * @param given - the error as recorded
 */
export function boundErrorText(given: ErrorRecord): ErrorRecord {
  const { message, location } = given;
  const expression = location?.expression;
  const longMessage = message.length > MAX_DEAD_LETTER_MESSAGE_CHARS;
  const longExpression = expression !== undefined && expression.length > MAX_DEAD_LETTER_EXPRESSION_CHARS;
  if (!longMessage && !longExpression) {
    return given;
  }
  const error = { ...given };
  if (longMessage) {
    error.message =
      `${message.slice(0, MAX_DEAD_LETTER_MESSAGE_CHARS)}… ` +
      `(${message.length - MAX_DEAD_LETTER_MESSAGE_CHARS} more characters left out)`;
  }
  if (longExpression && location !== undefined) {
    error.location = { ...location, expression: `${expression.slice(0, MAX_DEAD_LETTER_EXPRESSION_CHARS)}…` };
  }
  return error;
}

/**
 * How much of a rejected message a stored form of it leaves out ({@link splitDeadLetterRecord}): 0 when nothing; the
 * body weighs more than both property bags together. Of two forms of one message, the one with less left out holds
 * more. A group's parts leave nothing out.
 * @param subject - a dead letter's subject
 */
export function shortfallOf(subject: DeadLetterSubject): number {
  if (subject.kind !== 'message') {
    return 0;
  }
  if (subject.body.encoding === 'omitted' && subject.omitted === undefined) {
    // As the previous release stored a message too large (it named nothing it left out): a bag missing was left out.
    return 3 + (subject.properties === undefined ? 1 : 0) + (subject.systemProperties === undefined ? 1 : 0);
  }
  return (subject.body.encoding === 'omitted' ? 3 : 0) + Object.keys(subject.omitted ?? {}).length;
}

/**
 * Splits a dead letter whose measurements would make a stored document larger than `maxDocumentBytes` (Cosmos DB
 * refuses items over 2 MB) into parts of consecutive measurements, each marked with {@link DeadLetterRecord.part};
 * a group that fits is returned as the only element. A rejected message too large to store is stored with less,
 * the first of these that fits: without its application properties; without its body (`encoding: 'omitted'`, with
 * its size and hash) but with its properties; without its body and application properties; with neither property
 * bag either. What is left out is named ({@link DeadLetterSubject} `omitted`). Refusing the message would stop its
 * Event Hubs partition for good.
 * @param record - the dead letter
 * @param maxDocumentBytes - upper bound of one stored document's JSON size in bytes (system fields included)
 */
export function splitDeadLetterRecord(given: DeadLetterRecord, maxDocumentBytes: number): DeadLetterRecord[] {
  const record = withBoundedErrorText(given);
  const subject = record.subject;
  const fits = (candidate: DeadLetterRecord): boolean =>
    toJsonByteLength(toDeadLetterDocument(candidate)) + cosmosSystemPropertiesReserve <= maxDocumentBytes;
  if (fits(record)) {
    return [record];
  }
  if (subject.kind === 'message') {
    const omittedBody = toOmittedBody(subject.body);
    const candidates = [
      keepingOnly(subject, subject.body, { properties: false, systemProperties: true }),
      keepingOnly(subject, omittedBody, { properties: true, systemProperties: true }),
      keepingOnly(subject, omittedBody, { properties: false, systemProperties: true }),
      keepingOnly(subject, omittedBody, { properties: false, systemProperties: false }),
    ];
    const stored = candidates.find((candidate) => fits({ ...record, subject: candidate }));
    return [{ ...record, subject: stored ?? keepingOnly(subject, omittedBody, {}) }];
  }
  const emptyPart = toDeadLetterDocument({
    ...record,
    subject: { kind: 'measurements', measurements: [] },
    part: { index: 999_999, count: 999_999 },
  });
  const budget = Math.max(1, maxDocumentBytes - toJsonByteLength(emptyPart) - cosmosSystemPropertiesReserve);
  const chunks = chunkBySize(subject.measurements, toJsonByteLength, budget);
  return chunks.map((measurements, i) => ({
    ...record,
    subject: { kind: 'measurements', measurements },
    part: { index: i + 1, count: chunks.length },
  }));
}
