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

/**
 * Runs an async function over items with at most `limit` calls in flight; fails with the first error (after the
 * calls already started have settled).
 * @param items - the inputs
 * @param limit - maximum parallel calls (≥ 1)
 * @param run - the call for one item
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await run(items[index] as T, index);
      } catch (error) {
        failed = true;
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) {
    throw errors[0];
  }
  return results;
}
