import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { createFhirStore } from '../../shared/adapters/fhir/createFhirStore.js';
import { MemoryFhirStore } from '../../shared/adapters/fhir/memoryFhirStore.js';
import { toCreatedDeviceId, toCreatedPatientId } from '../../shared/core/fhir/index.js';
import type { CodeValueFhirTemplate, FhirMapping } from '../../shared/core/fhir/index.js';
import type { Measurement } from '../../shared/core/measurement.js';
import { MedTechError } from '../../shared/core/errors.js';
import { startFhirServer } from '../../shared/local/fhirServer.js';
import type { FhirServer } from '../../shared/local/fhirServer.js';
import type { FhirStore } from '../../shared/pipeline/ports.js';
import { createIdentityResolver } from '../../shared/pipeline/resolveIdentity.js';
import type { IdentityResolverOptions } from '../../shared/pipeline/resolveIdentity.js';
import { createObservationLocks, transformAndPersist } from '../../shared/pipeline/transformAndPersist.js';
import type { TransformAndPersistDeps } from '../../shared/pipeline/transformAndPersist.js';
import { requestMatching, startFaultProxy } from '../support/faultProxy.js';
import type { FaultProxy } from '../support/faultProxy.js';
import { heartRate, mapping, observationsOfDevice, sampledValues, seedDeviceWithPatient } from './fixtures.js';

let server: FhirServer;
let proxy: FaultProxy;
let store: FhirStore;

beforeAll(async () => {
  server = await startFhirServer({ port: 0 });
  proxy = await startFaultProxy(server.url);
  store = createFhirStore({
    baseUrl: proxy.url,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 10_000, requestTimeoutMs: 5_000 },
    sleep: () => Promise.resolve(),
  });
});

afterAll(async () => {
  await proxy.close();
  await server.close();
});

afterEach(() => {
  proxy.clear();
  proxy.resetLog();
});

const NOW = Date.parse('2024-05-01T12:00:00Z');

/** Observation searches the proxy passed on since its log was last reset. */
function observationSearches(): number {
  return proxy.requests().filter((r) => r.method === 'GET' && r.path.startsWith('/Observation?')).length;
}

function deps(
  identity: IdentityResolverOptions = {},
  extra: Partial<TransformAndPersistDeps> = {},
): TransformAndPersistDeps {
  return { mapping, store, identity: createIdentityResolver(store, identity), now: () => NOW, ...extra };
}

function temperature(deviceId: string, time: string, t: string, extra: Partial<Measurement> = {}): Measurement {
  return {
    type: 'temperature',
    occurrenceTimeUtc: time,
    ingestionTimeUtc: time,
    deviceId,
    properties: [{ name: 't', value: t }],
    ...extra,
  };
}

describe('transformAndPersist', () => {
  it('creates Patient, Device and Observations on an empty server and re-running the data is a no-op', async () => {
    const measurements = [
      heartRate('e2e-dev', '2024-05-01T10:00:00Z', '70', { patientId: 'e2e-pat' }),
      heartRate('e2e-dev', '2024-05-01T10:00:05Z', '71', { patientId: 'e2e-pat' }),
      heartRate('e2e-dev', '2024-05-01T11:00:00Z', '72', { patientId: 'e2e-pat' }),
      temperature('e2e-dev', '2024-05-01T10:00:00Z', '36.6', { patientId: 'e2e-pat' }),
    ];

    const first = await transformAndPersist(measurements, deps({ resolutionType: 'Create' }));
    const second = await transformAndPersist(measurements, deps({ resolutionType: 'Create' }));

    const deviceId = toCreatedDeviceId('e2e-dev');
    const stored = await observationsOfDevice(store, deviceId);
    expect(first).toMatchObject({ groups: 2, created: 3, updated: 0, noop: 0, errors: [] });
    expect(second).toMatchObject({ groups: 2, created: 0, updated: 0, noop: 3, errors: [] });
    expect(stored).toHaveLength(3);
    expect(stored.every((o) => o.subject?.reference === `Patient/${toCreatedPatientId('e2e-pat')}`)).toBe(true);
    const quantity = stored.find((o) => o.valueQuantity !== undefined);
    expect(quantity?.valueQuantity).toMatchObject({ value: 36.6, unit: 'Cel' });
    for (const observation of stored) {
      expect(await store.history('Observation', observation.id ?? '')).toHaveLength(1);
    }
  });

  it('merges measurements of a later call into the hour Observation', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'merge-dev', identifier: 'merge-device', patientId: 'merge-pat' });

    await transformAndPersist([heartRate('merge-device', '2024-05-01T10:00:00Z', '70')], deps());
    const second = await transformAndPersist([heartRate('merge-device', '2024-05-01T10:59:55Z', '99')], deps());

    const [stored] = await observationsOfDevice(store, 'merge-dev');
    expect(second).toMatchObject({ created: 0, updated: 1 });
    expect(sampledValues(stored)).toEqual({ '2024-05-01T10:00:00.000Z': '70', '2024-05-01T10:59:55.000Z': '99' });
  });

  it('sets aside each failing group with its measurements and persists the others', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'mixed-dev', identifier: 'mixed-device', patientId: 'mixed-pat' });
    const good = heartRate('mixed-device', '2024-05-01T10:00:00Z', '70');
    const unknownType: Measurement = { ...heartRate('mixed-device', '2024-05-01T10:00:00Z', '1'), type: 'steps' };
    const unknownDevice = heartRate('nobody-knows-me', '2024-05-01T10:00:00Z', '70');
    const badQuantity = temperature('mixed-device', '2024-05-01T10:00:00Z', 'warm');
    const goodQuantity = temperature('mixed-device', '2024-05-01T10:05:00Z', '37.1');
    const badTime: Measurement = { ...good, occurrenceTimeUtc: 'yesterday' };

    const summary = await transformAndPersist(
      [good, unknownType, unknownDevice, badQuantity, goodQuantity, badTime],
      deps(),
    );

    expect(summary.created).toBe(2);
    expect(summary.errors.map((e) => [e.error.name, e.measurements])).toEqual(
      expect.arrayContaining([
        ['IncompatibleData', [badTime]],
        ['TemplateNotFound', [unknownType]],
        ['DeviceNotFound', [unknownDevice]],
        ['InvalidQuantityFhirValue', [badQuantity]],
      ]),
    );
    expect(summary.errors).toHaveLength(4);
    // The operator learns which type lacks a template, as `medtech validate` and `medtech debug` tell it.
    expect(summary.errors.find((e) => e.error.name === 'TemplateNotFound')?.error.message).toBe(
      "No FHIR template has typeName 'steps'.",
    );
    expect(JSON.stringify(summary.errors.map((e) => e.error))).not.toContain('nobody-knows-me');
  });

  it('sets aside a correlation-id series whose readings span more SampledData slots than an Observation may hold', async () => {
    const ecg: CodeValueFhirTemplate = {
      typeName: 'ecg',
      periodInterval: -1,
      category: [],
      codes: [{ code: '131328', system: 'urn:oid:2.16.840.1.113883.6.24' }],
      value: { valueType: 'SampledData', valueName: 'mv', defaultPeriod: 4 },
      components: [],
    };
    const withEcg: FhirMapping = { templates: new Map([...mapping.templates, ['ecg', ecg]]) };
    const reading = (correlationId: string, time: string): Measurement => ({
      type: 'ecg',
      occurrenceTimeUtc: time,
      ingestionTimeUtc: time,
      deviceId: 'ecg-dev',
      patientId: 'ecg-pat',
      correlationId,
      properties: [{ name: 'mv', value: '0.5' }],
    });
    // One reading of the second series carries a device clock a year behind.
    const fine = [reading('run-1', '2024-05-01T10:00:00.000Z'), reading('run-1', '2024-05-01T10:00:00.008Z')];
    const skewed = [reading('run-2', '2024-05-01T10:00:00.000Z'), reading('run-2', '2023-05-01T10:00:00.000Z')];

    const summary = await transformAndPersist(
      [...fine, ...skewed],
      deps({ resolutionType: 'Create' }, { mapping: withEcg }),
    );

    expect(summary.created).toBe(1);
    expect(summary.errors).toHaveLength(1);
    expect(summary.errors[0]?.error).toMatchObject({ name: 'IncompatibleData', stage: 'FHIRConversion' });
    expect(summary.errors[0]?.measurements).toEqual(expect.arrayContaining(skewed));
    const stored = await observationsOfDevice(store, toCreatedDeviceId('ecg-dev'));
    expect(stored.map((o) => o.valueSampledData?.data)).toEqual(['0.5 E 0.5']);
  });

  it('rethrows a persistent FHIR outage as a retriable error after the started writes settled', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'outage-dev', identifier: 'outage-device', patientId: 'p' });
    proxy.inject({
      fault: { kind: 'status', status: 503 },
      times: Infinity,
      match: requestMatching('GET', '/Observation'),
    });

    const error = await transformAndPersist([heartRate('outage-device', '2024-05-01T10:00:00Z', '70')], deps()).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: true, status: 503 });
    proxy.clear();
    expect(await observationsOfDevice(store, 'outage-dev')).toEqual([]);
  });

  it('recovers from injected 429 and 503 answers by retrying', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'flaky-dev', identifier: 'flaky-device', patientId: 'p' });
    proxy.inject({ fault: { kind: 'status', status: 429, retryAfter: '0' }, match: requestMatching('GET', '/Device') });
    proxy.inject({ fault: { kind: 'status', status: 503 }, match: requestMatching('PUT', '/Observation') });

    const summary = await transformAndPersist([heartRate('flaky-device', '2024-05-01T10:00:00Z', '70')], deps());

    expect(summary).toMatchObject({ created: 1, errors: [] });
    expect(proxy.requests().filter((r) => r.faulted)).toHaveLength(2);
    expect(await observationsOfDevice(store, 'flaky-dev')).toHaveLength(1);
  });

  it.each([409, 412])('re-reads and merges again when a write meets an injected %i', async (status) => {
    const deviceId = `stale-dev-${status}`;
    const identifier = `stale-device-${status}`;
    await seedDeviceWithPatient(store, { deviceId, identifier, patientId: 'p' });
    await transformAndPersist([heartRate(identifier, '2024-05-01T10:00:00Z', '70')], deps());
    proxy.inject({ fault: { kind: 'status', status }, match: requestMatching('PUT', '/Observation/') });

    const summary = await transformAndPersist([heartRate(identifier, '2024-05-01T10:00:05Z', '71')], deps());

    const [stored] = await observationsOfDevice(store, deviceId);
    expect(summary).toMatchObject({ updated: 1, errors: [] });
    expect(
      proxy
        .requests()
        .filter((r) => r.faulted)
        .map((r) => r.method),
    ).toEqual(['PUT']);
    // One re-read (history reads, which a never-merged Observation costs on this server, aside).
    const reads = proxy
      .requests()
      .filter((r) => r.method === 'GET' && r.path.startsWith('/Observation/') && !r.path.includes('/_history'));
    expect(reads).toHaveLength(1);
    expect(sampledValues(stored)).toEqual({ '2024-05-01T10:00:00.000Z': '70', '2024-05-01T10:00:05.000Z': '71' });
  });

  it('queues two groups of one call that write the same Observation instead of racing', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'same-obs-dev', identifier: 'same-obs-device', patientId: 'p' });
    proxy.resetLog();
    // Lookup ignores the message patient id: both groups resolve to the same Patient and hour Observation.
    const measurements = [
      heartRate('same-obs-device', '2024-05-01T10:00:00Z', '70', { patientId: 'a' }),
      heartRate('same-obs-device', '2024-05-01T10:00:05Z', '71', { patientId: 'b' }),
    ];

    const summary = await transformAndPersist(measurements, deps());

    const [stored] = await observationsOfDevice(store, 'same-obs-dev');
    expect(summary).toMatchObject({ groups: 2, created: 1, updated: 1 });
    expect(sampledValues(stored)).toEqual({ '2024-05-01T10:00:00.000Z': '70', '2024-05-01T10:00:05.000Z': '71' });
    expect(proxy.requests().filter((r) => r.method === 'PUT')).toHaveLength(2);
  });

  it('merges groups that share an Observation in group order, whichever identity resolution comes back first', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'order-dev', identifier: 'order-device', patientId: 'p' });
    // Lookup ignores the message patient id: three groups, one hour Observation, one reading time. The first group's
    // identity comes back last; MedTech writes a device's groups one after the other, so the last group's value wins.
    const measurements = ['a', 'b', 'c'].map((patientId, i) =>
      heartRate('order-device', '2024-05-01T10:00:00Z', String(61 + i), { patientId }),
    );
    const lookup = createIdentityResolver(store, {});
    const delays: Record<string, number> = { a: 40, b: 20, c: 0 };
    const slow: TransformAndPersistDeps['identity'] = {
      resolve: async (key) => {
        await new Promise((resolve) => setTimeout(resolve, delays[key.patientId ?? ''] ?? 0));
        return lookup.resolve(key);
      },
    };

    const summary = await transformAndPersist(measurements, deps({}, { identity: slow }));

    const [stored] = await observationsOfDevice(store, 'order-dev');
    expect(summary).toMatchObject({ groups: 3, created: 1, updated: 2, errors: [] });
    expect(sampledValues(stored)).toEqual({ '2024-05-01T10:00:00.000Z': '63' });
  });

  it("rethrows a service error of one group's identity and starts no write after it", async () => {
    await seedDeviceWithPatient(store, { deviceId: 'breaker-dev', identifier: 'breaker-device', patientId: 'p' });
    const lookup = createIdentityResolver(store, {});
    const failing: TransformAndPersistDeps['identity'] = {
      resolve: async (key) => {
        // The first group fails at once; the second one's resolution then takes real I/O.
        if (key.patientId === 'a') {
          throw new MedTechError('FhirServiceError', 'Persist', 'unavailable', { retriable: true });
        }
        return lookup.resolve(key);
      },
    };
    const measurements = [
      heartRate('breaker-device', '2024-05-01T10:00:00Z', '61', { patientId: 'a' }),
      temperature('breaker-device', '2024-05-01T10:00:00Z', '36.6', { patientId: 'b' }),
    ];
    const progress = { created: 0, updated: 0, noop: 0 };

    const error = await transformAndPersist(measurements, deps({}, { identity: failing }), progress).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: true });
    // The unit stays staged: its next attempt writes everything.
    expect(progress).toMatchObject({ created: 0, updated: 0, noop: 0, groups: 2 });
    expect(await observationsOfDevice(store, 'breaker-dev')).toEqual([]);
  });

  it('starts no further FHIR work once the service has failed past its retries: the other groups wait for the rerun', async () => {
    const devices = Array.from({ length: 12 }, (_, i) => `down-${i}`);
    for (const device of devices) {
      await seedDeviceWithPatient(store, { deviceId: `${device}-dev`, identifier: device, patientId: `p-${device}` });
    }
    proxy.resetLog();
    proxy.inject({
      fault: { kind: 'status', status: 503 },
      times: Infinity,
      match: requestMatching('GET', '/Observation'),
    });

    const error = await transformAndPersist(
      devices.map((device) => heartRate(device, '2024-05-01T10:00:00Z', '70')),
      deps({}, { concurrency: 2 }),
    ).catch((e: unknown) => e);

    proxy.clear();
    const searches = proxy.requests().filter((r) => r.method === 'GET' && r.path.startsWith('/Observation'));
    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: true, status: 503 });
    // Two writers in flight, three attempts each: not twelve groups' worth of retries against a service that is down.
    expect(searches.length).toBeLessThanOrEqual(2 * 3);
  });

  it('starts no further FHIR work once a write failed with an error that is not about the data (a lease lost)', async () => {
    const devices = Array.from({ length: 12 }, (_, i) => `halt-${i}`);
    for (const device of devices) {
      await seedDeviceWithPatient(store, { deviceId: `${device}-dev`, identifier: device, patientId: `p-${device}` });
    }
    let searches = 0;
    const halting: FhirStore = {
      ...store,
      search: (resourceType, query) => {
        searches += resourceType === 'Observation' ? 1 : 0;
        return store.search(resourceType, query);
      },
      update: () => Promise.reject(new Error('the lease was taken over')),
    };

    const error = await transformAndPersist(
      devices.map((device) => heartRate(device, '2024-05-01T10:00:00Z', '70')),
      deps({}, { store: halting, concurrency: 2 }),
    ).catch((e: unknown) => e);

    expect(error).toMatchObject({ message: 'the lease was taken over' });
    // The writers in flight when the first write failed, not all twelve groups.
    expect(searches).toBeLessThanOrEqual(2);
  });

  it('keeps at most `concurrency` FHIR operations in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const track = <T>(promise: Promise<T>): Promise<T> => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      return promise.finally(() => {
        inFlight -= 1;
      });
    };
    const counting: FhirStore = {
      ...store,
      search: (type, query) => track(store.search(type, query)),
      read: (type, id) => track(store.read(type, id)),
      update: (resource, options) => track(store.update(resource, options)),
    };
    const measurements = Array.from({ length: 12 }, (_, i) =>
      heartRate(`conc-${i}`, '2024-05-01T10:00:00Z', '70', { patientId: `conc-pat-${i}` }),
    );

    const summary = await transformAndPersist(measurements, {
      mapping,
      store: counting,
      identity: createIdentityResolver(counting, { resolutionType: 'Create' }),
      now: () => NOW,
      concurrency: 3,
    });

    expect(summary.created).toBe(12);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });
});

describe('FHIR requests per Observation (measured on the embedded server)', () => {
  it('costs 7 requests for a first write with Create on an empty server, 2 with a warm cache, 3 for a first merge, 1 for a no-op', async () => {
    const shared = deps({ resolutionType: 'Create' });
    const run = async (measurement: Measurement): Promise<number> => {
      server.resetRequestCount();
      await transformAndPersist([measurement], shared);
      return server.requestCount();
    };

    const coldCreate = await run(heartRate('cost-dev', '2024-05-01T10:00:00Z', '70', { patientId: 'cost-pat' }));
    const warmCreate = await run(heartRate('cost-dev', '2024-05-01T11:00:00Z', '70', { patientId: 'cost-pat' }));
    const merge = await run(heartRate('cost-dev', '2024-05-01T11:00:05Z', '71', { patientId: 'cost-pat' }));
    const noop = await run(heartRate('cost-dev', '2024-05-01T11:00:05Z', '71', { patientId: 'cost-pat' }));

    // Cold: Device search, Patient search, PUT Patient, Device search, PUT Device, Observation search, PUT Observation.
    // The first merge into an Observation also reads its history, in case a create that replaced another writer's
    // version failed before restoring it: this server's version ids are opaque (a server numbering them skips the
    // read for version 1). Merged once, the Observation is `amended`, and later merges cost 2.
    expect({ coldCreate, warmCreate, merge, noop }).toEqual({ coldCreate: 7, warmCreate: 2, merge: 3, noop: 1 });
    const [stored] = (await observationsOfDevice(store, toCreatedDeviceId('cost-dev'))).filter(
      (o: Observation) => o.effectivePeriod?.start?.startsWith('2024-05-01T11') === true,
    );
    expect(sampledValues(stored)).toEqual({ '2024-05-01T11:00:00.000Z': '70', '2024-05-01T11:00:05.000Z': '71' });
  });
});

describe('FHIR requests of many Observations (measured on the embedded server)', () => {
  it('looks 7 Observations up in one search: 40 new ones cost 6 searches and 40 PUTs, 40 no-ops 6 searches', async () => {
    // Each identifier (system, two 64-character ids, type, times) is 253 characters in the query: 7 fit its 1,800.
    const shared = deps({ resolutionType: 'Create' });
    const readings = Array.from({ length: 40 }, (_, i) =>
      temperature('batch-dev', new Date(Date.UTC(2024, 4, 1, 9) + i * 1000).toISOString(), `36.${i}`, {
        patientId: 'batch-pat',
      }),
    );
    await transformAndPersist(
      [heartRate('batch-dev', '2024-05-01T08:00:00Z', '70', { patientId: 'batch-pat' })],
      shared,
    );

    const requests = async (): Promise<{ searches: number; puts: number; summary: object }> => {
      proxy.resetLog();
      const { created, updated, noop, errors } = await transformAndPersist(readings, shared);
      const log = proxy.requests();
      return {
        searches: observationSearches(),
        puts: log.filter((r) => r.method === 'PUT').length,
        summary: { created, updated, noop, errors: errors.length },
      };
    };

    expect(await requests()).toEqual({
      searches: 6,
      puts: 40,
      summary: { created: 40, updated: 0, noop: 0, errors: 0 },
    });
    expect(await requests()).toEqual({
      searches: 6,
      puts: 0,
      summary: { created: 0, updated: 0, noop: 40, errors: 0 },
    });
    const stored = await observationsOfDevice(store, toCreatedDeviceId('batch-dev'));
    const temperatures = stored.filter((o: Observation) => o.valueQuantity !== undefined);
    expect(temperatures.map((o: Observation) => o.valueQuantity?.value).sort()).toEqual(
      readings.map((r) => Number(r.properties[0]?.value)).sort(),
    );
  });
});

describe('read-ahead no wider than the writes run at once', () => {
  it('reads as many Observations ahead as run at once: 3 at concurrency 3, none at 1', async () => {
    const shared = deps({ resolutionType: 'Create' });
    const readings = Array.from({ length: 9 }, (_, i) =>
      temperature('narrow-dev', new Date(Date.UTC(2024, 4, 1, 9) + i * 1000).toISOString(), '36.6', {
        patientId: 'narrow-pat',
      }),
    );
    await transformAndPersist(readings, shared);
    const searchesAt = async (concurrency: number): Promise<number> => {
      proxy.resetLog();
      await transformAndPersist(readings, { ...shared, concurrency });
      return observationSearches();
    };

    expect(await searchesAt(3)).toBe(3);
    expect(await searchesAt(1)).toBe(9);
  });

  it("one write at a time searches right before each write: another process's create meanwhile is merged into", async () => {
    // A server without history (a replacing PUT would lose the other process's value for good).
    const inner = new MemoryFhirStore();
    await seedDeviceWithPatient(inner, {
      deviceId: 'narrow-race-id',
      identifier: 'narrow-race',
      patientId: 'narrow-pat',
    });
    let otherProcess: (() => Promise<unknown>) | undefined;
    const store: FhirStore = {
      search: (type, query) => inner.search(type, query),
      read: (type, id) => inner.read(type, id),
      history: (type, id) => inner.history(type, id),
      async update(resource, options) {
        const run = otherProcess;
        otherProcess = undefined;
        await run?.();
        return inner.update(resource, options);
      },
      requestCount: () => inner.requestCount(),
    };
    const now = (): number => NOW;
    // While this flush writes hour 00, another process (its own locks) writes a reading into hour 01.
    otherProcess = () =>
      transformAndPersist([heartRate('narrow-race', '2024-05-01T01:00:00Z', '99')], {
        mapping,
        store: inner,
        identity: createIdentityResolver(inner, {}),
        now,
      });
    const hours = ['00', '01', '02'].map((h) => heartRate('narrow-race', `2024-05-01T${h}:00:05Z`, '60'));

    await transformAndPersist(hours, {
      mapping,
      store,
      identity: createIdentityResolver(inner, {}),
      now,
      concurrency: 1,
    });

    const hourOne = inner
      .resources()
      .filter((r): r is Observation => r.resourceType === 'Observation')
      .filter((o) => o.effectivePeriod?.start?.startsWith('2024-05-01T01') === true);
    expect(hourOne.map(sampledValues)).toEqual([
      { '2024-05-01T01:00:00.000Z': '99', '2024-05-01T01:00:05.000Z': '60' },
    ]);
  });
});

describe('FHIR requests of many measurement groups (measured on the embedded server)', () => {
  it('looks up the Observations of 14 devices, one each, in 2 searches', async () => {
    const shared = deps({ resolutionType: 'Create' });
    const readings = Array.from({ length: 14 }, (_, i) =>
      temperature(`group-dev-${i}`, '2024-05-01T09:00:00Z', '36.6', { patientId: `group-pat-${i}` }),
    );
    // The first run creates Patients, Devices and Observations; the second finds them all (identities cached).
    await transformAndPersist(readings, shared);
    proxy.resetLog();

    const summary = await transformAndPersist(readings, shared);

    expect(summary).toMatchObject({ groups: 14, noop: 14, errors: [] });
    expect(observationSearches()).toBe(2);
  });
});

describe('createObservationLocks', () => {
  it('runs tasks of one key one after the other, also after a failure, and other keys freely', async () => {
    const locks = createObservationLocks();
    const events: string[] = [];
    let releaseFirst = (): void => {};
    const first = locks.run('a', async () => {
      events.push('a1 start');
      await new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      events.push('a1 end');
      throw new Error('a1 failed');
    });
    const second = locks.run('a', () => {
      events.push('a2 start');
      return Promise.resolve('a2');
    });
    const other = locks.run('b', () => {
      events.push('b start');
      return Promise.resolve('b');
    });

    expect(await other).toBe('b');
    releaseFirst();
    await expect(first).rejects.toThrow('a1 failed');
    expect(await second).toBe('a2');
    expect(events).toEqual(['a1 start', 'b start', 'a1 end', 'a2 start']);
  });
});

describe('transformAndPersist with many failing Observations', () => {
  it('finds the measurements of every failed Observation in one pass over the group', async () => {
    // 3,000 temperatures of one device, each its own Observation, none a decimal (InvalidQuantityFhirValue): a
    // search over the group per failure read 9,000,000 times (54 s for 10,000).
    let reads = 0;
    const measurements = Array.from({ length: 3_000 }, (_, i) => {
      const time = new Date(Date.UTC(2024, 4, 1) + i * 1000).toISOString();
      return Object.defineProperty(temperature('many-dev', time, 'n/a'), 'occurrenceTimeUtc', {
        get: () => {
          reads += 1;
          return time;
        },
        enumerable: true,
      });
    });
    const emptyServer: FhirStore = {
      search: () => Promise.resolve([]),
      read: () => Promise.resolve(undefined),
      history: () => Promise.resolve([]),
      update: (resource) => Promise.resolve({ kind: 'saved', resource, created: true }),
      requestCount: () => 0,
    };
    const identity = { resolve: () => Promise.resolve({ patientId: 'p', deviceId: 'd' }) };

    const summary = await transformAndPersist(measurements, { mapping, store: emptyServer, identity, now: () => NOW });

    expect(summary.errors).toHaveLength(3_000);
    expect(summary.errors.every((e) => e.error.name === 'InvalidQuantityFhirValue')).toBe(true);
    expect(summary.errors.map((e) => e.measurements.length)).toEqual(Array<number>(3_000).fill(1));
    expect(reads).toBeLessThan(10 * 3_000);
  });
});
