import type { Container, CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosStagingStore } from '../../../shared/adapters/cosmos/cosmosStagingStore.js';
import { StagingUnavailableError } from '../../../shared/adapters/cosmos/stagingUnavailableError.js';
import type { Measurement } from '../../../shared/core/measurement.js';
import type { LocalCosmosServer } from '../../../shared/local/cosmosServer.js';
import { startCosmosServer } from '../../../shared/local/cosmosServer.js';
import { freshContainers, heartRate, heartRates, localClient } from './cosmosTestSupport.js';
import type { WorkUnit } from '../../../shared/core/staging/stagingKeys.js';
import { planFlush } from '../../../shared/pipeline/flushWorkUnit.js';

const now = Date.parse('2024-05-01T10:20:00.000Z');
const clock = (): number => now;

async function rawDocuments(container: Container, pk: string): Promise<Record<string, unknown>[]> {
  const { resources } = await container.items
    .query<Record<string, unknown>>({
      query: 'SELECT * FROM c WHERE c.pk = @pk',
      parameters: [{ name: '@pk', value: pk }],
    })
    .fetchAll();
  return resources;
}

describe('CosmosStagingStore', () => {
  let server: LocalCosmosServer;
  let client: CosmosClient;
  let container: Container;
  let store: CosmosStagingStore;

  beforeAll(async () => {
    server = await startCosmosServer();
    client = localClient(server.endpoint, server.key);
    container = (await freshContainers(client)).staging;
    store = new CosmosStagingStore(container, { clock });
  });

  afterAll(async () => {
    client.dispose();
    await server.close();
  });

  it('stages a batch and reads back the same measurements, optional ids included', async () => {
    const measurements: Measurement[] = [
      heartRate(1, '2024-05-01T10:01:00.000Z'),
      { ...heartRate(2, '2024-05-01T10:02:00.000Z'), encounterId: 'enc-1', correlationId: 'corr-1' },
      {
        type: 'bp',
        occurrenceTimeUtc: '2024-05-01T10:02:30.000Z',
        ingestionTimeUtc: '2024-05-01T10:03:00.000Z',
        deviceId: 'd',
        properties: [],
      },
    ];

    const written = await store.stageBatch('rt', { first: 10, last: 12 }, measurements);
    const unit = await store.readUnit({ windowStart: '2024-05-01T10:00:00.000Z', shard: 'rt' });

    expect(written).toBe(1);
    expect(unit.documents).toHaveLength(1);
    expect(unit.documents[0]?.etag).not.toBe('');
    expect(unit.measurements).toEqual(measurements);
    expect(unit.malformed).toBe(0);
  });

  it('stores the documented fields: pk, deterministic id, window bounds, shard, compact measurements, count, createdAt', async () => {
    await store.stageBatch('fields', { first: 5, last: 9 }, heartRates(3, '2024-05-01T10:14:59.999Z'));

    const [document] = await rawDocuments(container, '2024-05-01T10:00:00.000Z|fields');

    expect(document).toMatchObject({
      pk: '2024-05-01T10:00:00.000Z|fields',
      id: 'sfields_q5-9_w202405011000_c0',
      windowStart: '2024-05-01T10:00:00.000Z',
      windowEnd: '2024-05-01T10:15:00.000Z',
      shard: 'fields',
      count: 3,
      createdAt: '2024-05-01T10:20:00.000Z',
    });
    expect(Array.isArray((document?.measurements as unknown[])[0])).toBe(true);
  });

  it('writes one document per window when a batch spans a window boundary', async () => {
    const measurements = [
      ...heartRates(4, '2024-05-01T10:14:00.000Z'),
      ...heartRates(2, '2024-05-01T10:16:00.000Z', 4),
    ];

    const written = await store.stageBatch('span', { first: 0, last: 5 }, measurements);
    const first = await store.readUnit({ windowStart: '2024-05-01T10:00:00.000Z', shard: 'span' });
    const second = await store.readUnit({ windowStart: '2024-05-01T10:15:00.000Z', shard: 'span' });

    expect(written).toBe(2);
    expect(first.measurements).toEqual(measurements.slice(0, 4));
    expect(second.measurements).toEqual(measurements.slice(4));
  });

  it('overwrites instead of duplicating when the same batch is delivered again', async () => {
    const unit = { windowStart: '2024-05-01T10:00:00.000Z', shard: 'redelivery' };
    const measurements = heartRates(20, '2024-05-01T10:05:00.000Z');
    await store.stageBatch(unit.shard, { first: 100, last: 119 }, measurements);
    const before = await store.readUnit(unit);

    await store.stageBatch(unit.shard, { first: 100, last: 119 }, measurements);
    const after = await store.readUnit(unit);

    expect(after.documents.map((d) => d.id)).toEqual(before.documents.map((d) => d.id));
    expect(after.measurements).toHaveLength(20);
  });

  it('splits a window into chunks that each stay below the configured size', async () => {
    const small = new CosmosStagingStore(container, { clock, maxDocumentBytes: 3_000 });
    const measurements = heartRates(60, '2024-05-01T10:07:00.000Z');

    const written = await small.stageBatch('chunks', { first: 1, last: 60 }, measurements);
    const stored = await rawDocuments(container, '2024-05-01T10:00:00.000Z|chunks');
    const unit = await small.readUnit({ windowStart: '2024-05-01T10:00:00.000Z', shard: 'chunks' });

    expect(written).toBeGreaterThan(2);
    expect(stored).toHaveLength(written);
    for (const document of stored) {
      expect(Buffer.byteLength(JSON.stringify(document))).toBeLessThanOrEqual(3_000);
    }
    expect(unit.measurements).toEqual(measurements);
  });

  it('leaves out, and deletes, chunks of a first delivery that a redelivery needing fewer chunks left behind', async () => {
    const unit = { windowStart: '2024-05-01T10:00:00.000Z', shard: 'fewer' };
    // The first delivery was normalized with a mapping that made larger measurements (another type name, a note);
    // the redelivery, after the mapping was fixed, makes smaller ones: fewer chunks for the same events.
    const firstMapping = heartRates(60, '2024-05-01T10:07:00.000Z').map((m) => ({
      ...m,
      type: 'heartrate-as-first-mapped',
      properties: [...m.properties, { name: 'note', value: 'x'.repeat(40) }],
    }));
    const fixedMapping = heartRates(60, '2024-05-01T10:07:00.000Z').map((m) => ({ ...m, type: 'hr' }));
    const first = new CosmosStagingStore(container, { clock, maxDocumentBytes: 3_000 });
    const redelivery = new CosmosStagingStore(container, { clock: () => now + 60_000, maxDocumentBytes: 3_000 });

    const firstChunks = await first.stageBatch(unit.shard, { first: 1, last: 60 }, firstMapping);
    const redeliveredChunks = await redelivery.stageBatch(unit.shard, { first: 1, last: 60 }, fixedMapping);
    const read = await redelivery.readUnit(unit);
    const outcome = await redelivery.deleteDocuments(unit, read.documents);

    expect(redeliveredChunks).toBeLessThan(firstChunks);
    expect(read.measurements).toEqual(fixedMapping);
    // Both stagings' documents but the first's head, which the redelivery's overwrote.
    const stored = firstChunks + redeliveredChunks - 1;
    expect(read.documents).toHaveLength(stored);
    expect(outcome).toEqual({ deleted: stored, missing: 0, changed: 0 });
  });

  it('keeps a document that was rewritten after it was read, and the newer ones after it', async () => {
    const unit = { windowStart: '2024-05-01T10:00:00.000Z', shard: 'stale' };
    await store.stageBatch(unit.shard, { first: 1, last: 2 }, heartRates(2, '2024-05-01T10:01:00.000Z'));
    await store.stageBatch(unit.shard, { first: 3, last: 4 }, heartRates(2, '2024-05-01T10:02:00.000Z', 2));
    await store.stageBatch(unit.shard, { first: 5, last: 6 }, heartRates(2, '2024-05-01T10:03:00.000Z', 4));
    const read = await store.readUnit(unit);
    await store.stageBatch(unit.shard, { first: 3, last: 4 }, heartRates(2, '2024-05-01T10:02:00.000Z', 2));

    const outcome = await store.deleteDocuments(unit, read.documents);
    const left = await store.readUnit(unit);

    // Had the newest gone while the rewritten one stayed, the next flush would merge the older readings over it.
    expect(outcome).toEqual({ deleted: 1, missing: 0, changed: 1, left: 1 });
    expect(left.documents.map((d) => d.id)).toEqual(['sstale_q3-4_w202405011000_c0', 'sstale_q5-6_w202405011000_c0']);
  });

  it('leaves the newer documents of a unit staged when deleting an older one fails', async () => {
    const unit = { windowStart: '2024-05-01T10:00:00.000Z', shard: 'fails' };
    await store.stageBatch(unit.shard, { first: 1, last: 2 }, heartRates(2, '2024-05-01T10:01:00.000Z'));
    await store.stageBatch(unit.shard, { first: 3, last: 4 }, heartRates(2, '2024-05-01T10:02:00.000Z', 2));
    await store.stageBatch(unit.shard, { first: 5, last: 6 }, heartRates(2, '2024-05-01T10:03:00.000Z', 4));
    const read = await store.readUnit(unit);
    const failing = read.documents[1]?.id;
    // The container answers 503 to the delete of the second document, as Cosmos DB throttling past the SDK's retries.
    const unavailable = new Proxy(container, {
      get(target, prop, receiver) {
        if (prop !== 'item') {
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        }
        return (id: string, pk: string) => {
          const item = target.item(id, pk);
          return id !== failing
            ? item
            : Object.assign(Object.create(item) as typeof item, {
                delete: () => Promise.reject(Object.assign(new Error('unavailable'), { code: 503 })),
              });
        };
      },
    });

    await expect(new CosmosStagingStore(unavailable).deleteDocuments(unit, read.documents)).rejects.toThrow(
      StagingUnavailableError,
    );
    const left = await store.readUnit(unit);

    expect(left.documents.map((d) => d.id)).toEqual(['sfails_q3-4_w202405011000_c0', 'sfails_q5-6_w202405011000_c0']);
  });

  it('deletes idempotently: a second delete of the same documents reports them missing', async () => {
    const unit = { windowStart: '2024-05-01T10:00:00.000Z', shard: 'delete' };
    await store.stageBatch(unit.shard, { first: 1, last: 3 }, heartRates(3, '2024-05-01T10:01:00.000Z'));
    const read = await store.readUnit(unit);

    const first = await store.deleteDocuments(unit, read.documents);
    const second = await store.deleteDocuments(
      unit,
      read.documents.map((d) => d.id),
    );

    expect(first).toEqual({ deleted: 1, missing: 0, changed: 0 });
    expect(second).toEqual({ deleted: 0, missing: 1, changed: 0 });
    expect((await store.readUnit(unit)).documents).toEqual([]);
  });
});

describe('CosmosStagingStore.listClosedUnits', () => {
  let server: LocalCosmosServer;
  let client: CosmosClient;
  let store: CosmosStagingStore;

  beforeAll(async () => {
    server = await startCosmosServer();
    client = localClient(server.endpoint, server.key);
    store = new CosmosStagingStore((await freshContainers(client)).staging, { clock });
    // Window 10:00–10:15 on two shards (two batches on shard 0), window 10:15–10:30 on shard 0.
    await store.stageBatch('0', { first: 1, last: 2 }, heartRates(2, '2024-05-01T10:03:00.000Z'));
    await store.stageBatch('0', { first: 3, last: 4 }, heartRates(2, '2024-05-01T10:09:00.000Z'));
    await store.stageBatch('1', { first: 1, last: 1 }, heartRates(1, '2024-05-01T10:10:00.000Z'));
    await store.stageBatch('0', { first: 5, last: 5 }, heartRates(1, '2024-05-01T10:16:00.000Z'));
  });

  afterAll(async () => {
    client.dispose();
    await server.close();
  });

  it('lists nothing while the grace period after the window end runs', async () => {
    expect(await store.listClosedUnits(new Date('2024-05-01T10:16:00.000Z'), 60_000)).toEqual([]);
  });

  it('lists each closed (window, shard) once, however many documents it has', async () => {
    const units = await store.listClosedUnits(new Date('2024-05-01T10:16:00.001Z'), 60_000);

    expect(units).toEqual([
      {
        windowStart: '2024-05-01T10:00:00.000Z',
        windowEnd: '2024-05-01T10:15:00.000Z',
        shard: '0',
        firstSequenceNumber: 1,
      },
      {
        windowStart: '2024-05-01T10:00:00.000Z',
        windowEnd: '2024-05-01T10:15:00.000Z',
        shard: '1',
        firstSequenceNumber: 1,
      },
    ]);
  });

  it('stops listing a unit once its documents are deleted', async () => {
    const unit = { windowStart: '2024-05-01T10:00:00.000Z', shard: '1' };
    await store.deleteDocuments(unit, (await store.readUnit(unit)).documents);

    const units = await store.listClosedUnits(new Date('2024-05-01T11:00:00.000Z'), 60_000);

    expect(units).toEqual([
      {
        windowStart: '2024-05-01T10:00:00.000Z',
        windowEnd: '2024-05-01T10:15:00.000Z',
        shard: '0',
        firstSequenceNumber: 1,
      },
      {
        windowStart: '2024-05-01T10:15:00.000Z',
        windowEnd: '2024-05-01T10:30:00.000Z',
        shard: '0',
        firstSequenceNumber: 5,
      },
    ]);
  });
});

describe('CosmosStagingStore.listClosedUnits and planFlush after the window length changed', () => {
  let server: LocalCosmosServer;
  let client: CosmosClient;
  let container: Container;

  beforeAll(async () => {
    server = await startCosmosServer();
    client = localClient(server.endpoint, server.key);
    container = (await freshContainers(client)).staging;
  });

  afterAll(async () => {
    client.dispose();
    await server.close();
  });

  /** The units planFlush plans at `time` for one shard (the tests share a container). */
  const planAt = async (store: CosmosStagingStore, time: string, shard: string): Promise<WorkUnit[]> =>
    (await planFlush({ staging: store, now: () => new Date(time) }, 60_000)).filter((unit) => unit.shard === shard);

  it('lowered (60 → 5): a closed 5-minute unit waits for the open 60-minute one its shard staged first', async () => {
    const hourly = new CosmosStagingStore(container, { clock, windowMinutes: 60 });
    const fiveMinutes = new CosmosStagingStore(container, { clock, windowMinutes: 5 });
    await hourly.stageBatch('lowered', { first: 10, last: 10 }, heartRates(1, '2024-05-01T10:05:00.000Z'));
    await fiveMinutes.stageBatch('lowered', { first: 11, last: 11 }, heartRates(1, '2024-05-01T10:22:00.000Z'));

    const listed = await fiveMinutes.listClosedUnits(new Date('2024-05-01T10:27:00.000Z'), 60_000);

    expect(listed).toEqual([
      {
        windowStart: '2024-05-01T10:00:00.000Z',
        windowEnd: '2024-05-01T11:00:00.000Z',
        shard: 'lowered',
        firstSequenceNumber: 10,
        open: true,
      },
      {
        windowStart: '2024-05-01T10:20:00.000Z',
        windowEnd: '2024-05-01T10:25:00.000Z',
        shard: 'lowered',
        firstSequenceNumber: 11,
      },
    ]);
    expect(await planAt(fiveMinutes, '2024-05-01T10:27:00.000Z', 'lowered')).toEqual([]);
    const first = await planAt(fiveMinutes, '2024-05-01T11:01:01.000Z', 'lowered');
    expect(first).toEqual([{ windowStart: '2024-05-01T10:00:00.000Z', shard: 'lowered' }]);
    await fiveMinutes.deleteDocuments(first[0]!, (await fiveMinutes.readUnit(first[0]!)).documents);
    expect(await planAt(fiveMinutes, '2024-05-01T11:01:01.000Z', 'lowered')).toEqual([
      { windowStart: '2024-05-01T10:20:00.000Z', shard: 'lowered' },
    ]);
  });

  it('raised to a length no multiple of the old (10 → 15 at 10:12): the closed new unit waits for the open old one', async () => {
    const tenMinutes = new CosmosStagingStore(container, { clock, windowMinutes: 10 });
    const fifteenMinutes = new CosmosStagingStore(container, { clock, windowMinutes: 15 });
    await tenMinutes.stageBatch('uneven', { first: 10, last: 10 }, heartRates(1, '2024-05-01T10:11:00.000Z'));
    await fifteenMinutes.stageBatch('uneven', { first: 11, last: 11 }, heartRates(1, '2024-05-01T10:13:00.000Z'));

    expect(await planAt(fifteenMinutes, '2024-05-01T10:16:01.000Z', 'uneven')).toEqual([]);
    expect(await planAt(fifteenMinutes, '2024-05-01T10:21:01.000Z', 'uneven')).toEqual([
      { windowStart: '2024-05-01T10:10:00.000Z', shard: 'uneven' },
    ]);
  });

  it("goes by window, not sequence number, where windows do not overlap (a partition's numbers started again)", async () => {
    const store = new CosmosStagingStore(container, { clock });
    await store.stageBatch(
      'restarted',
      { first: 7_000_000, last: 7_000_000 },
      heartRates(1, '2024-05-01T10:10:00.000Z'),
    );
    await store.stageBatch('restarted', { first: 0, last: 0 }, heartRates(1, '2024-05-01T10:20:00.000Z'));

    expect(await planAt(store, '2024-05-01T10:40:00.000Z', 'restarted')).toEqual([
      { windowStart: '2024-05-01T10:00:00.000Z', shard: 'restarted' },
    ]);
  });

  it('raised (15 → 60): of two units closing together, the one its shard staged first goes first', async () => {
    const quarterly = new CosmosStagingStore(container, { clock, windowMinutes: 15 });
    const hourly = new CosmosStagingStore(container, { clock, windowMinutes: 60 });
    await quarterly.stageBatch('raised', { first: 20, last: 20 }, heartRates(1, '2024-05-01T10:47:00.000Z'));
    await hourly.stageBatch('raised', { first: 21, last: 21 }, heartRates(1, '2024-05-01T10:52:00.000Z'));

    const first = await planAt(hourly, '2024-05-01T11:01:01.000Z', 'raised');

    expect(first).toEqual([{ windowStart: '2024-05-01T10:45:00.000Z', shard: 'raised' }]);
    await hourly.deleteDocuments(first[0]!, (await hourly.readUnit(first[0]!)).documents);
    expect(await planAt(hourly, '2024-05-01T11:01:01.000Z', 'raised')).toEqual([
      { windowStart: '2024-05-01T10:00:00.000Z', shard: 'raised' },
    ]);
  });
});

describe('CosmosStagingStore write operations', () => {
  let server: LocalCosmosServer;
  let client: CosmosClient;
  let container: Container;

  beforeAll(async () => {
    server = await startCosmosServer();
    client = localClient(server.endpoint, server.key);
    container = (await freshContainers(client)).staging;
  });

  afterAll(async () => {
    client.dispose();
    await server.close();
  });

  it.each([
    { batchSize: 1_000, expected: 2 },
    { batchSize: 250, expected: 8 },
    { batchSize: 134, expected: 16 },
  ])(
    'costs $expected writes (stage + delete) per 1,000 measurements in batches of $batchSize',
    async ({ batchSize, expected }) => {
      const store = new CosmosStagingStore(container, { clock });
      const shard = `ops${batchSize}`;
      const all = heartRates(1_000, '2024-05-01T10:05:00.000Z');
      for (let first = 0; first < all.length; first += batchSize) {
        const batch = all.slice(first, first + batchSize);
        await store.stageBatch(shard, { first, last: first + batch.length - 1 }, batch);
      }
      const unit = { windowStart: '2024-05-01T10:00:00.000Z', shard };
      const read = await store.readUnit(unit);
      await store.deleteDocuments(unit, read.documents);

      expect(read.measurements).toHaveLength(1_000);
      // A batch staged once writes its head (one document here) by a create.
      expect(store.counter.snapshot()).toMatchObject({ create: expected / 2, delete: expected / 2, total: expected });
    },
  );
});
