import { describe, expect, it } from 'vitest';
import { createAppServices } from '../../shared/app/createAppServices.js';
import { loadConfig } from '../../shared/config/loadConfig.js';

describe('createAppServices', () => {
  it('builds the Storage clients before it opens Cosmos DB: one that cannot be built leaves no Cosmos client behind', async () => {
    const loaded = loadConfig({
      FHIR__URL: 'http://127.0.0.1:9/fhir',
      // Nothing listens there: opening Cosmos DB first would fail (or hang) on it instead.
      COSMOS__ENDPOINT: 'http://127.0.0.1:9',
      COSMOS__KEY: 'a2V5',
      MAPPINGS__CONNECTION_STRING: 'UseDevelopmentStorage=true',
      FLUSH_QUEUE_CONNECTION: 'UseDevelopmentStorage=true',
      FLUSH_QUEUE_NAME: 'flush-work',
    });
    if (!loaded.ok) {
      throw new Error(loaded.problems.join('; '));
    }
    // A string loadConfig would refuse, given as services built without it (the local run and tests do so).
    const config = {
      ...loaded.config,
      flush: { ...loaded.config.flush, queueConnectionString: 'AccountName=acct;AccountKey=a2V5' },
    };

    const error = await createAppServices(config, {
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    }).catch((e: unknown) => e);

    expect((error as Error).message).toBe('Invalid QueueEndpoint in the provided SAS Connection String');
  });
});
