import type { Container, SqlQuerySpec } from '@azure/cosmos';
import type { DeadLetterDocument, DeadLetterRecord, DeadLetterSubject } from '../../core/staging/deadLetter.js';
import { shortfallOf, splitDeadLetterRecord, toDeadLetterDocument } from '../../core/staging/deadLetter.js';
import { sendConditionalWrite } from './conditionalWrite.js';
import { defaultMaxDocumentBytes } from '../../core/staging/planStagingDocuments.js';
import type {
  DeadLetterKey,
  DeadLetterPage,
  DeadLetterQuery,
  DeadLetterStore,
  DeleteOutcome,
  StoredDeadLetter,
  StoredDeadLetterKey,
} from '../../pipeline/stagingPorts.js';
import { CosmosWriteCounter } from './cosmosWriteCounter.js';
import { deleteItems } from './cosmosDeletes.js';
import { mapWithConcurrency } from '../../pipeline/limiter.js';
import { StagingUnavailableError, withStagingErrors } from './stagingUnavailableError.js';

/** Settings of {@link CosmosDeadLetterStore}. */
export interface CosmosDeadLetterStoreOptions {
  /** Parallel requests per call (default 8). */
  concurrency?: number;
  /** Counts write requests (default: a new counter). */
  counter?: CosmosWriteCounter;
  /** Largest document written, in bytes; a larger rejected group is stored in parts (default 1,500,000). */
  maxDocumentBytes?: number;
}

type StoredDocument = DeadLetterDocument & Record<string, unknown>;

/** Writes of one dead letter stored with less before other writers of the same id make the call fail retriably. */
const MAX_WITH_LESS_ATTEMPTS = 5;

/**
 * The dead-letter store on Cosmos DB (container `deadletter`, partition key `/pk` = `{errorName}|{yyyy-MM-ddTHH}|{h}`
 * of the data's time and the id's first hex digit; ids are SHA-256 of the error and the subject, so a rerun overwrites
 * instead of duplicating).
 */
export class CosmosDeadLetterStore implements DeadLetterStore {
  /** Write requests sent by this store (and any store sharing the counter). */
  readonly counter: CosmosWriteCounter;
  private readonly concurrency: number;
  private readonly maxDocumentBytes: number;

  /**
   * @param container - the `deadletter` container
   * @param options - concurrency and counter
   */
  constructor(
    private readonly container: Container,
    options: CosmosDeadLetterStoreOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.counter = options.counter ?? new CosmosWriteCounter();
    this.maxDocumentBytes = options.maxDocumentBytes ?? defaultMaxDocumentBytes;
  }

  /**
   * Stores dead letters (see {@link DeadLetterStore.addDeadLetters}); a rejected group too large for one document
   * is stored in parts, each with its own key.
   * @param records - the dead letters
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   */
  async addDeadLetters(records: readonly DeadLetterRecord[]): Promise<StoredDeadLetterKey[]> {
    const keys: DeadLetterKey[] = [];
    const storedWithLess = new Set<string>();
    const documents = records.flatMap((record) =>
      splitDeadLetterRecord(record, this.maxDocumentBytes).map((stored) => {
        const document = toDeadLetterDocument(stored);
        if (shortfallOf(stored.subject) > shortfallOf(record.subject)) {
          storedWithLess.add(`${document.pk}\u0000${document.id}`);
        }
        keys.push({ id: document.id, pk: document.pk });
        return document;
      }),
    );
    // Several records may map to the same document (the same error reported twice): write each once.
    const unique = [...new Map(documents.map((d) => [`${d.pk}\u0000${d.id}`, d])).values()];
    const withLess = new Map<string, { etag: string; replaced: boolean }>();
    await mapWithConcurrency(unique, this.concurrency, async (document) => {
      const key = `${document.pk}\u0000${document.id}`;
      if (storedWithLess.has(key)) {
        const written = await this.writeWithLess(document);
        if (shortfallOf(written.subject) > 0) {
          withLess.set(key, written);
        }
        return;
      }
      const response = await withStagingErrors('upsert dead letter', () => this.container.items.upsert(document));
      this.counter.record('upsert', response.requestCharge);
    });
    return keys.map((key) => {
      const written = withLess.get(`${key.pk}\u0000${key.id}`);
      return written === undefined
        ? key
        : { ...key, withLess: true, etag: written.etag, ...(written.replaced ? { replaced: true } : {}) };
    });
  }

  /**
   * Writes a dead letter whose message is stored with less than it held. Where one is stored under its id already,
   * the message data of the two that holds more is kept (a whole copy written under a larger size bound, or by an
   * error text a few characters shorter, is never replaced by one without its body); the rest (time, error) is the
   * new one's, so reruns move the time and the version as they do for any dead letter.
   * @returns what was written, its ETag, and whether it replaced one stored
   */
  private async writeWithLess(
    document: DeadLetterDocument,
  ): Promise<{ subject: DeadLetterSubject; etag: string; replaced: boolean }> {
    for (let attempt = 1; attempt <= MAX_WITH_LESS_ATTEMPTS; attempt += 1) {
      const created = await sendConditionalWrite(this.counter, 'create', 'create dead letter', [409], () =>
        this.container.items.create(document),
      );
      if (created !== undefined) {
        return { subject: document.subject, etag: created.etag, replaced: false };
      }
      const stored = await this.readDeadLetter(document);
      if (stored === undefined) {
        continue; // deleted since: create it again
      }
      const subject = shortfallOf(stored.subject) < shortfallOf(document.subject) ? stored.subject : document.subject;
      const replaced = await sendConditionalWrite(this.counter, 'replace', 'replace dead letter', [404, 412], () =>
        this.container
          .item(document.id, document.pk)
          .replace({ ...document, subject }, { accessCondition: { type: 'IfMatch', condition: stored.etag } }),
      );
      if (replaced !== undefined) {
        return { subject, etag: replaced.etag, replaced: true };
      }
    }
    throw new StagingUnavailableError(
      `Cosmos DB write dead letter kept meeting other writers of the same dead letter (${MAX_WITH_LESS_ATTEMPTS} attempts).`,
    );
  }

  /**
   * Lists dead letters, optionally by error name (see {@link DeadLetterStore.listDeadLetters}).
   * @param query - filter and paging
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   */
  async listDeadLetters(query: DeadLetterQuery = {}): Promise<DeadLetterPage> {
    const conditions: string[] = [];
    const parameters: { name: string; value: string }[] = [];
    if (query.errorName !== undefined) {
      conditions.push('c.errorName = @name');
      parameters.push({ name: '@name', value: query.errorName });
    }
    if (query.before !== undefined) {
      // Times are written in one format (toISOString), so they compare as text in time order.
      conditions.push('c.time < @before');
      parameters.push({ name: '@before', value: query.before });
    }
    const spec: SqlQuerySpec =
      conditions.length === 0
        ? { query: 'SELECT * FROM c' }
        : { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')}`, parameters };
    const iterator = this.container.items.query<StoredDocument>(spec, {
      maxItemCount: query.maxItems ?? 100,
      ...(query.continuationToken === undefined ? {} : { continuationToken: query.continuationToken }),
    });
    const page = await withStagingErrors('query dead letters', () => iterator.fetchNext());
    const items = page.resources.map(toStoredDeadLetter);
    const token = page.continuationToken;
    return token === undefined || token === '' ? { items } : { items, continuationToken: token };
  }

  /**
   * Reads one dead letter (see {@link DeadLetterStore.readDeadLetter}).
   * @param key - id and partition key
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   */
  async readDeadLetter(key: DeadLetterKey): Promise<StoredDeadLetter | undefined> {
    const read = await withStagingErrors('read dead letter', () =>
      this.container.item(key.id, key.pk).read<StoredDocument>(),
    );
    return read.resource === undefined ? undefined : toStoredDeadLetter(read.resource);
  }

  /**
   * Deletes dead letters (see {@link DeadLetterStore.deleteDeadLetters}); with an ETag, only the version read.
   * @param keys - ids and partition keys, optionally with the ETag read
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   */
  async deleteDeadLetters(keys: readonly (DeadLetterKey & { etag?: string })[]): Promise<DeleteOutcome> {
    return deleteItems(this.container, keys, {
      concurrency: this.concurrency,
      counter: this.counter,
      operation: 'delete dead letter',
    });
  }
}

/** Strips Cosmos system properties and keeps the ETag. */
function toStoredDeadLetter(document: StoredDocument): StoredDeadLetter {
  const { _rid, _self, _etag, _attachments, _ts, ...rest } = document;
  return { ...(rest as DeadLetterDocument), etag: typeof _etag === 'string' ? _etag : '' };
}
