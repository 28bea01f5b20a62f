import { app, type InvocationContext } from '@azure/functions';
import { parseFlushMessage } from '../shared/adapters/queue/flushQueue.js';
import { getAppServices } from '../shared/app/appServices.js';
import { isInlineFlush } from '../shared/config/loadConfig.js';
import { describeError, isRetriableError } from '../shared/app/describeError.js';
import { toWorkUnitKey } from '../shared/core/staging/stagingKeys.js';

/**
 * Storage-queue trigger: flushes one (window, shard) work unit to FHIR. A retriable failure (FHIR, Cosmos DB or the
 * mappings unavailable) is logged and the message completed: the data stays staged, and the timer enqueues the unit
 * again at its next run. Throwing would add the queue's own retries (20 a message, host.json) to the timer's, one more
 * set each run, and then a message in the poison queue for each. Any other failure throws. A malformed message is
 * logged and dropped.
 * @param message - the work unit message
 * @param context - invocation context
 */
export async function flushWorker(message: unknown, context: InvocationContext): Promise<void> {
  const unit = parseFlushMessage(message);
  if (unit === undefined) {
    context.error('flushWorker: message is not a work unit; dropped');
    return;
  }
  try {
    // Inside: an instance starting while Cosmos DB is unavailable fails here, and the unit stays staged as well.
    const services = await getAppServices();
    const summary = await services.flushUnit(unit);
    context.log(`flushWorker ${JSON.stringify(summary)}`);
  } catch (error) {
    if (!isRetriableError(error)) {
      throw error;
    }
    context.warn(
      `flushWorker: work unit ${toWorkUnitKey(unit)} failed (${describeError(error)}); ` +
        'it stays staged, and the next timer run enqueues it again',
    );
  }
}

// `%FLUSH_QUEUE_NAME%` has a single underscore on purpose: the host resolves binding expressions from its
// configuration, where `__` in a setting name becomes a `:` section separator, so `%FLUSH__QUEUE_NAME%` would never
// resolve and the function would not start (azure-functions-host #10246). With FLUSH__MODE=inline the timer flushes
// the units itself: no queue, so no worker to bind.
if (!isInlineFlush(process.env)) {
  app.storageQueue('flushWorker', {
    queueName: '%FLUSH_QUEUE_NAME%',
    connection: 'FLUSH_QUEUE_CONNECTION',
    handler: flushWorker,
  });
}
