import type { Container, CosmosClient, Item } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosLeaseStore } from '../../../shared/adapters/cosmos/cosmosLeaseStore.js';
import type { LocalCosmosServer } from '../../../shared/local/cosmosServer.js';
import { startCosmosServer } from '../../../shared/local/cosmosServer.js';
import { freshContainers, localClient } from './cosmosTestSupport.js';

const t0 = new Date('2024-05-01T10:30:00.000Z');
const later = (ms: number): Date => new Date(t0.getTime() + ms);

/**
 * The container with its item reads held back until `parties` of them are pending, so that racing workers all read
 * the lease before any of them writes: each one decides from the same stale read.
 */
function withRacingReads(container: Container, parties: number): Container {
  const waiting: (() => void)[] = [];
  const item = container.item.bind(container);
  container.item = (id, partitionKey) => {
    const found: Item = item(id, partitionKey);
    const read = found.read.bind(found);
    found.read = async (options) => {
      if (waiting.length < parties) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === parties) {
            waiting.forEach((release) => release());
          }
        });
      }
      return read(options);
    };
    return found;
  };
  return container;
}

describe('CosmosLeaseStore', () => {
  let server: LocalCosmosServer;
  let client: CosmosClient;
  let store: CosmosLeaseStore;

  beforeAll(async () => {
    server = await startCosmosServer();
    client = localClient(server.endpoint, server.key);
    store = new CosmosLeaseStore((await freshContainers(client)).leases);
  });

  afterAll(async () => {
    client.dispose();
    await server.close();
  });

  it('gives a free unit to the first worker and refuses a second while the lease is live', async () => {
    const a = await store.acquireLease('2024-05-01T10:00:00.000Z|0', 'worker-a', 60_000, t0);
    const b = await store.acquireLease('2024-05-01T10:00:00.000Z|0', 'worker-b', 60_000, later(59_000));

    expect(a).toMatchObject({ owner: 'worker-a', expiresAt: '2024-05-01T10:31:00.000Z' });
    expect(b).toBeUndefined();
  });

  it('lets exactly one of two workers racing for a free unit win', async () => {
    const results = await Promise.all([
      store.acquireLease('race|0', 'worker-a', 60_000, t0),
      store.acquireLease('race|0', 'worker-b', 60_000, t0),
    ]);

    expect(results.filter((lease) => lease !== undefined)).toHaveLength(1);
  });

  it('lets another worker take over an expired lease, after which the old holder can neither renew nor release', async () => {
    const old = await store.acquireLease('expired|0', 'worker-a', 10_000, t0);
    const taken = await store.acquireLease('expired|0', 'worker-b', 10_000, later(10_001));

    const renewed = await store.renewLease(old!, 10_000, later(10_002));
    const released = await store.releaseLease(old!);

    expect(taken?.owner).toBe('worker-b');
    expect(renewed).toBeUndefined();
    expect(released).toBe(false);
  });

  it('lets exactly one of two workers racing to take over an expired lease win (the replace is ETag-guarded)', async () => {
    const { leases } = await freshContainers(client);
    await new CosmosLeaseStore(leases).acquireLease('takeover|0', 'worker-a', 10_000, t0);
    const racing = new CosmosLeaseStore(withRacingReads(leases, 2));

    const results = await Promise.all([
      racing.acquireLease('takeover|0', 'worker-b', 10_000, later(10_001)),
      racing.acquireLease('takeover|0', 'worker-c', 10_000, later(10_001)),
    ]);

    const winners = results.filter((lease) => lease !== undefined);
    expect(winners).toHaveLength(1);
    expect(await racing.renewLease(winners[0]!, 10_000, later(10_002))).toMatchObject({ owner: winners[0]!.owner });
  });

  it('renews a held lease, keeping other workers off it', async () => {
    const lease = await store.acquireLease('renew|0', 'worker-a', 10_000, t0);
    const renewed = await store.renewLease(lease!, 10_000, later(5_000));

    const othersTry = await store.acquireLease('renew|0', 'worker-b', 10_000, later(12_000));

    expect(renewed?.expiresAt).toBe('2024-05-01T10:30:15.000Z');
    expect(renewed?.etag).not.toBe(lease?.etag);
    expect(othersTry).toBeUndefined();
  });

  it('renews and releases a lease whose ETag moved on under a renewal of its own whose answer was lost', async () => {
    const lease = await store.acquireLease('lost-answer|0', 'worker-a', 10_000, t0);
    // Cosmos DB applied this renewal, but its answer never reached the worker: it still holds the first ETag.
    await store.renewLease(lease!, 10_000, later(3_000));

    const renewed = await store.renewLease(lease!, 10_000, later(6_000));
    const released = await store.releaseLease(lease!);
    const next = await store.acquireLease('lost-answer|0', 'worker-b', 10_000, later(6_001));

    expect(renewed).toMatchObject({ owner: 'worker-a', expiresAt: '2024-05-01T10:30:16.000Z' });
    expect(released).toBe(true);
    expect(next?.owner).toBe('worker-b');
  });

  it('frees a unit on release so another worker can take it at once', async () => {
    const lease = await store.acquireLease('release|0', 'worker-a', 60_000, t0);

    const released = await store.releaseLease(lease!);
    const next = await store.acquireLease('release|0', 'worker-b', 60_000, later(1));

    expect(released).toBe(true);
    expect(next?.owner).toBe('worker-b');
  });
});
