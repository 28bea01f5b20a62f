import { app, type InvocationContext } from '@azure/functions';
import { parseFlushMessage } from '../shared/adapters/queue/flushQueue.js';
import { getAppServices } from '../shared/app/appServices.js';

/**
 * Storage-queue trigger: flushes one (window, shard) work unit to FHIR. A retriable failure throws, so the queue
 * redelivers the message (the staged data stays until it succeeds); a malformed message is logged and dropped.
 * @param message - the work unit message
 * @param context - invocation context
 */
export async function flushWorker(message: unknown, context: InvocationContext): Promise<void> {
  const unit = parseFlushMessage(message);
  if (unit === undefined) {
    context.error('flushWorker: message is not a work unit; dropped');
    return;
  }
  const services = await getAppServices();
  const summary = await services.flushUnit(unit);
  context.log(`flushWorker ${JSON.stringify(summary)}`);
}

app.storageQueue('flushWorker', {
  queueName: '%FLUSH__QUEUE_NAME%',
  connection: 'FLUSH_QUEUE_CONNECTION',
  handler: flushWorker,
});
