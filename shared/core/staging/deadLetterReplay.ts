import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { EventBody, EventCoordinates, IngestEvent } from '../deviceEvent.js';
import type { Measurement } from '../measurement.js';
import type { DeadLetterBody, DeadLetterDocument } from './deadLetter.js';
import type { SequenceRange } from './stagingKeys.js';
import { trimDotNet } from '../dotNetWhiteSpace.js';

/**
 * Replaying dead letters: what each one is staged as again once the operator has fixed the mapping. Replayed data is
 * staged under shards of its own ({@link REPLAY_SHARD_PREFIX}…), with a sequence number derived from the dead letter,
 * so it can never overwrite a staged document of a live ingest batch (whose ids come from Event Hubs partitions and
 * sequence numbers), and replaying the same dead letter twice writes the same batch: its head again, superseding the
 * first replay's staging (see planStagingDocuments). Rejected groups, and rejected messages whose measurements are one
 * device's, are spread over {@link REPLAY_GROUP_SHARDS} shards by device, so that replaying a whole window that failed
 * (a broken FHIR mapping) is flushed as several work units, not one huge one, while a device's replayed data of
 * consecutive windows shares a shard, whose windows are flushed in order (a later window's reading of a slot then
 * wins, as it does live); a message of several devices is staged by its original partition. As a message's shard
 * depends on what the mapping makes of it, its replay also supersedes any staging of it in its other possible shards
 * ({@link replayShardsOfMessage}).
 */

/** The prefix of the staging shards of replayed data; Event Hubs partition ids are numbers, so it names no live one. */
export const REPLAY_SHARD_PREFIX = 'deadletter-replay-';

/** How many staging shards replayed groups are spread over. */
export const REPLAY_GROUP_SHARDS = 16;

/** Where replayed data is staged: a shard and a one-number sequence range. */
export interface ReplayStaging {
  shard: string;
  range: SequenceRange;
}

/** How one dead letter is replayed. */
export type ReplayPlan =
  | {
      /** A rejected message: normalized again with the current device mapping, as the event it was. */
      kind: 'message';
      /** The event, with its original coordinates (dead letters it yields again get their original ids). */
      ingest: IngestEvent;
      /** Where its measurements are staged. */
      staging: ReplayStaging;
    }
  | {
      /**
       * A rejected message stored without its body or a property bag (too large): it cannot be replayed from the store
       * as the message it was.
       */
      kind: 'unavailable';
    }
  | {
      /** A rejected group: its measurements are staged again as they are, for the next flush of their window. */
      kind: 'measurements';
      measurements: Measurement[];
      /** Where they are staged. */
      staging: ReplayStaging;
    };

/**
 * The replay of one stored dead letter.
 * @param document - the dead letter as stored
 * @returns the event to normalize again, or the measurements to stage again, each with where it is staged
 */
export function planDeadLetterReplay(document: DeadLetterDocument): ReplayPlan {
  const subject = document.subject;
  switch (subject.kind) {
    case 'message': {
      if (subject.body.encoding === 'omitted' || subject.omitted !== undefined) {
        return { kind: 'unavailable' };
      }
      return {
        kind: 'message',
        ingest: {
          event: {
            body: toEventBody(subject.body),
            properties: subject.properties ?? {},
            systemProperties: subject.systemProperties ?? {},
            enqueuedTimeUtc: subject.coordinates.enqueuedTimeUtc,
          },
          coordinates: subject.coordinates,
        },
        staging: replayStagingOfMessage(subject.coordinates),
      };
    }
    case 'measurements': {
      // One range per stored document: each part of a split group is staged on its own.
      const sequence = hexToInteger(hashOf(`measurements|${document.pk}|${document.id}`), 0, 13);
      return {
        kind: 'measurements',
        measurements: subject.measurements,
        // A group holds one device's measurements.
        staging: {
          shard: replayShardOfDevice(subject.measurements[0]?.deviceId ?? ''),
          range: { first: sequence, last: sequence },
        },
      };
    }
  }
}

/**
 * The replay shard of a device's data: its replayed groups, and its replayed messages that yield its measurements
 * alone, share it, so that the timer flushes the device's replayed windows oldest first (one shard's windows go in
 * order), and one window's readings of a slot in one unit (whose grouping keeps the latest ingested). The id as
 * identity resolution may match it: trimmed, in any letter case.
 * @param deviceId - the device id of the measurements
 */
export function replayShardOfDevice(deviceId: string): string {
  const folded = trimDotNet(deviceId).toUpperCase();
  return `${REPLAY_SHARD_PREFIX}g${hexToInteger(hashOf(`device|${folded}`), 0, 4) % REPLAY_GROUP_SHARDS}`;
}

/**
 * Every shard a replay of a message may have staged it in (by partition, or by any device the mappings made of it):
 * a replay writes its staging in one and supersedes any earlier replay's in the others.
 * @param coordinates - the message's Event Hubs coordinates
 */
export function replayShardsOfMessage(coordinates: Pick<EventCoordinates, 'partitionId'>): string[] {
  return [
    `${REPLAY_SHARD_PREFIX}p${coordinates.partitionId}`,
    ...Array.from({ length: REPLAY_GROUP_SHARDS }, (_, n) => `${REPLAY_SHARD_PREFIX}g${n}`),
  ];
}

/**
 * Where a replayed message is staged unless its measurements are one device's (see {@link replayShardOfDevice}): a
 * shard of its original partition, and one sequence number, the same for every
 * dead letter of that message (a message rejected by several templates is normalized and staged once per replay,
 * as the same batch).
 * @param coordinates - the message's Event Hubs coordinates
 */
export function replayStagingOfMessage(coordinates: EventCoordinates): ReplayStaging {
  const sequence = hexToInteger(hashOf(`message|${coordinates.partitionId}|${coordinates.sequenceNumber}`), 0, 13);
  return { shard: `${REPLAY_SHARD_PREFIX}p${coordinates.partitionId}`, range: { first: sequence, last: sequence } };
}

/** SHA-256 of a key, as hex. */
function hashOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** `digits` hex digits of `hex` from `start` as an integer; at most 13 digits (52 bits), so always a safe integer. */
function hexToInteger(hex: string, start: number, digits: number): number {
  return Number.parseInt(hex.slice(start, start + Math.min(digits, 13)), 16);
}

function toEventBody(body: Exclude<DeadLetterBody, { encoding: 'omitted' }>): EventBody {
  switch (body.encoding) {
    case 'json':
      return { kind: 'json', value: body.value };
    case 'base64': {
      const bytes = Buffer.from(body.data, 'base64');
      return { kind: 'bytes', bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    }
  }
}
