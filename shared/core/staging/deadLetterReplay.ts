import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { EventBody, EventCoordinates, IngestEvent } from '../deviceEvent.js';
import type { Measurement } from '../measurement.js';
import type { DeadLetterBody, DeadLetterDocument } from './deadLetter.js';
import type { SequenceRange } from './stagingKeys.js';

/**
 * Replaying dead letters: what each one is staged as again once the operator has fixed the mapping. Replayed data is
 * staged under its own shard, {@link REPLAY_SHARD}, with a sequence number derived from the dead letter, so it can
 * never overwrite a staged document of a live ingest batch (whose ids come from Event Hubs partitions and sequence
 * numbers), and replaying the same dead letter twice writes the same staging document.
 */

/** The staging shard of replayed data; Event Hubs partition ids are numbers, so it names no live partition. */
export const REPLAY_SHARD = 'deadletter-replay';

/** How one dead letter is replayed. */
export type ReplayPlan =
  | {
      /** A rejected message: normalized again with the current device mapping, as the event it was. */
      kind: 'message';
      /** The event, with its original coordinates (dead letters it yields again get their original ids). */
      ingest: IngestEvent;
      /** Where its measurements are staged. */
      stagingRange: SequenceRange;
    }
  | {
      /** A rejected group: its measurements are staged again as they are, for the next flush of their window. */
      kind: 'measurements';
      measurements: Measurement[];
      /** Where they are staged. */
      stagingRange: SequenceRange;
    };

/**
 * The replay of one stored dead letter.
 * @param document - the dead letter as stored
 * @returns the event to normalize again, or the measurements to stage again, each with its staging range in
 *   {@link REPLAY_SHARD}
 */
export function planDeadLetterReplay(document: DeadLetterDocument): ReplayPlan {
  const subject = document.subject;
  switch (subject.kind) {
    case 'message':
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
        stagingRange: replayRangeOfMessage(subject.coordinates),
      };
    case 'measurements':
      // One range per stored document: each part of a split group is staged on its own.
      return {
        kind: 'measurements',
        measurements: subject.measurements,
        stagingRange: rangeOf(`measurements|${document.pk}|${document.id}`),
      };
  }
}

/**
 * The staging range of a replayed message: one sequence number, the same for every dead letter of that message (a
 * message rejected by several templates is normalized and staged once per replay, under the same id).
 * @param coordinates - the message's Event Hubs coordinates
 */
export function replayRangeOfMessage(coordinates: EventCoordinates): SequenceRange {
  return rangeOf(`message|${coordinates.partitionId}|${coordinates.sequenceNumber}`);
}

/** A one-number range derived from a key: 52 bits of its SHA-256, a safe integer. */
function rangeOf(key: string): SequenceRange {
  const sequence = Number.parseInt(createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 13), 16);
  return { first: sequence, last: sequence };
}

function toEventBody(body: DeadLetterBody): EventBody {
  switch (body.encoding) {
    case 'json':
      return { kind: 'json', value: body.value };
    case 'base64': {
      const bytes = Buffer.from(body.data, 'base64');
      return { kind: 'bytes', bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    }
  }
}
