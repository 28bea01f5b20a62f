import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalAzurite } from '../../shared/local/azurite.js';
import { startAzurite } from '../../shared/local/azurite.js';
import type { LocalCosmosServer } from '../../shared/local/cosmosServer.js';
import { startCosmosServer } from '../../shared/local/cosmosServer.js';

async function isListening(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

describe('startAzurite', () => {
  let azurite: LocalAzurite;

  beforeAll(async () => {
    azurite = await startAzurite();
  });

  afterAll(async () => {
    await azurite.close();
  });

  it('serves Blob Storage on a loopback OS-assigned port through the connection string', async () => {
    expect(azurite.blobEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('smoke');
    await container.createIfNotExists();
    await container.getBlockBlobClient('a.json').upload('{"a":1}', 7);

    const text = (await container.getBlockBlobClient('a.json').downloadToBuffer()).toString('utf8');

    expect(text).toBe('{"a":1}');
  });

  it('serves Storage queues through the same connection string', async () => {
    expect(azurite.queueEndpoint).not.toBe(azurite.blobEndpoint);
    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('smoke');
    await queue.createIfNotExists();
    await queue.sendMessage('hello');

    const received = await queue.receiveMessages();

    expect(received.receivedMessageItems.map((m) => m.messageText)).toEqual(['hello']);
  });

  it('writes no persistence files into the working directory', () => {
    const azuriteFiles = readdirSync(process.cwd()).filter((name) =>
      /azurite|__blobstorage__|__queuestorage__/.test(name),
    );

    expect(azuriteFiles).toEqual([]);
  });
});

describe('startAzurite close', () => {
  it('stops listening after close', async () => {
    const azurite = await startAzurite();
    expect(await isListening(azurite.blobEndpoint)).toBe(true);

    await azurite.close();

    expect(await isListening(azurite.blobEndpoint)).toBe(false);
    expect(await isListening(azurite.queueEndpoint)).toBe(false);
  });
});

describe('startCosmosServer', () => {
  let cosmos: LocalCosmosServer;

  beforeAll(async () => {
    cosmos = await startCosmosServer();
  });

  afterAll(async () => {
    await cosmos.close();
  });

  it('serves the Cosmos DB API to the real SDK over plain HTTP on loopback', async () => {
    expect(cosmos.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new CosmosClient({
      endpoint: cosmos.endpoint,
      key: cosmos.key,
      connectionPolicy: { enableEndpointDiscovery: false },
    });
    try {
      const { database } = await client.databases.createIfNotExists({ id: 'smoke' });
      const { container } = await database.containers.createIfNotExists({ id: 'c', partitionKey: { paths: ['/pk'] } });
      await container.items.create({ id: 'x', pk: 'p', n: 1 });

      const { resource } = await container.item('x', 'p').read<{ n: number }>();

      expect(resource?.n).toBe(1);
    } finally {
      client.dispose();
    }
  });

  it('stops listening after close', async () => {
    const other = await startCosmosServer();
    expect(await isListening(other.endpoint)).toBe(true);

    await other.close();

    expect(await isListening(other.endpoint)).toBe(false);
  });
});
