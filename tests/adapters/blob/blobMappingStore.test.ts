import { BlobServiceClient } from '@azure/storage-blob';
import type { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBlobContainerClient } from '../../../shared/adapters/blob/blobClients.js';
import { BlobMappingStore } from '../../../shared/adapters/blob/blobMappingStore.js';
import type { MappingProblemReport } from '../../../shared/adapters/blob/blobMappingStore.js';
import { MappingUnavailableError } from '../../../shared/adapters/blob/mappingUnavailableError.js';
import { uploadMappings } from '../../../shared/adapters/blob/uploadMappings.js';
import type { MappingProblem, ParseResult } from '../../../shared/core/mapping/problems.js';
import type { LocalAzurite } from '../../../shared/local/azurite.js';
import { startAzurite } from '../../../shared/local/azurite.js';
import { startFaultProxy, type FaultProxy } from '../../support/faultProxy.js';
import { signal } from '../../support/signal.js';

/** A stand-in mapping: `{ "version": n }` is valid, `"warn": true` adds a warning, anything else is invalid. */
interface FakeMapping {
  version: number;
}

const problem = (message: string, severity: MappingProblem['severity'] = 'error'): MappingProblem => ({
  severity,
  name: 'InvalidTemplate',
  message,
  location: { pointer: '' },
});

function fakeParser(): { parse: (text: string) => ParseResult<FakeMapping>; calls: string[] } {
  const calls: string[] = [];
  const parse = (text: string): ParseResult<FakeMapping> => {
    calls.push(text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, problems: [problem('not JSON')] };
    }
    const { version, warn } = value as { version?: unknown; warn?: unknown };
    if (typeof version !== 'number') {
      return { ok: false, problems: [problem('version is required'), problem('template is required')] };
    }
    return { ok: true, value: { version }, warnings: warn === true ? [problem('unused value', 'warning')] : [] };
  };
  return { parse, calls };
}

describe('BlobMappingStore', () => {
  let azurite: LocalAzurite;
  let containers = 0;
  let container: ContainerClient;
  let time: number;
  let reports: MappingProblemReport[];
  let device: ReturnType<typeof fakeParser>;
  let fhir: ReturnType<typeof fakeParser>;

  const newStore = (target: ContainerClient = container): BlobMappingStore<FakeMapping, FakeMapping> =>
    new BlobMappingStore({
      container: target,
      parseDeviceMapping: device.parse,
      parseFhirMapping: fhir.parse,
      onProblem: (report) => reports.push(report),
      refreshIntervalMs: 30_000,
      clock: () => time,
    });

  beforeAll(async () => {
    azurite = await startAzurite();
  });

  /**
   * A new container reached through a fault proxy in front of Azurite, with a client built as the app builds it (the
   * SDK's own retries and timeouts).
   */
  async function containerBehindProxy(name: string): Promise<{ proxy: FaultProxy; target: ContainerClient }> {
    const proxy = await startFaultProxy(azurite.blobEndpoint.replace(/\/devstoreaccount1$/, ''));
    const viaProxy = azurite.connectionString.replace(
      /BlobEndpoint=[^;]+/,
      `BlobEndpoint=${proxy.url}/devstoreaccount1`,
    );
    const target = createBlobContainerClient({ connectionString: viaProxy }, name);
    await target.createIfNotExists();
    return { proxy, target };
  }

  afterAll(async () => {
    await azurite.close();
  });

  beforeEach(async () => {
    containers += 1;
    container = createBlobContainerClient({ connectionString: azurite.connectionString }, `template${containers}`);
    await container.createIfNotExists();
    time = 1_000_000;
    reports = [];
    device = fakeParser();
    fhir = fakeParser();
  });

  it('loads both mapping files on first use, with their ETags', async () => {
    const uploaded = await uploadMappings(container, { deviceContent: '{"version":1}', fhirMapping: '{"version":7}' });
    const store = newStore();

    const deviceMapping = await store.getDeviceMapping();
    const fhirMapping = await store.getFhirMapping();

    expect(deviceMapping).toEqual({ value: { version: 1 }, etag: uploaded.deviceEtag, warnings: [] });
    expect(fhirMapping).toEqual({ value: { version: 7 }, etag: uploaded.fhirEtag, warnings: [] });
    expect(reports).toEqual([]);
  });

  it('does not download or parse again while the ETag is unchanged', async () => {
    await uploadMappings(container, { deviceContent: '{"version":1}' });
    const store = newStore();
    await store.getDeviceMapping();

    time += 10_000;
    await store.getDeviceMapping();
    time += 60_000;
    const later = await store.getDeviceMapping();

    expect(later.value).toEqual({ version: 1 });
    expect(device.calls).toHaveLength(1);
  });

  it('serves a changed mapping once the refresh interval has passed, not before', async () => {
    await uploadMappings(container, { deviceContent: '{"version":1}' });
    const store = newStore();
    await store.getDeviceMapping();
    const uploaded = await uploadMappings(container, { deviceContent: '{"version":2}' });

    time += 29_999;
    const cached = await store.getDeviceMapping();
    time += 1;
    const refreshed = await store.getDeviceMapping();

    expect(cached.value).toEqual({ version: 1 });
    expect(refreshed).toMatchObject({ value: { version: 2 }, etag: uploaded.deviceEtag });
  });

  it('keeps serving the last good version when the new one is invalid, and reports it once', async () => {
    const good = await uploadMappings(container, { deviceContent: '{"version":1}' });
    const store = newStore();
    await store.getDeviceMapping();
    const bad = await uploadMappings(container, { deviceContent: '{"templates":[]}' });

    time += 30_000;
    const first = await store.getDeviceMapping();
    time += 30_000;
    const second = await store.getDeviceMapping();

    expect([first.value, second.value]).toEqual([{ version: 1 }, { version: 1 }]);
    expect(reports).toEqual([
      {
        file: 'devicecontent.json',
        kind: 'invalid',
        etag: bad.deviceEtag,
        problems: [problem('version is required'), problem('template is required')],
        servingEtag: good.deviceEtag,
      },
    ]);
    expect(device.calls).toHaveLength(2);
  });

  it('refuses a mapping file over the size bound without parsing it, and keeps serving the last good version', async () => {
    const good = await uploadMappings(container, { deviceContent: '{"version":1}' });
    const store = new BlobMappingStore({
      container,
      parseDeviceMapping: device.parse,
      parseFhirMapping: fhir.parse,
      onProblem: (report) => reports.push(report),
      refreshIntervalMs: 30_000,
      maxBytes: 64,
      clock: () => time,
    });
    await store.getDeviceMapping();
    const large = await uploadMappings(container, { deviceContent: `{"version":2,"note":"${'x'.repeat(64)}"}` });

    time += 30_000;
    const served = await store.getDeviceMapping();
    time += 30_000;
    await store.getDeviceMapping();

    expect(served).toMatchObject({ value: { version: 1 }, etag: good.deviceEtag });
    expect(device.calls).toHaveLength(1);
    expect(reports).toEqual([
      {
        file: 'devicecontent.json',
        kind: 'invalid',
        etag: large.deviceEtag,
        problems: [{ ...problem('mapping file is larger than 64 bytes'), location: {} }],
        servingEtag: good.deviceEtag,
      },
    ]);
    // Once under the bound again, the next version is read as usual.
    await uploadMappings(container, { deviceContent: '{"version":3}' });
    time += 30_000;
    expect((await store.getDeviceMapping()).value).toEqual({ version: 3 });
  });

  it('throws a retriable error carrying the problems when no valid version exists', async () => {
    await uploadMappings(container, { deviceContent: 'not json' });
    const store = newStore();

    const first = await store.getDeviceMapping().catch((e: unknown) => e);
    const second = await store.getDeviceMapping().catch((e: unknown) => e);

    expect(first).toBeInstanceOf(MappingUnavailableError);
    expect(first).toMatchObject({ retriable: true, reason: 'invalid', file: 'devicecontent.json' });
    expect((first as MappingUnavailableError).problems).toEqual([problem('not JSON')]);
    expect(second).toBeInstanceOf(MappingUnavailableError);
    expect(reports.map((r) => r.kind)).toEqual(['invalid']);
  });

  it('picks up a fixed mapping at once when nothing valid was being served', async () => {
    await uploadMappings(container, { deviceContent: 'not json' });
    const store = newStore();
    await store.getDeviceMapping().catch(() => undefined);

    await uploadMappings(container, { deviceContent: '{"version":3}' });
    const fixed = await store.getDeviceMapping();

    expect(fixed.value).toEqual({ version: 3 });
  });

  it('throws a retriable error when the mapping blob does not exist', async () => {
    await uploadMappings(container, { deviceContent: '{"version":1}' });
    const store = newStore();

    const error = await store.getFhirMapping().catch((e: unknown) => e);
    const deviceMapping = await store.getDeviceMapping();

    expect(error).toMatchObject({ retriable: true, reason: 'missing', file: 'fhirmapping.json' });
    expect(deviceMapping.value).toEqual({ version: 1 });
  });

  it('names the container when it is the container that does not exist, then loads once it is made', async () => {
    const absent = createBlobContainerClient({ connectionString: azurite.connectionString }, `templat${containers}`);
    const store = newStore(absent);

    const first = await store.getDeviceMapping().catch((e: unknown) => e);
    const again = await store.getDeviceMapping().catch((e: unknown) => e);

    for (const error of [first, again]) {
      expect(error).toBeInstanceOf(MappingUnavailableError);
      expect(error).toMatchObject({ retriable: true, reason: 'noContainer', file: 'devicecontent.json' });
      expect((error as Error).message).toBe(
        `devicecontent.json: no valid mapping loaded (its container 'templat${containers}' does not exist); retry later`,
      );
    }
    expect(reports).toEqual([
      {
        file: 'devicecontent.json',
        kind: 'noContainer',
        container: `templat${containers}`,
        etag: undefined,
        problems: [],
        servingEtag: undefined,
      },
    ]);

    await absent.create();
    time += 60_000;
    const blobMissing = await store.getDeviceMapping().catch((e: unknown) => e);
    await uploadMappings(absent, { deviceContent: '{"version":2}' });
    time += 60_000;
    const loaded = await store.getDeviceMapping();

    expect(blobMissing).toMatchObject({ reason: 'missing' });
    expect(reports.map((r) => r.kind)).toEqual(['noContainer', 'missing']);
    expect(loaded.value).toEqual({ version: 2 });
  });

  it('refuses and reports a version the parser throws on, and keeps serving the last good one', async () => {
    const first = await uploadMappings(container, { deviceContent: '{"version":1}' });
    const store = new BlobMappingStore<FakeMapping, FakeMapping>({
      container,
      parseDeviceMapping: (text) => {
        if (text.includes('boom')) {
          throw new TypeError('a defect of the parser');
        }
        return device.parse(text);
      },
      parseFhirMapping: fhir.parse,
      onProblem: (report) => reports.push(report),
      refreshIntervalMs: 0,
      clock: () => time,
    });
    await store.getDeviceMapping();
    const bad = await uploadMappings(container, { deviceContent: '{"version":2,"boom":true}' });

    const served = [await store.getDeviceMapping(), await store.getDeviceMapping()];

    expect(served.map((s) => s.etag)).toEqual([first.deviceEtag, first.deviceEtag]);
    expect(reports).toEqual([
      {
        file: 'devicecontent.json',
        kind: 'invalid',
        etag: bad.deviceEtag,
        servingEtag: first.deviceEtag,
        problems: [
          {
            severity: 'error',
            name: 'InvalidTemplate',
            message: 'the mapping could not be read: internal error (TypeError); please report it',
            location: {},
          },
        ],
      },
    ]);
  });

  it('reports warnings of an accepted version once', async () => {
    await uploadMappings(container, { fhirMapping: '{"version":1,"warn":true}' });
    const store = newStore();

    const loaded = await store.getFhirMapping();
    time += 60_000;
    await store.getFhirMapping();

    expect(loaded.warnings).toEqual([problem('unused value', 'warning')]);
    expect(reports.map((r) => [r.file, r.kind])).toEqual([['fhirmapping.json', 'warnings']]);
  });

  it('accepts a mapping file that starts with a UTF-8 byte order mark', async () => {
    await uploadMappings(container, { deviceContent: '\uFEFF{"version":5}' });

    const loaded = await newStore().getDeviceMapping();

    expect(loaded.value).toEqual({ version: 5 });
  });

  it('accepts a mapping file saved as UTF-16 with its byte order mark, as the reader of MedTech does', async () => {
    const text = '{"version":6}';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    await container.getBlockBlobClient('devicecontent.json').upload(le, le.length);

    const loaded = await newStore().getDeviceMapping();

    expect(loaded.value).toEqual({ version: 6 });
  });

  it('keeps the last good version when Blob Storage becomes unreachable, and fails without one', async () => {
    await uploadMappings(container, { deviceContent: '{"version":1}' });
    const other = await startAzurite();
    const flaky = BlobServiceClient.fromConnectionString(other.connectionString, { retryOptions: { maxTries: 1 } });
    const target = flaky.getContainerClient('template');
    await uploadMappings(target, { deviceContent: '{"version":9}' });
    const store = newStore(target);
    await store.getDeviceMapping();
    await other.close();

    time += 30_000;
    const served = await store.getDeviceMapping();
    // Still down at the next refresh: reported again (an outage is reported on every failed refresh, not once).
    time += 30_000;
    const servedAgain = await store.getDeviceMapping();
    const neverLoaded = await newStore(target)
      .getDeviceMapping()
      .catch((e: unknown) => e);

    expect(served.value).toEqual({ version: 9 });
    expect(servedAgain.value).toEqual({ version: 9 });
    expect(reports.map((r) => r.kind)).toEqual(['unreachable', 'unreachable', 'unreachable']);
    expect(neverLoaded).toMatchObject({ retriable: true, reason: 'unreachable' });
  });

  it('serves the last good version at once when Blob Storage stops answering, and ends the hung check by a timeout', async () => {
    const { proxy, target } = await containerBehindProxy(`hanging${containers}`);
    try {
      await uploadMappings(target, { deviceContent: '{"version":1}' });
      const events: string[] = [];
      const unreachable = signal();
      const store = new BlobMappingStore({
        container: target,
        parseDeviceMapping: device.parse,
        parseFhirMapping: fhir.parse,
        onProblem: (report) => {
          reports.push(report);
          events.push(report.kind);
          if (report.kind === 'unreachable') {
            unreachable.fire();
          }
        },
        refreshIntervalMs: 30_000,
        refreshWaitMs: 100,
        downloadTimeoutMs: 1_000,
        clock: () => time,
      });
      await store.getDeviceMapping();

      // Blob Storage takes the requests and answers none for a minute.
      proxy.inject({ fault: { kind: 'delay', ms: 60_000 }, times: Infinity });
      time += 30_000;
      const served = await Promise.all([store.getDeviceMapping(), store.getDeviceMapping()]);
      events.push('served');
      await unreachable.fired;
      proxy.clear();
      await uploadMappings(target, { deviceContent: '{"version":2}' });
      time += 30_000;
      const next = await store.getDeviceMapping();

      expect(served.map((s) => s.value)).toEqual([{ version: 1 }, { version: 1 }]);
      // The callers did not wait for the hung check: it failed (by its timeout) after they were served.
      expect(events).toEqual(['served', 'unreachable']);
      expect(next.value).toEqual({ version: 2 });
    } finally {
      await proxy.close();
    }
  });

  it('says the only version is invalid again once storage answers after a failure, not that it is unreachable', async () => {
    const { proxy, target } = await containerBehindProxy(`refused${containers}`);
    try {
      await uploadMappings(target, { deviceContent: '{"templates":[]}' });
      const store = newStore(target);
      const reasonOf = (): Promise<unknown> =>
        store.getDeviceMapping().then(
          () => 'served',
          (e: unknown) => (e as MappingUnavailableError).reason,
        );

      const refused = await reasonOf();
      proxy.inject({ fault: { kind: 'status', status: 403 } });
      const down = await reasonOf();
      // The store answers 304 for the version it holds: still the refused one.
      const back = await reasonOf();

      expect([refused, down, back]).toEqual(['invalid', 'unreachable', 'invalid']);
      const error = await store.getDeviceMapping().catch((e: unknown) => e);
      expect(error).toMatchObject({
        problems: [{ message: 'version is required' }, { message: 'template is required' }],
      });
    } finally {
      await proxy.close();
    }
  });

  it('reports a mapping blob deleted again after a valid version came back', async () => {
    await uploadMappings(container, { deviceContent: '{"version":1}' });
    const store = newStore();
    await store.getDeviceMapping();
    const blob = container.getBlobClient('devicecontent.json');

    await blob.delete();
    time += 30_000;
    await store.getDeviceMapping();
    await uploadMappings(container, { deviceContent: '{"version":2}' });
    time += 30_000;
    const restored = await store.getDeviceMapping();
    await blob.delete();
    time += 30_000;
    const served = await store.getDeviceMapping();

    expect(restored.value).toEqual({ version: 2 });
    expect(served.value).toEqual({ version: 2 });
    expect(reports.map((r) => r.kind)).toEqual(['missing', 'missing']);
  });
});
