/**
 * Replay use case: once the operator has fixed a mapping (or created the missing Patient or Device), dead letters go
 * through the pipeline again. A rejected message is normalized again with the current device mapping; a rejected
 * group's measurements are staged again as they are. Either way the data is staged in its original window, in the
 * replay shard, and the next flush writes it like any other. A dead letter is deleted only after its data is staged,
 * and only in the version that was read: one rejected again in the meantime (same id, so rewritten) stays.
 * Idempotent: replaying twice stages the same documents, and FHIR writes merge.
 */
import type { ErrorName } from '../core/errors.js';
import type { DeviceMapping } from '../core/mapping/deviceMapping.js';
import { REPLAY_SHARD, planDeadLetterReplay, replayRangeOfMessage } from '../core/staging/deadLetterReplay.js';
import type { IngestEvent } from '../core/deviceEvent.js';
import { ingestBatch } from './ingestBatch.js';
import { createLimiter } from './limiter.js';
import type { DeadLetterStore, StagingStore, StoredDeadLetter } from './stagingPorts.js';

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
  /** Most dead letters one call reads and replays (default {@link DEFAULT_REPLAY_MAX_ITEMS}); call again for more. */
  maxItems?: number;
  /** Only count what would be replayed; nothing is staged or deleted. */
  dryRun?: boolean;
  /** Dead letters replayed at once (default {@link DEFAULT_REPLAY_CONCURRENCY}). */
  concurrency?: number;
}

/** Default {@link ReplayOptions.concurrency}. */
export const DEFAULT_REPLAY_CONCURRENCY = 8;

/** Default {@link ReplayOptions.maxItems}. */
export const DEFAULT_REPLAY_MAX_ITEMS = 1000;

/** What a replay call did. */
export interface ReplaySummary {
  dryRun: boolean;
  /** Dead letters read, by kind of subject. */
  examined: { messages: number; groups: number };
  /** Dead letters read, by error name. */
  examinedByName: Partial<Record<ErrorName, number>>;
  /** Messages normalized again (a message dead-lettered by several templates counts once). */
  messagesReplayed: number;
  /** Measurements staged again (from messages and groups). */
  measurementsStaged: number;
  /** Dead letters deleted after their data was staged. */
  deleted: number;
  /** Dead letters kept because the same thing was rejected again while being replayed (their record was rewritten). */
  rejectedAgain: number;
  /** Dead letters already gone (another replay took them). */
  missing: number;
  /** Dead letters written while normalizing messages again, by error name (rejected again, or newly). */
  deadLetteredByName: Partial<Record<ErrorName, number>>;
  /** True when more dead letters matched than `maxItems`: call again. */
  more: boolean;
}

/**
 * Replays dead letters (see the module comment).
 * @param mapping - the device mapping currently served (for rejected messages)
 * @param deps - stores and clock
 * @param options - filter, bound, dry run
 * @throws a retriable error when a store is unavailable; what was replayed before it stays replayed, the rest stays
 *   dead-lettered, and calling again is safe
 */
export async function replayDeadLetters(
  mapping: DeviceMapping,
  deps: ReplayDeps,
  options: ReplayOptions = {},
): Promise<ReplaySummary> {
  const maxItems = Math.max(1, Math.floor(options.maxItems ?? DEFAULT_REPLAY_MAX_ITEMS));
  const { items, more } = await readDeadLetters(deps.deadLetters, options.errorName, maxItems);
  const summary: ReplaySummary = {
    dryRun: options.dryRun === true,
    examined: { messages: 0, groups: 0 },
    examinedByName: {},
    messagesReplayed: 0,
    measurementsStaged: 0,
    deleted: 0,
    rejectedAgain: 0,
    missing: 0,
    deadLetteredByName: {},
    more,
  };
  // A message rejected by several templates has several dead letters: normalize it once, then delete them all.
  const messages = new Map<string, { ingest: IngestEvent; letters: StoredDeadLetter[] }>();
  const groups: StoredDeadLetter[] = [];
  for (const item of items) {
    summary.examinedByName[item.errorName] = (summary.examinedByName[item.errorName] ?? 0) + 1;
    const plan = planDeadLetterReplay(item);
    if (plan.kind === 'message') {
      summary.examined.messages += 1;
      const { partitionId, sequenceNumber } = plan.ingest.coordinates;
      const key = `${partitionId}|${sequenceNumber}`;
      const entry = messages.get(key) ?? { ingest: plan.ingest, letters: [] };
      entry.letters.push(item);
      messages.set(key, entry);
    } else {
      summary.examined.groups += 1;
      groups.push(item);
    }
  }
  if (summary.dryRun) {
    return summary;
  }

  const limit = createLimiter(Math.max(1, Math.floor(options.concurrency ?? DEFAULT_REPLAY_CONCURRENCY)));
  const replayMessage = async (ingest: IngestEvent, letters: readonly StoredDeadLetter[]): Promise<void> => {
    const result = await ingestBatch([ingest], mapping, deps, {
      stagingKeyOf: (coordinates) => ({
        shard: REPLAY_SHARD,
        sequenceNumber: replayRangeOfMessage(coordinates).first,
      }),
    });
    summary.messagesReplayed += 1;
    summary.measurementsStaged += result.measurements;
    for (const [name, count] of Object.entries(result.errorsByName) as [ErrorName, number][]) {
      summary.deadLetteredByName[name] = (summary.deadLetteredByName[name] ?? 0) + count;
    }
    await deleteReplayed(deps.deadLetters, letters, summary);
  };
  const replayGroup = async (group: StoredDeadLetter): Promise<void> => {
    const plan = planDeadLetterReplay(group);
    if (plan.kind === 'measurements' && plan.measurements.length > 0) {
      await deps.staging.stageBatch(REPLAY_SHARD, plan.stagingRange, plan.measurements);
      summary.measurementsStaged += plan.measurements.length;
    }
    await deleteReplayed(deps.deadLetters, [group], summary);
  };
  // Independent of one another: a few at a time. A failure (store unavailable) is rethrown once all started ones
  // have settled, so none is left half done by this call.
  const settled = await Promise.allSettled([
    ...[...messages.values()].map(({ ingest, letters }) => limit(() => replayMessage(ingest, letters))),
    ...groups.map((group) => limit(() => replayGroup(group))),
  ]);
  for (const result of settled) {
    if (result.status === 'rejected') {
      throw result.reason;
    }
  }
  return summary;
}

/** Reads up to `maxItems` dead letters, page by page; `more` when the store holds further matches. */
async function readDeadLetters(
  store: DeadLetterStore,
  errorName: ErrorName | undefined,
  maxItems: number,
): Promise<{ items: StoredDeadLetter[]; more: boolean }> {
  const items: StoredDeadLetter[] = [];
  let token: string | undefined;
  do {
    const page = await store.listDeadLetters({
      ...(errorName === undefined ? {} : { errorName }),
      maxItems: Math.min(100, maxItems - items.length + 1),
      ...(token === undefined ? {} : { continuationToken: token }),
    });
    for (const item of page.items) {
      items.push(item);
    }
    token = page.continuationToken;
  } while (token !== undefined && items.length <= maxItems);
  const more = items.length > maxItems || token !== undefined;
  return { items: items.slice(0, maxItems), more };
}

/** Deletes replayed dead letters in the version read; a rewritten one (rejected again) stays. */
async function deleteReplayed(
  store: DeadLetterStore,
  letters: readonly StoredDeadLetter[],
  summary: ReplaySummary,
): Promise<void> {
  const outcome = await store.deleteDeadLetters(letters.map(({ id, pk, etag }) => ({ id, pk, etag })));
  summary.deleted += outcome.deleted;
  summary.rejectedAgain += outcome.changed;
  summary.missing += outcome.missing;
}
