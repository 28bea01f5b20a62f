/**
 * `--dead-letter FILE` of `normalize` and `debug`: a dead letter as `GET /api/deadletters/{id}` answers it (or as the
 * `deadletter` container stores it), read back into what was rejected: the device message, as the event it was, or
 * the measurements of a rejected group. So a mapping can be fixed against the very data it failed on, before it is
 * uploaded and the dead letter replayed.
 */
import type { DeviceEvent } from '../core/deviceEvent.js';
import { isRecord } from '../core/isRecord.js';
import { toEpochMs } from '../core/fhir/instants.js';
import type { Measurement } from '../core/measurement.js';
import type { DeadLetterDocument } from '../core/staging/deadLetter.js';
import { planDeadLetterReplay } from '../core/staging/deadLetterReplay.js';
import type { CliIo } from './io.js';
import { decodeAsDotNetStreamReader } from '../core/decodeDotNetText.js';
import { readFiles } from './readMessageFiles.js';

/** What one dead-letter file holds. */
export type DeadLetterInput =
  | { file: string; kind: 'message'; event: DeviceEvent }
  | { file: string; kind: 'measurements'; measurements: Measurement[] };

/**
 * Reads `--dead-letter` files. A file that cannot be read, is not a dead letter, or holds a message stored without its
 * body (too large for the store) is reported on stderr, naming the file and what is wrong, never the data.
 * @param files - the files, in command-line order
 * @param io - where problems are reported
 * @param command - the command name for the report
 * @returns what the files hold, or `undefined` when one of them is unusable
 */
export async function readDeadLetterFiles(
  files: readonly string[],
  io: CliIo,
  command: string,
): Promise<DeadLetterInput[] | undefined> {
  const contents = await readFiles(files, io, command);
  if (contents === undefined) {
    return undefined;
  }
  const inputs: DeadLetterInput[] = [];
  for (const [index, bytes] of contents.entries()) {
    const file = files[index] ?? '';
    const read = toDeadLetterInput(decodeAsDotNetStreamReader(bytes));
    if (typeof read === 'string') {
      io.stderr(`medtech ${command}: ${file}: ${read}\n`);
      return undefined;
    }
    inputs.push({ file, ...read });
  }
  return inputs;
}

/** What a dead letter's text holds, or what is wrong with it. */
function toDeadLetterInput(
  text: string,
):
  | Omit<Extract<DeadLetterInput, { kind: 'message' }>, 'file'>
  | Omit<Extract<DeadLetterInput, { kind: 'measurements' }>, 'file'>
  | string {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return 'not JSON: give a dead letter as GET /api/deadletters/{id} answers it';
  }
  const subject = isRecord(value) ? value['subject'] : undefined;
  if (!isRecord(subject)) {
    return 'not a dead letter (no subject): give one as GET /api/deadletters/{id} answers it';
  }
  if (typeof subject['measurements'] === 'number' || typeof subject['encoding'] === 'string') {
    return 'a listing item, without the data: GET /api/deadletters/{id}?pk= answers the dead letter with it';
  }
  if (subject['kind'] === 'measurements') {
    const given = subject['measurements'];
    const measurements = Array.isArray(given) ? given.map(toMeasurement) : [undefined];
    if (!measurements.every((m) => m !== undefined)) {
      return "not a dead letter: its subject's measurements are not all measurements as the service stores them";
    }
    return { kind: 'measurements', measurements };
  }
  if (subject['kind'] !== 'message' || !isMessageSubject(subject)) {
    return 'not a dead letter: its subject is neither a message (body, coordinates) nor measurements';
  }
  const plan = planDeadLetterReplay({ subject } as DeadLetterDocument);
  if (plan.kind !== 'message') {
    const what =
      isRecord(subject['body']) && subject['body']['encoding'] === 'omitted'
        ? 'no body'
        : 'the message without all its properties';
    return `the dead letter holds ${what} (the message was too large to store): its partition and sequence number find it in Event Hubs or its Capture`;
  }
  return { kind: 'message', event: plan.ingest.event };
}

/** The members a stored measurement may have. */
const MEASUREMENT_MEMBERS = new Set([
  'type',
  'occurrenceTimeUtc',
  'ingestionTimeUtc',
  'deviceId',
  'patientId',
  'encounterId',
  'correlationId',
  'properties',
]);

/**
 * A measurement as the service stores it in a dead letter, rebuilt from its known members; `undefined` when it is not
 * one: another member, a time that is not a UTC instant as the service writes it, a blank device id (a blank type is
 * what a template with a blank typeName, only a warning, makes).
 */
function toMeasurement(value: unknown): Measurement | undefined {
  if (!isRecord(value) || !Object.keys(value).every((name) => MEASUREMENT_MEMBERS.has(name))) {
    return undefined;
  }
  const { type, occurrenceTimeUtc, ingestionTimeUtc, deviceId, patientId, encounterId, correlationId, properties } =
    value;
  const filled = (v: unknown): v is string => typeof v === 'string' && v !== '';
  const instant = (v: unknown): v is string =>
    typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(v) && toEpochMs(v) !== undefined;
  const optional = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';
  const property = (p: unknown): p is { name: string; value: string } =>
    isRecord(p) && Object.keys(p).length === 2 && typeof p['name'] === 'string' && typeof p['value'] === 'string';
  if (
    typeof type !== 'string' ||
    !instant(occurrenceTimeUtc) ||
    !instant(ingestionTimeUtc) ||
    !filled(deviceId) ||
    !optional(patientId) ||
    !optional(encounterId) ||
    !optional(correlationId) ||
    !Array.isArray(properties) ||
    !properties.every(property)
  ) {
    return undefined;
  }
  return {
    type,
    occurrenceTimeUtc,
    ingestionTimeUtc,
    deviceId,
    ...(patientId === undefined ? {} : { patientId }),
    ...(encounterId === undefined ? {} : { encounterId }),
    ...(correlationId === undefined ? {} : { correlationId }),
    properties: properties.map(({ name, value: v }) => ({ name, value: v })),
  };
}

/** A message subject as stored: a body in one of the stored encodings, coordinates, and property bags if any. */
function isMessageSubject(subject: Record<string, unknown>): boolean {
  const { body, coordinates, properties, systemProperties } = subject;
  const bodyOk =
    isRecord(body) &&
    ((body['encoding'] === 'json' && 'value' in body) ||
      (body['encoding'] === 'base64' && typeof body['data'] === 'string') ||
      body['encoding'] === 'omitted');
  const coordinatesOk =
    isRecord(coordinates) &&
    typeof coordinates['partitionId'] === 'string' &&
    typeof coordinates['sequenceNumber'] === 'number' &&
    typeof coordinates['enqueuedTimeUtc'] === 'string';
  const bag = (v: unknown): boolean => v === undefined || isRecord(v);
  return bodyOk && coordinatesOk && bag(properties) && bag(systemProperties);
}
