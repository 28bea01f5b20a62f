import { describe, expect, it } from 'vitest';
import {
  CosmosContainerDefinitionError,
  defaultCosmosContainerNames,
  openCosmosContainers,
  toContainerRequests,
} from '../../../shared/adapters/cosmos/cosmosContainers.js';
import type { CosmosContainerNames } from '../../../shared/adapters/cosmos/cosmosContainers.js';
import { useLocalCosmos } from './cosmosTestSupport.js';

const client = useLocalCosmos();

let databases = 0;

/** Names in a database of their own. */
function freshNames(): CosmosContainerNames {
  databases += 1;
  return { ...defaultCosmosContainerNames, database: `containers${databases}` };
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('openCosmosContainers', () => {
  it('creates the containers as toContainerRequests defines them, and opens them again', async () => {
    const names = freshNames();

    const created = await openCosmosContainers(client(), names);
    const reopened = await openCosmosContainers(client(), names, { ensure: false });

    const staging = (await created.staging.read()).resource;
    const leases = (await reopened.leases.read()).resource;
    expect(staging?.partitionKey?.paths).toEqual(['/pk']);
    expect(leases?.defaultTtl).toBe(-1);
  });

  it('refuses a container that exists with another partition key path, with or without ensure', async () => {
    const names = freshNames();
    const { database } = await client().databases.createIfNotExists({ id: names.database });
    // The portal's suggestion: every write would go through, every partition-scoped read of real Cosmos find nothing.
    await database.containers.create({ id: names.staging, partitionKey: { paths: ['/id'] } });

    const ensured = await errorOf(openCosmosContainers(client(), names));
    const opened = await errorOf(openCosmosContainers(client(), names, { ensure: false }));

    for (const error of [ensured, opened]) {
      expect(error).toBeInstanceOf(CosmosContainerDefinitionError);
      expect(error).toMatchObject({ retriable: false });
      expect((error as Error).message).toBe(
        `Cosmos DB container 'staging' is partitioned on ["/id"], not ["/pk"]: create it again with that partition key.`,
      );
    }
  });

  it('refuses a lease container with time to live off', async () => {
    const names = freshNames();
    const { database } = await client().databases.createIfNotExists({ id: names.database });
    await database.containers.create({ id: names.leases, partitionKey: { paths: ['/pk'] } });

    const error = await errorOf(openCosmosContainers(client(), names));

    expect(error).toBeInstanceOf(CosmosContainerDefinitionError);
    expect((error as Error).message).toContain(`'leases' has time to live off`);
  });

  it('refuses a staging container that deletes documents by a default time to live, with or without ensure', async () => {
    const names = freshNames();
    const { database } = await client().databases.createIfNotExists({ id: names.database });
    const requests = toContainerRequests(names);
    await database.containers.create({ ...requests.staging, defaultTtl: 86_400 });

    const ensured = await errorOf(openCosmosContainers(client(), names));
    const opened = await errorOf(openCosmosContainers(client(), names, { ensure: false }));

    for (const error of [ensured, opened]) {
      expect(error).toBeInstanceOf(CosmosContainerDefinitionError);
      expect((error as Error).message).toBe(
        "Cosmos DB container 'staging' deletes documents 86400 s after they were written (time to live): staged data " +
          'not yet written to FHIR would be lost. Turn time to live off, or on without a default (defaultTtl -1).',
      );
    }
  });

  it('takes a staging container with time to live on without a default, and dead letters kept for a time', async () => {
    const names = freshNames();
    const { database } = await client().databases.createIfNotExists({ id: names.database });
    const requests = toContainerRequests(names);
    await database.containers.create({ ...requests.staging, defaultTtl: -1 });
    await database.containers.create({ ...requests.deadLetter, defaultTtl: 30 * 86_400 });

    const opened = await openCosmosContainers(client(), names);

    expect((await opened.staging.read()).resource?.defaultTtl).toBe(-1);
    expect((await opened.deadLetter.read()).resource?.defaultTtl).toBe(30 * 86_400);
  });

  it('refuses a missing container without ensure (the app may not create it), naming its partition key', async () => {
    const names = freshNames();
    const { database } = await client().databases.createIfNotExists({ id: names.database });
    const requests = toContainerRequests(names);
    await database.containers.create(requests.staging);
    await database.containers.create(requests.leases);

    const error = await errorOf(openCosmosContainers(client(), names, { ensure: false }));

    expect(error).toBeInstanceOf(CosmosContainerDefinitionError);
    expect((error as Error).message).toBe(
      `Cosmos DB container 'deadletter' does not exist: create it (partition key {"paths":["/pk"]}) or let the app create it.`,
    );
  });

  it('lets instances starting at once all open the stores: a lost race to create reads the winner’s', async () => {
    const names = freshNames();

    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () =>
        openCosmosContainers(client(), names).then(
          () => 'ok',
          (error: unknown) => String(error),
        ),
      ),
    );

    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok']);
  });
});
