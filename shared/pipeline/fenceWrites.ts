/**
 * Writes sent only once a check allows them: a flush writes to FHIR only while its work unit's lease is its own
 * (see `flushWorkUnit`).
 */
import type { FhirStore } from './ports.js';

/**
 * The FHIR store, with every write (`PUT`) sent only once `beforeWrite` resolves (a rejection is the write's). Reads
 * go straight through.
 * @param store - the FHIR store
 * @param beforeWrite - the check, run before each write
 */
export function fenceWrites(store: FhirStore, beforeWrite: () => Promise<void>): FhirStore {
  return {
    search: (resourceType, query, options) => store.search(resourceType, query, options),
    read: (resourceType, id) => store.read(resourceType, id),
    history: (resourceType, id) => store.history(resourceType, id),
    async update(resource, options) {
      await beforeWrite();
      return store.update(resource, options);
    },
    requestCount: () => store.requestCount(),
  };
}
