import { app, type InvocationContext } from '@azure/functions';
import { parseFlushMessage } from '../shared/adapters/queue/flushQueue.js';
import { getAppServices } from '../shared/app/appServices.js';
import { isInlineFlush } from '../shared/config/loadConfig.js';

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
