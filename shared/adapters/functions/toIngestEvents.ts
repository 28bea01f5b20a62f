import type { EventBody, IngestEvent } from '../../core/deviceEvent.js';
import { toUtcTimestamp } from '../../core/normalize/toUtcTimestamp.js';

/**
 * Converts what the Functions host hands an Event Hubs trigger with `cardinality: 'many'` into ingest events.
 *
 * The Node.js worker passes each body as an object (JSON the host already parsed), a string, or bytes, and
 * camel-cases the first letter of every trigger-metadata key, recursively (so `SystemPropertiesArray` arrives as
 * `systemPropertiesArray` and `PartitionContext.PartitionId` as `partitionContext.partitionId`). IoT Hub's own keys
 * (`iothub-connection-device-id`, `iothub-enqueuedtime`, `iothub-creation-time-utc`) and the `x-opt-*` keys are
 * lower-case already and arrive unchanged, which is what device mappings reference. The device's own application
 * properties are lower-cased too (`DeviceId` arrives as `deviceId`) and the original case is lost; so that a MedTech
 * mapping reading `$.Properties.DeviceId` still finds it, a property whose name starts with a small letter (but for the
 * all-lower-case hyphenated names IoT Hub and AMQP use) is also given under its name with the first letter upper-cased,
 * unless that name is taken.
 *
 * The host writes `EnqueuedTimeUtcArray` without an offset (`2023-03-13T01:25:02.25`): it is UTC, read as UTC
 * whatever the process time zone. It drops empty entries from `PartitionKeyArray`, so that array is used only when it
 * has one entry per event; the key is read from the event's system properties first.
 * @param messages - the trigger input (an array with cardinality many; a single message is accepted too)
 * @param triggerMetadata - `context.triggerMetadata`
 * @param receivedAt - fallback enqueued time when the metadata lacks one (ISO-8601 UTC)
 */
export function toIngestEvents(
  messages: unknown,
  triggerMetadata: Record<string, unknown> | undefined,
  receivedAt: string,
): IngestEvent[] {
  const list: unknown[] = Array.isArray(messages) ? messages : [messages];
  const meta = triggerMetadata ?? {};
  const enqueued = arrayOf(meta, 'enqueuedTimeUtcArray');
  const sequences = arrayOf(meta, 'sequenceNumberArray');
  const offsets = arrayOf(meta, 'offsetArray');
  const partitionKeys = arrayOf(meta, 'partitionKeyArray');
  const propertiesArray = arrayOf(meta, 'propertiesArray');
  const systemPropertiesArray = arrayOf(meta, 'systemPropertiesArray');
  const partitionId = partitionIdOf(meta) ?? '0';

  return list.map((message, i) => {
    const systemProperties = { ...asRecord(systemPropertiesArray[i]) };
    const enqueuedTimeUtc =
      toIsoTime(enqueued[i]) ??
      toIsoTime(systemProperties['x-opt-enqueued-time']) ??
      toIsoTime(systemProperties['enqueuedTimeUtc']) ??
      receivedAt;
    const offset =
      toText(offsets[i]) ?? toText(systemProperties['x-opt-offset']) ?? toText(systemProperties['offset']) ?? '';
    // Staging ids are made of sequence numbers, so they must be the events' own: the batch index is the last resort
    // (tests and hand-made metadata), after the offset, which is unique in a partition too.
    const sequenceNumber =
      toInteger(sequences[i]) ??
      toInteger(systemProperties['x-opt-sequence-number']) ??
      toInteger(systemProperties['sequenceNumber']) ??
      toInteger(offset) ??
      i;
    const partitionKey =
      toText(systemProperties['x-opt-partition-key']) ??
      toText(systemProperties['partitionKey']) ??
      (partitionKeys.length === list.length ? toText(partitionKeys[i]) : undefined);

    // Fill the standard Event Hubs system properties so templates written against MedTech's envelope find them.
    systemProperties['x-opt-sequence-number'] ??= sequenceNumber;
    systemProperties['x-opt-offset'] ??= offset;
    systemProperties['x-opt-enqueued-time'] ??= enqueuedTimeUtc;
    if (partitionKey !== undefined) {
      systemProperties['x-opt-partition-key'] ??= partitionKey;
    }

    return {
      event: {
        body: toEventBody(message),
        properties: withUpperCaseAliases(asRecord(propertiesArray[i])),
        systemProperties,
        enqueuedTimeUtc,
      },
      coordinates: {
        partitionId,
        sequenceNumber,
        offset,
        enqueuedTimeUtc,
        ...(partitionKey === undefined ? {} : { partitionKey }),
      },
    };
  });
}

/**
 * Classifies one trigger message body.
 * @param message - an object/array/number (already-parsed JSON), a string, or bytes
 */
export function toEventBody(message: unknown): EventBody {
  if (message instanceof Uint8Array) {
    return { kind: 'bytes', bytes: message };
  }
  if (message instanceof ArrayBuffer) {
    return { kind: 'bytes', bytes: new Uint8Array(message) };
  }
  if (typeof message === 'string') {
    return { kind: 'text', text: message };
  }
  return { kind: 'json', value: message };
}

function arrayOf(meta: Record<string, unknown>, key: string): unknown[] {
  const value = meta[key];
  return Array.isArray(value) ? value : [];
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * The Event Hubs partition id of a trigger invocation (`partitionContext.partitionId`, a string or a number), or
 * `undefined` when the metadata has none. Without it {@link toIngestEvents} stages under partition `0`, which is only
 * right for an event hub of one partition: the caller should say so.
 * @param triggerMetadata - `context.triggerMetadata`
 */
export function partitionIdOf(triggerMetadata: Record<string, unknown> | undefined): string | undefined {
  const record = asRecord(triggerMetadata?.['partitionContext']);
  const id = record['partitionId'] ?? record['PartitionId'];
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** A time as ISO-8601 UTC; a text without an offset is UTC (as the host writes it), never the process's local time. */
function toIsoTime(value: unknown): string | undefined {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  }
  if (typeof value === 'string' && value !== '') {
    return toUtcTimestamp(value);
  }
  return undefined;
}

/**
 * Whether the library (`@azure/functions`, which lower-cases the first letter of every metadata key) may have
 * lower-cased a property's name: it starts with a small letter, and it is not one of the all-lower-case names with a
 * `-` that IoT Hub and AMQP give their own properties (`iothub-creation-time-utc`, `content-type`). `deviceId`,
 * `device-Id` (from `Device-Id`) and `patient.Id` (from `Patient.Id`) may be.
 * @param name - a property name as the library hands it
 */
function mayBeLowerCased(name: string): boolean {
  return /^[a-z]/.test(name) && !(name.includes('-') && name === name.toLowerCase());
}

/**
 * The application properties with, for every name the library may have lower-cased ({@link mayBeLowerCased}:
 * `deviceId`), the upper-cased name as well (`DeviceId`) when no property has it: the original name is one of the
 * two, and mappings name properties exactly.
 */
function withUpperCaseAliases(properties: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...properties };
  for (const [name, value] of Object.entries(properties)) {
    if (!mayBeLowerCased(name)) {
      continue;
    }
    const upper = name.charAt(0).toUpperCase() + name.slice(1);
    if (!Object.hasOwn(result, upper)) {
      result[upper] = value;
    }
  }
  return result;
}

/**
 * A non-negative safe integer from a number, digits, or the `{ low, high }` object a protobuf 64-bit integer (the
 * host's `long`) becomes in the worker.
 */
function toInteger(value: unknown): number | undefined {
  let n: number | undefined;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string' && /^\d{1,16}$/.test(value)) {
    n = Number(value);
  } else if (typeof value === 'object' && value !== null) {
    const { low, high } = value as { low?: unknown; high?: unknown };
    if (typeof low === 'number' && typeof high === 'number') {
      n = high * 2 ** 32 + (low >>> 0);
    }
  }
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function toText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return String(value);
  }
  return undefined;
}
