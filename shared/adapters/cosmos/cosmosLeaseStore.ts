import type { Container, ItemDefinition, ItemResponse } from '@azure/cosmos';
import type { LeaseDocument } from '../../core/staging/planLeaseAcquire.js';
import { planLeaseAcquire, toLeaseDocument, toLeaseId } from '../../core/staging/planLeaseAcquire.js';
import type { Lease, LeaseStore } from '../../pipeline/stagingPorts.js';
import { CosmosWriteCounter } from './cosmosWriteCounter.js';
import type { CosmosWriteKind } from './cosmosWriteCounter.js';
import { toCosmosStatus, toStagingError, withStagingErrors } from './stagingUnavailableError.js';
import { sendConditionalWrite } from './conditionalWrite.js';

/** Settings of {@link CosmosLeaseStore}. */
export interface CosmosLeaseStoreOptions {
  /** Counts write requests (default: a new counter). */
  counter?: CosmosWriteCounter;
}

type StoredLease = LeaseDocument & { _etag?: string };

/**
 * Work-unit leases on Cosmos DB (container `leases`, partition key `/pk` = the lease id). Every write is an
 * ETag-guarded replace or a create that fails on conflict, so two workers never both hold a live lease.
 */
export class CosmosLeaseStore implements LeaseStore {
  /** Write requests sent by this store (and any store sharing the counter). */
  readonly counter: CosmosWriteCounter;

  /**
   * @param container - the `leases` container
   * @param options - counter
   */
  constructor(
    private readonly container: Container,
    options: CosmosLeaseStoreOptions = {},
  ) {
    this.counter = options.counter ?? new CosmosWriteCounter();
  }

  /**
   * Takes a unit's lease when free, expired or already ours (see {@link LeaseStore.acquireLease}).
   * @param unitKey - the work-unit key
   * @param owner - the worker asking
   * @param ttlMs - lease duration in milliseconds
   * @param now - the current time
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   */
  async acquireLease(unitKey: string, owner: string, ttlMs: number, now: Date): Promise<Lease | undefined> {
    const id = toLeaseId(unitKey);
    const current = await this.readStored(unitKey);
    const plan = planLeaseAcquire(current, unitKey, owner, ttlMs, now.getTime());
    switch (plan.kind) {
      case 'held':
        return undefined;
      case 'create':
        return this.write('create', 'create lease', () => this.container.items.create(plan.document), [409]);
      case 'replace':
        return this.write(
          'replace',
          'take over lease',
          () =>
            this.container
              .item(id, id)
              .replace(plan.document, { accessCondition: { type: 'IfMatch', condition: plan.ifMatch } }),
          [404, 412],
        );
    }
  }

  /**
   * Extends a lease we hold (see {@link LeaseStore.renewLease}). When its ETag has moved on but the stored lease is
   * still ours (a write of ours that Cosmos DB applied and whose answer was lost: the owner is one process, and one
   * flush of it holds the unit), the stored version is renewed instead.
   * @param lease - the lease as last acquired/renewed
   * @param ttlMs - new duration from `now`
   * @param now - the current time
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   */
  async renewLease(lease: Lease, ttlMs: number, now: Date): Promise<Lease | undefined> {
    const document = toLeaseDocument(lease.unitKey, lease.owner, ttlMs, now.getTime());
    const renew = (etag: string): Promise<Lease | undefined> =>
      this.write(
        'replace',
        'renew lease',
        () =>
          this.container
            .item(document.id, document.pk)
            .replace(document, { accessCondition: { type: 'IfMatch', condition: etag } }),
        [404, 412],
      );
    const renewed = await renew(lease.etag);
    if (renewed !== undefined) {
      return renewed;
    }
    const ownEtag = await this.readOwnEtag(lease);
    return ownEtag === undefined ? undefined : renew(ownEtag);
  }

  /**
   * Releases a lease we hold (see {@link LeaseStore.releaseLease}).
   * @param lease - the lease as last acquired/renewed
   * @throws StagingUnavailableError when Cosmos DB is unavailable or throttling beyond the SDK's retries
   */
  async releaseLease(lease: Lease): Promise<boolean> {
    if (await this.deleteLease(lease.unitKey, lease.etag)) {
      return true;
    }
    // As for a renewal: the ETag may have moved on under a write of ours whose answer was lost.
    const ownEtag = await this.readOwnEtag(lease);
    return ownEtag !== undefined && this.deleteLease(lease.unitKey, ownEtag);
  }

  /** Deletes a lease in one version; false when it is gone or another version is stored. */
  private async deleteLease(unitKey: string, etag: string): Promise<boolean> {
    const id = toLeaseId(unitKey);
    try {
      const response = await this.container
        .item(id, id)
        .delete({ accessCondition: { type: 'IfMatch', condition: etag } });
      this.counter.record('delete', response.requestCharge);
      return true;
    } catch (error) {
      this.counter.record('delete');
      const status = toCosmosStatus(error);
      if (status === 404 || status === 412) {
        return false;
      }
      throw toStagingError(error, 'release lease');
    }
  }

  /**
   * The ETag of the stored lease when it is still held by `lease`'s owner under another version (our own write whose
   * answer was lost); `undefined` when it is gone or another worker's.
   */
  private async readOwnEtag(lease: Lease): Promise<string | undefined> {
    const stored = await this.readStored(lease.unitKey);
    return stored?.owner === lease.owner ? stored.etag : undefined;
  }

  /** The stored lease of a unit (its holder, expiry and ETag), or `undefined` when there is none. */
  private async readStored(unitKey: string): Promise<{ owner: string; expiresAt: string; etag: string } | undefined> {
    const id = toLeaseId(unitKey);
    const read = await withStagingErrors('read lease', () => this.container.item(id, id).read<StoredLease>());
    const stored = read.resource;
    return stored === undefined
      ? undefined
      : { owner: stored.owner, expiresAt: stored.expiresAt, etag: read.etag ?? stored._etag ?? '' };
  }

  /** Sends one lease write; the listed statuses mean "lost the race" and yield `undefined`. */
  private async write(
    kind: CosmosWriteKind,
    operation: string,
    call: () => Promise<ItemResponse<ItemDefinition>>,
    lostStatuses: number[],
  ): Promise<Lease | undefined> {
    const response = await sendConditionalWrite(this.counter, kind, operation, lostStatuses, call);
    const written = response?.resource as StoredLease | undefined;
    if (response === undefined || written === undefined) {
      return undefined;
    }
    return {
      unitKey: written.unitKey,
      owner: written.owner,
      expiresAt: written.expiresAt,
      etag: response.etag ?? written._etag ?? '',
    };
  }
}
