import type { CosmosWriteCounter, CosmosWriteKind } from './cosmosWriteCounter.js';
import { toCosmosStatus, toStagingError } from './stagingUnavailableError.js';

/**
 * Sends one conditional Cosmos DB write (a create that fails on conflict, a replace under an ETag) and counts it.
 * @param counter - counts the request, answered or not
 * @param kind - the kind of write, for the counter
 * @param operation - what the write does, for the error (never data)
 * @param lostStatuses - statuses meaning another writer came first (409 on create; 404 or 412 on replace)
 * @param call - the write
 * @returns the response, or `undefined` when another writer came first
 * @throws StagingUnavailableError or StagingRequestError for any other failure
 */
export async function sendConditionalWrite<T extends { requestCharge: number }>(
  counter: CosmosWriteCounter,
  kind: CosmosWriteKind,
  operation: string,
  lostStatuses: readonly number[],
  call: () => Promise<T>,
): Promise<T | undefined> {
  try {
    const response = await call();
    counter.record(kind, response.requestCharge);
    return response;
  } catch (error) {
    counter.record(kind);
    if (lostStatuses.includes(toCosmosStatus(error) ?? 0)) {
      return undefined;
    }
    throw toStagingError(error, operation);
  }
}
