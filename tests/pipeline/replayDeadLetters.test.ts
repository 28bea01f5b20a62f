/**
 * The replay use case, for what the end-to-end replay tests do not reach: a dead-lettered message that was stored
 * without its body (in-memory stores), and replaying past dead letters it keeps (the local Cosmos server).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CosmosDeadLetterStore } from '../../shared/adapters/cosmos/cosmosDeadLetterStore.js';
import { CosmosStagingStore } from '../../shared/adapters/cosmos/cosmosStagingStore.js';
import type { IngestEvent } from '../../shared/core/deviceEvent.js';
import { ingestBatch } from '../../shared/pipeline/ingestBatch.js';
import { freshContainers, useLocalCosmos } from '../adapters/cosmos/cosmosTestSupport.js';
import { deviceMappingOf } from '../support/deviceMappings.js';
import { parseDeviceMapping } from '../../shared/core/mapping/parseDeviceMapping.js';
import type { Measurement } from '../../shared/core/measurement.js';
import { toDeadLetterDocument } from '../../shared/core/staging/deadLetter.js';
import type { SequenceRange } from '../../shared/core/staging/stagingKeys.js';
import { replayDeadLetters } from '../../shared/pipeline/replayDeadLetters.js';
import { ReplayFailedError } from '../../shared/pipeline/replayDeadLetters.js';
import { withPartialDeleteOutcome } from '../../shared/pipeline/stagingPorts.js';
import type {
  DeadLetterKey,
  DeadLetterStore,
  StagingStore,
  StoredDeadLetter,
} from '../../shared/pipeline/stagingPorts.js';

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
      readDeadLetter: () => Promise.resolve(undefined),
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
        staged.push({ shard, range, measurements: [...measurements] });
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

  describe('stopped by a store failure, counts only what it did before', () => {
    const heartRate = (deviceId: string, ingestionTimeUtc = '2024-05-01T10:00:05.000Z'): Measurement => ({
      type: 'HeartRate',
      occurrenceTimeUtc: '2024-05-01T10:00:00.000Z',
      ingestionTimeUtc,
      deviceId,
      properties: [{ name: 'hr', value: '70' }],
    });
    const groupLetter = (deviceId: string, ingestionTimeUtc?: string) => ({
      ...toDeadLetterDocument({
        error: { name: 'DeviceNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'no Device' },
        time: '2024-05-01T10:20:00.000Z',
        subject: {
          kind: 'measurements',
          measurements: [heartRate(deviceId, ingestionTimeUtc), heartRate(deviceId, ingestionTimeUtc)],
        },
      }),
      etag: `"${deviceId}"`,
    });
    // A heart rate the mapping reads, and an SpO2 template whose required value a message may lack: such a message is
    // staged, then dead-lettered again.
    const mapping = deviceMappingOf([
      {
        templateType: 'CalculatedContent',
        template: {
          typeName: 'hr',
          typeMatchExpression: '$..[?(@.hr)]',
          deviceIdExpression: '$.matchedToken.d',
          timestampExpression: '$.matchedToken.t',
          values: [{ valueName: 'hr', valueExpression: '$.matchedToken.hr', required: true }],
        },
      },
      {
        templateType: 'CalculatedContent',
        template: {
          typeName: 'spo2',
          typeMatchExpression: '$..[?(@.hr)]',
          deviceIdExpression: '$.matchedToken.d',
          timestampExpression: '$.matchedToken.t',
          values: [{ valueName: 'spo2', valueExpression: '$.matchedToken.spo2', required: true }],
        },
      },
    ]);
    /** The dead letter of a heart-rate message without the SpO2 the mapping requires, as stored. */
    const messageLetter = (sequenceNumber: number): StoredDeadLetter => ({
      ...toDeadLetterDocument({
        error: { name: 'IncompatibleData', stage: 'Normalization', severity: 'non-blocking', message: 'no spo2' },
        time: '2024-05-01T10:20:00.000Z',
        subject: {
          kind: 'message',
          body: { encoding: 'json', value: { d: 'device-1', t: '2024-05-01T10:00:00Z', hr: 70 } },
          coordinates: {
            partitionId: '0',
            sequenceNumber,
            offset: String(sequenceNumber * 100),
            enqueuedTimeUtc: '2024-05-01T10:00:01Z',
          },
        },
      }),
      etag: '"m"',
    });
    const unavailable = (): Error => Object.assign(new Error('Cosmos DB throttled'), { retriable: true });
    const storesOf = (
      items: StoredDeadLetter[],
      overrides: { staging?: Partial<StagingStore>; deadLetters?: Partial<DeadLetterStore> },
    ) => ({
      staging: {
        stageBatch: () => Promise.resolve(1),
        listClosedUnits: () => Promise.resolve([]),
        readUnit: () => Promise.resolve({ documents: [], measurements: [], malformed: 0 }),
        deleteDocuments: () => Promise.resolve({ deleted: 0, missing: 0, changed: 0 }),
        ...overrides.staging,
      } satisfies StagingStore,
      deadLetters: {
        addDeadLetters: () => Promise.resolve([]),
        readDeadLetter: () => Promise.resolve(undefined),
        listDeadLetters: () => Promise.resolve({ items }),
        deleteDeadLetters: (keys) => Promise.resolve({ deleted: keys.length, missing: 0, changed: 0 }),
        ...overrides.deadLetters,
      } satisfies DeadLetterStore,
      now: () => new Date('2024-05-01T11:00:00.000Z'),
    });
    const failureOf = async (run: Promise<unknown>): Promise<ReplayFailedError> => {
      const error = await run.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      if (!(error instanceof ReplayFailedError)) {
        throw new Error('the replay did not fail part-way');
      }
      return error;
    };

    it('a group whose staging failed is not counted staged; only the letters of older data than it are deleted', async () => {
      const refusing = (): Partial<StagingStore> => ({
        stageBatch: (_shard, _range, measurements) =>
          [...measurements].some((m) => m.deviceId === 'device-refused')
            ? Promise.reject(unavailable())
            : Promise.resolve(1),
      });
      const deleted: string[] = [];
      const recording = (): Partial<DeadLetterStore> => ({
        deleteDeadLetters: (keys) => {
          deleted.push(...keys.map((key) => key.etag ?? ''));
          return Promise.resolve({ deleted: keys.length, missing: 0, changed: 0 });
        },
      });
      const letters = (refusedAt: string) => [
        groupLetter('device-older', '2024-05-01T10:00:01.000Z'),
        groupLetter('device-refused', refusedAt),
        groupLetter('device-newer', '2024-05-01T10:00:09.000Z'),
      ];

      const middle = await failureOf(
        replayDeadLetters(
          mapping,
          storesOf(letters('2024-05-01T10:00:05.000Z'), { staging: refusing(), deadLetters: recording() }),
        ),
      );
      const deletedThen = deleted.splice(0);
      const first = await failureOf(
        replayDeadLetters(
          mapping,
          storesOf(letters('2024-05-01T10:00:00.000Z'), { staging: refusing(), deadLetters: recording() }),
        ),
      );

      // The letters left are always the newest: those of data newer than the refused group stay with it.
      expect(middle.summary).toMatchObject({ examined: { groups: 3 }, measurementsStaged: 4, deleted: 1 });
      expect(deletedThen).toEqual(['"device-older"']);
      expect(first.summary).toMatchObject({ measurementsStaged: 4, deleted: 0 });
      expect(deleted).toEqual([]);
    });

    it('dead letters deleted before a delete failed are counted deleted', async () => {
      const deps = storesOf([groupLetter('device-1')], {
        deadLetters: {
          // A store that deleted 1 of what it was given, then failed (as the Cosmos DB store's error tells).
          deleteDeadLetters: () =>
            Promise.reject(withPartialDeleteOutcome(unavailable(), { deleted: 1, missing: 1, changed: 1 })),
        },
      });

      const error = await failureOf(replayDeadLetters(mapping, deps));

      expect(error.summary).toMatchObject({ measurementsStaged: 2, deleted: 1, missing: 1, kept: 1 });
    });

    it('a message whose measurements were staged before its new dead letters failed is counted staged', async () => {
      const letter = messageLetter(5);
      const staged: Measurement[] = [];
      const deps = storesOf([letter], {
        staging: {
          stageBatch: (_shard, _range, measurements) => {
            staged.push(...measurements);
            return Promise.resolve(1);
          },
        },
        deadLetters: { addDeadLetters: () => Promise.reject(unavailable()) },
      });

      const error = await failureOf(replayDeadLetters(mapping, deps));

      expect(staged.map((m) => m.type)).toEqual(['hr']);
      expect(error.summary).toMatchObject({ messagesNormalized: 1, measurementsStaged: 1, deleted: 0 });
    });

    it('a copy stored with less that it deleted again before a delete failed is not counted dead-lettered', async () => {
      const letter = messageLetter(6);
      const deps = storesOf([letter], {
        staging: {
          stageBatch: (_shard, _range, measurements) => Promise.resolve([...measurements].length > 0 ? 1 : 0),
        },
        deadLetters: {
          // The new dead letter could only be stored with less (a new document, not a rewrite).
          addDeadLetters: (letters) =>
            Promise.resolve(
              letters.map((_letter, i) => ({
                id: `with-less-${i}`,
                pk: 'IncompatibleData|2024-05-01T10|0',
                withLess: true as const,
                etag: `"w${i}"`,
              })),
            ),
          // It deletes the copy with less, then fails (as the Cosmos DB store's error tells).
          deleteDeadLetters: () =>
            Promise.reject(withPartialDeleteOutcome(unavailable(), { deleted: 1, missing: 0, changed: 0 })),
        },
      });

      const error = await failureOf(replayDeadLetters(mapping, deps));

      expect(error.summary).toMatchObject({ rejectedAgain: 1, kept: 1, deadLettered: 0 });
    });
  });
});

describe('replayDeadLetters on the local Cosmos server', () => {
  const cosmos = useLocalCosmos();

  /** A template of `typeName` for objects with `matched`, reading `member` of them. */
  const template = (typeName: string, matched: string, member: string) => ({
    templateType: 'CalculatedContent',
    template: {
      typeName,
      typeMatchExpression: `$..[?(@.${matched})]`,
      deviceIdExpression: '$.matchedToken.d',
      timestampExpression: '$.matchedToken.t',
      values: [{ valueName: typeName, valueExpression: `$.matchedToken.${member}`, required: true }],
    },
  });
  /** A heart rate read from `member`, and an SpO2 template that fails on every message it matches. */
  const mappingReading = (member: string) =>
    deviceMappingOf([template('hr', 'hr', member), template('spo2', 'spo2', 'spo2value')]);

  function event(sequenceNumber: number, body: Record<string, unknown>): IngestEvent {
    const time = '2024-05-01T10:00:00.000Z';
    return {
      event: {
        body: { kind: 'bytes', bytes: new TextEncoder().encode(JSON.stringify(body)) },
        properties: {},
        systemProperties: {},
        enqueuedTimeUtc: time,
      },
      coordinates: { partitionId: '0', sequenceNumber, offset: String(sequenceNumber), enqueuedTimeUtc: time },
    };
  }

  it('goes on past the dead letters it keeps when given the continuation token it answered', async () => {
    const containers = await freshContainers(cosmos());
    const deps = {
      staging: new CosmosStagingStore(containers.staging),
      deadLetters: new CosmosDeadLetterStore(containers.deadLetter),
      now: () => new Date('2024-05-01T11:00:00.000Z'),
    };
    // Three messages the fix does not help (the SpO2 template still fails on them: same error, same dead letter id),
    // then two that the fixed mapping reads.
    const broken = [1, 2, 3].map((n) => event(n, { d: 'dev', t: '2024-05-01T10:00:00Z', spo2: 1 }));
    const fixable = [4, 5].map((n) => event(n, { d: 'dev', t: '2024-05-01T10:00:00Z', hr: 1, heart: 70 + n }));
    await ingestBatch([...broken, ...fixable], mappingReading('heartRate'), deps);
    const fixed = mappingReading('heart');

    const first = await replayDeadLetters(fixed, deps, { maxItems: 3 });
    const again = await replayDeadLetters(fixed, deps, { maxItems: 3 });
    const next = await replayDeadLetters(fixed, deps, {
      maxItems: 3,
      ...(first.continuationToken === undefined ? {} : { continuationToken: first.continuationToken }),
    });

    expect(first).toMatchObject({ examined: { messages: 3 }, rejectedAgain: 3, kept: 3, deleted: 0, more: true });
    expect(first.continuationToken).toEqual(expect.any(String));
    // Rejected again, the three are rewritten in place: a call from the start reads them again and nothing else.
    expect(again).toMatchObject({ examined: { messages: 3 }, rejectedAgain: 3, measurementsStaged: 0 });
    expect(next).toMatchObject({ examined: { messages: 2 }, rejectedAgain: 0, measurementsStaged: 2, deleted: 2 });
    expect(next.more).toBe(false);
    expect(next.continuationToken).toBeUndefined();
    const left = await deps.deadLetters.listDeadLetters({ maxItems: 10 });
    expect(
      left.items.map((item) => (item.subject.kind === 'message' ? item.subject.coordinates.sequenceNumber : -1)),
    ).toEqual([1, 2, 3]);
  });
});
