/**
 * The whole pipeline on embedded local services, driven through the real Function handlers: Azurite (Blob, queues),
 * the Cosmos wire-compatible server, and the embedded Medplum FHIR server. Used by `npm run local`, the end-to-end
 * tests and the benchmark. There is no Event Hubs emulator here, so batches are built the way the Functions host
 * hands them to the trigger (bodies plus the same trigger metadata) and passed to the real `ingest` handler.
 */
import { createHash } from 'node:crypto';
import { parseTree } from 'jsonc-parser';
import functionsPackage from '@azure/functions';
import type { Timer } from '@azure/functions';
import type { Resource } from '@medplum/fhirtypes';
import { loadConfig } from '../shared/config/loadConfig.js';
import { readJsonAsMedTech } from '../shared/core/normalize/medTechJsonReader.js';
import { createAppServices, type AppLogger, type AppServices } from '../shared/app/createAppServices.js';
import { setAppServices } from '../shared/app/appServices.js';
import { createBlobContainerClient } from '../shared/adapters/blob/blobClients.js';
import { uploadMappings } from '../shared/adapters/blob/uploadMappings.js';
import { startAzurite, type LocalAzurite } from '../shared/local/azurite.js';
import { startCosmosServer, type LocalCosmosServer } from '../shared/local/cosmosServer.js';
import { startFhirServer, type FhirServer } from '../shared/local/fhirServer.js';
import type { IngestSummary } from '../shared/pipeline/ingestBatch.js';
import type { FlushUnitSummary } from '../shared/pipeline/flushWorkUnit.js';
import type { ErrorName } from '../shared/core/errors.js';
import type { StagingStore } from '../shared/pipeline/stagingPorts.js';
import { ingest } from '../functions/ingest.js';
import { flushTimer } from '../functions/flushTimer.js';
import { flushWorker } from '../functions/flushWorker.js';

const { InvocationContext } = functionsPackage;

/** One message to send: a JSON body, or raw text sent as bytes (so bad input can be tried). */
export type LocalMessage =
  | {
      kind: 'json';
      value: unknown;
      /** The message as the file writes it, sent as it is (`value` only picks its partition key). */
      text?: string;
      systemProperties?: Record<string, unknown>;
    }
  | { kind: 'raw'; text: string };

/** Options of {@link LocalPipeline.deliver}. */
export interface DeliverOptions {
  /** Hand every batch to the handler twice, as Event Hubs may. */
  redeliver?: boolean;
  /** Events per handler invocation for this delivery (default: the pipeline's batch size). */
  batchSize?: number;
  /** Number sequences from 0 again, as a replay from an earlier checkpoint does (same events, new batch boundaries). */
  resetSequences?: boolean;
}

/** Options of {@link startLocalPipeline}. */
export interface LocalPipelineOptions {
  deviceMapping: string;
  fhirMapping: string;
  resolution?: 'Lookup' | 'Create';
  /** Simulated clock start (the clock only moves when the pipeline advances it). */
  startTime?: Date;
  windowMinutes?: number;
  /** Event Hubs partitions to spread devices over (default 4). */
  partitions?: number;
  /** Events per trigger invocation (default 100, the Functions default `maxEventBatchSize`). */
  batchSize?: number;
  /** Where handlers and the app log (default: silent). */
  log?: (line: string) => void;
  /** Where the app's warnings and errors go, such as a mapping's problems when it loads (default: {@link log}). */
  warn?: (line: string) => void;
  /**
   * Put something in front of the FHIR server (e.g. a fault proxy): receives the server's URL, returns the URL the
   * app should use.
   */
  fhirFront?: (fhirUrl: string) => Promise<string>;
  /** Attempts per FHIR request (default 3); 1 makes a failing request fail the flush at once. */
  fhirMaxAttempts?: number;
  /** Wraps the staging store of the app (crash injection). */
  decorateStaging?: (store: StagingStore) => StagingStore;
  /** Further app settings (e.g. `STAGING__SETTLE_SECONDS`), over the local ones. */
  settings?: Readonly<Record<string, string>>;
}

/** Running local services with the app wired to them. */
export interface LocalPipeline {
  readonly services: AppServices;
  readonly endpoints: { blob: string; queue: string; cosmos: string; fhir: string; storageConnectionString: string };
  readonly fhirServer: FhirServer;
  /** The simulated clock. */
  now(): Date;
  advance(ms: number): void;
  /** Replaces the mappings in Blob Storage (as an operator would). */
  uploadMappings(files: { deviceMapping?: string; fhirMapping?: string }): Promise<void>;
  /**
   * Sends messages through the real ingest handler in Event Hubs-shaped batches.
   * @param messages - the messages
   * @param options - `redeliver`: hand every batch to the handler twice, as Event Hubs may
   * @returns one summary per handler invocation
   */
  deliver(messages: readonly LocalMessage[], options?: DeliverOptions): Promise<IngestSummary[]>;
  /**
   * Advances the clock past every open window, runs the real timer handler (which enqueues work units) and the real
   * queue worker for every message on the flush queue.
   * @returns one summary per flushed unit, and the errors of failed worker invocations
   */
  flush(): Promise<{ units: FlushUnitSummary[]; failures: string[] }>;
  /** Every resource on the FHIR server (Patient, Device, Encounter, Observation), sorted by type and id. */
  exportResources(): Promise<Resource[]>;
  /**
   * Builds a second, independent app instance on the same services (its own caches and lease owner), as another
   * Functions instance would be.
   * @param owner - its lease owner name
   */
  createWorker(owner: string): Promise<AppServices>;
  /**
   * Simulates a process restart: the app's services are rebuilt from scratch (caches, leases owner, clients).
   */
  restart(): Promise<void>;
  /** Dead letters by error name. */
  deadLetterCounts(): Promise<Partial<Record<ErrorName, number>>>;
  close(): Promise<void>;
}

/**
 * Starts the local services and wires the app to them.
 * @param options - mappings, resolution, clock and batching
 */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const log = options.log ?? (() => undefined);
  const partitions = options.partitions ?? 4;
  const batchSize = options.batchSize ?? 100;
  const windowMinutes = options.windowMinutes ?? 15;
  let clock = (options.startTime ?? new Date()).getTime();

  const started: { close(): Promise<void> }[] = [];
  try {
    const azurite: LocalAzurite = await startAzurite();
    started.push(azurite);
    const cosmos: LocalCosmosServer = await startCosmosServer();
    started.push(cosmos);
    const fhirServer = await startFhirServer();
    started.push(fhirServer);
    const fhirUrl = options.fhirFront === undefined ? fhirServer.url : await options.fhirFront(fhirServer.url);

    const container = createBlobContainerClient({ connectionString: azurite.connectionString }, 'template');
    await container.createIfNotExists();
    await uploadMappings(container, { deviceContent: options.deviceMapping, fhirMapping: options.fhirMapping });

    const config = loadConfig({
      FHIR__URL: fhirUrl,
      FHIR__RESOLUTION: options.resolution ?? 'Create',
      FHIR__MAX_ATTEMPTS: String(options.fhirMaxAttempts ?? 3),
      FHIR__TIMEOUT_MS: '5000',
      COSMOS__ENDPOINT: cosmos.endpoint,
      COSMOS__KEY: cosmos.key,
      MAPPINGS__CONNECTION_STRING: azurite.connectionString,
      MAPPINGS__REFRESH_SECONDS: '0',
      FLUSH__MODE: 'queue',
      FLUSH_QUEUE_NAME: 'flush-work',
      FLUSH_QUEUE_CONNECTION: azurite.connectionString,
      STAGING__WINDOW_MINUTES: String(windowMinutes),
      ...options.settings,
    });
    if (!config.ok) {
      throw new Error(`local configuration is invalid: ${config.problems.join('; ')}`);
    }
    const warn = options.warn ?? log;
    const logger: AppLogger = { info: log, warn: (m) => warn(`warning: ${m}`), error: (m) => warn(`error: ${m}`) };
    const build = (owner: string): Promise<AppServices> =>
      createAppServices(config.config, {
        logger,
        now: () => new Date(clock),
        owner,
        ...(options.decorateStaging === undefined ? {} : { decorateStaging: options.decorateStaging }),
      });
    let inner = await build('local-run');
    let restarts = 0;
    const workers: AppServices[] = [];

    // Capture the use-case summaries the handlers only log.
    let ingestSummaries: IngestSummary[] = [];
    let flushSummaries: FlushUnitSummary[] = [];
    let flushErrors: unknown[] = [];
    const services: AppServices = {
      get config() {
        return inner.config;
      },
      get adapters() {
        return inner.adapters;
      },
      planFlush: () => inner.planFlush(),
      enqueueFlush: (units) => inner.enqueueFlush(units),
      mappingVersions: () => inner.mappingVersions(),
      listDeadLetters: (query) => inner.listDeadLetters(query),
      readDeadLetter: (key) => inner.readDeadLetter(key),
      replayDeadLetters: (replayOptions) => inner.replayDeadLetters(replayOptions),
      discardDeadLetters: (discardOptions) => inner.discardDeadLetters(discardOptions),
      dispose: () => inner.dispose(),
      ingest: async (events) => {
        const summary = await inner.ingest(events);
        ingestSummaries.push(summary);
        return summary;
      },
      flushUnit: async (unit) => {
        try {
          const summary = await inner.flushUnit(unit);
          flushSummaries.push(summary);
          return summary;
        } catch (error) {
          // The worker completes the message of a unit that failed retriably (it stays staged): counted here.
          flushErrors.push(error);
          throw error;
        }
      },
    };
    setAppServices(services);
    const context = (
      functionName: string,
      triggerMetadata?: Record<string, unknown>,
    ): InstanceType<typeof InvocationContext> =>
      new InvocationContext({
        functionName,
        invocationId: `${functionName}-${clock}`,
        ...(triggerMetadata === undefined ? {} : { triggerMetadata }),
        logHandler: (level, ...args) => log(`[${functionName}] ${level}: ${args.map(String).join(' ')}`),
      });

    const sequence = new Map<string, number>();
    let roundRobin = 0;

    const pipeline: LocalPipeline = {
      services,
      fhirServer,
      endpoints: {
        blob: azurite.blobEndpoint,
        queue: azurite.queueEndpoint,
        cosmos: cosmos.endpoint,
        fhir: fhirUrl,
        storageConnectionString: azurite.connectionString,
      },
      now: () => new Date(clock),
      advance: (ms) => {
        clock += ms;
      },
      async uploadMappings(files) {
        await uploadMappings(container, {
          ...(files.deviceMapping === undefined ? {} : { deviceContent: files.deviceMapping }),
          ...(files.fhirMapping === undefined ? {} : { fhirMapping: files.fhirMapping }),
        });
      },
      async deliver(messages, deliverOptions = {}) {
        ingestSummaries = [];
        if (deliverOptions.resetSequences === true) {
          sequence.clear();
          roundRobin = 0;
        }
        const size = deliverOptions.batchSize ?? batchSize;
        const byPartition = new Map<string, LocalMessage[]>();
        for (const message of messages) {
          const key = partitionKeyOf(message);
          const partition =
            key === undefined ? String(roundRobin++ % partitions) : String(stableHash(key) % partitions);
          const list = byPartition.get(partition) ?? [];
          list.push(message);
          byPartition.set(partition, list);
        }
        for (const [partitionId, list] of [...byPartition].sort(([a], [b]) => a.localeCompare(b))) {
          for (let i = 0; i < list.length; i += size) {
            const batch = list.slice(i, i + size);
            const first = sequence.get(partitionId) ?? 0;
            sequence.set(partitionId, first + batch.length);
            const { bodies, metadata } = toTriggerInput(batch, partitionId, first, new Date(clock));
            const times = deliverOptions.redeliver === true ? 2 : 1;
            for (let n = 0; n < times; n++) {
              await ingest(bodies, context('ingest', metadata));
            }
          }
        }
        return ingestSummaries;
      },
      async flush() {
        flushSummaries = [];
        flushErrors = [];
        clock += (windowMinutes + 2) * 60_000 + config.config.staging.graceSeconds * 1000;
        const queue = inner.adapters.flushQueue?.client;
        if (queue === undefined) {
          throw new Error('the local pipeline runs the flush through its queue (FLUSH__MODE=queue)');
        }
        // A timer run plans each shard's oldest closed window; the windows after it wait for later runs. Run the timer
        // until it plans nothing, or until a unit of its run failed (as the service's next tick would, the next call
        // takes it on again) or none was flushed.
        for (;;) {
          const summariesBefore = flushSummaries.length;
          const errorsBefore = flushErrors.length;
          await flushTimer(timerInfo(clock), context('flushTimer'));
          let drained = 0;
          for (;;) {
            const received = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
            if (received.receivedMessageItems.length === 0) {
              break;
            }
            for (const item of received.receivedMessageItems) {
              // The host decodes base64 and hands JSON messages to the handler as objects.
              const text = Buffer.from(item.messageText, 'base64').toString('utf8');
              drained += 1;
              try {
                await flushWorker(JSON.parse(text) as unknown, context('flushWorker'));
              } catch (error) {
                // The unit stays staged; the next timer tick enqueues it again.
                if (!flushErrors.includes(error)) {
                  flushErrors.push(error);
                }
              }
              await queue.deleteMessage(item.messageId, item.popReceipt);
            }
          }
          const ran = flushSummaries.slice(summariesBefore);
          const failed = flushErrors.length > errorsBefore || ran.some((summary) => summary.status === 'failed');
          const progressed = ran.some((summary) => summary.status === 'flushed' || summary.status === 'empty');
          if (drained === 0 || failed || !progressed) {
            break;
          }
        }
        const failures = flushErrors.map((error) =>
          error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        );
        return { units: flushSummaries, failures };
      },
      async exportResources() {
        const out: Resource[] = [];
        for (const type of ['Patient', 'Device', 'Encounter', 'Observation'] as const) {
          const found = await inner.adapters.fhir.search<Resource>(type, { _count: '1000' });
          out.push(...found);
        }
        return out.sort((a, b) =>
          a.resourceType === b.resourceType
            ? (a.id ?? '').localeCompare(b.id ?? '')
            : a.resourceType.localeCompare(b.resourceType),
        );
      },
      async createWorker(owner) {
        const worker = await build(owner);
        workers.push(worker);
        return worker;
      },
      async restart() {
        inner.dispose();
        // A new process: a lease owner of its own (an owner is one process, which the lease store relies on).
        restarts += 1;
        inner = await build(`local-run-restart-${restarts}`);
      },
      async deadLetterCounts() {
        const counts: Partial<Record<ErrorName, number>> = {};
        let continuationToken: string | undefined;
        do {
          const page = await inner.adapters.cosmos.deadLetters.listDeadLetters({
            maxItems: 500,
            ...(continuationToken === undefined ? {} : { continuationToken }),
          });
          for (const item of page.items) {
            counts[item.errorName] = (counts[item.errorName] ?? 0) + 1;
          }
          continuationToken = page.continuationToken;
        } while (continuationToken !== undefined);
        return counts;
      },
      async close() {
        setAppServices(undefined);
        inner.dispose();
        for (const worker of workers) {
          worker.dispose();
        }
        for (const service of started.reverse()) {
          await service.close();
        }
      },
    };
    return pipeline;
  } catch (error) {
    for (const service of started.reverse()) {
      await service.close().catch(() => undefined);
    }
    throw error;
  }
}

/**
 * Reads a messages file: a JSON object (one message), a JSON array (messages), or NDJSON (a message per line; a line
 * that is not valid JSON is sent as a raw body, so bad input can be tried). A file that is one document as MedTech's
 * reader takes it (comments, trailing commas, single quotes: see medTechJsonReader.ts) is one, as `medtech normalize
 * --message` reads it, not split into lines.
 * @param text - the file content
 */
export function readMessagesFile(text: string): LocalMessage[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') {
    return [];
  }
  try {
    const value = JSON.parse(trimmed) as unknown;
    if (Array.isArray(value)) {
      // Each element's own text, so that its numbers and member order reach the ingest handler as written.
      const elements = parseTree(trimmed)?.children ?? [];
      return (value as unknown[]).map((v, i): LocalMessage => {
        const node = elements[i];
        const text = node === undefined ? undefined : trimmed.slice(node.offset, node.offset + node.length);
        return text === undefined ? { kind: 'json', value: v } : { kind: 'json', value: v, text };
      });
    }
    if (!trimmed.includes('\n') || typeof value === 'object') {
      return [{ kind: 'json', value, text: trimmed }];
    }
  } catch {
    const lenient = readJsonAsMedTech(trimmed, { elementSpans: true });
    if (lenient.ok && !lenient.trailingContent && typeof lenient.value === 'object' && lenient.value !== null) {
      // Each element's own text, as for a strict array (an empty slot, read as null, is sent as `null`).
      const spans = lenient.elementSpans;
      return spans === undefined
        ? [{ kind: 'json', value: lenient.value, text: trimmed }]
        : (lenient.value as unknown[]).map((value, i): LocalMessage => {
            const [start, end] = spans[i] ?? [0, 0];
            return { kind: 'json', value, text: end > start ? trimmed.slice(start, end) : 'null' };
          });
    }
    // Not one document: NDJSON.
  }
  return trimmed
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line): LocalMessage => {
      try {
        return { kind: 'json', value: JSON.parse(line) as unknown, text: line };
      } catch {
        return { kind: 'raw', text: line };
      }
    });
}

/**
 * Removes server-assigned, run-dependent metadata so two runs' exports can be compared.
 * @param resource - a resource as read from the server
 */
export function toComparableResource(resource: Resource): Resource {
  const { meta: _meta, ...rest } = resource;
  return rest;
}

function partitionKeyOf(message: LocalMessage): string | undefined {
  if (message.kind !== 'json' || typeof message.value !== 'object' || message.value === null) {
    return undefined;
  }
  const deviceId = (message.value as Record<string, unknown>)['deviceId'];
  return typeof deviceId === 'string' ? deviceId : undefined;
}

function stableHash(text: string): number {
  return createHash('sha256').update(text, 'utf8').digest().readUInt32BE(0);
}

function toTriggerInput(
  batch: readonly LocalMessage[],
  partitionId: string,
  firstSequence: number,
  enqueued: Date,
): { bodies: unknown[]; metadata: Record<string, unknown> } {
  const enqueuedIso = enqueued.toISOString();
  return toEventHubTriggerInput(
    partitionId,
    batch.map((message, i) => ({
      // The trigger binds its batch as bytes (dataType binary, functions/ingest.ts): every body arrives as a Buffer.
      // A message read from a file is sent as the file writes it: JSON.stringify would round a 19-digit integer,
      // write `1.5e15` as digits and list integer-like member names first, which the service never sees done to a
      // message.
      body: Buffer.from(message.kind === 'raw' ? message.text : (message.text ?? JSON.stringify(message.value))),
      sequenceNumber: firstSequence + i,
      offset: String((firstSequence + i) * 1024),
      enqueuedTimeUtc: enqueuedIso,
      partitionKey: partitionKeyOf(message) ?? null,
      ...(message.kind === 'json' && message.systemProperties !== undefined
        ? { systemProperties: message.systemProperties }
        : {}),
    })),
  );
}

/** One event as the Event Hubs trigger hands it over (see {@link toEventHubTriggerInput}). */
export interface TriggerEvent {
  body: Buffer;
  sequenceNumber: number;
  offset: string;
  enqueuedTimeUtc: string;
  partitionKey: string | null;
  /** The sender's system properties, under the ones Event Hubs sets. */
  systemProperties?: Record<string, unknown>;
}

/**
 * A batch as the Functions host hands it to the Event Hubs trigger: bodies as bytes (`dataType: 'binary'`) and the
 * trigger metadata (partition context, per-event arrays, system properties as Event Hubs sets them).
 * @param partitionId - the partition the batch was read from
 * @param events - its events, in order
 */
export function toEventHubTriggerInput(
  partitionId: string,
  events: readonly TriggerEvent[],
): { bodies: Buffer[]; metadata: Record<string, unknown> } {
  return {
    bodies: events.map((e) => e.body),
    metadata: {
      partitionContext: {
        consumerGroup: '$Default',
        eventHubName: 'devicedata',
        fullyQualifiedNamespace: 'local',
        partitionId,
      },
      enqueuedTimeUtcArray: events.map((e) => e.enqueuedTimeUtc),
      sequenceNumberArray: events.map((e) => e.sequenceNumber),
      offsetArray: events.map((e) => e.offset),
      partitionKeyArray: events.map((e) => e.partitionKey),
      propertiesArray: events.map(() => ({})),
      systemPropertiesArray: events.map((e) => ({
        ...e.systemProperties,
        'x-opt-sequence-number': e.sequenceNumber,
        'x-opt-offset': e.offset,
        'x-opt-enqueued-time': e.enqueuedTimeUtc,
        ...(e.partitionKey === null ? {} : { 'x-opt-partition-key': e.partitionKey }),
      })),
    },
  };
}

function timerInfo(now: number): Timer {
  return {
    isPastDue: false,
    schedule: { adjustForDST: false },
    scheduleStatus: {
      last: new Date(now - 60_000).toISOString(),
      next: new Date(now + 60_000).toISOString(),
      lastUpdated: new Date(now).toISOString(),
    },
  };
}
