import { readFile } from 'node:fs/promises';
import type { CosmosClient } from '@azure/cosmos';
import { InvocationContext } from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../../functions/ingest.js';
import { setAppServices } from '../../../shared/app/appServices.js';
import type { AppServices } from '../../../shared/app/createAppServices.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';
import { ingestBatch } from '../../../shared/pipeline/ingestBatch.js';
import { createCosmosClient } from '../../../shared/adapters/cosmos/cosmosContainers.js';
import { CosmosDeadLetterStore } from '../../../shared/adapters/cosmos/cosmosDeadLetterStore.js';
import { CosmosStagingStore } from '../../../shared/adapters/cosmos/cosmosStagingStore.js';
import type { LocalCosmosServer } from '../../../shared/local/cosmosServer.js';
import { startCosmosServer } from '../../../shared/local/cosmosServer.js';
import type { FaultProxy } from '../../support/faultProxy.js';
import { requestMatching, startFaultProxy } from '../../support/faultProxy.js';
import { freshContainers, heartRates, localClient } from './cosmosTestSupport.js';

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

const writes = requestMatching('POST', /\/docs$/);

describe('Cosmos stores when a request is refused for good', () => {
  let server: LocalCosmosServer;
  let proxy: FaultProxy;
  let direct: CosmosClient;
  let viaProxy: CosmosClient;
  let staging: CosmosStagingStore;
  let deadLetters: CosmosDeadLetterStore;

  beforeAll(async () => {
    server = await startCosmosServer();
    direct = localClient(server.endpoint, server.key);
    await freshContainers(direct);
    proxy = await startFaultProxy(server.endpoint);
    viaProxy = createCosmosClient({ endpoint: proxy.url, key: server.key });
    const database = viaProxy.database('test1');
    staging = new CosmosStagingStore(database.container('staging'));
    deadLetters = new CosmosDeadLetterStore(database.container('deadletter'));
  });

  afterEach(() => {
    proxy.clear();
  });

  afterAll(async () => {
    viaProxy.dispose();
    direct.dispose();
    await proxy.close();
    await server.close();
  });

  it('fails a staging write with the operation and status, without the service text that quotes the data', async () => {
    proxy.inject({ fault: rejected, times: Infinity, match: writes });

    const error = await staging
      .stageBatch('0', { first: 1, last: 4 }, heartRates(4, '2024-05-01T10:00:00.000Z'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ retriable: false, statusCode: 400 });
    expect((error as Error).message).toBe('Cosmos DB upsert staging document failed with status 400');
    expect((error as Error).message).not.toContain('patient-3');
  });

  it('fails a dead-letter write the same way', async () => {
    proxy.inject({ fault: rejected, times: Infinity, match: writes });

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
    proxy.inject({ fault: rejected, times: Infinity, match: writes });
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
