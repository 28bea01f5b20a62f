/**
 * Shared helpers of the Cosmos adapter tests: a fresh database per call on one local server, and measurements.
 */
import type { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll } from 'vitest';
import { startCosmosServer, type LocalCosmosServer } from '../../../shared/local/cosmosServer.js';
import type { CosmosContainers } from '../../../shared/adapters/cosmos/cosmosContainers.js';
import { createCosmosClient, openCosmosContainers } from '../../../shared/adapters/cosmos/cosmosContainers.js';
import type { Measurement } from '../../../shared/core/measurement.js';

let databases = 0;

/**
 * Opens a new, empty database with the three containers.
 * @param client - a client of the local server
 */
export async function freshContainers(client: CosmosClient): Promise<CosmosContainers> {
  databases += 1;
  return openCosmosContainers(client, {
    database: `test${databases}`,
    staging: 'staging',
    deadLetter: 'deadletter',
    leases: 'leases',
  });
}

/**
 * A client of a local server.
 * @param endpoint - the server's endpoint
 * @param key - any key
 */
export function localClient(endpoint: string, key: string): CosmosClient {
  return createCosmosClient({ endpoint, key });
}

/**
 * Starts a local Cosmos DB server before the tests of the calling `describe` (or file) and stops it after them.
 * @returns the client of that server, once started
 */
export function useLocalCosmos(): () => CosmosClient {
  let server: LocalCosmosServer | undefined;
  let client: CosmosClient | undefined;
  beforeAll(async () => {
    server = await startCosmosServer();
    client = localClient(server.endpoint, server.key);
  });
  afterAll(async () => {
    client?.dispose();
    await server?.close();
  });
  return () => {
    if (client === undefined) {
      throw new Error('the local Cosmos DB server is not started yet');
    }
    return client;
  };
}

/**
 * A heart-rate measurement ingested at `ingestionTimeUtc`.
 * @param index - distinguishes measurements (becomes the value and the occurrence second)
 * @param ingestionTimeUtc - ISO-8601 ingestion time
 */
export function heartRate(index: number, ingestionTimeUtc: string): Measurement {
  return {
    type: 'heartrate',
    occurrenceTimeUtc: new Date(Date.parse(ingestionTimeUtc) - 1_000 - index).toISOString(),
    ingestionTimeUtc,
    deviceId: `device-${index % 7}`,
    patientId: `patient-${index % 7}`,
    properties: [{ name: 'hr', value: String(60 + (index % 40)) }],
  };
}

/**
 * `count` measurements ingested at one time.
 * @param count - how many
 * @param ingestionTimeUtc - ISO-8601 ingestion time
 * @param offset - first index
 */
export function heartRates(count: number, ingestionTimeUtc: string, offset = 0): Measurement[] {
  return Array.from({ length: count }, (_, i) => heartRate(offset + i, ingestionTimeUtc));
}
