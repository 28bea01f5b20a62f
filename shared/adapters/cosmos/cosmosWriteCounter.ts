/** Kinds of Cosmos DB write operation. */
export type CosmosWriteKind = 'create' | 'upsert' | 'replace' | 'delete';

/** A snapshot of {@link CosmosWriteCounter}. */
export interface CosmosWriteCounts {
  create: number;
  upsert: number;
  replace: number;
  delete: number;
  /** Sum of the four. */
  total: number;
  /** Request units reported by Cosmos DB for those writes (the local server reports 1 per request). */
  requestCharge: number;
}

/**
 * Counts Cosmos DB write requests (attempts sent, including ones that end in 404/409/412) and their request charge,
 * so the benchmark can report writes per 1,000 measurements. One counter may be shared by several stores.
 */
export class CosmosWriteCounter {
  private readonly counts: Record<CosmosWriteKind, number> = { create: 0, upsert: 0, replace: 0, delete: 0 };
  private charge = 0;

  /**
   * Records one write request.
   * @param kind - the operation
   * @param requestCharge - RU charge reported for it, when known
   */
  record(kind: CosmosWriteKind, requestCharge?: number): void {
    this.counts[kind] += 1;
    if (typeof requestCharge === 'number' && Number.isFinite(requestCharge)) {
      this.charge += requestCharge;
    }
  }

  /** The counts so far. */
  snapshot(): CosmosWriteCounts {
    const { create, upsert, replace } = this.counts;
    const del = this.counts.delete;
    return { create, upsert, replace, delete: del, total: create + upsert + replace + del, requestCharge: this.charge };
  }

  /** Sets every count back to zero. */
  reset(): void {
    this.counts.create = 0;
    this.counts.upsert = 0;
    this.counts.replace = 0;
    this.counts.delete = 0;
    this.charge = 0;
  }
}
