/**
 * The FHIR half of a flush: measurements → groups → FHIR template → identity → Observations persisted, with
 * bounded concurrency. Data errors set their group's measurements aside; service errors propagate.
 */
import { isMedTechError, MedTechError } from '../core/errors.js';
import type { ErrorRecord } from '../core/errors.js';
import type { Measurement } from '../core/measurement.js';
import {
  requireFhirTemplate,
  groupMeasurements,
  measurementsByObservationGroup,
  planObservationGroups,
  toEpochMs,
  toObservationIdentifier,
} from '../core/fhir/index.js';
import type {
  CodeValueFhirTemplate,
  FhirMapping,
  MeasurementGroup,
  ObservationGroup,
  ResolvedIdentity,
} from '../core/fhir/index.js';
import type { FhirStore, IdentityResolver } from './ports.js';
import { persistObservation } from './persistObservation.js';
import { createKeyedQueue, createLimiter, type Limiter } from './limiter.js';
import type { PersistOutcome } from './persistObservation.js';
import { createObservationReadAhead, READ_AHEAD_BATCH, type ObservationReadAhead } from './observationReadAhead.js';

/** What {@link transformAndPersist} needs. */
export interface TransformAndPersistDeps {
  /** The FHIR destination mapping. */
  mapping: FhirMapping;
  /** The FHIR server. */
  store: FhirStore;
  /** Identity resolution (usually cached: see `createIdentityResolver`). */
  identity: IdentityResolver;
  /** Current time in epoch ms; written as `issued` on created/changed Observations. */
  now: () => number;
  /** Most observation groups (and identity resolutions) in flight at once (default 8). */
  concurrency?: number;
  /** Write attempts per Observation under version conflicts (default 3). */
  maxWriteAttempts?: number;
  /**
   * Serializes writers of the same Observation inside this process (default: a new one per call). Share one
   * between concurrent calls (e.g. work units flushed in parallel) so they queue instead of racing.
   */
  observationLocks?: ObservationLocks;
}

/** Per-Observation mutual exclusion inside one process. */
export interface ObservationLocks {
  /**
   * Runs `task` once every earlier task for the same key has settled.
   * @param key - the Observation identifier
   * @param task - the write
   */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/**
 * Creates {@link ObservationLocks}: tasks with the same key run one after the other, others run freely.
 * Writers of one Observation then never race inside a process (no 412s, no concurrent creates); races between
 * processes are handled by persistObservation.
 */
export function createObservationLocks(): ObservationLocks {
  return createKeyedQueue();
}

/** Measurements set aside because of a data error, with the error (for the dead-letter store). */
export interface GroupFailure {
  error: ErrorRecord;
  measurements: Measurement[];
}

/** Observations written so far by a {@link transformAndPersist} call, counted as each write settles. */
export interface PersistProgress {
  created: number;
  updated: number;
  noop: number;
  /** Measurement groups, once grouped. */
  groups?: number;
  /** FHIR requests sent during the call, once it ends (returns or throws). */
  fhirRequests?: number;
}

/** What a call did. */
export interface TransformAndPersistSummary {
  /** Measurement groups (device, type, patient, encounter, correlation id). */
  groups: number;
  /** Observations created, updated (merged) and left unchanged (ObservationNoOperation). */
  created: number;
  updated: number;
  noop: number;
  /** Data errors, one per failed group or observation group, with the measurements concerned. */
  errors: GroupFailure[];
  /** HTTP requests sent to the FHIR server during the call (other concurrent users of the store included). */
  fhirRequests: number;
}

/**
 * Transforms measurements into Observations and persists them. Non-retriable errors (TemplateNotFound, identity
 * errors, CorrelationIdNotDefined, InvalidQuantityFhirValue, MultipleResourceFound, rejected writes) are collected
 * with their measurements and do not stop other groups; a retriable error (FHIR service unavailable, persisting
 * conflicts) is rethrown once every started write has settled, so the caller keeps the data staged.
 * @param measurements - normalized measurements, e.g. one work unit's
 * @param deps - mapping, FHIR store, identity resolver, clock and concurrency
 * @param progress - if given, counted up as Observations are written: after a throw it still says what was written
 * @throws MedTechError FhirServiceError (retriable), or any unexpected error
 */
export async function transformAndPersist(
  measurements: readonly Measurement[],
  deps: TransformAndPersistDeps,
  progress?: PersistProgress,
): Promise<TransformAndPersistSummary> {
  const requestsBefore = deps.store.requestCount();
  const issued = new Date(deps.now()).toISOString();
  const limit = stopAtFirstServiceError(createLimiter(concurrencyOf(deps)));
  const locks = deps.observationLocks ?? createObservationLocks();
  const summary: TransformAndPersistSummary = {
    groups: 0,
    created: 0,
    updated: 0,
    noop: 0,
    errors: [],
    fhirRequests: 0,
  };

  const { valid, invalid } = partitionByTimes(measurements);
  if (invalid.length > 0) {
    summary.errors.push({
      error: new MedTechError('IncompatibleData', 'Grouping', 'Measurement time is not an ISO-8601 timestamp.', {
        location: { field: 'occurrenceTimeUtc' },
      }).toRecord(),
      measurements: invalid,
    });
  }
  const groups = groupMeasurements(valid);
  summary.groups = groups.length;

  // One counter: the caller's, when it wants to know what was written even if this call throws.
  const written: PersistProgress = progress ?? { created: 0, updated: 0, noop: 0 };
  written.groups = groups.length;
  try {
    await writeGroups(groups, deps, issued, limit, locks, written, summary);
  } finally {
    written.fhirRequests = deps.store.requestCount() - requestsBefore;
  }
  summary.created = written.created;
  summary.updated = written.updated;
  summary.noop = written.noop;
  summary.fhirRequests = written.fhirRequests;
  return summary;
}

/**
 * Writes the groups (see {@link transformAndPersist}), collecting their data errors into `summary` in group order.
 * What is in flight is bounded, not the unit: identities are resolved a few groups ahead of the writes, and a write is
 * queued only while fewer than {@link maxQueuedWrites} wait or run, so a busy unit's hundreds of thousands of
 * Observations are planned and queued as earlier ones are written, not all at once (about 3 KB each).
 */
async function writeGroups(
  groups: readonly MeasurementGroup[],
  deps: TransformAndPersistDeps,
  issued: string,
  limit: Limiter,
  locks: ObservationLocks,
  written: PersistProgress,
  summary: TransformAndPersistSummary,
): Promise<void> {
  // The writes' lookups, registered in the order the writes are queued, so that one search reads the next few.
  // As many as run at once: a write read ahead then starts within about one write's time of its search.
  const readAhead = createObservationReadAhead(deps.store, Math.min(READ_AHEAD_BATCH, concurrencyOf(deps)));
  const writing: Writing = {
    limit,
    locks,
    readAhead,
    count: (outcome) => {
      written[outcome] += 1;
    },
    queued: createWriteWindow(maxQueuedWrites(deps)),
  };
  // Identities are resolved ahead of the writes (bounded by the limiter), but the writes are queued group by group,
  // in group order: groups that share an Observation (they differ only in encounter) are then merged in the order
  // MedTech writes them (it takes a device's groups one after the other), not in the order their resolutions came
  // back.
  const ahead = identitiesAhead(deps);
  const prepared = new Map<number, PreparedGroup>();
  let nextPrepared = 0;
  const failuresByGroup = new Map<number, GroupFailure[]>();
  const settling = new Set<Promise<void>>();
  let fatal: { error: unknown } | undefined;
  for (let index = 0; index < groups.length && fatal === undefined && writing.stopped === undefined; index++) {
    for (; nextPrepared < groups.length && nextPrepared <= index + ahead; nextPrepared++) {
      prepared.set(nextPrepared, prepareGroup(groups[nextPrepared] as MeasurementGroup, deps, limit));
    }
    const item = prepared.get(index) as PreparedGroup;
    prepared.delete(index);
    const { done } = await queueWrites(item, deps, issued, writing);
    const settled = done.then(
      (failures) => {
        if (failures.length > 0) {
          failuresByGroup.set(index, failures);
        }
      },
      (error: unknown) => {
        fatal ??= { error };
      },
    );
    settling.add(settled);
    void settled.then(() => settling.delete(settled));
  }
  // Groups prepared ahead but never queued (a service error stopped the loop): their resolutions settle first.
  for (const item of prepared.values()) {
    if ('identity' in item) {
      await item.identity.catch(() => undefined);
    }
  }
  await Promise.all(settling);
  if (fatal !== undefined) {
    throw asError(fatal.error);
  }
  for (const index of [...failuresByGroup.keys()].sort((a, b) => a - b)) {
    summary.errors.push(...(failuresByGroup.get(index) as GroupFailure[]));
  }
}

/** What the writes of one call share: the limiter, the Observation locks, the lookups and the outcome counter. */
interface Writing {
  limit: Limiter;
  locks: ObservationLocks;
  readAhead: ObservationReadAhead;
  count: (outcome: PersistOutcome) => void;
  /** The writes queued and not yet settled, bounded. */
  queued: WriteWindow;
  /** Set at the first service error of a write or an identity: nothing more is queued. */
  stopped?: { error: unknown };
}

/** A count of writes in flight that a queuing loop waits on while it is at its bound. */
interface WriteWindow {
  /** Takes a place, at once when one is free (`undefined`), else once a write has settled. */
  enter(): Promise<void> | undefined;
  /** Gives a place back. */
  leave(): void;
}

/** Creates a {@link WriteWindow} of `size` places. */
function createWriteWindow(size: number): WriteWindow {
  let inside = 0;
  let waiting: (() => void) | undefined;
  return {
    enter() {
      if (inside < size) {
        inside += 1;
        return undefined;
      }
      return new Promise<void>((resolve) => {
        // One queuing loop a call: at most one waits.
        waiting = () => {
          inside += 1;
          resolve();
        };
      });
    },
    leave() {
      inside -= 1;
      const next = waiting;
      if (next !== undefined) {
        waiting = undefined;
        next();
      }
    },
  };
}

/**
 * Writes queued (waiting for their Observation's lock or the limiter, or running) at most: enough ahead of the
 * running ones for the read-ahead and the limiter never to run dry.
 */
function maxQueuedWrites(deps: TransformAndPersistDeps): number {
  return Math.max(256, 32 * concurrencyOf(deps));
}

/** Groups whose identities are resolved ahead of the one whose writes are being queued. */
function identitiesAhead(deps: TransformAndPersistDeps): number {
  return Math.max(64, 8 * concurrencyOf(deps));
}

/** A group with its template found, its Observations planned and its identity being resolved, or its data error. */
type PreparedGroup =
  | {
      group: MeasurementGroup;
      template: CodeValueFhirTemplate;
      observationGroups: ObservationGroup[];
      identity: Promise<ResolvedIdentity>;
    }
  | { group: MeasurementGroup; error: unknown };

/**
 * Finds the group's template, plans its Observations and then starts resolving its identity (errors kept for later):
 * a group that can make no Observation (CorrelationIdNotDefined) is reported as such, and resolves no identity (with
 * Create, writes no Patient or Device), as `medtech debug` and MedTech have it.
 */
function prepareGroup(group: MeasurementGroup, deps: TransformAndPersistDeps, limit: Limiter): PreparedGroup {
  try {
    const template = requireFhirTemplate(deps.mapping, group.key.type);
    const observationGroups = planObservationGroups(group, template);
    const identity = limit(() => deps.identity.resolve(group.key));
    // Awaited in group order later; until then a rejection is not unhandled.
    identity.catch(() => undefined);
    return { group, template, observationGroups, identity };
  } catch (error) {
    return { group, error };
  }
}

/**
 * Waits for the group's identity, then queues the writes of its Observations on the Observation locks in order
 * (each once the write window has room), so that the caller, taking groups in order, queues the writers of one
 * Observation in group order. Resolves once the writes are queued; `done` then settles with the group's data errors
 * once they have settled (or rejects with a service error).
 */
async function queueWrites(
  item: PreparedGroup,
  deps: TransformAndPersistDeps,
  issued: string,
  writing: Writing,
): Promise<{ done: Promise<GroupFailure[]> }> {
  const { limit, locks, readAhead, count, queued } = writing;
  const { group } = item;
  let identity: ResolvedIdentity;
  try {
    if ('error' in item) {
      throw item.error;
    }
    identity = await item.identity;
  } catch (error) {
    if (isDataError(error)) {
      return { done: Promise.resolve([{ error: error.toRecord(), measurements: group.measurements }]) };
    }
    writing.stopped ??= { error };
    const failed = Promise.reject(asError(error));
    // Awaited by the caller; until then a rejection is not unhandled.
    failed.catch(() => undefined);
    return { done: failed };
  }
  const { template, observationGroups } = item;
  const settled = settleWrites(group, observationGroups, count, (error) => {
    writing.stopped ??= { error };
  });
  for (let index = 0; index < observationGroups.length; index++) {
    const wait = queued.enter();
    if (wait !== undefined) {
      await wait;
    }
    if (writing.stopped !== undefined) {
      // The service failed: the rest of the group is not queued (it would only fail at once in the stopped limiter).
      queued.leave();
      settled.stop(writing.stopped.error, observationGroups.length - index);
      break;
    }
    const observationGroup = observationGroups[index] as ObservationGroup;
    const identifier = toObservationIdentifier(identity, observationGroup);
    const slot = readAhead.register(identifier);
    const write = locks.run(`${identifier.system}|${identifier.value}`, () => {
      // Holding the Observation's lock, the write may be read ahead: no other write of this process comes first.
      readAhead.hold(slot);
      return limit(() =>
        persistObservation(
          deps.store,
          { group: observationGroup, template, identity, issued, lookup: () => readAhead.lookup(slot) },
          { maxWriteAttempts: deps.maxWriteAttempts ?? 3 },
        ),
      );
    });
    settled.add(index, write);
    const leave = (): void => {
      readAhead.forget(slot);
      queued.leave();
    };
    void write.then(leave, leave);
  }
  return { done: settled.done };
}

/** The outcomes of one group's writes, gathered as they settle. */
interface GroupWrites {
  /** Counts the write of `observationGroups[index]` once it settles. */
  add(index: number, write: Promise<PersistOutcome>): void;
  /** Counts the last `remaining` writes, never queued after a service error, as failed with it. */
  stop(error: unknown, remaining: number): void;
  /**
   * Once every write has settled: the data errors (in the order of the observation groups), or the first service
   * error, rethrown.
   */
  done: Promise<GroupFailure[]>;
}

/**
 * Gathers a group's writes: outcomes counted as they settle, data errors kept with the measurements concerned, and a
 * service error told to `onServiceError` at once.
 */
function settleWrites(
  group: MeasurementGroup,
  observationGroups: readonly ObservationGroup[],
  count: (outcome: PersistOutcome) => void,
  onServiceError: (error: unknown) => void,
): GroupWrites {
  let open = observationGroups.length;
  const failed: { index: number; error: MedTechError }[] = [];
  let fatal: { error: unknown } | undefined;
  let finish: () => void = () => undefined;
  const allSettled = new Promise<void>((resolve) => {
    finish = resolve;
  });
  if (open === 0) {
    finish();
  }
  const settle = (writes: number): void => {
    open -= writes;
    if (open === 0) {
      finish();
    }
  };
  const done = allSettled.then(() => {
    if (fatal !== undefined) {
      throw asError(fatal.error);
    }
    if (failed.length === 0) {
      return [];
    }
    // Which measurements each failed Observation concerns, found once for all of them.
    const concerned = measurementsByObservationGroup(group, observationGroups);
    return failed
      .sort((a, b) => a.index - b.index)
      .map(({ index, error }) => ({ error: error.toRecord(), measurements: concerned[index] ?? [] }));
  });
  // Awaited by the caller; until then a rejection is not unhandled.
  done.catch(() => undefined);
  return {
    add(index, write) {
      write.then(
        (outcome) => {
          count(outcome);
          settle(1);
        },
        (reason: unknown) => {
          if (isDataError(reason)) {
            failed.push({ index, error: reason });
          } else {
            fatal ??= { error: reason };
            onServiceError(reason);
          }
          settle(1);
        },
      );
    },
    stop(error, remaining) {
      fatal ??= { error };
      settle(remaining);
    },
    done,
  };
}

/**
 * A limiter that starts nothing more once a task has failed with anything but a data error: the FHIR service
 * unavailable or throttling (after the adapter's own retries), the flush's lease taken over, or a fault. The tasks not
 * yet started fail with that error at once. The call rethrows it either way and the unit stays staged for its next
 * attempt; going on would spend every other group's retry budget on a service that is down (the flush could outlast
 * the function's time limit) or asked for less load, or read for writes that may no longer be sent.
 */
function stopAtFirstServiceError(limit: Limiter): Limiter {
  let stopped: { error: unknown } | undefined;
  return (task) =>
    limit(async () => {
      if (stopped !== undefined) {
        throw stopped.error;
      }
      try {
        return await task();
      } catch (error) {
        if (!isDataError(error)) {
          stopped ??= { error };
        }
        throw error;
      }
    });
}

/** Most observation groups (and identity resolutions) in flight at once. */
function concurrencyOf(deps: TransformAndPersistDeps): number {
  return Math.max(1, deps.concurrency ?? 8);
}

/** Rethrows errors as they are; wraps the odd non-Error value so callers always get an Error. */
function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error('A FHIR write failed with a non-Error value.', { cause: value });
}

/** A data error: the data (or its mapping) is at fault, retrying it will not help. */
function isDataError(error: unknown): error is MedTechError {
  return isMedTechError(error) && !error.retriable;
}

function partitionByTimes(measurements: readonly Measurement[]): { valid: Measurement[]; invalid: Measurement[] } {
  const valid: Measurement[] = [];
  const invalid: Measurement[] = [];
  for (const m of measurements) {
    const ok = toEpochMs(m.occurrenceTimeUtc) !== undefined && toEpochMs(m.ingestionTimeUtc) !== undefined;
    (ok ? valid : invalid).push(m);
  }
  return { valid, invalid };
}
