import type { QueryIterator } from '@azure/cosmos';
import { withStagingErrors } from './stagingUnavailableError.js';

/**
 * Reads every page of a query, following continuation tokens.
 * @param iterator - the query iterator
 * @param operation - what is queried (for error messages; no data)
 * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
 */
export async function fetchAllPages<T>(iterator: QueryIterator<T>, operation: string): Promise<T[]> {
  const all: T[] = [];
  do {
    const page = await withStagingErrors(operation, () => iterator.fetchNext());
    all.push(...page.resources);
  } while (iterator.hasMoreResults());
  return all;
}
