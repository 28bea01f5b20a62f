import type { CosmosClient } from '@azure/cosmos';
import { CosmosDeadLetterStore } from './cosmosDeadLetterStore.js';
import { CosmosLeaseStore } from './cosmosLeaseStore.js';
import { CosmosStagingStore } from './cosmosStagingStore.js';
import type { CosmosStagingStoreOptions } from './cosmosStagingStore.js';
import { CosmosWriteCounter } from './cosmosWriteCounter.js';
import type { CosmosConnectionOptions, CosmosContainerNames } from './cosmosContainers.js';
import { createCosmosClient, defaultCosmosContainerNames, openCosmosContainers } from './cosmosContainers.js';

/** Everything {@link openCosmosStores} needs. */
export interface CosmosStoresOptions {
  connection: CosmosConnectionOptions;
  /** Database and container names (defaults: `medtech`, `staging`, `deadletter`, `leases`). */
  names?: Partial<CosmosContainerNames>;
  /** Create missing database/containers (default: true with a key, false with Entra ID — deploy them with Bicep). */
  ensure?: boolean;
  /** Staging settings: window length, document size bound, concurrency, clock. */
  staging?: Omit<CosmosStagingStoreOptions, 'counter'>;
}

/** The Cosmos-backed stores, sharing one client and one write counter. */
export interface CosmosStores {
  client: CosmosClient;
  staging: CosmosStagingStore;
  deadLetters: CosmosDeadLetterStore;
  leases: CosmosLeaseStore;
  /** Write requests of all three stores. */
  counter: CosmosWriteCounter;
  /** Releases the client's resources. */
  dispose(): void;
}

/**
 * Connects to Cosmos DB, opens (and by default creates) the database and containers, and builds the stores.
 * @param options - connection, names, whether to create resources, staging settings
 * @throws StagingUnavailableError when Cosmos DB cannot be reached
 */
export async function openCosmosStores(options: CosmosStoresOptions): Promise<CosmosStores> {
  const client = createCosmosClient(options.connection);
  const names = { ...defaultCosmosContainerNames, ...options.names };
  const ensure = options.ensure ?? options.connection.key !== undefined;
  try {
    const containers = await openCosmosContainers(client, names, { ensure });
    const counter = new CosmosWriteCounter();
    return {
      client,
      staging: new CosmosStagingStore(containers.staging, { ...options.staging, counter }),
      deadLetters: new CosmosDeadLetterStore(containers.deadLetter, {
        counter,
        ...(options.staging?.maxDocumentBytes === undefined
          ? {}
          : { maxDocumentBytes: options.staging.maxDocumentBytes }),
      }),
      leases: new CosmosLeaseStore(containers.leases, { counter }),
      counter,
      dispose: () => client.dispose(),
    };
  } catch (error) {
    client.dispose();
    throw error;
  }
}
