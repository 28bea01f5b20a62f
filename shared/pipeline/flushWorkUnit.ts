/**
 * Flush use cases: find the closed windows that still hold staged measurements (`planFlush`), and turn one
 * (window, shard) work unit into Observations (`flushWorkUnit`).
 *
 * The invariant: staged documents are deleted only after their Observations are persisted or their errors
 * dead-lettered. Every step is idempotent (deterministic ids, merge with no-op detection), so a crash anywhere and a
 * rerun converge on the same FHIR state.
 */
import type { ErrorName } from '../core/errors.js';
import { toWorkUnitKey, type WorkUnit } from '../core/staging/stagingKeys.js';
import type { DeadLetterRecord } from '../core/staging/deadLetter.js';
import type { DeadLetterStore, Lease, LeaseStore, ListedUnit, StagingStore } from './stagingPorts.js';
import { fenceWrites } from './fenceWrites.js';
import { transformAndPersist, type PersistProgress, type TransformAndPersistDeps } from './transformAndPersist.js';
import type { Measurement } from '../core/measurement.js';
import { REPLAY_SHARD_PREFIX } from '../core/staging/deadLetterReplay.js';
import { toEpochMs } from '../core/fhir/index.js';

/** What the flush needs. */
export interface FlushDeps {
  staging: StagingStore;
  deadLetters: DeadLetterStore;
  leases: LeaseStore;
  /** Builds the transform/persist dependencies with the FHIR mapping currently served. */
  transformDeps: () => Promise<TransformAndPersistDeps>;
  /** Identifies this worker (this process) in leases. */
  owner: string;
  /**
   * The work-unit keys this process is flushing now, one set shared by all its flushes. Its flushes share one lease
   * owner, and a lease is taken again by its own owner (so that a retry after a lost answer need not wait out the
   * expiry): without this set, a unit queued twice and picked up twice by one host would be flushed twice at once.
   */
  unitsInFlight: Set<string>;
  /** Lease duration; another worker may take over a unit whose lease expired. */
  leaseMs: number;
  /** How often a held lease is renewed while the unit is worked on (real time); default a third of `leaseMs`. */
  leaseRenewMs?: number;
  /**
   * How long a write may take from the lease check before it until it lands (the FHIR client's retries and timeouts),
   * plus the clock difference allowed between hosts; default half of `leaseMs`. A write (to FHIR, the dead letters or
   * the staging store) is sent only while the lease has at least this long to run by `now`, renewing it first when it
   * has less: so every write lands before another worker may take the unit over (see {@link LeaseLostError}).
   */
  writeMarginMs?: number;
  now: () => Date;
  /**
   * Told the summary of a unit whose flush failed (status `failed`), before the error is rethrown: what it wrote
   * before failing is in no other summary.
   */
  onFailure?: (summary: FlushUnitSummary, error: unknown) => void;
}

/**
 * Thrown at a write of a flush whose lease another worker has taken over (this one was stalled past the lease). The
 * flush stops there: the other worker read everything this one did (staged data is deleted only by a flush that
 * finished), so what this one still had to write is the other's to write, and an older reading this one holds must
 * not land over a later one the other wrote. {@link flushWorkUnit} reports it as status `leaseLost`.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  /**
   * True: the unit's data stays staged. Thrown to another flush that shared this one's identity resolution, it fails
   * that flush's attempt (as a {@link SharedResolutionStoppedError}), and a later one goes on.
   */
  readonly retriable = true;

  constructor() {
    super('The work unit was taken over by another worker; this flush stopped before its next write.');
  }
}

/**
 * Thrown at a write of a flush whose lease, renewed just now, still has less than `writeMarginMs` to run (the renewal
 * itself was slow): the write is not sent, and the flush fails retriably; its data stays staged.
 */
export class LeaseShortError extends Error {
  override readonly name = 'LeaseShortError';
  /** True: the unit's data stays staged for the next attempt. */
  readonly retriable = true;

  constructor() {
    super('The work unit lease, renewed, has less time left than a write may take; this flush stopped before it.');
  }
}

/**
 * A flush stopped because an identity resolution it shared with another flush of this process failed at that flush's
 * lease (taken over, or too short to write): this flush's own lease is fine, and its next attempt goes on.
 */
export class SharedResolutionStoppedError extends Error {
  override readonly name = 'SharedResolutionStoppedError';
  /** True: the unit's data stays staged for the next attempt. */
  readonly retriable = true;

  constructor() {
    super("An identity resolution shared with another flush stopped at that flush's lease; retry later.");
  }
}

/** Outcome of flushing one work unit. */
export interface FlushUnitSummary {
  unit: WorkUnit;
  /**
   * `busy`: another worker holds the unit, or another flush of this process is working on it; `empty`: nothing staged
   * (already flushed); `settling`: a staging of one of its batches may still be running (see `StagedUnit.settling`),
   * so nothing was written and a later timer run flushes it; `leaseLost`: another worker took the unit over while this
   * one was stalled past its lease, so this one stopped before its next write (see {@link LeaseLostError}); `failed`: a
   * service error stopped it (the data stays staged for the next attempt; the counts say what was done before it).
   */
  status: 'flushed' | 'busy' | 'empty' | 'settling' | 'leaseLost' | 'failed';
  /** Staged documents read. */
  documents: number;
  /**
   * Measurements read. A measurement staged twice (a redelivery with other batch boundaries) is read twice; see
   * {@link FlushUnitSummary.distinctMeasurements}.
   */
  measurements: number;
  /** Measurements that differ in group or time: what the Observations are made of. */
  distinctMeasurements: number;
  /** Stored measurements that could not be decoded (foreign writes to the container): skipped, and deleted. */
  malformedMeasurements: number;
  /** MeasurementGroup: groups of (device, type, patient, encounter, correlation id). */
  groups: number;
  /** Observations created, updated (merged) and left unchanged, as far as this attempt got. */
  created: number;
  updated: number;
  noop: number;
  /** Dead-letter records written, one per failed group or observation period (a large one stored in parts). */
  deadLettered: number;
  /** Errors by name, one per failed group or observation period. */
  errorsByName: Partial<Record<ErrorName, number>>;
  /** Documents left staged because they were rewritten (a redelivered batch) while this unit was processed. */
  documentsLeftStaged: number;
  /** FHIR requests sent while this unit was transformed; units flushed at once in one process count each other's. */
  fhirRequests: number;
  /**
   * Now minus the oldest measurement's ingestion time: the staging window and grace included. Replayed dead letters
   * keep their ingestion time, so replay units are left out (0).
   */
  maxIngestionLatencyMs: number;
  /**
   * True when another worker took the unit over while this one worked on it (this one was stalled past the lease): a
   * renewal, or the release at the end, found the lease no longer ours. With status `leaseLost` this one stopped before
   * its next write; with `flushed` its writes had all landed before the lease ran out (the other repeats some of them,
   * which is idempotent).
   */
  leaseLost: boolean;
}

/**
 * Lists the work units to flush now: of each shard, the unit whose events were ingested first (by Event Hubs sequence
 * number, where the store tells it; else the oldest window), oldest first; a shard whose first unit is still open
 * (a longer window, from before STAGING__WINDOW_MINUTES was lowered) waits for it. A shard's later units wait until
 * the older one is flushed (a later timer run plans them): a merge lets the last write win, so units flushed out of
 * order (several closed at once after an outage or a backlog, sent to parallel workers, or windows of two lengths)
 * would let an earlier-ingested reading replace a later one for the same slot.
 * @param deps - the staging store and clock
 * @param graceMs - how long after a window ends before it is flushed
 */
export async function planFlush(deps: Pick<FlushDeps, 'staging' | 'now'>, graceMs: number): Promise<WorkUnit[]> {
  const units = await deps.staging.listClosedUnits(deps.now(), graceMs);
  const firstByShard = new Map<string, ListedUnit>();
  for (const unit of units) {
    const kept = firstByShard.get(unit.shard);
    if (kept === undefined || ingestedBefore(unit, kept)) {
      firstByShard.set(unit.shard, unit);
    }
  }
  return [...firstByShard.values()]
    .filter((unit) => unit.open !== true)
    .map(({ windowStart, shard }) => ({ windowStart, shard }))
    .sort((a, b) =>
      a.windowStart === b.windowStart ? a.shard.localeCompare(b.shard) : a.windowStart.localeCompare(b.windowStart),
    );
}

/**
 * Whether a unit's events came before another's of the same shard. Windows of one length never overlap, and the
 * earlier one holds the earlier events (also when a partition's sequence numbers start again, after a failover to
 * another namespace, say): by window start. Windows that overlap (STAGING__WINDOW_MINUTES changed while data was
 * staged) go by the first sequence number staged in them. A replay shard's numbers name dead letters (hashes), not an
 * order: its units always go by window start.
 */
function ingestedBefore(a: ListedUnit, b: ListedUnit): boolean {
  const overlap =
    a.windowEnd !== undefined &&
    b.windowEnd !== undefined &&
    a.windowStart < b.windowEnd &&
    b.windowStart < a.windowEnd;
  if (
    overlap &&
    !a.shard.startsWith(REPLAY_SHARD_PREFIX) &&
    a.firstSequenceNumber !== undefined &&
    b.firstSequenceNumber !== undefined &&
    a.firstSequenceNumber !== b.firstSequenceNumber
  ) {
    return a.firstSequenceNumber < b.firstSequenceNumber;
  }
  return a.windowStart < b.windowStart;
}

/**
 * Flushes one work unit: lease → read staged measurements → group, transform, resolve identity, persist →
 * dead-letter data errors → delete the staged documents → release the lease.
 * @param unit - the (window, shard) unit
 * @param deps - stores, FHIR dependencies, lease settings, clock
 * @throws a retriable error (FHIR or a store unavailable): the staged documents stay for the next attempt
 */
export async function flushWorkUnit(unit: WorkUnit, deps: FlushDeps): Promise<FlushUnitSummary> {
  const summary: FlushUnitSummary = {
    unit,
    status: 'busy',
    documents: 0,
    measurements: 0,
    distinctMeasurements: 0,
    malformedMeasurements: 0,
    groups: 0,
    created: 0,
    updated: 0,
    noop: 0,
    deadLettered: 0,
    errorsByName: {},
    documentsLeftStaged: 0,
    fhirRequests: 0,
    maxIngestionLatencyMs: 0,
    leaseLost: false,
  };
  const unitKey = toWorkUnitKey(unit);
  if (deps.unitsInFlight.has(unitKey)) {
    return summary;
  }
  deps.unitsInFlight.add(unitKey);
  try {
    return await flushLeasedUnit(unit, unitKey, deps, summary);
  } finally {
    deps.unitsInFlight.delete(unitKey);
  }
}

/** {@link flushWorkUnit} once no other flush of this process has the unit: from taking its lease on. */
async function flushLeasedUnit(
  unit: WorkUnit,
  unitKey: string,
  deps: FlushDeps,
  summary: FlushUnitSummary,
): Promise<FlushUnitSummary> {
  const acquired = await deps.leases.acquireLease(unitKey, deps.owner, deps.leaseMs, deps.now());
  if (acquired === undefined) {
    return summary;
  }
  // A unit can take longer than the lease (FHIR backing off, a large window): keep it ours until we are done, and
  // write only while it is ours.
  const lease = keepLeaseAlive(acquired, deps);
  // Counted as Observations are written, so that a flush that fails half-way still says what it wrote.
  const progress: PersistProgress = { created: 0, updated: 0, noop: 0 };
  let failure: { error: unknown } | undefined;
  try {
    const staged = await deps.staging.readUnit(unit);
    summary.documents = staged.documents.length;
    summary.measurements = staged.measurements.length;
    summary.distinctMeasurements = countDistinct(staged.measurements);
    summary.malformedMeasurements = staged.malformed;
    if (staged.documents.length === 0) {
      summary.status = 'empty';
      return summary;
    }
    if ((staged.settling ?? 0) > 0) {
      summary.status = 'settling';
      return summary;
    }
    if (!unit.shard.startsWith(REPLAY_SHARD_PREFIX)) {
      const now = deps.now().getTime();
      for (const m of staged.measurements) {
        summary.maxIngestionLatencyMs = Math.max(summary.maxIngestionLatencyMs, now - Date.parse(m.ingestionTimeUtc));
      }
    }

    const transformDeps = await deps.transformDeps();
    const confirm = (): Promise<void> => lease.confirm();
    const result = await transformAndPersist(
      staged.measurements,
      {
        ...transformDeps,
        store: fenceWrites(transformDeps.store, confirm),
        // Create writes Devices and Patients: fenced too, or a stalled worker could put back a link changed since.
        identity: transformDeps.identity.fenced?.(confirm) ?? transformDeps.identity,
      },
      progress,
    );
    summary.groups = result.groups;
    summary.fhirRequests = result.fhirRequests;

    if (result.errors.length > 0) {
      const time = deps.now().toISOString();
      const records: DeadLetterRecord[] = result.errors.map((failure) => ({
        error: failure.error,
        time,
        // The kind of template the group failed in: a FHIR template, unless it never reached one (no template for its
        // type, or times that are not timestamps). The measurement type is in the measurements themselves.
        ...(failure.error.name === 'TemplateNotFound' || failure.error.stage === 'Grouping'
          ? {}
          : { templateType: 'CodeValueFhir' }),
        subject: { kind: 'measurements', measurements: failure.measurements },
      }));
      await lease.confirm();
      await deps.deadLetters.addDeadLetters(records);
      summary.deadLettered = records.length;
      for (const failure of result.errors) {
        summary.errorsByName[failure.error.name] = (summary.errorsByName[failure.error.name] ?? 0) + 1;
      }
    }

    // Only now may the staged data go: everything in it is persisted or dead-lettered.
    await lease.confirm();
    const deleted = await deps.staging.deleteDocuments(unit, staged.documents);
    summary.documentsLeftStaged = deleted.changed + (deleted.left ?? 0);
    summary.status = 'flushed';
    return summary;
  } catch (error) {
    const ours = lease.refused(error);
    if (ours && error instanceof LeaseLostError) {
      summary.status = 'leaseLost';
      return summary;
    }
    // A lease error this flush's lease did not raise: another flush's, whose identity resolution this one shared.
    const foreign = !ours && (error instanceof LeaseLostError || error instanceof LeaseShortError);
    const thrown = foreign ? new SharedResolutionStoppedError() : error;
    failure = { error: thrown };
    summary.status = 'failed';
    throw thrown;
  } finally {
    summary.created = progress.created;
    summary.updated = progress.updated;
    summary.noop = progress.noop;
    // Also when the transform failed part-way: what it grouped and sent before the failure.
    summary.groups = progress.groups ?? summary.groups;
    summary.fhirRequests = progress.fhirRequests ?? summary.fhirRequests;
    summary.leaseLost = await lease.stop();
    // A failed release only delays the next worker until the lease expires; it must not mask the real outcome.
    const released = await deps.leases.releaseLease(lease.current()).catch(() => undefined);
    // No longer ours at the end (taken over after the last renewal): another worker flushed the unit too.
    if (released === false) {
      summary.leaseLost = true;
    }
    if (failure !== undefined) {
      deps.onFailure?.(summary, failure.error);
    }
  }
}

/**
 * How many measurements differ in group key or occurrence instant, as grouping tells them apart (copies from
 * redelivered batches count once).
 */
function countDistinct(measurements: readonly Measurement[]): number {
  const keys = new Set<string>();
  for (const m of measurements) {
    const time = toEpochMs(m.occurrenceTimeUtc) ?? m.occurrenceTimeUtc;
    keys.add(JSON.stringify([m.deviceId, m.type, m.patientId, m.encounterId, m.correlationId, time]));
  }
  return keys.size;
}

/** A lease being renewed in the background. */
interface KeptLease {
  /** The lease as last renewed (its ETag guards the release). */
  current(): Lease;
  /**
   * Resolves when the lease has at least `writeMarginMs` left to run by `now` (renewing it first when it has less),
   * so that a write sent now lands while it is ours.
   * @throws LeaseLostError when a renewal found it taken over; LeaseShortError when a renewal left it less than the
   *   margin; the lease store's error when it cannot be renewed
   */
  confirm(): Promise<void>;
  /** Whether `error` is one this lease's {@link KeptLease.confirm} threw (not another flush's lease's). */
  refused(error: unknown): boolean;
  /** Stops renewing (waiting for a renewal under way); true when a renewal found the lease taken over. */
  stop(): Promise<boolean>;
}

/**
 * Renews a lease every `leaseRenewMs` until stopped. A renewal that fails on the store is tried again at the next
 * tick; one that finds the lease taken over ends the renewals, and every write after it is refused
 * ({@link KeptLease.confirm}).
 */
function keepLeaseAlive(acquired: Lease, deps: FlushDeps): KeptLease {
  let lease = acquired;
  let lost = false;
  let renewing: Promise<void> | undefined;
  const marginMs = Math.max(0, deps.writeMarginMs ?? deps.leaseMs / 2);
  /** One renewal at a time: a caller arriving while one is under way shares it. Rejects when the store fails. */
  const renew = (): Promise<void> => {
    renewing ??= deps.leases
      .renewLease(lease, deps.leaseMs, deps.now())
      .then((renewed) => {
        if (renewed === undefined) {
          lost = true;
          clearInterval(timer);
        } else {
          lease = renewed;
        }
      })
      .finally(() => {
        renewing = undefined;
      });
    return renewing;
  };
  const everyMs = Math.max(1, deps.leaseRenewMs ?? Math.floor(deps.leaseMs / 3));
  const timer = setInterval(() => {
    if (renewing === undefined) {
      renew().catch(() => undefined);
    }
  }, everyMs);
  // A pending renewal never keeps the process alive on its own.
  timer.unref();
  const lastsMs = (): number => Date.parse(lease.expiresAt) - deps.now().getTime();
  // The errors confirm threw, to tell them from another flush's that a shared identity resolution hands this one.
  const thrown = new WeakSet<object>();
  const refuse = <E extends Error>(error: E): E => {
    thrown.add(error);
    return error;
  };
  return {
    current: () => lease,
    refused: (error) => thrown.has(error as object),
    async confirm() {
      // A renewal under way may be the one that finds the lease taken over.
      await renewing?.catch(() => undefined);
      if (!lost && lastsMs() <= marginMs) {
        await renew();
        // The renewal's own time came off the lease (it runs from when the renewal was sent): a slow one may leave
        // less than a write needs.
        if (!lost && lastsMs() <= marginMs) {
          throw refuse(new LeaseShortError());
        }
      }
      if (lost) {
        throw refuse(new LeaseLostError());
      }
    },
    async stop() {
      clearInterval(timer);
      await renewing?.catch(() => undefined);
      return lost;
    },
  };
}
