import { readFile } from 'node:fs/promises';
import type { CosmosClient } from '@azure/cosmos';
import { InvocationContext } from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../../functions/ingest.js';
import { createCosmosClient } from '../../../shared/adapters/cosmos/cosmosContainers.js';
import { CosmosDeadLetterStore } from '../../../shared/adapters/cosmos/cosmosDeadLetterStore.js';
import { CosmosLeaseStore } from '../../../shared/adapters/cosmos/cosmosLeaseStore.js';
import { CosmosStagingStore } from '../../../shared/adapters/cosmos/cosmosStagingStore.js';
import { StagingUnavailableError } from '../../../shared/adapters/cosmos/stagingUnavailableError.js';
import { setAppServices } from '../../../shared/app/appServices.js';
import type { AppServices } from '../../../shared/app/createAppServices.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';
import type { LocalCosmosServer } from '../../../shared/local/cosmosServer.js';
import { startCosmosServer } from '../../../shared/local/cosmosServer.js';
import { ingestBatch } from '../../../shared/pipeline/ingestBatch.js';
import { partialDeleteOutcome } from '../../../shared/pipeline/stagingPorts.js';
import type { FaultProxy } from '../../support/faultProxy.js';
import { requestMatching, startFaultProxy } from '../../support/faultProxy.js';
import { freshContainers, heartRates, localClient } from './cosmosTestSupport.js';

/** What Cosmos DB answers when a request exceeds the provisioned throughput. */
const throttled = {
  kind: 'respond' as const,
  status: 429,
  body: { code: 'TooManyRequests', message: 'Request rate is large.' },
  headers: { 'x-ms-retry-after-ms': '5', 'x-ms-substatus': '3200' },
};

const writes = requestMatching(undefined, /\/docs(\/|$)/);
const rejectedWrites = requestMatching('POST', /\/docs$/);

/** A 400 whose service text quotes the rejected document (simulated: what a service or gateway may echo). */
const rejected = {
  kind: 'respond' as const,
  status: 400,
  body: {
    code: 'BadRequest',
    message:
      'Message: {"Errors":["The input content is invalid: {\\"patientId\\":\\"patient-3\\",\\"hr\\":\\"63\\"}"]}',
  },
};

describe('Cosmos stores under throttling, outages and refusals', () => {
  let server: LocalCosmosServer;
  let proxy: FaultProxy;
  let direct: CosmosClient;
  let viaProxy: CosmosClient;
  let staging: CosmosStagingStore;
  let deadLetters: CosmosDeadLetterStore;
  let leases: CosmosLeaseStore;

  beforeAll(async () => {
    server = await startCosmosServer();
    direct = localClient(server.endpoint, server.key);
    await freshContainers(direct);
    proxy = await startFaultProxy(server.endpoint);
    viaProxy = createCosmosClient({ endpoint: proxy.url, key: server.key, maxRetryAttemptCount: 2 });
    const database = viaProxy.database('test1');
    staging = new CosmosStagingStore(database.container('staging'));
    deadLetters = new CosmosDeadLetterStore(database.container('deadletter'));
    leases = new CosmosLeaseStore(database.container('leases'));
  });

  afterEach(() => {
    proxy.clear();
    proxy.resetLog();
  });

  afterAll(async () => {
    viaProxy.dispose();
    direct.dispose();
    await proxy.close();
    await server.close();
  });

  it('surfaces a 429 that outlasts the SDK retries as a retriable StagingUnavailableError', async () => {
    proxy.inject({ fault: throttled, times: Infinity, match: writes });

    const error = await staging
      .stageBatch('0', { first: 1, last: 2 }, heartRates(2, '2024-05-01T10:00:00.000Z'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StagingUnavailableError);
    expect(error).toMatchObject({ retriable: true, statusCode: 429, retryAfterMs: 5 });
    // The SDK itself retried: first attempt + maxRetryAttemptCount retries.
    expect(proxy.requests().filter((r) => r.faulted)).toHaveLength(3);
  });

  it('succeeds when throttling ends within the SDK retries', async () => {
    proxy.inject({ fault: throttled, times: 2, match: writes });

    const written = await staging.stageBatch('0', { first: 3, last: 4 }, heartRates(2, '2024-05-01T10:00:00.000Z'));

    expect(written).toBe(1);
    expect((await staging.readUnit({ windowStart: '2024-05-01T10:00:00.000Z', shard: '0' })).measurements).toHaveLength(
      2,
    );
  });

  it('surfaces throttled queries, dead-letter writes and lease reads as retriable errors too', async () => {
    proxy.inject({ fault: throttled, times: Infinity, match: requestMatching(undefined, '/colls/') });

    const failures = await Promise.all([
      staging.listClosedUnits(new Date('2024-05-02T00:00:00.000Z'), 0).catch((e: unknown) => e),
      deadLetters.listDeadLetters().catch((e: unknown) => e),
      leases.acquireLease('u|0', 'w', 1_000, new Date('2024-05-01T00:00:00.000Z')).catch((e: unknown) => e),
    ]);

    for (const failure of failures) {
      expect(failure).toBeInstanceOf(StagingUnavailableError);
    }
  });

  it('tells, with a failed delete of dead letters, how many it deleted before the failure', async () => {
    const keys = await deadLetters.addDeadLetters(
      [1, 2, 3, 4].map((offset) => ({
        error: { name: 'DeviceNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'no Device' },
        time: '2024-05-01T10:20:00.000Z',
        subject: { kind: 'measurements', measurements: heartRates(1, '2024-05-01T10:00:00.000Z', offset) },
      })),
    );
    const throttledKey = keys[2]!;
    proxy.inject({
      fault: throttled,
      times: Infinity,
      match: requestMatching('DELETE', `/docs/${throttledKey.id}`),
    });

    const error = await deadLetters.deleteDeadLetters(keys).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StagingUnavailableError);
    // The other three are gone (the SDK sends them in parallel; none waits on the throttled one).
    expect(partialDeleteOutcome(error)).toEqual({ deleted: 3, missing: 0, changed: 0 });
    proxy.clear();
    expect(await deadLetters.deleteDeadLetters(keys)).toEqual({ deleted: 1, missing: 3, changed: 0 });
  });

  it('surfaces a failed lease write or release as a retriable error, not as a race lost to another worker', async () => {
    const now = new Date('2024-05-01T00:00:00.000Z');
    proxy.inject({ fault: throttled, times: Infinity, match: requestMatching('POST', /\/colls\/leases\/docs$/) });
    const acquiring = await leases.acquireLease('throttled|0', 'w1', 60_000, now).catch((e: unknown) => e);
    proxy.clear();
    const lease = await leases.acquireLease('outage|0', 'w1', 60_000, now);
    proxy.inject({ fault: { kind: 'status', status: 503 }, times: Infinity, match: requestMatching('DELETE') });
    const releasing = await leases.releaseLease(lease!).catch((e: unknown) => e);
    proxy.clear();

    expect(acquiring).toBeInstanceOf(StagingUnavailableError);
    expect(acquiring).toMatchObject({ retriable: true, statusCode: 429 });
    expect(releasing).toBeInstanceOf(StagingUnavailableError);
    expect(releasing).toMatchObject({ retriable: true, statusCode: 503 });
    // The lease is still held, and a release once the service is back frees it.
    expect(await leases.acquireLease('outage|0', 'w2', 60_000, now)).toBeUndefined();
    expect(await leases.releaseLease(lease!)).toBe(true);
    expect(await leases.acquireLease('outage|0', 'w2', 60_000, now)).toMatchObject({ owner: 'w2' });
  });

  it('surfaces an unreachable Cosmos DB as a retriable StagingUnavailableError', async () => {
    const closed = await startCosmosServer();
    await closed.close();
    const unreachable = createCosmosClient({ endpoint: closed.endpoint, key: server.key });
    try {
      const store = new CosmosStagingStore(unreachable.database('test1').container('staging'));

      const error = await store.listClosedUnits(new Date(), 0).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StagingUnavailableError);
    } finally {
      unreachable.dispose();
    }
  });

  it('fails a staging write with the operation and status, without the service text that quotes the data', async () => {
    proxy.inject({ fault: rejected, times: Infinity, match: rejectedWrites });

    const error = await staging
      .stageBatch('0', { first: 1, last: 4 }, heartRates(4, '2024-05-01T10:00:00.000Z'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ retriable: false, statusCode: 400 });
    expect((error as Error).message).toBe('Cosmos DB create staging head failed with status 400');
    expect((error as Error).message).not.toContain('patient-3');
  });

  it('fails a dead-letter write the same way', async () => {
    proxy.inject({ fault: rejected, times: Infinity, match: rejectedWrites });

    const error = await deadLetters
      .addDeadLetters([
        {
          error: { name: 'DeviceNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'no Device' },
          time: '2024-05-01T10:20:00.000Z',
          subject: { kind: 'measurements', measurements: heartRates(4, '2024-05-01T10:03:00.000Z') },
        },
      ])
      .catch((e: unknown) => e);

    expect((error as Error).message).toBe('Cosmos DB upsert dead letter failed with status 400');
    expect((error as Error).message).not.toContain('patient-3');
  });

  it('when the ingest handler cannot write a batch, then what it throws to the host does not quote it', async () => {
    const parsed = parseDeviceMapping(await readFile('samples/devicecontent.json', 'utf8'));
    if (!parsed.ok) {
      throw new Error('the sample device mapping is invalid');
    }
    const mapping = parsed.value;
    const now = (): Date => new Date('2024-05-01T10:05:00.000Z');
    setAppServices({
      ingest: (events) => ingestBatch(events, mapping, { staging, deadLetters, now }),
    } as Pick<AppServices, 'ingest'> as AppServices);
    proxy.inject({ fault: rejected, times: Infinity, match: rejectedWrites });
    const body = { deviceId: 'device-3', patientId: 'patient-3', endDate: '2024-05-01T10:00:00Z', heartRate: 63 };

    try {
      const error = await ingest(
        [body],
        new InvocationContext({
          functionName: 'ingest',
          triggerMetadata: { partitionContext: { partitionId: '0' }, sequenceNumberArray: [1] },
          logHandler: () => undefined,
        }),
      ).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).not.toContain('patient-3');
    } finally {
      setAppServices(undefined);
    }
  });
});
