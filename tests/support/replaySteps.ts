/**
 * Steps the replay end-to-end tests share: the replay endpoint called as the host would, and a timer run whose work
 * units are taken from the flush queue, to be handed to the real worker in an order the test chooses (Storage queues
 * keep none).
 */
import { Buffer } from 'node:buffer';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import type { Observation } from '@medplum/fhirtypes';
import { replayDeadLetters } from '../../functions/deadLetters.js';
import { flushTimer } from '../../functions/flushTimer.js';
import { flushWorker } from '../../functions/flushWorker.js';
import { createFlushQueue } from '../../shared/adapters/queue/flushQueue.js';
import type { ReconfigurableApp } from './reconfigurableApp.js';

/**
 * `POST /api/deadletters/replay` through the real handler.
 * @param body - the request's JSON body (default: every dead letter)
 */
export async function replayThroughEndpoint(body = '{}'): Promise<HttpResponseInit> {
  return replayDeadLetters(
    new HttpRequest({ method: 'POST', url: 'http://localhost/api/deadletters/replay', body: { string: body } }),
    new InvocationContext({ functionName: 'replayDeadLetters' }),
  );
}

/** A work unit taken from the flush queue, with the message that carried it. */
export interface QueuedUnit {
  unit: { windowStart: string; shard: string };
  messageId: string;
  popReceipt: string;
}

/**
 * One run of the real timer (queue mode); the work units it enqueued, taken from the queue (hidden for 5 minutes).
 * @param app - the app under test
 */
export async function unitsEnqueuedByTimer(app: ReconfigurableApp): Promise<QueuedUnit[]> {
  await flushTimer(
    { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } },
    new InvocationContext({ functionName: 'flushTimer' }),
  );
  const received = await flushQueueOf(app).receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
  return received.receivedMessageItems.map((item) => ({
    unit: JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')) as QueuedUnit['unit'],
    messageId: item.messageId,
    popReceipt: item.popReceipt,
  }));
}

/**
 * Flushes queued units with the real worker, in the order given, deleting each message as the host would.
 * @param app - the app under test
 * @param units - from {@link unitsEnqueuedByTimer}
 */
export async function flushQueuedUnits(app: ReconfigurableApp, units: readonly QueuedUnit[]): Promise<void> {
  const queue = flushQueueOf(app);
  for (const { unit, messageId, popReceipt } of units) {
    await flushWorker(unit, new InvocationContext({ functionName: 'flushWorker' }));
    await queue.deleteMessage(messageId, popReceipt);
  }
}

/**
 * The heart-rate Observations on the FHIR server (LOINC 8867-4).
 * @param app - the app under test
 */
export async function heartRateObservations(app: ReconfigurableApp): Promise<Observation[]> {
  return (await app.observations()).filter((o) => o.code?.coding?.some((c) => c.code === '8867-4'));
}

function flushQueueOf(app: ReconfigurableApp) {
  return createFlushQueue({
    connectionString: app.pipeline.endpoints.storageConnectionString,
    queueName: app.app().config.flush.queueName,
  }).client;
}

/** A mapping's JSON as the sample mappings write it: a `template` list of templates, each with a `typeName`. */
export interface MappingJson {
  template: { template: Record<string, unknown> & { typeName: string; values: { valueExpression: string }[] } }[];
}

/**
 * A mapping's text with a change made to its JSON.
 * @param text - the mapping's text
 * @param change - what to change
 */
export function editMapping(text: string, change: (mapping: MappingJson) => void): string {
  const mapping = JSON.parse(text) as MappingJson;
  change(mapping);
  return JSON.stringify(mapping);
}

/**
 * The template of a type in a mapping's JSON.
 * @param mapping - from {@link editMapping}
 * @param typeName - the template's type
 */
export function templateNamed(mapping: MappingJson, typeName: string): MappingJson['template'][number]['template'] {
  const found = mapping.template.find((entry) => entry.template.typeName === typeName);
  if (found === undefined) {
    throw new Error(`no template ${typeName}`);
  }
  return found.template;
}

/**
 * A mapping's text without the template of a type.
 * @param text - the mapping's text
 * @param typeName - the template's type
 */
export function withoutTemplate(text: string, typeName: string): string {
  return editMapping(text, (mapping) => {
    mapping.template = mapping.template.filter((entry) => entry.template.typeName !== typeName);
  });
}
