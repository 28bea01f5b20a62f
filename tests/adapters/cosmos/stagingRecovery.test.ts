/**
 * Staging under partial failures and concurrent stagings, on the local Cosmos DB server: whatever stops part-way (a
 * staging, a flush's deletes) or runs twice at once, no event is lost, and what the old mapping made of a batch
 * redelivered under a new one never comes back.
 */
import type { Container } from '@azure/cosmos';
import { describe, expect, it } from 'vitest';
import { CosmosStagingStore, STAGING_SETTLE_MS } from '../../../shared/adapters/cosmos/cosmosStagingStore.js';
import { groupMeasurements } from '../../../shared/core/fhir/groupMeasurements.js';
import type { Measurement } from '../../../shared/core/measurement.js';
import { replayStagingOfMessage } from '../../../shared/core/staging/deadLetterReplay.js';
import {
  planEmptyWindowDocuments,
  planStagingDocuments,
  type StagingDocument,
} from '../../../shared/core/staging/planStagingDocuments.js';
import { toStagingDocumentId } from '../../../shared/core/staging/stagingKeys.js';
import { freshContainers, useLocalCosmos } from './cosmosTestSupport.js';
import { signal } from '../../support/signal.js';

const ingested = '2024-05-01T10:01:00.000Z';
const unit = { windowStart: '2024-05-01T10:00:00.000Z', shard: '0' };

/** Event `i`'s heart rate `hr`, with a note of `note` characters (a mapping that writes more needs more chunks). */
function reading(i: number, hr: string, note: number): Measurement {
  return {
    type: 'hr',
    occurrenceTimeUtc: new Date(Date.parse('2024-05-01T09:00:00.000Z') + i * 1000).toISOString(),
    ingestionTimeUtc: ingested,
    deviceId: 'dev',
    properties: [
      { name: 'hr', value: hr },
      { name: 'note', value: 'x'.repeat(note) },
    ],
  };
}

/** The container with its document writes (upserts, creates, replaces) held by `write`, or an item's delete failing. */
function faulty(
  container: Container,
  faults: { write?: (document: { chunk: number }) => Promise<void>; deleteFails?: (id: string) => boolean },
): Container {
  const items = container.items;
  const write = faults.write ?? (() => Promise.resolve());
  const wrappedItems = Object.assign(Object.create(items) as typeof items, {
    upsert: async (document: { chunk: number }) => {
      await write(document);
      return items.upsert(document);
    },
    create: async (document: { chunk: number }) => {
      await write(document);
      return items.create(document);
    },
  });
  return new Proxy(container, {
    get(target, prop, receiver) {
      if (prop === 'items') {
        return wrappedItems;
      }
      if (prop === 'item') {
        return (id: string, pk: string) => {
          const item = target.item(id, pk);
          return Object.assign(Object.create(item) as typeof item, {
            replace: async (document: { chunk: number }, options?: Parameters<typeof item.replace>[1]) => {
              await write(document);
              return item.replace(document, options);
            },
            ...(faults.deleteFails?.(id) === true
              ? { delete: () => Promise.reject(Object.assign(new Error('unavailable'), { code: 503 })) }
              : {}),
          });
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

describe('staging recovery', () => {
  const cosmos = useLocalCosmos();

  const range = { first: 1, last: 20 };
  const oldBatch = Array.from({ length: 20 }, (_, i) => reading(i, '999', 400));
  const newBatch = Array.from({ length: 20 }, (_, i) => reading(i, '70', 0));

  for (const [name, redeliver] of [
    ['with fewer chunks', (store: CosmosStagingStore) => store.stageBatch('0', range, newBatch)],
    ['yielding nothing', (store: CosmosStagingStore) => store.stageBatch('0', range, [], [ingested])],
  ] as const) {
    it(`keeps a redelivery's superseded chunks out when the flush stops after a delete (redelivered ${name})`, async () => {
      const container = (await freshContainers(cosmos())).staging;
      const store = new CosmosStagingStore(container, { maxDocumentBytes: 4_000 });
      await store.stageBatch('0', range, oldBatch);
      await redeliver(store);
      const first = await store.readUnit(unit);
      // The flush's deletes stop at the second document (a 503, or the worker dies).
      const second = first.documents[1]?.id;
      const stopping = new CosmosStagingStore(faulty(container, { deleteFails: (id) => id === second }));
      await expect(stopping.deleteDocuments(unit, first.documents)).rejects.toThrow();

      const rerun = await store.readUnit(unit);

      expect(first.measurements.filter((m) => m.properties[0]?.value === '999')).toEqual([]);
      expect(rerun.measurements.filter((m) => m.properties[0]?.value === '999')).toEqual([]);
    });
  }

  // Instance X still serves the old mapping (3 chunks), instance Y the new one (2 chunks, cut at other events).
  const mappings = {
    x: { tag: 'old', note: 400, chunks: 3 },
    y: { tag: 'new', note: 250, chunks: 2 },
  } as const;
  for (const [slow, fast] of [
    ['x', 'y'],
    ['y', 'x'],
  ] as const) {
    it(`loses no event and mixes no mappings when two stagings of a batch run at once (${slow}'s chunk 1 slow)`, async () => {
      const container = (await freshContainers(cosmos())).staging;
      const options = { maxDocumentBytes: 6_000 };
      const twice = { first: 1, last: 30 };
      const stage = (store: CosmosStagingStore, { tag, note }: { tag: string; note: number }): Promise<number> =>
        store.stageBatch(
          '0',
          twice,
          Array.from({ length: 30 }, (_, i) => reading(i, `${tag}:${i}`, note)),
        );
      const gate = signal();
      // One instance's chunk 1 is slow on the wire; the other stages the batch whole meanwhile, then it lands.
      const slowChunk1 = faulty(container, { write: (d) => (d.chunk === 1 ? gate.fired : Promise.resolve()) });
      const slowStaging = stage(new CosmosStagingStore(slowChunk1, options), mappings[slow]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const fastWrites = await stage(new CosmosStagingStore(container, options), mappings[fast]);
      gate.fire();
      const slowWrites = await slowStaging;

      const staged = await new CosmosStagingStore(container, options).readUnit(unit);
      const values = staged.measurements.map((m) => m.properties[0]?.value ?? '').sort();

      expect([slowWrites, fastWrites]).toEqual([mappings[slow].chunks, mappings[fast].chunks]);
      // Every event once, as the staging whose head landed last (the slow one's) made it.
      expect(values).toEqual(Array.from({ length: 30 }, (_, i) => `${mappings[slow].tag}:${i}`).sort());
    });
  }

  for (const [name, retry, expected] of [
    ['under the same mapping', oldBatch, '999'],
    // A staging cut short before its head cannot be told from one still running: its chunks are flushed as they
    // are (README, Design notes), here what the earlier mapping made of events the fixed one drops.
    ['under a mapping that now yields nothing', [], '999'],
  ] as const) {
    it(`flushes what a staging cut short before its head left, when the retry ${name}`, async () => {
      const container = (await freshContainers(cosmos())).staging;
      const options = { maxDocumentBytes: 4_000 };
      // The first staging's head is throttled: the invocation fails and the batch is delivered again.
      const throttled = faulty(container, {
        write: (d) =>
          d.chunk === 0 ? Promise.reject(Object.assign(new Error('throttled'), { code: 429 })) : Promise.resolve(),
      });
      await expect(new CosmosStagingStore(throttled, options).stageBatch('0', range, oldBatch)).rejects.toThrow();

      await new CosmosStagingStore(container, options).stageBatch('0', range, retry, [ingested]);
      // The flush waits while the staging cut short may still be running, and takes its chunks as they are after.
      const waiting = await new CosmosStagingStore(container, options).readUnit(unit);
      const later = () => Date.now() + STAGING_SETTLE_MS + 2_000;
      const staged = await new CosmosStagingStore(container, { ...options, wallClock: later }).readUnit(unit);
      expect([(waiting.settling ?? 0) > 0, staged.settling]).toEqual([true, 0]);
      const events = new Set(staged.measurements.map((m) => `${m.occurrenceTimeUtc} ${m.properties[0]?.value}`));

      expect(staged.documents.length).toBeGreaterThan(1);
      expect(new Set(staged.measurements.map((m) => m.properties[0]?.value))).toEqual(new Set([expected]));
      // Under the same mapping, every event (twice for those in the chunks cut short); else those chunks' events.
      if (retry.length > 0) {
        expect(events.size).toBe(retry.length);
      } else {
        expect(events.size).toBeGreaterThan(0);
        expect(events.size).toBeLessThan(oldBatch.length);
      }
    });
  }

  it("flushes a redelivery's later chunk that a flush read before the redelivery's head landed", async () => {
    const container = (await freshContainers(cosmos())).staging;
    const options = { maxDocumentBytes: 6_000 };
    const twice = { first: 1, last: 30 };
    const store = new CosmosStagingStore(container, options);
    // Staged whole under the old mapping, which makes nothing of event 25 (3 chunks).
    await store.stageBatch(
      '0',
      twice,
      Array.from({ length: 30 }, (_, i) => reading(i, `old:${i}`, 400)).filter((_, i) => i !== 25),
    );
    const gate = signal();
    // Delivered again after a mapping change that makes event 25 (2 chunks); its head is a little slow.
    const slowHead = faulty(container, { write: (d) => (d.chunk === 0 ? gate.fired : Promise.resolve()) });
    const redelivery = new CosmosStagingStore(slowHead, options).stageBatch(
      '0',
      twice,
      Array.from({ length: 30 }, (_, i) => reading(i, `new:${i}`, 250)),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The timer's flush reads the closed window meanwhile: it waits (the redelivery may still be running).
    const first = await store.readUnit(unit);
    expect(first.settling).toBe(1);
    // Had it not waited, and had its deletes come after the redelivery's head landed:
    gate.fire();
    expect(await redelivery).toBe(2);
    await store.deleteDocuments(unit, first.documents);
    const second = await store.readUnit(unit);
    await store.deleteDocuments(unit, second.documents);

    const flushed = new Set([...first.measurements, ...second.measurements].map((m) => m.properties[0]?.value));
    expect(Array.from({ length: 30 }, (_, i) => `new:${i}`).filter((v) => !flushed.has(v))).toEqual([]);
    expect((await store.readUnit(unit)).documents).toEqual([]);
  });

  it('deletes a replay shard oldest ingested first, so what a failed delete leaves is the newest', async () => {
    const container = (await freshContainers(cosmos())).staging;
    const store = new CosmosStagingStore(container);
    const steps = (value: string, ingestionTimeUtc: string): Measurement => ({
      type: 'steps',
      occurrenceTimeUtc: '2024-05-01T09:00:00.000Z',
      ingestionTimeUtc,
      deviceId: 'dev',
      properties: [{ name: 'steps', value }],
    });
    // Two dead-lettered messages of partition 0 replayed: their replay sequence numbers are hashes, the newer lower.
    const at = (sequenceNumber: number, enqueuedTimeUtc: string) =>
      replayStagingOfMessage({ partitionId: '0', sequenceNumber, offset: String(sequenceNumber), enqueuedTimeUtc });
    const older = at(100, '2024-05-01T10:01:00.000Z');
    const newer = at(101, '2024-05-01T10:05:00.000Z');
    expect(newer.range.first).toBeLessThan(older.range.first);
    await store.stageBatch(older.shard, older.range, [steps('1000', '2024-05-01T10:01:00.000Z')]);
    await store.stageBatch(newer.shard, newer.range, [steps('1500', '2024-05-01T10:05:00.000Z')]);
    const replayUnit = { windowStart: '2024-05-01T10:00:00.000Z', shard: older.shard };
    const first = await store.readUnit(replayUnit);
    const second = first.documents[1]?.id;
    const stopping = new CosmosStagingStore(faulty(container, { deleteFails: (id) => id === second }));
    await expect(stopping.deleteDocuments(replayUnit, first.documents)).rejects.toThrow();

    const rerun = await store.readUnit(replayUnit);
    const written = (read: { measurements: Measurement[] }) =>
      groupMeasurements(read.measurements)[0]?.measurements.map((m) => m.properties[0]?.value);

    expect(written(first)).toEqual(['1500']);
    expect(written(rerun)).toEqual(['1500']);
  });

  it('stages a batch window by window, oldest first, so no later window is listed while an earlier one is unwritten', async () => {
    const container = (await freshContainers(cosmos())).staging;
    // Ingest runs behind: one batch holds a reading enqueued at 10:50 and its correction enqueued at 11:01.
    const at = (i: number, enqueued: string, hr: string): Measurement => ({
      ...reading(i, hr, 0),
      ingestionTimeUtc: enqueued,
    });
    const batch = [at(0, '2024-05-01T10:50:00.000Z', '60'), at(0, '2024-05-01T11:01:00.000Z', '99')];
    const gate = signal();
    // The earlier window's write is slow (throttled, retried by the SDK).
    const slow = faulty(container, {
      write: (d) =>
        (d as { windowStart?: string }).windowStart === '2024-05-01T10:45:00.000Z' ? gate.fired : Promise.resolve(),
    });
    const store = new CosmosStagingStore(container);

    const staging = new CosmosStagingStore(slow).stageBatch('0', { first: 1, last: 2 }, batch);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const whileSlow = await store.listClosedUnits(new Date('2024-05-01T12:00:00.000Z'), 0);
    gate.fire();
    await staging;
    const after = await store.listClosedUnits(new Date('2024-05-01T12:00:00.000Z'), 0);

    expect(whileSlow).toEqual([]);
    expect(after.map((u) => u.windowStart)).toEqual(['2024-05-01T10:45:00.000Z', '2024-05-01T11:00:00.000Z']);
  });

  it('deletes overlapping batches by last sequence number, so what a stopped delete leaves holds the later events', async () => {
    const container = (await freshContainers(cosmos())).staging;
    const store = new CosmosStagingStore(container);
    const at = (i: number, ingestion: string, hr: string): Measurement => ({
      ...reading(i, hr, 0),
      ingestionTimeUtc: ingestion,
    });
    // Batches [0] and [1] (1 reads 60 at one instant), then a redelivery from checkpoint 0 cut as [0..2]: 2 corrects
    // the reading to 99.
    await store.stageBatch('0', { first: 0, last: 0 }, [at(0, '2024-05-01T10:01:00.000Z', '50')]);
    await store.stageBatch('0', { first: 1, last: 1 }, [at(1, '2024-05-01T10:02:00.000Z', '60')]);
    await store.stageBatch('0', { first: 0, last: 2 }, [
      at(0, '2024-05-01T10:01:00.000Z', '50'),
      at(1, '2024-05-01T10:02:00.000Z', '60'),
      at(1, '2024-05-01T10:03:00.000Z', '99'),
    ]);
    const first = await store.readUnit(unit);
    // Cosmos DB refuses to delete batch [1]'s document.
    const stopping = new CosmosStagingStore(faulty(container, { deleteFails: (id) => id.includes('_q1-1_') }));
    await expect(stopping.deleteDocuments(unit, first.documents)).rejects.toThrow();

    const rerun = await store.readUnit(unit);
    const written = (read: { measurements: Measurement[] }) =>
      groupMeasurements(read.measurements)
        .flatMap((g) => g.measurements)
        .filter((m) => m.occurrenceTimeUtc === reading(1, '', 0).occurrenceTimeUtc)
        .map((m) => m.properties[0]?.value);

    expect(written(first)).toEqual(['99']);
    expect(written(rerun)).toEqual(['99']);
  });
  /** What FHIR ends with, event by event, after these flushes in turn (a later flush's value merged over). */
  function fhirValues(flushes: readonly { measurements: Measurement[] }[]): string[] {
    const slots = new Map<string, string>();
    for (const flush of flushes) {
      for (const m of groupMeasurements(flush.measurements).flatMap((g) => g.measurements)) {
        slots.set(m.occurrenceTimeUtc, m.properties[0]?.value ?? '');
      }
    }
    return [...slots.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, value]) => value);
  }

  /** Event `i` of a 30-event batch as a mapping tagged `tag` makes it, with a note of `note` characters. */
  const mapped = (tag: string, note: number) => Array.from({ length: 30 }, (_, i) => reading(i, `${tag}:${i}`, note));
  const twice = { first: 1, last: 30 };

  /** A fresh container with the 30-event batch staged under the old mapping (2 chunks of 6,000 bytes at most). */
  async function stagedOld(): Promise<{
    container: Container;
    store: CosmosStagingStore;
    options: { maxDocumentBytes: number };
  }> {
    const container = (await freshContainers(cosmos())).staging;
    const options = { maxDocumentBytes: 6_000 };
    const store = new CosmosStagingStore(container, options);
    expect(await store.stageBatch('0', twice, mapped('old', 250))).toBe(2);
    return { container, store, options };
  }

  it("holds a unit back while a redelivery's chunks wait for its head, then writes the redelivery's values", async () => {
    const { container, store, options } = await stagedOld();
    const gate = signal();
    // Delivered again under a mapping that writes more (3 chunks); its head is slow (throttled, retried by the SDK).
    const slowHead = faulty(container, { write: (d) => (d.chunk === 0 ? gate.fired : Promise.resolve()) });
    const redelivery = new CosmosStagingStore(slowHead, options).stageBatch('0', twice, mapped('new', 400));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const waiting = await store.readUnit(unit);
    gate.fire();
    expect(await redelivery).toBe(3);
    const flushed = await store.readUnit(unit);
    await store.deleteDocuments(unit, flushed.documents);

    expect([waiting.settling, flushed.settling]).toEqual([2, 0]);
    expect(fhirValues([flushed])).toEqual(Array.from({ length: 30 }, (_, i) => `new:${i}`));
    expect((await store.readUnit(unit)).documents).toEqual([]);
  });

  it("writes the redelivery's values after a flush stopped right after deleting the earlier staging's head", async () => {
    const { container, store, options } = await stagedOld();
    const first = await store.readUnit(unit);
    // The flush wrote everything; its deletes stop after the head (a 503, or it dies).
    const head = first.documents.find((d) => d.id.endsWith('_c0'))?.id;
    const afterHead = first.documents[first.documents.findIndex((d) => d.id === head) + 1]?.id;
    const stopping = new CosmosStagingStore(faulty(container, { deleteFails: (id) => id === afterHead }), options);
    await expect(stopping.deleteDocuments(unit, first.documents)).rejects.toThrow();
    // The batch comes again (its ingest died before the checkpoint), under a mapping that writes more; it finishes.
    expect(await store.stageBatch('0', twice, mapped('new', 400))).toBe(3);
    const second = await store.readUnit(unit);
    await store.deleteDocuments(unit, second.documents);

    expect(fhirValues([first, second])).toEqual(Array.from({ length: 30 }, (_, i) => `new:${i}`));
    expect((await store.readUnit(unit)).documents).toEqual([]);
  });

  it('never flushes again what a head staged by the previous release superseded', async () => {
    const container = (await freshContainers(cosmos())).staging;
    const options = { maxDocumentBytes: 4_000 };
    // The previous release wrote heads first, without `headLast`, and later chunks under ids without a staging.
    const previousRelease = async (stagingId: string, measurements: Measurement[]): Promise<void> => {
      const planned = planStagingDocuments('0', range, measurements, {
        windowMinutes: 15,
        maxDocumentBytes: options.maxDocumentBytes,
        nowMs: Date.parse(ingested),
        stagingId,
      });
      const documents =
        planned.length > 0
          ? planned
          : planEmptyWindowDocuments('0', range, [ingested], [], {
              windowMinutes: 15,
              nowMs: Date.parse(ingested),
              stagingId,
            });
      for (const document of documents) {
        const written: Partial<StagingDocument> = {
          ...document,
          id: toStagingDocumentId('0', range, document.windowStart, document.chunk),
        };
        delete written.headLast;
        delete written.supersedes;
        await container.items.upsert(written);
      }
    };
    const store = new CosmosStagingStore(container, options);
    // Staged under v1 (several chunks), then again under v2, which drops the events: its empty head superseded them.
    await previousRelease(
      'v1',
      Array.from({ length: 20 }, (_, i) => reading(i, `v1:${i}`, 400)),
    );
    await previousRelease('v2', []);
    expect((await store.readUnit(unit)).measurements).toEqual([]);

    // After the upgrade the batch comes once more (its invocation died before the checkpoint): under v2 again (an
    // empty head), or under v3.
    const v3 = Array.from({ length: 20 }, (_, i) => reading(i, `v3:${i}`, 0));
    for (const [again, expected] of [
      [[], []],
      [v3, v3.map((m) => m.properties[0]?.value)],
    ] as const) {
      expect(await store.stageBatch('0', range, again, [ingested])).toBe(1);
      const read = await store.readUnit(unit);

      expect(read.measurements.map((m) => m.properties[0]?.value)).toEqual(expected);
    }
  });
  // A dead-lettered message replayed: its own shard, and a range derived from it.
  const replayed = replayStagingOfMessage({
    partitionId: '0',
    sequenceNumber: 100,
    offset: '100',
    enqueuedTimeUtc: ingested,
  });
  for (const [name, shard, batch] of [
    ['an Event Hubs partition', '0', twice],
    ['a replay shard', replayed.shard, replayed.range],
  ] as const) {
    it(`ends with the last head's staging's values after two stopped flushes, on ${name}`, async () => {
      const container = (await freshContainers(cosmos())).staging;
      const options = { maxDocumentBytes: 6_000 };
      const at = { windowStart: unit.windowStart, shard };
      const store = new CosmosStagingStore(container, options);
      // Flushed past the settle time: what a stopped flush leaves without its head is taken as it is.
      const later = new CosmosStagingStore(container, { ...options, wallClock: () => Date.now() + STAGING_SETTLE_MS });
      // Staged under the old mapping (a head and one later chunk); the flush's deletes stop after the head.
      expect(await store.stageBatch(shard, batch, mapped('old', 250))).toBe(2);
      const first = await store.readUnit(at);
      const oldChunk = first.documents.find((d) => !d.id.endsWith('_c0'))?.id;
      const stopping = new CosmosStagingStore(faulty(container, { deleteFails: (id) => id === oldChunk }), options);
      await expect(stopping.deleteDocuments(at, first.documents)).rejects.toThrow();
      // Staged again (replayed again after the operator's fix) under the new mapping; its head lands last. The next
      // flush's deletes stop at the earlier staging's chunk; a third takes what is left.
      expect(await store.stageBatch(shard, batch, mapped('new', 400))).toBe(3);
      const second = await later.readUnit(at);
      await expect(stopping.deleteDocuments(at, second.documents)).rejects.toThrow();
      const third = await later.readUnit(at);
      await store.deleteDocuments(at, third.documents);

      expect(second.settling).toBe(0);
      expect(fhirValues([first, second, third])).toEqual(Array.from({ length: 30 }, (_, i) => `new:${i}`));
      expect((await store.readUnit(at)).documents).toEqual([]);
    });
  }

  describe('a batch staged as it is read', () => {
    const later = '2024-05-01T10:16:00.000Z';
    const nextUnit = { windowStart: '2024-05-01T10:15:00.000Z', shard: '0' };
    const wide = { first: 1, last: 120 };
    // 120 events, the first 60 in one window and the rest in the next, several chunks each.
    const events = (tag: string): Measurement[] =>
      Array.from({ length: 120 }, (_, i) => ({
        ...reading(i, `${tag}:${i}`, 100),
        ingestionTimeUtc: i < 60 ? ingested : later,
      }));
    const times = events('').map((m) => m.ingestionTimeUtc);
    const options = { maxDocumentBytes: 3_000, concurrency: 2 };

    it("writes a window's later chunks while reading it, its head once the next window's events begin", async () => {
      const container = (await freshContainers(cosmos())).staging;
      const log: string[] = [];
      const logging = faulty(container, {
        write: (d) => {
          log.push(`write ${(d as { windowStart?: string }).windowStart ?? ''} ${d.chunk}`);
          return Promise.resolve();
        },
      });
      const batch = events('a');
      const reading = function* (): Generator<Measurement> {
        for (const [i, m] of batch.entries()) {
          log.push(`read ${i}`);
          yield m;
        }
      };

      const written = await new CosmosStagingStore(logging, options).stageBatch('0', wide, reading(), times);

      const writes = log.filter((line) => line.startsWith('write'));
      expect(writes).toHaveLength(written);
      expect(log.indexOf(writes[0] ?? '')).toBeLessThan(log.indexOf('read 59'));
      const firstHead = log.indexOf(`write ${unit.windowStart} 0`);
      expect([firstHead > log.indexOf('read 60'), firstHead < log.indexOf('read 61')]).toEqual([true, true]);
      expect(writes.at(-1)).toBe(`write ${nextUnit.windowStart} 0`);
      const store = new CosmosStagingStore(container, options);
      expect((await store.readUnit(unit)).measurements).toEqual(batch.slice(0, 60));
      expect((await store.readUnit(nextUnit)).measurements).toEqual(batch.slice(60));
    });

    it('loses nothing and keeps no old value when a redelivery is cut short at the later window', async () => {
      const container = (await freshContainers(cosmos())).staging;
      await new CosmosStagingStore(container, options).stageBatch('0', wide, events('old'), times);
      // Delivered again after a mapping change: the later window's head write fails (the invocation dies).
      const dying = faulty(container, {
        write: (d) =>
          d.chunk === 0 && (d as { windowStart?: string }).windowStart === nextUnit.windowStart
            ? Promise.reject(Object.assign(new Error('gone'), { code: 503 }))
            : Promise.resolve(),
      });
      await expect(
        new CosmosStagingStore(dying, options).stageBatch('0', wide, events('new'), times),
      ).rejects.toThrow();
      const waiting = await new CosmosStagingStore(container, options).readUnit(nextUnit);
      // The batch delivered once more, staged whole.
      await new CosmosStagingStore(container, options).stageBatch('0', wide, events('new'), times);
      const settled = new CosmosStagingStore(container, {
        ...options,
        wallClock: () => Date.now() + STAGING_SETTLE_MS + 2_000,
      });
      const units = [await settled.readUnit(unit), await settled.readUnit(nextUnit)];

      // The later window waited while the staging cut short might still be running.
      expect(waiting.settling).toBeGreaterThan(0);
      const values = units.flatMap((u) => u.measurements.map((m) => m.properties[0]?.value ?? ''));
      expect(new Set(values)).toEqual(new Set(Array.from({ length: 120 }, (_, i) => `new:${i}`)));
    });
  });
});
