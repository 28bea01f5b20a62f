/**
 * The discard use case on the local Cosmos server: dead letters selected by error name and time, or named by key,
 * deleted in the version read.
 */
import { describe, expect, it } from 'vitest';
import { CosmosDeadLetterStore } from '../../shared/adapters/cosmos/cosmosDeadLetterStore.js';
import type { ErrorName } from '../../shared/core/errors.js';
import type { DeadLetterRecord } from '../../shared/core/staging/deadLetter.js';
import { discardDeadLetters } from '../../shared/pipeline/discardDeadLetters.js';
import type { DeadLetterStore } from '../../shared/pipeline/stagingPorts.js';
import { freshContainers, useLocalCosmos } from '../adapters/cosmos/cosmosTestSupport.js';

const cosmos = useLocalCosmos();

/** A group's dead letter: `name`, written at `time`, for the heart rate of `device`. */
function letter(name: ErrorName, time: string, device: string): DeadLetterRecord {
  return {
    error: { name, stage: 'FHIRConversion', severity: 'non-blocking', message: 'rejected' },
    time,
    subject: {
      kind: 'measurements',
      measurements: [
        {
          type: 'HeartRate',
          occurrenceTimeUtc: '2024-05-01T09:00:00.000Z',
          ingestionTimeUtc: '2024-05-01T09:00:05.000Z',
          deviceId: device,
          properties: [{ name: 'hr', value: '70' }],
        },
      ],
    },
  };
}

/** Four dead letters: DeviceNotFound at 10:00 and 11:00, PatientNotFound at 10:30 and 12:00 (1 May 2024). */
async function storeWithLetters(): Promise<CosmosDeadLetterStore> {
  const store = new CosmosDeadLetterStore((await freshContainers(cosmos())).deadLetter);
  await store.addDeadLetters([
    letter('DeviceNotFound', '2024-05-01T10:00:00.000Z', 'a'),
    letter('DeviceNotFound', '2024-05-01T11:00:00.000Z', 'b'),
    letter('PatientNotFound', '2024-05-01T10:30:00.000Z', 'c'),
    letter('PatientNotFound', '2024-05-01T12:00:00.000Z', 'd'),
  ]);
  return store;
}

/** The devices of the dead letters left, sorted. */
async function devicesLeft(store: DeadLetterStore): Promise<string[]> {
  const { items } = await store.listDeadLetters({ maxItems: 100 });
  return items
    .flatMap((item) => (item.subject.kind === 'measurements' ? item.subject.measurements.map((m) => m.deviceId) : []))
    .sort();
}

describe('discardDeadLetters', () => {
  it('deletes the dead letters written before an instant, of every error name or of one', async () => {
    const store = await storeWithLetters();

    const early = await discardDeadLetters({ deadLetters: store }, { before: '2024-05-01T10:45:00.000Z' });
    const leftAfterEarly = await devicesLeft(store);
    const named = await discardDeadLetters(
      { deadLetters: store },
      { errorName: 'PatientNotFound', before: '2024-05-02T00:00:00.000Z' },
    );

    expect(early).toMatchObject({ examined: 2, examinedByName: { DeviceNotFound: 1, PatientNotFound: 1 }, deleted: 2 });
    expect(leftAfterEarly).toEqual(['b', 'd']);
    expect(named).toMatchObject({ examined: 1, deleted: 1, more: false });
    expect(await devicesLeft(store)).toEqual(['b']);
  });

  it('deletes nothing in a dry run, and says what it would delete', async () => {
    const store = await storeWithLetters();

    const summary = await discardDeadLetters({ deadLetters: store }, { errorName: 'DeviceNotFound', dryRun: true });

    expect(summary).toEqual({
      dryRun: true,
      examined: 2,
      examinedByName: { DeviceNotFound: 2 },
      deleted: 0,
      kept: 0,
      missing: 0,
      more: false,
    });
    expect(await devicesLeft(store)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('takes a bounded number a call, and the rest with the continuation token', async () => {
    const store = await storeWithLetters();
    const filter = { before: '2024-05-02T00:00:00.000Z' };

    const first = await discardDeadLetters({ deadLetters: store }, { ...filter, maxItems: 3 });
    const second = await discardDeadLetters(
      { deadLetters: store },
      {
        ...filter,
        maxItems: 3,
        ...(first.continuationToken === undefined ? {} : { continuationToken: first.continuationToken }),
      },
    );

    expect(first).toMatchObject({ examined: 3, deleted: 3, more: true });
    expect(second).toMatchObject({ examined: 1, deleted: 1, more: false });
    expect(await devicesLeft(store)).toEqual([]);
  });

  it('keeps a dead letter rewritten between its read and its delete (the same thing rejected again)', async () => {
    const store = await storeWithLetters();
    // The flush dead-letters device a's group again just after the discard read it: same id, a newer time.
    const racing: DeadLetterStore = {
      addDeadLetters: (records) => store.addDeadLetters(records),
      listDeadLetters: (query) => store.listDeadLetters(query),
      readDeadLetter: (key) => store.readDeadLetter(key),
      deleteDeadLetters: async (keys) => {
        await store.addDeadLetters([letter('DeviceNotFound', '2024-05-01T10:00:00.000Z', 'a')]);
        return store.deleteDeadLetters(keys);
      },
    };

    const summary = await discardDeadLetters({ deadLetters: racing }, { errorName: 'DeviceNotFound' });

    expect(summary).toMatchObject({ examined: 2, deleted: 1, kept: 1 });
    expect(await devicesLeft(store)).toEqual(['a', 'c', 'd']);
  });

  it('deletes exactly the dead letters named by key, and finds them gone the second time', async () => {
    const store = await storeWithLetters();
    const { items } = await store.listDeadLetters({ errorName: 'PatientNotFound' });
    const keys = items.map(({ id, pk }) => ({ id, pk }));

    const first = await discardDeadLetters({ deadLetters: store }, { keys });
    const again = await discardDeadLetters({ deadLetters: store }, { keys });

    expect(first).toMatchObject({ examined: 2, deleted: 2, missing: 0 });
    expect(again).toMatchObject({ examined: 2, deleted: 0, missing: 2 });
    expect(await devicesLeft(store)).toEqual(['a', 'b']);
  });

  it('refuses a call without keys or a filter (it would discard everything), and keys with a filter', async () => {
    const store = await storeWithLetters();
    const [item] = (await store.listDeadLetters({ maxItems: 1 })).items;
    const keys = item === undefined ? [] : [{ id: item.id, pk: item.pk }];

    await expect(discardDeadLetters({ deadLetters: store }, {})).rejects.toThrow(RangeError);
    await expect(discardDeadLetters({ deadLetters: store }, { dryRun: true, maxItems: 5 })).rejects.toThrow(RangeError);
    await expect(discardDeadLetters({ deadLetters: store }, { keys, errorName: 'DeviceNotFound' })).rejects.toThrow(
      RangeError,
    );
    await expect(discardDeadLetters({ deadLetters: store }, { keys, dryRun: false })).rejects.toThrow(RangeError);
    expect(await devicesLeft(store)).toEqual(['a', 'b', 'c', 'd']);
  });
});
