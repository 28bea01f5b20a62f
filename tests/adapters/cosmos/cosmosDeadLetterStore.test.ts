import { beforeAll, describe, expect, it } from 'vitest';
import { CosmosDeadLetterStore } from '../../../shared/adapters/cosmos/cosmosDeadLetterStore.js';
import { CosmosStagingStore } from '../../../shared/adapters/cosmos/cosmosStagingStore.js';
import { toIngestEvents } from '../../../shared/adapters/functions/toIngestEvents.js';
import { planDeadLetterReplay } from '../../../shared/core/staging/deadLetterReplay.js';
import { ingestBatch, type IngestDeps } from '../../../shared/pipeline/ingestBatch.js';
import { replayDeadLetters } from '../../../shared/pipeline/replayDeadLetters.js';
import type { DeadLetterStore, StoredDeadLetter } from '../../../shared/pipeline/stagingPorts.js';
import { deviceMappingOf } from '../../support/deviceMappings.js';
import type { DeadLetterRecord } from '../../../shared/core/staging/deadLetter.js';
import { freshContainers, heartRates, useLocalCosmos } from './cosmosTestSupport.js';
import { toJsonByteLength } from '../../../shared/core/staging/planStagingDocuments.js';

function rejectedMessage(sequenceNumber: number, time = '2024-05-01T10:00:05.000Z'): DeadLetterRecord {
  return {
    error: { name: 'InvalidDataFormat', stage: 'Normalization', severity: 'non-blocking', message: 'body is not JSON' },
    time,
    templateType: 'CollectionContent',
    subject: {
      kind: 'message',
      body: { encoding: 'base64', data: Buffer.from('not json').toString('base64') },
      coordinates: {
        partitionId: '3',
        sequenceNumber,
        offset: `${sequenceNumber * 10}`,
        enqueuedTimeUtc: '2024-05-01T10:00:00.000Z',
      },
      systemProperties: { 'iothub-connection-device-id': 'device-1' },
    },
  };
}

const rejectedGroup: DeadLetterRecord = {
  error: {
    name: 'DeviceNotFound',
    stage: 'FHIRConversion',
    severity: 'non-blocking',
    message: 'no Device matches the device identifier',
    location: { field: 'deviceId' },
  },
  time: '2024-05-01T10:20:00.000Z',
  templateType: 'CodeValueFhir',
  subject: { kind: 'measurements', measurements: heartRates(3, '2024-05-01T10:03:00.000Z') },
};

// One local Cosmos server for the file; each test group takes fresh containers of it.
const cosmos = useLocalCosmos();

describe('CosmosDeadLetterStore', () => {
  let store: CosmosDeadLetterStore;

  beforeAll(async () => {
    store = new CosmosDeadLetterStore((await freshContainers(cosmos())).deadLetter);
  });

  it('stores a rejected message with its error, coordinates and body, and lists it by error name', async () => {
    const [key] = await store.addDeadLetters([rejectedMessage(1)]);

    const page = await store.listDeadLetters({ errorName: 'InvalidDataFormat' });

    expect(key?.pk).toMatch(/^InvalidDataFormat\|2024-05-01T\d\d\|[0-9a-f]$/);
    expect(key?.pk.at(-1)).toBe(key?.id.charAt(0));
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      ...rejectedMessage(1),
      id: key?.id,
      pk: key?.pk,
      errorName: 'InvalidDataFormat',
    });
    expect(page.items[0]?.etag).not.toBe('');
    expect(page.items[0]).not.toHaveProperty('_rid');
  });

  it('stores a rejected message too large for one document without its body, instead of failing for ever', async () => {
    const maxDocumentBytes = 20_000;
    const container = (await freshContainers(cosmos())).deadLetter;
    const small = new CosmosDeadLetterStore(container, { maxDocumentBytes });
    const huge = rejectedMessage(8);
    if (huge.subject.kind === 'message') {
      huge.subject.body = { encoding: 'base64', data: Buffer.alloc(60_000, 0x7b).toString('base64') };
    }

    await small.addDeadLetters([huge]);
    const [stored] = (await small.listDeadLetters({ errorName: 'InvalidDataFormat' })).items;

    expect(stored?.subject).toMatchObject({
      kind: 'message',
      body: { encoding: 'omitted', bytes: 60_000 },
      coordinates: { partitionId: '3', sequenceNumber: 8 },
    });
  });

  it('keeps the body of a rejected message whose application properties alone are too large', async () => {
    const maxDocumentBytes = 20_000;
    const container = (await freshContainers(cosmos())).deadLetter;
    const small = new CosmosDeadLetterStore(container, { maxDocumentBytes });
    const record = rejectedMessage(9);
    const properties = { note: 'x'.repeat(30_000) };
    if (record.subject.kind === 'message') {
      record.subject.properties = properties;
      record.subject.systemProperties = { 'iothub-connection-device-id': 'd9' };
    }

    const keys = await small.addDeadLetters([record, rejectedMessage(10)]);
    const [stored] = (await small.listDeadLetters({ errorName: 'InvalidDataFormat' })).items.filter(
      (item) => item.id === keys[0]?.id,
    );

    expect(stored?.subject).toEqual({
      ...record.subject,
      properties: undefined,
      omitted: { properties: toJsonByteLength(properties) },
    });
    expect(keys.map((key) => key.withLess)).toEqual([true, undefined]);
  });

  it('stores a rejected group too large for one document in parts below the size bound, once on a rerun', async () => {
    const maxDocumentBytes = 20_000;
    const container = (await freshContainers(cosmos())).deadLetter;
    const small = new CosmosDeadLetterStore(container, { maxDocumentBytes });
    const measurements = heartRates(600, '2024-05-01T10:03:00.000Z');
    const large: DeadLetterRecord = { ...rejectedGroup, subject: { kind: 'measurements', measurements } };

    const keys = await small.addDeadLetters([large, rejectedMessage(7)]);
    const again = await small.addDeadLetters([large]);
    const { resources } = await container.items.readAll<Record<string, unknown>>().fetchAll();
    const parts = (await small.listDeadLetters({ errorName: 'DeviceNotFound', maxItems: 1000 })).items;

    expect(parts.length).toBeGreaterThan(2);
    expect(keys).toHaveLength(parts.length + 1);
    expect(again).toEqual(keys.slice(0, parts.length));
    expect(resources).toHaveLength(parts.length + 1);
    for (const stored of resources) {
      expect(Buffer.byteLength(JSON.stringify(stored), 'utf8')).toBeLessThanOrEqual(maxDocumentBytes);
    }
    const ordered = [...parts].sort((a, b) => (a.part?.index ?? 0) - (b.part?.index ?? 0));
    expect(ordered.map((p) => p.part)).toEqual(ordered.map((_, i) => ({ index: i + 1, count: parts.length })));
    expect(ordered.flatMap((p) => (p.subject.kind === 'measurements' ? p.subject.measurements : []))).toEqual(
      measurements,
    );
    expect(ordered.every((p) => p.error.name === 'DeviceNotFound')).toBe(true);
  });

  it('stores a rejected measurement group and keeps error names apart when listing', async () => {
    await store.addDeadLetters([rejectedGroup]);

    const groups = await store.listDeadLetters({ errorName: 'DeviceNotFound' });

    expect(groups.items.map((item) => item.subject)).toEqual([rejectedGroup.subject]);
    expect(groups.items[0]?.error).toEqual(rejectedGroup.error);
  });

  it('does not duplicate a dead letter recorded again by a rerun at a later time', async () => {
    const [first] = await store.addDeadLetters([rejectedMessage(2)]);
    const [again] = await store.addDeadLetters([rejectedMessage(2, '2024-05-02T08:00:00.000Z')]);

    const page = await store.listDeadLetters({ errorName: 'InvalidDataFormat' });

    expect(again).toEqual(first);
    expect(page.items.filter((item) => item.id === first?.id).map((item) => item.time)).toEqual([
      '2024-05-02T08:00:00.000Z',
    ]);
  });

  it('pages through dead letters with continuation tokens', async () => {
    await store.addDeadLetters([3, 4, 5, 6, 7].map((n) => rejectedMessage(n)));

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await store.listDeadLetters({
        errorName: 'InvalidDataFormat',
        maxItems: 2,
        continuationToken: token,
      });
      seen.push(
        ...page.items.map((item) =>
          String((item.subject as { coordinates: { sequenceNumber: number } }).coordinates.sequenceNumber),
        ),
      );
      token = page.continuationToken;
      pages += 1;
    } while (token !== undefined && pages < 20);

    expect(pages).toBeGreaterThan(1);
    expect(seen.sort()).toEqual(['1', '2', '3', '4', '5', '6', '7']);
  });

  it('deletes dead letters idempotently', async () => {
    const keys = await store.addDeadLetters([rejectedMessage(99)]);

    const first = await store.deleteDeadLetters(keys);
    const second = await store.deleteDeadLetters(keys);
    const page = await store.listDeadLetters({ errorName: 'InvalidDataFormat', maxItems: 100 });

    expect([first, second]).toEqual([
      { deleted: 1, missing: 0, changed: 0 },
      { deleted: 0, missing: 1, changed: 0 },
    ]);
    expect(page.items.map((item) => item.id)).not.toContain(keys[0]?.id);
  });

  it('with the ETag read, keeps a dead letter that was rewritten since (the same thing rejected again)', async () => {
    await store.addDeadLetters([rejectedMessage(120)]);
    const listed = await store.listDeadLetters({ errorName: 'InvalidDataFormat', maxItems: 500 });
    const read = listed.items.find(
      (item) => item.subject.kind === 'message' && item.subject.coordinates.sequenceNumber === 120,
    );
    if (read === undefined) {
      throw new Error('dead letter not listed');
    }
    await store.addDeadLetters([rejectedMessage(120, '2024-05-01T11:00:00.000Z')]);

    const stale = await store.deleteDeadLetters([{ id: read.id, pk: read.pk, etag: read.etag }]);
    const after = await store.listDeadLetters({ errorName: 'InvalidDataFormat', maxItems: 500 });
    const current = after.items.find((item) => item.id === read.id);

    expect(read.etag).not.toBe('');
    expect(stale).toEqual({ deleted: 0, missing: 0, changed: 1 });
    expect(current?.time).toBe('2024-05-01T11:00:00.000Z');
    expect(await store.deleteDeadLetters([{ id: read.id, pk: read.pk, etag: current?.etag ?? '' }])).toEqual({
      deleted: 1,
      missing: 0,
      changed: 0,
    });
  });
});

describe('replaying a message whose new dead letter can only be stored with less', () => {
  const template = (typeName: string, valueExpression: string): unknown => ({
    templateType: 'CalculatedContent',
    template: {
      typeName,
      typeMatchExpression: '$..[?(@.hr)]',
      deviceIdExpression: '$.matchedToken.d',
      timestampExpression: '$.matchedToken.t',
      values: [{ valueName: typeName, valueExpression, required: true }],
    },
  });
  /** A reading of 70 padded to about 17.5 KB: its dead letter fits 20 KB whole only with a short error. */
  const paddedReading = Buffer.from(`{"d":"dev","t":"2024-05-01T10:00:00Z","hr":70,"pad":"${'x'.repeat(17_500)}"}`);
  /** A reading of 1, padded so too, written with spaces. */
  const paddedSpacedReading = Buffer.from(
    `{ "d": "dev", "t": "2024-05-01T10:00:00Z", "hr": 1, "pad": "${'x'.repeat(17_500)}" }`,
  );
  /** An expression whose error quotes it: 1.5 KB more of error text in each dead letter. */
  const longExpression = `$.matchedToken.missing${'_'.repeat(1_500)}`;

  async function ingestOne(bytes: Buffer, templates: unknown[]): Promise<IngestDeps> {
    const containers = await freshContainers(cosmos());
    const deps = {
      staging: new CosmosStagingStore(containers.staging),
      deadLetters: new CosmosDeadLetterStore(containers.deadLetter, { maxDocumentBytes: 20_000 }),
      now: () => new Date('2024-05-01T11:00:00.000Z'),
    };
    const metadata = {
      partitionContext: { partitionId: '0' },
      sequenceNumberArray: [1],
      enqueuedTimeUtcArray: ['2024-05-01T10:00:00'],
    };
    await ingestBatch(toIngestEvents([bytes], metadata, '2024-05-01T10:00:00.000Z'), deviceMappingOf(templates), deps);
    return deps;
  }
  const kinds = async (deps: IngestDeps): Promise<string[]> =>
    (await deps.deadLetters.listDeadLetters()).items.map((item) => planDeadLetterReplay(item).kind).sort();

  it('keeps the whole dead letter it read, leaves no copy with less behind, and is done once the mapping is fixed', async () => {
    const deps = await ingestOne(paddedSpacedReading, [template('hr', '$.matchedToken.missing')]);
    const [whole] = (await deps.deadLetters.listDeadLetters()).items;
    expect(whole && planDeadLetterReplay(whole).kind).toBe('message');

    // A mapping change makes it fail with a longer error: its dead letter is too large with the body.
    const again = await replayDeadLetters(deviceMappingOf([template('hr', longExpression)]), deps);

    expect(again).toMatchObject({ rejectedAgain: 1, errorsByName: { IncompatibleData: 1 }, deadLettered: 0 });
    expect(again).toMatchObject({ deleted: 0, kept: 1 });
    expect((await deps.deadLetters.listDeadLetters()).items.map(({ id, etag }) => ({ id, etag }))).toEqual([
      { id: whole?.id, etag: whole?.etag },
    ]);

    const fixed = await replayDeadLetters(deviceMappingOf([template('hr', '$.matchedToken.hr')]), deps);

    expect(fixed).toMatchObject({ measurementsStaged: 1, rejectedAgain: 0, deleted: 1, kept: 0 });
    expect((await deps.deadLetters.listDeadLetters()).items).toEqual([]);
  });

  it('never writes a copy with less over a whole one of the same id (the size bound lowered since)', async () => {
    const bytes = Buffer.from(`{ "d": "dev", "t": "2024-05-01T10:00:00Z", "hr": 1, "pad": "${'x'.repeat(30_000)}" }`);
    const containers = await freshContainers(cosmos());
    const mapping = deviceMappingOf([template('hr', '$.matchedToken.missing')]);
    const metadata = {
      partitionContext: { partitionId: '0' },
      sequenceNumberArray: [1],
      enqueuedTimeUtcArray: ['2024-05-01T10:00:00'],
    };
    const events = (): ReturnType<typeof toIngestEvents> =>
      toIngestEvents([bytes], metadata, '2024-05-01T10:00:00.000Z');
    const depsWith = (maxDocumentBytes: number): IngestDeps => ({
      staging: new CosmosStagingStore(containers.staging),
      deadLetters: new CosmosDeadLetterStore(containers.deadLetter, { maxDocumentBytes }),
      now: () => new Date('2024-05-01T11:00:00.000Z'),
    });
    await ingestBatch(events(), mapping, depsWith(40_000));
    const [whole] = (await depsWith(40_000).deadLetters.listDeadLetters()).items;

    // The same error under a lower bound: a redelivery a day later, then a replay.
    const later = depsWith(20_000);
    later.now = () => new Date('2024-05-02T08:00:00.000Z');
    const redelivered = await ingestBatch(events(), mapping, later);
    const [rewritten] = (await later.deadLetters.listDeadLetters()).items;
    const replayed = await replayDeadLetters(mapping, depsWith(20_000));

    // The message data stays whole, the rest is rewritten as for any rerun (time, version).
    expect(redelivered).toMatchObject({ deadLettered: 1, deadLetteredWithLess: 0 });
    expect(rewritten).toMatchObject({ id: whole?.id, time: '2024-05-02T08:00:00.000Z', subject: whole?.subject });
    expect(rewritten?.etag).not.toBe(whole?.etag);
    // The replay rewrote it too (rejected again), so it stays, whole.
    expect(replayed).toMatchObject({ rejectedAgain: 1, deleted: 0, kept: 1 });
    const left = (await depsWith(20_000).deadLetters.listDeadLetters()).items;
    expect(left.map(({ id, subject }) => ({ id, subject }))).toEqual([{ id: whole?.id, subject: whole?.subject }]);
    expect(left[0] && planDeadLetterReplay(left[0]).kind).toBe('message');
  });

  it('keeps a copy with less that a live redelivery rewrote after the replay wrote it', async () => {
    const deps = await ingestOne(paddedSpacedReading, [template('hr', '$.matchedToken.missing')]);
    const inner = deps.deadLetters;
    const racing: DeadLetterStore = {
      // Right after the replay's write, the live ingest rejects the same message again (under the new mapping).
      addDeadLetters: async (records) => {
        const keys = await inner.addDeadLetters(records);
        await inner.addDeadLetters(records.map((record) => ({ ...record, time: '2024-05-01T12:00:00.000Z' })));
        return keys;
      },
      listDeadLetters: (query) => inner.listDeadLetters(query),
      readDeadLetter: (key) => inner.readDeadLetter(key),
      deleteDeadLetters: (keys) => inner.deleteDeadLetters(keys),
    };

    const summary = await replayDeadLetters(deviceMappingOf([template('hr', longExpression)]), {
      ...deps,
      deadLetters: racing,
    });

    expect(summary).toMatchObject({ rejectedAgain: 1, deadLettered: 1, deleted: 0, kept: 1 });
    expect(await kinds(deps)).toEqual(['message', 'unavailable']);
  });

  it('rewrites a copy with less on a rerun (time, version), and with more of the message when it now fits', async () => {
    const containers = await freshContainers(cosmos());
    const bytes = Buffer.alloc(16_000, 0x7b); // not JSON: stored as base64 (about 21 KB) while it fits
    const record = (time: string): DeadLetterRecord => {
      const r = rejectedMessage(11, time);
      if (r.subject.kind === 'message') {
        r.subject.body = { encoding: 'base64', data: bytes.toString('base64') };
        r.subject.properties = { note: 'p'.repeat(6_000) };
      }
      return r;
    };
    const store = (maxDocumentBytes: number): CosmosDeadLetterStore =>
      new CosmosDeadLetterStore(containers.deadLetter, { maxDocumentBytes });

    const [first] = await store(15_000).addDeadLetters([record('2024-05-01T10:00:05.000Z')]);
    const stored = async (): Promise<StoredDeadLetter | undefined> =>
      store(15_000).readDeadLetter({ id: first?.id ?? '', pk: first?.pk ?? '' });
    const v1 = await stored();
    expect(first).toMatchObject({ withLess: true, etag: v1?.etag });
    expect(v1?.subject).toMatchObject({ body: { encoding: 'omitted' }, properties: { note: 'p'.repeat(6_000) } });

    const [again] = await store(15_000).addDeadLetters([record('2024-05-02T08:00:00.000Z')]);
    const v2 = await stored();
    expect(v2).toMatchObject({ time: '2024-05-02T08:00:00.000Z', subject: v1?.subject });
    expect(v2?.etag).not.toBe(v1?.etag);
    expect(again).toMatchObject({ withLess: true, etag: v2?.etag });

    // A bound raised since: the body fits with only the properties left out, and that copy holds more.
    await store(25_000).addDeadLetters([record('2024-05-03T08:00:00.000Z')]);
    expect((await stored())?.subject).toMatchObject({
      body: { encoding: 'base64' },
      omitted: { properties: 6_011 },
    });
  });

  it('counts a letter with less of a replayed message rewritten whole once (kept), not also unavailable', async () => {
    const containers = await freshContainers(cosmos());
    const depsWith = (bound: number): IngestDeps => ({
      staging: new CosmosStagingStore(containers.staging),
      deadLetters: new CosmosDeadLetterStore(containers.deadLetter, { maxDocumentBytes: bound }),
      now: () => new Date('2024-05-01T11:00:00.000Z'),
    });
    const metadata = {
      partitionContext: { partitionId: '0' },
      sequenceNumberArray: [1],
      enqueuedTimeUtcArray: ['2024-05-01T10:00:00'],
    };
    await ingestBatch(
      toIngestEvents([paddedReading], metadata, '2024-05-01T10:00:00.000Z'),
      deviceMappingOf([template('hr', '$.matchedToken.heart'), template('spo2', longExpression)]),
      depsWith(20_000),
    );
    expect(await kinds(depsWith(20_000))).toEqual(['message', 'unavailable']);

    // The bound raised since; A fixed, B's error still made, and now it fits whole under the same id.
    const summary = await replayDeadLetters(
      deviceMappingOf([template('hr', '$.matchedToken.hr'), template('spo2', longExpression)]),
      depsWith(40_000),
    );

    expect(await kinds(depsWith(40_000))).toEqual(['message']);
    expect(summary).toMatchObject({ examined: { messages: 2 }, unavailable: 0, deleted: 1, kept: 1, missing: 0 });
  });

  it('gives in a dry run the unavailable count of a real run that rejects the message again, whole', async () => {
    const deps = await ingestOne(paddedReading, [
      template('hr', '$.matchedToken.heart'),
      template('spo2', longExpression),
    ]);
    // B fixed, A still failing with its short error (stored whole again).
    const mapping = deviceMappingOf([template('hr', '$.matchedToken.heart'), template('spo2', '$.matchedToken.hr')]);

    const dry = await replayDeadLetters(mapping, deps, { dryRun: true });
    const real = await replayDeadLetters(mapping, deps);

    expect(real).toMatchObject({ rejectedAgain: 1, unavailable: 0 });
    expect(await kinds(deps)).toEqual(['message']);
    expect(dry).toMatchObject({ rejectedAgain: 1, unavailable: 0 });
  });

  it('gives in a dry run the unavailable count the real run gives', async () => {
    const deps = await ingestOne(paddedReading, [
      template('hr', '$.matchedToken.heart'),
      template('spo2', longExpression),
    ]);
    const fixed = deviceMappingOf([template('hr', '$.matchedToken.hr'), template('spo2', '$.matchedToken.hr')]);

    const dry = await replayDeadLetters(fixed, deps, { dryRun: true });
    const real = await replayDeadLetters(fixed, deps);

    expect(real).toMatchObject({ deleted: 2, unavailable: 0 });
    expect(dry).toMatchObject({ deleted: 0, unavailable: 0, measurementsStaged: 2 });
  });

  it('keeps the whole dead letter of a template fixed since while another still rejects the message', async () => {
    // Template A fails with a short error (its letter fits whole), template B with a long one (its letter does not).
    const deps = await ingestOne(paddedReading, [
      template('hr', '$.matchedToken.heart'),
      template('spo2', longExpression),
    ]);
    expect(await kinds(deps)).toEqual(['message', 'unavailable']);

    // A is fixed, B is not: the message is staged for A and rejected again by B.
    const summary = await replayDeadLetters(
      deviceMappingOf([template('hr', '$.matchedToken.hr'), template('spo2', longExpression)]),
      deps,
    );

    expect(summary).toMatchObject({ rejectedAgain: 1, measurementsStaged: 1, deleted: 0, kept: 1, unavailable: 1 });
    // The whole copy stays, and so does B's copy with less, rewritten (B's error is still made).
    expect(summary.errorsByName).toEqual({ IncompatibleData: 1 });
    expect(await kinds(deps)).toEqual(['message', 'unavailable']);
    // Once B is fixed too, the replay of the whole copy takes B's copy with less with it.
    const fixed = await replayDeadLetters(
      deviceMappingOf([template('hr', '$.matchedToken.hr'), template('spo2', '$.matchedToken.hr')]),
      deps,
    );
    expect(fixed).toMatchObject({ measurementsStaged: 2, rejectedAgain: 0, unavailable: 0, deleted: 2, kept: 0 });
    expect(await kinds(deps)).toEqual([]);
  });
});
