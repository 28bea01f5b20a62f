/**
 * Replay use case: once the operator has fixed a mapping (or created the missing Patient or Device), dead letters go
 * through the pipeline again. A rejected message is normalized again with the current device mapping; a rejected
 * group's measurements are staged again as they are. Either way the data is staged in its original window, in a
 * replay shard, and the next flush writes it like any other. A dead letter is deleted only after its data is staged
 * (or dead-lettered again), and only in the version that was read: one rejected again in the meantime (same id, so
 * rewritten) stays; so does a message that now yields nothing at all. Idempotent: replaying twice stages the same
 * batch again, whose head supersedes the first replay's staging, and FHIR writes merge.
 * The letters of a call are deleted once its data is staged, one message or group at a time, the oldest data first,
 * stopping at the first failure or at the first letter whose data could not be staged: what a call stopped part-way
 * leaves (or a second call running beside it finds) is then always the newest part, and replaying that again cannot
 * write an older reading of a slot over a newer one (as the staging's own deletes keep to).
 */
import type { EventCoordinates } from '../core/deviceEvent.js';
import { subjectTimesMs } from '../core/staging/deadLetter.js';
import { isMedTechError, type ErrorName } from '../core/errors.js';
import type { DeviceMapping } from '../core/mapping/deviceMapping.js';
import {
  planDeadLetterReplay,
  replayShardOfDevice,
  replayShardsOfMessage,
  type ReplayPlan,
} from '../core/staging/deadLetterReplay.js';
import { normalizeEvent } from '../core/normalize/normalizeEvent.js';
import { ingestBatch } from './ingestBatch.js';
import { mapWithConcurrency } from './limiter.js';
import {
  partialDeleteOutcome,
  type DeadLetterQuery,
  type DeadLetterStore,
  type DeleteOutcome,
  type StagingStore,
  type StoredDeadLetter,
  type StoredDeadLetterKey,
} from './stagingPorts.js';

/** What a replay needs. */
export interface ReplayDeps {
  staging: StagingStore;
  deadLetters: DeadLetterStore;
  /** Current time (the `time` of dead letters written again). */
  now: () => Date;
}

/** Which dead letters to replay. */
export interface ReplayOptions {
  /** Only dead letters with this error name (all when absent). */
  errorName?: ErrorName;
  /** Only dead letters written before this instant (ISO-8601 UTC as `toISOString` writes it). */
  before?: string;
  /** Most dead letters one call reads and replays (default {@link DEFAULT_REPLAY_MAX_ITEMS}); call again for more. */
  maxItems?: number;
  /**
   * Where an earlier call stopped (its summary's `continuationToken`, with the same `errorName`): this call takes the
   * dead letters after those it read. Without it, a call starts from the first dead letter, so the ones an earlier
   * call kept (rejected again, yielding nothing, stored without a body) come first again.
   */
  continuationToken?: string;
  /**
   * Only tell what would happen: rejected messages are normalized with the mapping being served and counted, nothing
   * is staged, written or deleted.
   */
  dryRun?: boolean;
}

/** Default {@link ReplayOptions.maxItems}. */
export const DEFAULT_REPLAY_MAX_ITEMS = 500;

/** Dead letters replayed at once. */
const REPLAY_CONCURRENCY = 8;

type MessagePlan = Extract<ReplayPlan, { kind: 'message' }>;
type GroupPlan = Extract<ReplayPlan, { kind: 'measurements' }>;

/** What a replay call did (in a dry run: would do; nothing is deleted or written then). */
export interface ReplaySummary {
  dryRun: boolean;
  /** Dead letters read, by kind of subject. */
  examined: { messages: number; groups: number };
  /** Dead letters read, by error name. */
  examinedByName: Partial<Record<ErrorName, number>>;
  /** Messages normalized again (a message dead-lettered by several templates counts once). */
  messagesNormalized: number;
  /** Measurements staged again, from messages and groups. */
  measurementsStaged: number;
  /** Messages that fail again with the mapping being served: they are dead-lettered again. */
  rejectedAgain: number;
  /**
   * Messages that now yield no measurement and no error (no template matches them any more): their dead letters are
   * kept, since deleting them would drop the data without a trace. Check the mapping.
   */
  yieldedNothing: number;
  /**
   * Messages stored without their body or a property bag (too large for one document): kept; their coordinates find
   * them in Event Hubs (or its Capture) while retained. One whose message is replayed from another (whole) dead letter
   * read in the same call goes with it, and is counted `deleted` instead.
   */
  unavailable: number;
  /** Errors normalizing the messages again gave, by name. */
  errorsByName: Partial<Record<ErrorName, number>>;
  /**
   * Dead letters written for them (the same id as before when the same error recurs), less the copies without body
   * or properties that the replay removed again because it kept the whole ones it read.
   */
  deadLettered: number;
  /** Dead letters deleted after their data was staged. */
  deleted: number;
  /**
   * Dead letters kept because they were rewritten while being replayed (the same thing rejected again), or because
   * their message, rejected again, could be stored again only without its body or properties.
   */
  kept: number;
  /** Dead letters already gone (another replay took them). */
  missing: number;
  /**
   * True when more dead letters may follow those read (rarely, a last call then finds none): call again with
   * `continuationToken`.
   */
  more: boolean;
  /**
   * When `more`: pass it back to take the dead letters after these. Without it, the next call starts from the first
   * again, and the letters this one kept would take its whole `maxItems` again.
   */
  continuationToken?: string;
}

/**
 * Replays dead letters (see the module comment).
 * @param mapping - the device mapping currently served (for rejected messages)
 * @param deps - stores and clock
 * @param options - filter, bound, dry run
 * @throws ReplayFailedError when a store fails, with the summary of what was done before; what was replayed stays
 *   replayed, the rest stays dead-lettered, and calling again is safe; a failure before any dead letter was read is
 *   thrown as it is
 */
export async function replayDeadLetters(
  mapping: DeviceMapping,
  deps: ReplayDeps,
  options: ReplayOptions = {},
): Promise<ReplaySummary> {
  const maxItems = Math.max(1, Math.floor(options.maxItems ?? DEFAULT_REPLAY_MAX_ITEMS));
  const { items, continuationToken } = await readDeadLetters(
    deps.deadLetters,
    {
      ...(options.errorName === undefined ? {} : { errorName: options.errorName }),
      ...(options.before === undefined ? {} : { before: options.before }),
    },
    maxItems,
    options.continuationToken,
  );
  const dryRun = options.dryRun === true;
  const summary: ReplaySummary = {
    dryRun,
    examined: { messages: 0, groups: 0 },
    examinedByName: {},
    messagesNormalized: 0,
    measurementsStaged: 0,
    rejectedAgain: 0,
    yieldedNothing: 0,
    unavailable: 0,
    errorsByName: {},
    deadLettered: 0,
    deleted: 0,
    kept: 0,
    missing: 0,
    more: continuationToken !== undefined,
    ...(continuationToken === undefined ? {} : { continuationToken }),
  };
  // A message rejected by several templates has several dead letters: normalize it once, then delete them all.
  const messages = new Map<string, { plan: MessagePlan; letters: StoredDeadLetter[] }>();
  const groups: { plan: GroupPlan; letter: StoredDeadLetter }[] = [];
  // Letters of messages stored with less, by message: gone too once another letter of the message is replayed.
  const unavailable = new Map<string, StoredDeadLetter[]>();
  for (const item of items) {
    summary.examinedByName[item.errorName] = (summary.examinedByName[item.errorName] ?? 0) + 1;
    const plan = planDeadLetterReplay(item);
    if (plan.kind === 'unavailable') {
      summary.examined.messages += 1;
      summary.unavailable += 1;
      if (item.subject.kind === 'message') {
        const key = messageKey(item.subject.coordinates);
        unavailable.set(key, [...(unavailable.get(key) ?? []), item]);
      }
    } else if (plan.kind === 'message') {
      summary.examined.messages += 1;
      const key = messageKey(plan.ingest.coordinates);
      const entry = messages.get(key) ?? { plan, letters: [] };
      entry.letters.push(item);
      messages.set(key, entry);
    } else {
      summary.examined.groups += 1;
      groups.push({ plan, letter: item });
    }
  }

  /** Stages (or dead-letters again) one message; returns the deletes of its letters, made later (module comment). */
  const replayMessage = async (
    plan: MessagePlan,
    letters: readonly StoredDeadLetter[],
    lesser: readonly StoredDeadLetter[],
  ): Promise<Remove> => {
    summary.messagesNormalized += 1;
    let measurements: number;
    let errors: number;
    let withLess = false;
    const written: StoredDeadLetterKey[] = [];
    if (dryRun) {
      const result = normalizeEvent(mapping, plan.ingest.event);
      measurements = result.measurements.length;
      errors = result.errors.length;
      for (const error of result.errors) {
        summary.errorsByName[error.name] = (summary.errorsByName[error.name] ?? 0) + 1;
      }
    } else {
      const shard = replayShardOf(mapping, plan);
      // An earlier replay of the message may have staged it in another shard (the mapping made another device of
      // it, or none): that staging is superseded by an empty one (nothing is written where there is none), before
      // this one is staged, so that only what the mapping makes of it now is flushed.
      for (const other of replayShardsOfMessage(plan.ingest.coordinates)) {
        if (other !== shard) {
          await deps.staging.stageBatch(other, plan.staging.range, [], [plan.ingest.event.enqueuedTimeUtc]);
        }
      }
      const result = await ingestBatch([plan.ingest], mapping, deps, {
        stagingKeyOf: () => ({ shard, sequenceNumber: plan.staging.range.first }),
        // Counted once staged: if writing its dead letters fails next, the measurements are staged all the same.
        onStaged: (staged) => {
          summary.measurementsStaged += staged;
        },
        onDeadLettered: (keys) => written.push(...keys),
      });
      measurements = result.measurements;
      errors = 0;
      for (const [name, count] of Object.entries(result.errorsByName) as [ErrorName, number][]) {
        summary.errorsByName[name] = (summary.errorsByName[name] ?? 0) + count;
        errors += count;
      }
      summary.deadLettered += result.deadLettered;
      withLess = written.some((key) => key.withLess === true);
    }
    if (dryRun) {
      summary.measurementsStaged += measurements;
    }
    if (errors > 0) {
      summary.rejectedAgain += 1;
    } else if (measurements === 0) {
      summary.yieldedNothing += 1;
      return undefined;
    }
    if (dryRun) {
      // As the real run will (unless the message's new dead letter can only be stored with less, which a dry run
      // cannot tell): the letters of the message stored with less go with it, or are rewritten.
      summary.unavailable -= lesser.length;
    }
    if (withLess) {
      // Rejected again, but stored now without its body or properties (a longer error made it too large, say): the
      // letters read are the only whole copies of the message left, so they stay, and the copies with less this
      // replay created go (its errors are counted above), or they would outlive the message's successful replay. Each
      // only in the version written: one a live redelivery rewrote since stays. One stored before stays too (rewritten).
      summary.kept += letters.length;
      const created = written.filter((key) => key.withLess === true && key.replaced !== true);
      if (created.length > 0) {
        await deleteCounting(
          deps.deadLetters,
          created.map(({ id, pk, etag }) => ({ id, pk, ...(etag === undefined ? {} : { etag }) })),
          (outcome) => {
            summary.deadLettered -= outcome.deleted;
          },
        );
      }
    } else if (!dryRun) {
      // Its measurements are staged and its errors dead-lettered again: the letters read can go, unless rewritten;
      // so can the ones of the same message stored with less that were read with them (an error not made again, or
      // made again and so rewritten: then it stays).
      return async () => {
        await deleteReplayed(deps.deadLetters, letters, summary);
        if (lesser.length > 0) {
          await deleteReplayed(deps.deadLetters, lesser, summary, (outcome) => {
            summary.unavailable -= outcome.deleted + outcome.missing + outcome.changed;
          });
        }
      };
    }
    return undefined;
  };
  /** Stages one group; returns the delete of its letter, made later (module comment). */
  const replayGroup = async (plan: GroupPlan, letter: StoredDeadLetter): Promise<Remove> => {
    if (dryRun) {
      summary.measurementsStaged += plan.measurements.length;
      return undefined;
    }
    if (plan.measurements.length > 0) {
      await deps.staging.stageBatch(plan.staging.shard, plan.staging.range, plan.measurements);
      summary.measurementsStaged += plan.measurements.length;
    }
    return () => deleteReplayed(deps.deadLetters, [letter], summary);
  };

  const tasks: ReplayTask[] = [
    ...[...messages.entries()].map(([key, { plan, letters }]) => ({
      // The letters of one message share its subject.
      order: dataOrder(letters[0] as StoredDeadLetter),
      stage: () => replayMessage(plan, letters, unavailable.get(key) ?? []),
    })),
    ...groups.map(({ plan, letter }) => ({ order: dataOrder(letter), stage: () => replayGroup(plan, letter) })),
  ];
  let failure: { error: unknown } | undefined;
  try {
    // Independent of one another: a few at a time. After a failure (a store unavailable) no further one starts.
    await mapWithConcurrency(tasks, REPLAY_CONCURRENCY, async (task) => {
      task.remove = await task.stage();
      task.staged = true;
    });
  } catch (error) {
    failure = { error };
  }
  try {
    // Oldest data first, up to the first whose data was not staged: the letters left are always the newest.
    tasks.sort((a, b) => compareDataOrder(a.order, b.order));
    for (const task of tasks) {
      if (task.staged !== true) {
        break;
      }
      await task.remove?.();
    }
  } catch (error) {
    failure ??= { error };
  }
  if (failure !== undefined) {
    // What was done before the failure stays done; the caller learns both.
    throw new ReplayFailedError(summary, failure.error);
  }
  return summary;
}

/**
 * The shard a replayed message is staged in: its device's (shared with the device's replayed groups) when its
 * measurements are all of one device, else its partition's replay shard. Normalized once more to tell (pure, and a
 * replay's cost is its writes).
 */
function replayShardOf(mapping: DeviceMapping, plan: MessagePlan): string {
  const shards = new Set<string>();
  for (const measurement of normalizeEvent(mapping, plan.ingest.event).measurements) {
    shards.add(replayShardOfDevice(measurement.deviceId));
  }
  const [only] = shards;
  return shards.size === 1 && only !== undefined ? only : plan.staging.shard;
}

/** The deletes of a replayed dead letter's letters, if any are to go. */
type Remove = (() => Promise<void>) | undefined;

/** One message or group of a replay call: its place in the data's order, its staging, then its deletes. */
interface ReplayTask {
  order: DataOrder;
  stage: () => Promise<Remove>;
  /** Set once staged (or dead-lettered again, or found to yield nothing). */
  staged?: boolean;
  remove?: Remove;
}

/** Where a dead letter's data stands in the order it was ingested: enqueued time, then a tie-breaker. */
interface DataOrder {
  epochMs: number;
  /** Partition and sequence number of a message; the dead letter's key for a group. */
  tie: string;
  sequenceNumber: number;
}

/**
 * A dead letter's place: a message's enqueued time, partition and sequence number; a group's latest ingestion time
 * and key. Data whose times do not parse sorts first.
 */
function dataOrder(letter: StoredDeadLetter): DataOrder {
  const epochMs = subjectTimesMs(letter.subject)?.latest ?? Number.NEGATIVE_INFINITY;
  const { subject } = letter;
  return subject.kind === 'message'
    ? {
        epochMs,
        tie: `m|${subject.coordinates.partitionId}`,
        sequenceNumber: subject.coordinates.sequenceNumber,
      }
    : { epochMs, tie: `g|${letter.pk}|${letter.id}`, sequenceNumber: 0 };
}

function compareDataOrder(a: DataOrder, b: DataOrder): number {
  if (a.epochMs !== b.epochMs) {
    return a.epochMs < b.epochMs ? -1 : 1;
  }
  if (a.tie !== b.tie) {
    return a.tie < b.tie ? -1 : 1;
  }
  return a.sequenceNumber - b.sequenceNumber;
}

/**
 * A replay stopped by a store failure after part of it was done: the summary says what was staged and deleted before
 * it; the rest stays dead-lettered, and replaying again is safe.
 */
export class ReplayFailedError extends Error {
  override readonly name = 'ReplayFailedError';

  /**
   * @param summary - what was done before the failure
   * @param cause - the store failure
   */
  constructor(
    readonly summary: ReplaySummary,
    cause: unknown,
  ) {
    super(`The replay stopped: ${describeFailure(cause)}`, { cause });
  }
}

/**
 * What stopped a replay, for the HTTP answer and the log: our own errors carry safe messages; a foreign one (a store
 * or library error, whose text may quote the data it was given) is named, with its status when it has one.
 */
function describeFailure(cause: unknown): string {
  if (isMedTechError(cause)) {
    return `${cause.name}: ${cause.message}`;
  }
  if (!(cause instanceof Error)) {
    return 'unknown error';
  }
  const { statusCode } = cause as { statusCode?: unknown };
  return typeof statusCode === 'number' ? `${cause.name} (status ${statusCode})` : cause.name;
}

/**
 * Reads up to `maxItems` dead letters, page by page, from `start` (a continuation token) or the first; the token
 * after the last one read when the store may hold further matches. No page asks for more than is still wanted, so the
 * token points just past the letters returned.
 * @param store - the dead-letter store
 * @param filter - error name and time bound, as {@link DeadLetterStore.listDeadLetters} takes them
 * @param maxItems - most letters to read (≥ 1)
 * @param start - a continuation token of an earlier read with the same filter
 */
export async function readDeadLetters(
  store: DeadLetterStore,
  filter: Pick<DeadLetterQuery, 'errorName' | 'before'>,
  maxItems: number,
  start: string | undefined,
): Promise<{ items: StoredDeadLetter[]; continuationToken?: string }> {
  const items: StoredDeadLetter[] = [];
  let token = start;
  do {
    const page = await store.listDeadLetters({
      ...filter,
      maxItems: Math.min(100, maxItems - items.length),
      ...(token === undefined ? {} : { continuationToken: token }),
    });
    for (const item of page.items) {
      items.push(item);
    }
    token = page.continuationToken;
  } while (token !== undefined && items.length < maxItems);
  return token === undefined ? { items } : { items, continuationToken: token };
}

/** Which Event Hubs message a dead letter's coordinates name: its letters (one per error) share it. */
function messageKey({ partitionId, sequenceNumber }: Pick<EventCoordinates, 'partitionId' | 'sequenceNumber'>): string {
  return `${partitionId}|${sequenceNumber}`;
}

/**
 * Deletes replayed dead letters in the version read, counting them in the summary; a rewritten one (rejected again
 * meanwhile) stays. When the store fails part-way, what it did before is counted too, then the failure rethrown.
 * @param count - counts an outcome elsewhere as well
 */
async function deleteReplayed(
  store: DeadLetterStore,
  letters: readonly StoredDeadLetter[],
  summary: ReplaySummary,
  count: (outcome: DeleteOutcome) => void = () => undefined,
): Promise<void> {
  await deleteCounting(
    store,
    letters.map(({ id, pk, etag }) => ({ id, pk, etag })),
    (outcome) => {
      summary.deleted += outcome.deleted;
      summary.kept += outcome.changed;
      summary.missing += outcome.missing;
      count(outcome);
    },
  );
}

/**
 * Deletes dead letters and counts what was done: the outcome, or, when the store fails part-way, what it did before
 * (then the failure is rethrown).
 */
async function deleteCounting(
  store: DeadLetterStore,
  keys: Parameters<DeadLetterStore['deleteDeadLetters']>[0],
  count: (outcome: DeleteOutcome) => void,
): Promise<void> {
  let outcome: DeleteOutcome;
  try {
    outcome = await store.deleteDeadLetters(keys);
  } catch (error) {
    const partial = partialDeleteOutcome(error);
    if (partial !== undefined) {
      count(partial);
    }
    throw error;
  }
  count(outcome);
}
