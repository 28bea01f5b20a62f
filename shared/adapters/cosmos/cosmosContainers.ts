import { CosmosClient } from '@azure/cosmos';
import type { Container, ContainerRequest, Database } from '@azure/cosmos';
import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { toCosmosStatus, withStagingErrors } from './stagingUnavailableError.js';

/** How to reach Cosmos DB: an account key locally, a managed identity (`DefaultAzureCredential`) in Azure. */
export interface CosmosConnectionOptions {
  /** Account endpoint, e.g. `https://<account>.documents.azure.com:443/` or the local server's `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Account key; when absent the client authenticates with `credential` (default `DefaultAzureCredential`). */
  key?: string | undefined;
  /** Token credential for Entra ID auth (used only without `key`). */
  credential?: TokenCredential;
  /**
   * Follow the account's advertised regional endpoints. Default: true for https endpoints, false for plain http
   * (the local `@vercel/cosmosdb-server` advertises an https address it does not serve).
   */
  enableEndpointDiscovery?: boolean;
  /** How many times the SDK itself retries a 429 before giving up (SDK default 9). */
  maxRetryAttemptCount?: number;
  /** Upper bound of the SDK's cumulative 429 wait, in seconds (SDK default 30). */
  maxRetryWaitSeconds?: number;
}

/**
 * Creates a Cosmos DB client from connection options.
 * @param options - endpoint, key or credential, retry settings
 */
export function createCosmosClient(options: CosmosConnectionOptions): CosmosClient {
  const discovery = options.enableEndpointDiscovery ?? !options.endpoint.toLowerCase().startsWith('http://');
  const auth =
    options.key !== undefined
      ? { key: options.key }
      : { aadCredentials: options.credential ?? new DefaultAzureCredential() };
  return new CosmosClient({
    endpoint: options.endpoint,
    ...auth,
    connectionPolicy: {
      enableEndpointDiscovery: discovery,
      retryOptions: {
        maxRetryAttemptCount: options.maxRetryAttemptCount ?? 9,
        maxWaitTimeInSeconds: options.maxRetryWaitSeconds ?? 30,
      },
    },
  });
}

/** Names of the database and containers. */
export interface CosmosContainerNames {
  database: string;
  staging: string;
  deadLetter: string;
  leases: string;
}

/** Default names: database `medtech`, containers `staging`, `deadletter`, `leases`. */
export const defaultCosmosContainerNames: CosmosContainerNames = {
  database: 'medtech',
  staging: 'staging',
  deadLetter: 'deadletter',
  leases: 'leases',
};

/** The three containers of the storage side. */
export interface CosmosContainers {
  database: Database;
  staging: Container;
  deadLetter: Container;
  leases: Container;
}

/**
 * Container definitions. All use partition key `/pk`. The bulky arrays are excluded from indexing: indexing every
 * staged measurement would multiply the RU charge of each write for queries nobody runs.
 * @param names - the container names
 */
export function toContainerRequests(
  names: CosmosContainerNames,
): Record<'staging' | 'deadLetter' | 'leases', ContainerRequest> {
  const partitionKey = { paths: ['/pk'] };
  return {
    staging: {
      id: names.staging,
      partitionKey,
      indexingPolicy: {
        indexingMode: 'consistent',
        includedPaths: [{ path: '/*' }],
        excludedPaths: [{ path: '/measurements/*' }, { path: '/"_etag"/?' }],
      },
    },
    deadLetter: {
      id: names.deadLetter,
      partitionKey,
      indexingPolicy: {
        indexingMode: 'consistent',
        includedPaths: [{ path: '/*' }],
        excludedPaths: [{ path: '/subject/*' }, { path: '/"_etag"/?' }],
      },
    },
    // Per-item `ttl` on lease documents lets Cosmos remove abandoned leases (defaultTtl -1 = on, no default expiry).
    leases: { id: names.leases, partitionKey, defaultTtl: -1 },
  };
}

/**
 * Thrown when a container exists but not as the app needs it (another partition key path, a lease container without
 * TTL), or does not exist where the app may not create it: a deployment to fix, which no retry overcomes.
 */
export class CosmosContainerDefinitionError extends Error {
  override readonly name = 'CosmosContainerDefinitionError';
  /** Always false: the container stays as it is until someone changes it. */
  readonly retriable = false;
}

/**
 * Opens the database and containers, creating any that are missing when `ensure` is set, and checks each one's
 * definition: a container that already exists is taken as it is by `createIfNotExists`, and one partitioned on
 * another path than `/pk` (the portal suggests `/id`) would take every write while each partition-scoped read of
 * real Cosmos DB found nothing (a unit read empty for ever, its shard never flushed). With Entra ID auth the data-plane
 * role cannot create resources: deploy them with infrastructure as code and pass `ensure: false`.
 * Instances starting at once may race to create: the loser's 409 is read as "exists".
 * @param client - a Cosmos client
 * @param names - database and container names (defaults: {@link defaultCosmosContainerNames})
 * @param options - `ensure`: create missing resources (default true)
 * @throws StagingUnavailableError when Cosmos DB cannot be reached; CosmosContainerDefinitionError when a container
 *   is missing (without `ensure`) or not defined as {@link toContainerRequests} says
 */
export async function openCosmosContainers(
  client: CosmosClient,
  names: CosmosContainerNames = defaultCosmosContainerNames,
  options: { ensure?: boolean } = {},
): Promise<CosmosContainers> {
  const requests = toContainerRequests(names);
  let database: Database;
  let open: (request: ContainerRequest) => Promise<Container>;
  if (options.ensure === false) {
    database = client.database(names.database);
    open = async (request) => {
      const container = database.container(request.id ?? '');
      await checkDefinition(container, request, requests);
      return container;
    };
  } else {
    database = (
      await withStagingErrors('create database', () =>
        createIfNotExists(() => client.databases.createIfNotExists({ id: names.database })),
      )
    ).database;
    const created = database;
    open = async (request) => {
      const { container } = await withStagingErrors('create container', () =>
        createIfNotExists(() => created.containers.createIfNotExists(request)),
      );
      await checkDefinition(container, request, requests);
      return container;
    };
  }
  const [staging, deadLetter, leases] = await Promise.all([
    open(requests.staging),
    open(requests.deadLetter),
    open(requests.leases),
  ]);
  return { database, staging, deadLetter, leases };
}

/**
 * Runs a `createIfNotExists`, once more when it lost a race to create (409: another instance created the resource
 * between the SDK's read and its create); the second one reads it.
 */
async function createIfNotExists<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (toCosmosStatus(error) !== 409) {
      throw error;
    }
    return create();
  }
}

/**
 * Reads a container's definition and refuses one the app cannot work with: missing, partitioned on other paths than
 * the request's, without TTL where the request turns it on, or (staging) deleting documents by a default TTL.
 * Indexing policies are left as they are (they change costs, not results); so is a default TTL on the dead letters,
 * which keeps them for that long.
 */
async function checkDefinition(
  container: Container,
  request: ContainerRequest,
  requests: ReturnType<typeof toContainerRequests>,
): Promise<void> {
  const { resource } = await withStagingErrors('read container', async () => {
    try {
      return await container.read();
    } catch (error) {
      if (toCosmosStatus(error) === 404) {
        return { resource: undefined };
      }
      throw error;
    }
  });
  const name = `Cosmos DB container '${container.id}'`;
  if (resource === undefined) {
    throw new CosmosContainerDefinitionError(
      `${name} does not exist: create it (partition key ${JSON.stringify(request.partitionKey)}) or let the app create it.`,
    );
  }
  const wanted = toPaths(request.partitionKey);
  const paths = toPaths(resource.partitionKey);
  if (JSON.stringify(paths) !== JSON.stringify(wanted)) {
    throw new CosmosContainerDefinitionError(
      `${name} is partitioned on ${JSON.stringify(paths)}, not ${JSON.stringify(wanted)}: create it again with that partition key.`,
    );
  }
  if (request.defaultTtl !== undefined && resource.defaultTtl === undefined) {
    throw new CosmosContainerDefinitionError(
      `${name} has time to live off: turn it on without a default (defaultTtl -1) so abandoned leases expire.`,
    );
  }
  if (request === requests.staging && resource.defaultTtl !== undefined && resource.defaultTtl > 0) {
    // Staged data waits for its window to close and for FHIR to take it: an expiry would drop it without a trace.
    throw new CosmosContainerDefinitionError(
      `${name} deletes documents ${resource.defaultTtl} s after they were written (time to live): staged data not yet ` +
        'written to FHIR would be lost. Turn time to live off, or on without a default (defaultTtl -1).',
    );
  }
}

/** The paths of a partition key definition (or of a bare path), `[]` when none. */
function toPaths(definition: ContainerRequest['partitionKey']): string[] {
  if (definition === undefined) {
    return [];
  }
  return typeof definition === 'string' ? [definition] : [...definition.paths];
}
