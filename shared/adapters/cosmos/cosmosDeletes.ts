import type { Container } from '@azure/cosmos';
import { withPartialDeleteOutcome, type DeleteOutcome } from '../../pipeline/stagingPorts.js';
import type { CosmosWriteCounter } from './cosmosWriteCounter.js';
import { mapWithConcurrency } from '../../pipeline/limiter.js';
import { toCosmosStatus, toStagingError } from './stagingUnavailableError.js';

/** An item to delete: id and partition key, and the ETag it had when read (empty or absent: delete any version). */
export interface DeleteRef {
  id: string;
  pk: string;
  etag?: string;
}

/**
 * Deletes items idempotently: one already gone counts as `missing`; with an ETag, one rewritten since it was read is
 * kept and counts as `changed`. `inOrder`: one at a time, in the order given, stopping at the first item not deleted
 * (rewritten, or a failure), so that what stays is always the tail of the list (counted in `left`).
 * @param container - the container
 * @param refs - the items
 * @param options - parallel requests (unless in order), the write counter, and what is deleted (for error messages;
 *   no data)
 * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries, carrying what
 *   was deleted before (`partialDeleteOutcome`): in parallel, the other deletes already sent finish first
 */
export async function deleteItems(
  container: Container,
  refs: readonly DeleteRef[],
  options: { concurrency: number; counter: CosmosWriteCounter; operation: string; inOrder?: boolean },
): Promise<DeleteOutcome> {
  const outcome: DeleteOutcome = { deleted: 0, missing: 0, changed: 0 };
  try {
    if (options.inOrder === true) {
      for (const [index, ref] of refs.entries()) {
        if ((await deleteOne(container, ref, options, outcome)) === 'kept') {
          outcome.left = refs.length - index - 1;
          break;
        }
      }
      return outcome;
    }
    await mapWithConcurrency(refs, options.concurrency, async (ref) => {
      await deleteOne(container, ref, options, outcome);
    });
    return outcome;
  } catch (error) {
    throw withPartialDeleteOutcome(error, outcome);
  }
}

/** Deletes one item, counting it in `outcome`; `kept` when it was rewritten since it was read. */
async function deleteOne(
  container: Container,
  ref: DeleteRef,
  options: { counter: CosmosWriteCounter; operation: string },
  outcome: DeleteOutcome,
): Promise<'gone' | 'kept'> {
  const condition =
    ref.etag === undefined || ref.etag === ''
      ? undefined
      : { accessCondition: { type: 'IfMatch' as const, condition: ref.etag } };
  try {
    const response = await container.item(ref.id, ref.pk).delete(condition);
    options.counter.record('delete', response.requestCharge);
    outcome.deleted += 1;
    return 'gone';
  } catch (error) {
    options.counter.record('delete');
    const status = toCosmosStatus(error);
    if (status === 404) {
      outcome.missing += 1;
      return 'gone';
    }
    if (status === 412) {
      outcome.changed += 1;
      return 'kept';
    }
    throw toStagingError(error, options.operation);
  }
}
