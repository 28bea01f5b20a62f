/**
 * The replay use case on in-memory stores, for what the end-to-end replay tests do not reach: a dead-lettered message
 * that was stored without its body.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseDeviceMapping } from '../../shared/core/mapping/parseDeviceMapping.js';
import type { Measurement } from '../../shared/core/measurement.js';
import { toDeadLetterDocument } from '../../shared/core/staging/deadLetter.js';
import type { SequenceRange } from '../../shared/core/staging/stagingKeys.js';
import { replayDeadLetters } from '../../shared/pipeline/replayDeadLetters.js';
import type { DeadLetterKey, DeadLetterStore, StagingStore } from '../../shared/pipeline/stagingPorts.js';

describe('replayDeadLetters', () => {
  it('keeps the dead letter of a message stored without its body, counts it unavailable, and replays the rest', async () => {
    const parsed = parseDeviceMapping(await readFile('samples/devicecontent.json', 'utf8'));
    if (!parsed.ok) {
      throw new Error('the sample device mapping is invalid');
    }
    const tooLarge = toDeadLetterDocument({
      error: { name: 'InvalidDataFormat', stage: 'Normalization', severity: 'non-blocking', message: 'not JSON' },
      time: '2024-05-01T10:20:00.000Z',
      subject: {
        kind: 'message',
        body: { encoding: 'omitted', bytes: 3_000_000, sha256: 'ab' },
        coordinates: {
          partitionId: '1',
          sequenceNumber: 7,
          offset: '700',
          enqueuedTimeUtc: '2024-05-01T10:00:00.000Z',
        },
      },
    });
    const measurement: Measurement = {
      type: 'HeartRate',
      occurrenceTimeUtc: '2024-05-01T10:00:00.000Z',
      ingestionTimeUtc: '2024-05-01T10:00:05.000Z',
      deviceId: 'device-7',
      properties: [{ name: 'hr', value: '70' }],
    };
    const group = toDeadLetterDocument({
      error: { name: 'DeviceNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'no Device' },
      time: '2024-05-01T10:20:00.000Z',
      subject: { kind: 'measurements', measurements: [measurement] },
    });
    const deleted: DeadLetterKey[] = [];
    const staged: { shard: string; range: SequenceRange; measurements: readonly Measurement[] }[] = [];
    const deadLetters: DeadLetterStore = {
      addDeadLetters: () => Promise.resolve([]),
      listDeadLetters: () =>
        Promise.resolve({
          items: [
            { ...tooLarge, etag: '"1"' },
            { ...group, etag: '"2"' },
          ],
        }),
      deleteDeadLetters: (keys) => {
        deleted.push(...keys.map(({ id, pk }) => ({ id, pk })));
        return Promise.resolve({ deleted: keys.length, missing: 0, changed: 0 });
      },
    };
    const staging: StagingStore = {
      stageBatch: (shard, range, measurements) => {
        staged.push({ shard, range, measurements });
        return Promise.resolve(1);
      },
      listClosedUnits: () => Promise.resolve([]),
      readUnit: () => Promise.resolve({ documents: [], measurements: [], malformed: 0 }),
      deleteDocuments: () => Promise.resolve({ deleted: 0, missing: 0, changed: 0 }),
    };

    const summary = await replayDeadLetters(parsed.value, {
      staging,
      deadLetters,
      now: () => new Date('2024-05-01T11:00:00.000Z'),
    });

    expect(summary).toMatchObject({
      examined: { messages: 1, groups: 1 },
      unavailable: 1,
      messagesNormalized: 0,
      measurementsStaged: 1,
      deleted: 1,
    });
    expect(deleted).toEqual([{ id: group.id, pk: group.pk }]);
    expect(staged.map((s) => s.measurements)).toEqual([[measurement]]);
  });
});
