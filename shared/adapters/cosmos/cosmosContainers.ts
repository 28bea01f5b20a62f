import { CosmosClient } from '@azure/cosmos';
import type { Container, ContainerRequest, Database } from '@azure/cosmos';
import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { withStagingErrors } from './stagingUnavailableError.js';

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
 * Opens the database and containers, creating any that are missing when `ensure` is set. With Entra ID auth the
 * data-plane role cannot create resources: deploy them with infrastructure as code and pass `ensure: false`.
 * @param client - a Cosmos client
 * @param names - database and container names (defaults: {@link defaultCosmosContainerNames})
 * @param options - `ensure`: create missing resources (default true)
 * @throws StagingUnavailableError when Cosmos DB cannot be reached
 */
export async function openCosmosContainers(
  client: CosmosClient,
  names: CosmosContainerNames = defaultCosmosContainerNames,
  options: { ensure?: boolean } = {},
): Promise<CosmosContainers> {
  if (options.ensure === false) {
    const database = client.database(names.database);
    return {
      database,
      staging: database.container(names.staging),
      deadLetter: database.container(names.deadLetter),
      leases: database.container(names.leases),
    };
  }
  const { database } = await withStagingErrors('create database', () =>
    client.databases.createIfNotExists({ id: names.database }),
  );
  const requests = toContainerRequests(names);
  const open = async (request: ContainerRequest): Promise<Container> =>
    (await withStagingErrors('create container', () => database.containers.createIfNotExists(request))).container;
  const [staging, deadLetter, leases] = await Promise.all([
    open(requests.staging),
    open(requests.deadLetter),
    open(requests.leases),
  ]);
  return { database, staging, deadLetter, leases };
}
