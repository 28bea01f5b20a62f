import { randomUUID } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import type { Measurement } from '../../core/measurement.js';
import {
  decodeStagingDocument,
  defaultMaxDocumentBytes,
  defaultWindowMinutes,
  findSupersededChunks,
  findUnsettledChunks,
  orderStagedDocuments,
  planStagingSteps,
  toSupersedingHead,
  type StagedDocumentOrigin,
  type StagingDocument,
} from '../../core/staging/planStagingDocuments.js';
import type { SequenceRange, WorkUnit } from '../../core/staging/stagingKeys.js';
import { toStagingPartitionKey, toWorkUnitKey } from '../../core/staging/stagingKeys.js';
import { toClosedWindowCutoff } from '../../core/staging/stagingWindow.js';
import { REPLAY_SHARD_PREFIX } from '../../core/staging/deadLetterReplay.js';
import type {
  DeleteOutcome,
  ListedUnit,
  StagedDocumentRef,
  StagedUnit,
  StagingStore,
} from '../../pipeline/stagingPorts.js';
import { CosmosWriteCounter, type CosmosWriteKind } from './cosmosWriteCounter.js';
import { deleteItems } from './cosmosDeletes.js';
import { fetchAllPages } from './cosmosPaging.js';
import { mapWithConcurrency } from '../../pipeline/limiter.js';
import { StagingUnavailableError, withStagingErrors } from './stagingUnavailableError.js';
import { sendConditionalWrite } from './conditionalWrite.js';

/** Settings of {@link CosmosStagingStore}. */
export interface CosmosStagingStoreOptions {
  /** Window length in minutes (default 15). */
  windowMinutes?: number;
  /** Maximum serialized size of one staging document in bytes (default 1,500,000). */
  maxDocumentBytes?: number;
  /** Parallel requests per call (default 8). */
  concurrency?: number;
  /** Counts write requests; pass a shared one to aggregate over stores (default: a new counter). */
  counter?: CosmosWriteCounter;
  /** Clock for `createdAt` (default `Date.now`). */
  clock?: () => number;
  /**
   * How long a staging may still be writing after its last write landed, in ms (default {@link STAGING_SETTLE_MS}):
   * while a unit holds chunks of a staging that may still be running this young, it is not flushed (see `settling`).
   */
  settleMs?: number;
  /** The real clock the settle time is measured on, against Cosmos DB's `_ts` (default `Date.now`). */
  wallClock?: () => number;
}

/**
 * Default settle time: the function timeout (`host.json`, 10 minutes) and a minute's margin. An ingest invocation, and
 * the staging it runs, ends by then; chunks still without their staging's head are then from one cut short.
 */
export const STAGING_SETTLE_MS = 11 * 60_000;

/**
 * Tries to write a staging head over the one read before another staging's head lands in between. Heads of one batch
 * land seldom at once (a redelivery racing a staging of the same batch), so running out of tries is a contention
 * the retried invocation can wait out.
 */
const MAX_HEAD_ATTEMPTS = 8;

interface UnitRow {
  windowStart?: unknown;
  windowEnd?: unknown;
  shard?: unknown;
  firstSequenceNumber?: unknown;
}

interface StoredStagingDocument extends StagedDocumentOrigin {
  _etag?: string;
  /** When the document was last written, by the service's clock (epoch seconds). */
  _ts?: number;
  measurements?: unknown;
}

/**
 * The staging store on Cosmos DB (container `staging`, partition key `/pk` = `{windowStart}|{shard}`): one document
 * per (ingest batch, window, chunk). Later chunks are upserted under ids of their staging; a window's head, the same
 * id at every staging of the batch, is created, or replaced under the ETag of the head it overwrites.
 */
export class CosmosStagingStore implements StagingStore {
  /** Write requests sent by this store (and any store sharing the counter). */
  readonly counter: CosmosWriteCounter;
  private readonly windowMinutes: number;
  private readonly maxDocumentBytes: number;
  private readonly concurrency: number;
  private readonly clock: () => number;
  private readonly settleMs: number;
  private readonly wallClock: () => number;

  /**
   * @param container - the `staging` container
   * @param options - window length, document size bound, concurrency, counter, clock
   */
  constructor(
    private readonly container: Container,
    options: CosmosStagingStoreOptions = {},
  ) {
    this.windowMinutes = options.windowMinutes ?? defaultWindowMinutes;
    this.maxDocumentBytes = options.maxDocumentBytes ?? defaultMaxDocumentBytes;
    this.concurrency = options.concurrency ?? 8;
    this.counter = options.counter ?? new CosmosWriteCounter();
    this.clock = options.clock ?? Date.now;
    this.settleMs = options.settleMs ?? STAGING_SETTLE_MS;
    this.wallClock = options.wallClock ?? Date.now;
  }

  /**
   * Stages one ingest batch (see {@link StagingStore.stageBatch}).
   * @param shard - the Event Hubs partition id, or a replay shard
   * @param range - first and last sequence numbers of the batch (see {@link SequenceRange})
   * @param measurements - the batch's measurements, read once as the documents fill (see {@link planStagingSteps})
   * @param eventTimes - the ingestion times of all the batch's events (see {@link StagingStore.stageBatch})
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   * @throws RangeError when the range or an ingestion time is invalid
   */
  async stageBatch(
    shard: string,
    range: SequenceRange,
    measurements: Iterable<Measurement>,
    eventTimes: readonly string[] = [],
  ): Promise<number> {
    const options = {
      windowMinutes: this.windowMinutes,
      maxDocumentBytes: this.maxDocumentBytes,
      nowMs: this.clock(),
      stagingId: randomUUID(),
    };
    let written = 0;
    // Later chunks as they fill, then window by window, oldest first, the heads (see planStagingSteps). An empty head
    // is written only over a head an earlier staging of this batch left (nothing is written for a batch staged once).
    for (const step of planStagingSteps(shard, range, measurements, eventTimes, options, this.concurrency)) {
      const outcomes = await mapWithConcurrency(step, this.concurrency, async (document) => {
        if (document.chunk === 0) {
          return this.writeHead(document);
        }
        const response = await withStagingErrors('upsert staging document', () =>
          this.container.items.upsert(document),
        );
        this.counter.record('upsert', response.requestCharge);
        return true;
      });
      written += outcomes.filter(Boolean).length;
    }
    return written;
  }

  /**
   * Writes a staging's head over the stored one, naming the stagings it supersedes (see toSupersedingHead): created
   * where there is none (an empty head is then not written at all), else replaced under the stored head's ETag, and
   * read again when another staging's head landed in between, so that each head names the one it overwrote.
   * @returns whether the head was written
   */
  private async writeHead(head: StagingDocument): Promise<boolean> {
    const item = this.container.item(head.id, head.pk);
    const create = (): Promise<boolean> =>
      this.written('create', 'create staging head', [409], () =>
        this.container.items.create(toSupersedingHead(head, undefined)),
      );
    // A batch staged for the first time: one request.
    if (head.chunks > 0 && (await create())) {
      return true;
    }
    for (let attempt = 0; attempt < MAX_HEAD_ATTEMPTS; attempt++) {
      const read = await withStagingErrors('read staging head', () => item.read<StoredStagingDocument>());
      const stored = read.resource;
      if (stored === undefined) {
        if (head.chunks === 0) {
          return false;
        }
        if (await create()) {
          return true;
        }
        continue;
      }
      const condition = read.etag ?? stored._etag ?? '';
      const replaced = await this.written('replace', 'replace staging head', [404, 412], () =>
        item.replace(toSupersedingHead(head, stored), { accessCondition: { type: 'IfMatch', condition } }),
      );
      if (replaced) {
        return true;
      }
    }
    throw new StagingUnavailableError(`staging head contended by other stagings ${MAX_HEAD_ATTEMPTS} times`);
  }

  /** Sends one conditional write (see sendConditionalWrite): false when another writer came first. */
  private async written(
    kind: CosmosWriteKind,
    operation: string,
    lostStatuses: readonly number[],
    call: () => Promise<{ requestCharge: number }>,
  ): Promise<boolean> {
    return (await sendConditionalWrite(this.counter, kind, operation, lostStatuses, call)) !== undefined;
  }

  /**
   * Lists closed units with staged documents (see {@link StagingStore.listClosedUnits}).
   * @param now - the current time
   * @param graceMs - grace period in milliseconds
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   */
  async listClosedUnits(now: Date, graceMs: number): Promise<ListedUnit[]> {
    const cutoff = toClosedWindowCutoff(now.getTime(), graceMs);
    const closed = await this.queryUnits(
      'SELECT c.windowStart, c.windowEnd, c.shard, c.firstSequenceNumber FROM c WHERE c.windowEnd < @cutoff',
      { '@cutoff': cutoff },
      'query closed windows',
    );
    const latestEnd = closed.reduce<string | undefined>(
      (latest, unit) =>
        unit.windowEnd !== undefined && (latest === undefined || unit.windowEnd > latest) ? unit.windowEnd : latest,
      undefined,
    );
    // Open windows that start before a closed one ends: only after the window length changed (a window of one length
    // starts where the one before it ends), so this finds nothing otherwise.
    const open =
      latestEnd === undefined
        ? []
        : await this.queryUnits(
            'SELECT c.windowStart, c.windowEnd, c.shard, c.firstSequenceNumber FROM c ' +
              'WHERE c.windowEnd >= @cutoff AND c.windowStart < @latestEnd',
            { '@cutoff': cutoff, '@latestEnd': latestEnd },
            'query open windows',
          );
    return [...closed, ...open.map((unit): ListedUnit => ({ ...unit, open: true }))].sort(
      (a, b) => compare(a.windowStart, b.windowStart) || compare(a.shard, b.shard),
    );
  }

  /**
   * The units of the staging documents a query finds, each with the smallest first sequence number among them. No
   * GROUP BY/DISTINCT (the local server lacks them, and a cross-partition DISTINCT is costly): one row per document,
   * merged here.
   */
  private async queryUnits(
    query: string,
    parameters: Record<string, string>,
    operation: string,
  ): Promise<ListedUnit[]> {
    const iterator = this.container.items.query<UnitRow>(
      { query, parameters: Object.entries(parameters).map(([name, value]) => ({ name, value })) },
      { maxItemCount: 1000 },
    );
    const units = new Map<string, ListedUnit>();
    for (const row of await fetchAllPages(iterator, operation)) {
      if (typeof row.windowStart !== 'string' || typeof row.shard !== 'string') {
        continue;
      }
      const unit: ListedUnit = { windowStart: row.windowStart, shard: row.shard };
      const key = toWorkUnitKey(unit);
      const listed = units.get(key);
      const first = listed?.firstSequenceNumber;
      const sequence = typeof row.firstSequenceNumber === 'number' ? row.firstSequenceNumber : undefined;
      const earliest = first === undefined ? sequence : sequence === undefined ? first : Math.min(first, sequence);
      const end = typeof row.windowEnd === 'string' ? row.windowEnd : undefined;
      const latestEnd =
        listed?.windowEnd === undefined || (end !== undefined && end > listed.windowEnd) ? end : listed.windowEnd;
      units.set(key, {
        ...unit,
        ...(latestEnd === undefined ? {} : { windowEnd: latestEnd }),
        ...(earliest === undefined ? {} : { firstSequenceNumber: earliest }),
      });
    }
    return [...units.values()];
  }

  /**
   * Reads every staged document of a unit (see {@link StagingStore.readUnit}).
   * @param unit - the work unit
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   */
  async readUnit(unit: WorkUnit): Promise<StagedUnit> {
    const pk = toStagingPartitionKey(unit);
    const iterator = this.container.items.query<StoredStagingDocument>(
      { query: 'SELECT * FROM c WHERE c.pk = @pk', parameters: [{ name: '@pk', value: pk }] },
      { partitionKey: pk, maxItemCount: 100 },
    );
    // In the order the events were ingested, as grouping expects.
    const stored = orderStagedDocuments(await fetchAllPages(iterator, 'read staged unit'), 'read');
    // Left behind by a redelivery that needed fewer chunks: deleted with the rest, their measurements not flushed.
    const superseded = findSupersededChunks(stored);
    // Chunks of a staging that may still be running, written within the settle time: the unit waits.
    const unsettled = findUnsettledChunks(stored, superseded);
    const settledBefore = this.wallClock() - this.settleMs;
    const settling = stored.filter(
      (d) => unsettled.has(d.id) && (typeof d._ts !== 'number' || d._ts * 1000 > settledBefore),
    ).length;
    const supersededRefs: StagedDocumentRef[] = [];
    const flushed = new Map<StoredStagingDocument, { ref: StagedDocumentRef; latestIngestion: number }>();
    const measurements: Measurement[] = [];
    let malformed = 0;
    for (const document of stored) {
      const ref = { id: document.id, etag: document._etag ?? '' };
      if (superseded.has(document.id)) {
        supersededRefs.push(ref);
        continue;
      }
      const decoded = decodeStagingDocument(document);
      let latestIngestion = Number.NEGATIVE_INFINITY;
      // Appended one by one: spreading a large chunk into push() can exceed the call stack's argument room.
      for (const measurement of decoded.measurements) {
        measurements.push(measurement);
        latestIngestion = Math.max(latestIngestion, Date.parse(measurement.ingestionTimeUtc) || latestIngestion);
      }
      flushed.set(document, { ref, latestIngestion });
      malformed += decoded.malformed;
    }
    // The order the flush deletes them in (one at a time, stopping at the first that cannot go): the superseded first
    // (they hold nothing to flush, and only the chunk 0 of their batch marks them), then oldest first. A replay
    // shard's sequence numbers are hashes, not ingestion order: its documents go by their latest ingestion time.
    // A live shard's go by their last sequence number (see orderStagedDocuments).
    const order = orderStagedDocuments(
      [...flushed.keys()],
      'delete',
      unit.shard.startsWith(REPLAY_SHARD_PREFIX)
        ? (document) => flushed.get(document)?.latestIngestion ?? 0
        : undefined,
    );
    const documents = [...supersededRefs, ...order.flatMap((document) => flushed.get(document)?.ref ?? [])];
    return { documents, measurements, malformed, settling };
  }

  /**
   * Deletes staged documents of a unit, idempotently (see {@link StagingStore.deleteDocuments}).
   * @param unit - the work unit
   * @param documents - ids, or refs with the ETag read
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   */
  async deleteDocuments(unit: WorkUnit, documents: readonly (string | StagedDocumentRef)[]): Promise<DeleteOutcome> {
    const pk = toStagingPartitionKey(unit);
    const refs = documents.map((document) =>
      typeof document === 'string' ? { id: document, pk } : { id: document.id, pk, etag: document.etag },
    );
    // A document rewritten by a redelivered batch after we read it holds content not flushed yet: it is kept. One at a
    // time, in the order readUnit lists them, stopping at the first kept or failed: if older documents stayed while a
    // newer one went, the next flush would merge their older readings again, over the newer ones in the same slots.
    return deleteItems(this.container, refs, {
      concurrency: this.concurrency,
      counter: this.counter,
      operation: 'delete staging document',
      inOrder: true,
    });
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
