/**
 * A test harness: the local services of startLocalPipeline, with app "restarts" that load a NEW configuration on the
 * same services (as an operator changing an app setting), driving the real ingest / flushTimer / flushWorker handlers.
 */
import { readFile } from 'node:fs/promises';
import functionsPackage from '@azure/functions';
import type { Observation } from '@medplum/fhirtypes';
import { startLocalPipeline, toEventHubTriggerInput, type LocalPipeline } from '../../scripts/localPipeline.js';
import { loadConfig } from '../../shared/config/loadConfig.js';
import { createAppServices, type AppServices } from '../../shared/app/createAppServices.js';
import { setAppServices } from '../../shared/app/appServices.js';
import { createFlushQueue } from '../../shared/adapters/queue/flushQueue.js';
import { ingest } from '../../functions/ingest.js';
import { flushTimer } from '../../functions/flushTimer.js';
import { flushWorker } from '../../functions/flushWorker.js';
import type { FlushUnitSummary } from '../../shared/pipeline/flushWorkUnit.js';

const { InvocationContext } = functionsPackage;

/** The app on the local services, restartable with other settings. */
export interface ReconfigurableApp {
  /** The local services and their clock. */
  pipeline: LocalPipeline;
  /** The app as now configured (after the last restart). */
  app(): AppServices;
  /** Restarts the app with these settings over the base ones. */
  restart(settings: Record<string, string>): Promise<void>;
  /** One reading through the real ingest handler, enqueued now, on partition `partition`. */
  send(body: Record<string, unknown>, partition?: string): Promise<void>;
  /** One run of the real timer, then the real queue worker for every message on the queue. */
  tick(): Promise<FlushUnitSummary[]>;
  /** Every line the app and its handlers logged. */
  logs: string[];
  /** Every Observation on the FHIR server. */
  observations(): Promise<Observation[]>;
  close(): Promise<void>;
}

/**
 * Starts the local services with the sample mappings (Create resolution) and the app on them.
 * @param initial - settings over the local ones, kept across restarts
 * @param start - the clock's start, ISO-8601
 */
export async function startReconfigurableApp(
  initial: Record<string, string>,
  start: string,
): Promise<ReconfigurableApp> {
  const pipeline = await startLocalPipeline({
    deviceMapping: await readFile('samples/devicecontent.json', 'utf8'),
    fhirMapping: await readFile('samples/fhirmapping.json', 'utf8'),
    resolution: 'Create',
    startTime: new Date(start),
  });
  const logs: string[] = [];
  const e = pipeline.endpoints;
  const base: Record<string, string> = {
    FHIR__URL: e.fhir,
    FHIR__RESOLUTION: 'Create',
    FHIR__MAX_ATTEMPTS: '3',
    FHIR__TIMEOUT_MS: '5000',
    COSMOS__ENDPOINT: e.cosmos,
    COSMOS__KEY: 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==',
    MAPPINGS__CONNECTION_STRING: e.storageConnectionString,
    MAPPINGS__REFRESH_SECONDS: '0',
    FLUSH__MODE: 'queue',
    FLUSH_QUEUE_NAME: 'flush-work',
    FLUSH_QUEUE_CONNECTION: e.storageConnectionString,
  };
  let current: AppServices | undefined;
  let restarts = 0;
  const summaries: FlushUnitSummary[] = [];
  const restart = async (settings: Record<string, string>): Promise<void> => {
    current?.dispose();
    const config = loadConfig({ ...base, ...initial, ...settings });
    if (!config.ok) {
      throw new Error(config.problems.join('; '));
    }
    restarts += 1;
    const inner = await createAppServices(config.config, {
      logger: {
        info: (m) => logs.push(m),
        warn: (m) => logs.push(`warn: ${m}`),
        error: (m) => logs.push(`error: ${m}`),
      },
      now: () => pipeline.now(),
      owner: `instance-${restarts}`,
    });
    current = {
      ...inner,
      config: inner.config,
      adapters: inner.adapters,
      flushUnit: async (unit) => {
        const s = await inner.flushUnit(unit);
        summaries.push(s);
        return s;
      },
    };
    setAppServices(current);
  };
  await restart({});
  const sequences = new Map<string, number>();
  const context = (functionName: string, triggerMetadata?: Record<string, unknown>) =>
    new InvocationContext({
      functionName,
      invocationId: `${functionName}-${pipeline.now().getTime()}`,
      ...(triggerMetadata === undefined ? {} : { triggerMetadata }),
      logHandler: (level, ...args) => logs.push(`[${functionName}] ${level}: ${args.map(String).join(' ')}`),
    });
  return {
    pipeline,
    logs,
    app: () => {
      if (current === undefined) {
        throw new Error('not started');
      }
      return current;
    },
    restart,
    async send(body, partition = '0') {
      const seq = sequences.get(partition) ?? 0;
      sequences.set(partition, seq + 1);
      const { bodies, metadata } = toEventHubTriggerInput(partition, [
        {
          body: Buffer.from(JSON.stringify(body)),
          sequenceNumber: seq,
          offset: String(seq),
          enqueuedTimeUtc: pipeline.now().toISOString(),
          partitionKey: null,
        },
      ]);
      await ingest(bodies, context('ingest', metadata));
    },
    async tick() {
      const before = summaries.length;
      await flushTimer(
        {
          isPastDue: false,
          schedule: { adjustForDST: false },
          scheduleStatus: { last: '', next: '', lastUpdated: '' },
        },
        context('flushTimer'),
      );
      const app = current;
      if (app?.config.flush.mode === 'queue') {
        const queue = createFlushQueue({
          connectionString: e.storageConnectionString,
          queueName: app.config.flush.queueName,
        }).client;
        for (;;) {
          const got = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
          if (got.receivedMessageItems.length === 0) {
            break;
          }
          for (const item of got.receivedMessageItems) {
            const text = Buffer.from(item.messageText, 'base64').toString('utf8');
            await flushWorker(JSON.parse(text) as unknown, context('flushWorker'));
            await queue.deleteMessage(item.messageId, item.popReceipt);
          }
        }
      }
      return summaries.slice(before);
    },
    async observations() {
      const all = await pipeline.exportResources();
      return all.filter((r): r is Observation => r.resourceType === 'Observation');
    },
    async close() {
      current?.dispose();
      await pipeline.close();
    },
  };
}
