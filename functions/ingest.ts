import { app, type EventHubFunctionOptions, type InvocationContext } from '@azure/functions';
import { partitionIdOf, toIngestEvents } from '../shared/adapters/functions/toIngestEvents.js';
import { getAppServices } from '../shared/app/appServices.js';
import { describeError } from '../shared/app/describeError.js';

/**
 * Said when the host gives no partition id: staging ids are made of partition ids and sequence numbers, so with more
 * than one partition, batches of different partitions could overwrite each other's staged measurements.
 */
export const MISSING_PARTITION_WARNING =
  'The Event Hubs trigger metadata has no partitionContext.partitionId: the batch is staged as partition 0. This is ' +
  'only safe for an event hub with one partition; with more, staged data of different partitions can collide.';

/**
 * Event Hubs trigger (cardinality many): normalizes the batch, stages the measurements, dead-letters rejected
 * messages. Throws only when the batch must be retried (no valid mapping, staging unavailable); the retry policy
 * below then holds the partition's checkpoint, so nothing is skipped.
 * @param messages - the batch bodies
 * @param context - invocation context with the Event Hubs trigger metadata
 */
export async function ingest(messages: unknown[], context: InvocationContext): Promise<void> {
  const services = await getAppServices();
  const events = toIngestEvents(messages, context.triggerMetadata, new Date().toISOString());
  if (partitionIdOf(context.triggerMetadata) === undefined) {
    context.warn(MISSING_PARTITION_WARNING);
  }
  let summary;
  try {
    summary = await services.ingest(events);
  } catch (error) {
    // A line for this invocation too (measurements may already be staged): the retried batch logs its summary.
    context.error(
      `ingest failed ${JSON.stringify({ deviceEvents: events.length })}: ${describeError(error)}; ` +
        'the batch is retried',
    );
    throw error;
  }
  context.log(`ingest ${JSON.stringify(summary)}`);
}

/**
 * The trigger's settings. `dataType: 'binary'` (not in the library's option types, passed through to the binding):
 * without it, with `cardinality: 'many'`, the host JSON-deserializes the batch itself and fails the whole invocation
 * on one body that is not JSON — with the infinite retries below, one bad message would stall its partition for
 * ever (azure-functions-eventhubs-extension #118). As bytes, every body reaches the handler: a bad one is
 * dead-lettered with its exact bytes, and integers beyond 2^53 keep their digits.
 */
export const ingestTrigger: EventHubFunctionOptions<unknown[]> & { dataType: 'binary' } = {
  connection: 'EVENTHUB_CONNECTION',
  eventHubName: '%EVENTHUB_NAME%',
  consumerGroup: '%EVENTHUB_CONSUMER_GROUP%',
  cardinality: 'many',
  dataType: 'binary',
  // Infinite retries: a batch that cannot be staged (e.g. no valid mapping yet) must not be checkpointed away.
  retry: {
    strategy: 'exponentialBackoff',
    maxRetryCount: -1,
    minimumInterval: { seconds: 5 },
    maximumInterval: { minutes: 5 },
  },
  handler: ingest,
};

app.eventHub('ingest', ingestTrigger);
