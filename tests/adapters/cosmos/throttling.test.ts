import type { CosmosClient } from '@azure/cosmos';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCosmosClient } from '../../../shared/adapters/cosmos/cosmosContainers.js';
import { CosmosDeadLetterStore } from '../../../shared/adapters/cosmos/cosmosDeadLetterStore.js';
import { CosmosLeaseStore } from '../../../shared/adapters/cosmos/cosmosLeaseStore.js';
import { CosmosStagingStore } from '../../../shared/adapters/cosmos/cosmosStagingStore.js';
import { StagingUnavailableError } from '../../../shared/adapters/cosmos/stagingUnavailableError.js';
import type { LocalCosmosServer } from '../../../shared/local/cosmosServer.js';
import { startCosmosServer } from '../../../shared/local/cosmosServer.js';
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

describe('Cosmos stores under throttling', () => {
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
});
