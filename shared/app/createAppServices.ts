/**
 * The composition root: builds every adapter once from the validated configuration and exposes the use cases the
 * Function entry points call. Entry points stay thin; everything here is created once per process.
 */
import { randomUUID } from 'node:crypto';
import { flushWriteMarginMs, type AppConfig } from '../config/loadConfig.js';
import type { IngestEvent } from '../core/deviceEvent.js';
import type { DeviceMapping } from '../core/mapping/deviceMapping.js';
import { parseDeviceMapping } from '../core/mapping/parseDeviceMapping.js';
import type { FhirMapping } from '../core/fhir/contract.js';
import { parseFhirMapping } from '../core/fhir/fhirMapping.js';
import type { WorkUnit } from '../core/staging/stagingKeys.js';
import { openCosmosStores, type CosmosStores } from '../adapters/cosmos/openCosmosStores.js';
import { BlobMappingStore } from '../adapters/blob/blobMappingStore.js';
import { createBlobContainerClient } from '../adapters/blob/blobClients.js';
import { createFhirStore } from '../adapters/fhir/createFhirStore.js';
import { createFlushQueue, type FlushQueue } from '../adapters/queue/flushQueue.js';
import { createIdentityResolver } from '../pipeline/resolveIdentity.js';
import { createObservationLocks } from '../pipeline/transformAndPersist.js';
import type { FhirStore, IdentityResolver } from '../pipeline/ports.js';
import type {
  DeadLetterKey,
  DeadLetterPage,
  DeadLetterQuery,
  StagingStore,
  StoredDeadLetter,
} from '../pipeline/stagingPorts.js';
import { ingestBatch, type IngestSummary } from '../pipeline/ingestBatch.js';
import { flushWorkUnit, planFlush, type FlushUnitSummary } from '../pipeline/flushWorkUnit.js';
import { replayDeadLetters, type ReplayOptions, type ReplaySummary } from '../pipeline/replayDeadLetters.js';
import { discardDeadLetters, type DiscardOptions, type DiscardSummary } from '../pipeline/discardDeadLetters.js';
import { logMappingProblem } from './mappingProblemLog.js';
import { ConfigurationError } from './describeError.js';
import { checkFhirVersioning } from './checkFhirVersioning.js';

/** Where the app writes its own diagnostics (mapping problems). Never given payloads or patient identifiers. */
export interface AppLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The use cases, wired. */
export interface AppServices {
  readonly config: AppConfig;
  /** Normalizes, stages and dead-letters one Event Hubs batch. */
  ingest(events: readonly IngestEvent[]): Promise<IngestSummary>;
  /** Closed work units that still hold staged data. */
  planFlush(): Promise<WorkUnit[]>;
  /** Sends work units to the flush queue. */
  enqueueFlush(units: readonly WorkUnit[]): Promise<number>;
  /** Flushes one work unit to FHIR. */
  flushUnit(unit: WorkUnit): Promise<FlushUnitSummary>;
  /** Lists dead letters, one page at a time. */
  listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage>;
  /** Reads one dead letter, with its data. */
  readDeadLetter(key: DeadLetterKey): Promise<StoredDeadLetter | undefined>;
  /** Replays dead letters with the device mapping being served (their data is flushed with the next window). */
  replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary>;
  /** Deletes dead letters an operator will not replay: by key, or by error name and time. */
  discardDeadLetters(options: DiscardOptions): Promise<DiscardSummary>;
  /** ETags of the mappings being served (throws when none is valid). */
  mappingVersions(): Promise<{ deviceMapping: string; fhirMapping: string }>;
  /** The adapters, for the local run and the benchmark; no flush queue with `FLUSH__MODE=inline` (none need be configured). */
  readonly adapters: {
    cosmos: CosmosStores;
    fhir: FhirStore;
    identity: IdentityResolver;
    flushQueue: FlushQueue | undefined;
  };
  /** Releases clients. */
  dispose(): void;
}

/** Options of {@link createAppServices}. */
export interface AppServicesOptions {
  logger: AppLogger;
  /** Clock (the local run advances it so windows close). */
  now?: () => Date;
  /** Worker identity in leases. */
  owner?: string;
  /** Wraps the staging store (tests inject crashes between flush steps with it). */
  decorateStaging?: (store: StagingStore) => StagingStore;
}

/**
 * Builds the adapters and use cases from configuration.
 * @param config - the validated configuration
 * @param options - logger, clock, owner
 */
export async function createAppServices(config: AppConfig, options: AppServicesOptions): Promise<AppServices> {
  const now = options.now ?? (() => new Date());
  const owner = options.owner ?? `worker-${randomUUID()}`;
  const { logger } = options;

  // The Storage clients first: one that cannot be built (a connection string the SDK refuses) then leaves no Cosmos
  // client behind, as each invocation builds the services again.
  const container = createBlobContainerClient(
    config.mappings.connectionString !== undefined
      ? { connectionString: config.mappings.connectionString }
      : { accountUrl: config.mappings.accountUrl ?? '' },
    config.mappings.container,
  );
  const mappings = new BlobMappingStore<DeviceMapping, FhirMapping>({
    container,
    parseDeviceMapping,
    parseFhirMapping,
    refreshIntervalMs: config.mappings.refreshSeconds * 1000,
    clock: () => now().getTime(),
    onProblem: (report) => logMappingProblem(logger, report),
  });

  const fhir = createFhirStore({
    baseUrl: config.fhir.url,
    auth: config.fhir.auth,
    ...(config.fhir.audience === undefined ? {} : { audience: config.fhir.audience }),
    retry: { maxAttempts: config.fhir.maxAttempts, requestTimeoutMs: config.fhir.timeoutMs },
  });
  const identity = createIdentityResolver(fhir, {
    resolutionType: config.fhir.resolution,
    ...(config.fhir.defaultDeviceIdentifierSystem === undefined
      ? {}
      : { defaultDeviceIdentifierSystem: config.fhir.defaultDeviceIdentifierSystem }),
    cacheMaxEntries: config.identityCache.maxEntries,
    cacheSlidingExpirationMs: config.identityCache.slidingMs,
    now: () => now().getTime(),
  });
  const observationLocks = createObservationLocks();
  // Inline, the timer flushes the units itself: no queue is configured, none is built.
  const flushQueue =
    config.flush.mode === 'inline'
      ? undefined
      : createFlushQueue(
          config.flush.queueConnectionString !== undefined
            ? { connectionString: config.flush.queueConnectionString, queueName: config.flush.queueName }
            : { queueServiceUri: config.flush.queueAccountUrl ?? '', queueName: config.flush.queueName },
        );
  const cosmos = await openCosmosStores({
    connection: {
      endpoint: config.cosmos.endpoint,
      ...(config.cosmos.key === undefined ? {} : { key: config.cosmos.key }),
    },
    names: {
      database: config.cosmos.database,
      staging: config.cosmos.stagingContainer,
      deadLetter: config.cosmos.deadLetterContainer,
      leases: config.cosmos.leaseContainer,
    },
    staging: {
      windowMinutes: config.staging.windowMinutes,
      maxDocumentBytes: config.staging.maxDocumentBytes,
      settleMs: config.staging.settleSeconds * 1000,
    },
  });

  // Created once per process; a failed attempt (a role assignment not in effect yet, a network blip) is forgotten, so
  // the next timer run tries again instead of failing until the host recycles.
  const ensureQueue = onceUntilFailure(async () => flushQueue?.ensure());

  // Once a process, at its first flush: a warning when the server keeps no history of Observations. Not waited for: a
  // FHIR server that is slow or down must not hold the flush (which meets it anyway) for the check's retries.
  let versioningChecked: Promise<unknown> | undefined;

  const staging = options.decorateStaging?.(cosmos.staging) ?? cosmos.staging;
  const flushDeps = {
    staging,
    deadLetters: cosmos.deadLetters,
    leases: cosmos.leases,
    owner,
    unitsInFlight: new Set<string>(),
    leaseMs: config.staging.leaseSeconds * 1000,
    // A FHIR write with all its retries, and the hosts' clocks a few seconds apart (3 min 5 s at most by default, within
    // the 5-minute lease that renewals keep above 3 min 20 s: no write waits for a renewal unless renewals fail).
    writeMarginMs: flushWriteMarginMs(config.fhir),
    now,
    // The host logs the error; this says what the failed attempt had already written (counts only, no data).
    onFailure: (summary: FlushUnitSummary) => logger.warn(`flushUnit failed ${JSON.stringify(summary)}`),
    transformDeps: async () => {
      versioningChecked ??= checkFhirVersioning(fhir, logger);
      return {
        mapping: (await mappings.getFhirMapping()).value,
        store: fhir,
        identity,
        now: () => now().getTime(),
        concurrency: config.fhir.concurrency,
        observationLocks,
      };
    },
  };

  return {
    config,
    adapters: { cosmos, fhir, identity, flushQueue },
    async ingest(events) {
      const mapping = (await mappings.getDeviceMapping()).value;
      return ingestBatch(events, mapping, { staging, deadLetters: cosmos.deadLetters, now });
    },
    planFlush: () => planFlush(flushDeps, config.staging.graceSeconds * 1000),
    async enqueueFlush(units) {
      if (flushQueue === undefined) {
        throw new ConfigurationError('FLUSH__MODE is inline: the timer flushes units itself and enqueues none');
      }
      await ensureQueue();
      return flushQueue.enqueue(units);
    },
    flushUnit: (unit) => flushWorkUnit(unit, flushDeps),
    listDeadLetters: (query) => cosmos.deadLetters.listDeadLetters(query),
    readDeadLetter: (key) => cosmos.deadLetters.readDeadLetter(key),
    async replayDeadLetters(replayOptions) {
      const mapping = (await mappings.getDeviceMapping()).value;
      return replayDeadLetters(mapping, { staging, deadLetters: cosmos.deadLetters, now }, replayOptions);
    },
    discardDeadLetters: (discardOptions) => discardDeadLetters({ deadLetters: cosmos.deadLetters }, discardOptions),
    async mappingVersions() {
      const [device, fhirMapping] = await Promise.all([mappings.getDeviceMapping(), mappings.getFhirMapping()]);
      return { deviceMapping: device.etag, fhirMapping: fhirMapping.etag };
    },
    dispose() {
      cosmos.dispose();
    },
  };
}

/**
 * Runs `task` once and hands every caller its promise, unless it failed: then the next call runs it again.
 * @param task - e.g. creating a queue if it does not exist
 */
export function onceUntilFailure(task: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= task().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
