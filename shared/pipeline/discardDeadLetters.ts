/**
 * Discard use case: an operator who has looked at dead letters and will not replay them (a test device's garbage, a
 * message no mapping is meant to read, records of data already fixed by hand) deletes them, so that the store and its
 * listing hold only what still needs attention. Either the dead letters named by their keys, or those a filter (error
 * name, written before an instant) selects, one bounded call at a time. The dead-letter store keeps everything until
 * then: nothing else deletes a dead letter but a replay that staged its data.
 */
import type { ErrorName } from '../core/errors.js';
import { readDeadLetters } from './replayDeadLetters.js';
import type { DeadLetterKey, DeadLetterStore } from './stagingPorts.js';

/** Which dead letters to discard: `keys`, or a filter of `errorName` and/or `before`. */
export interface DiscardOptions {
  /** Exactly these dead letters (ids and partition keys as the listing gives them), whatever was written to them since. */
  keys?: readonly DeadLetterKey[];
  /** Only dead letters with this error name. */
  errorName?: ErrorName;
  /** Only dead letters written before this instant (ISO-8601 UTC as `toISOString` writes it). */
  before?: string;
  /** With a filter, most dead letters one call reads and deletes (default {@link DEFAULT_DISCARD_MAX_ITEMS}). */
  maxItems?: number;
  /** With a filter: where an earlier call with the same filter stopped (its summary's `continuationToken`). */
  continuationToken?: string;
  /** With a filter: only count what would be discarded; nothing is deleted. */
  dryRun?: boolean;
}

/** Default {@link DiscardOptions.maxItems}. */
export const DEFAULT_DISCARD_MAX_ITEMS = 500;

/** What a discard call did (in a dry run: would do). */
export interface DiscardSummary {
  dryRun: boolean;
  /** Dead letters the filter selected (read), or keys given. */
  examined: number;
  /** Dead letters the filter selected, by error name (empty for keys: they are not read). */
  examinedByName: Partial<Record<ErrorName, number>>;
  /** Dead letters deleted now. */
  deleted: number;
  /**
   * Dead letters kept because they were rewritten between this call's read and its delete (the same thing rejected
   * again, with a newer time): look at them again.
   */
  kept: number;
  /** Dead letters already gone (a replay or another discard took them). */
  missing: number;
  /** True when more dead letters may match the filter: call again with `continuationToken`. */
  more: boolean;
  /** When `more`: pass it back, with the same filter, to take the dead letters after these. */
  continuationToken?: string;
}

/**
 * Discards dead letters (see the module comment). With a filter, each is deleted in the version read, so one rewritten
 * meanwhile (rejected again) stays; a dry run only counts.
 * @param deps - the dead-letter store
 * @param options - keys, or a filter with its bound, continuation and dry run
 * @throws RangeError when neither keys nor a filter is given (discarding everything takes `before`: now), or keys
 *   come with filter options; a retriable error when the store fails (what was deleted before it stays deleted, and
 *   calling again is safe)
 */
export async function discardDeadLetters(
  deps: { deadLetters: DeadLetterStore },
  options: DiscardOptions,
): Promise<DiscardSummary> {
  const filtered = options.errorName !== undefined || options.before !== undefined;
  const summary: DiscardSummary = {
    dryRun: options.dryRun === true,
    examined: 0,
    examinedByName: {},
    deleted: 0,
    kept: 0,
    missing: 0,
    more: false,
  };
  if (options.keys !== undefined) {
    const filterOptions = filtered || options.maxItems !== undefined || options.continuationToken !== undefined;
    if (filterOptions || options.dryRun !== undefined) {
      throw new RangeError(
        'keys name the dead letters to discard: no filter, bound, continuation or dry run with them',
      );
    }
    summary.examined = options.keys.length;
    const outcome = await deps.deadLetters.deleteDeadLetters(options.keys.map(({ id, pk }) => ({ id, pk })));
    return { ...summary, deleted: outcome.deleted, kept: outcome.changed, missing: outcome.missing };
  }
  if (!filtered) {
    throw new RangeError('a discard needs keys, an errorName or a before instant');
  }
  const { items, continuationToken } = await readDeadLetters(
    deps.deadLetters,
    {
      ...(options.errorName === undefined ? {} : { errorName: options.errorName }),
      ...(options.before === undefined ? {} : { before: options.before }),
    },
    Math.max(1, Math.floor(options.maxItems ?? DEFAULT_DISCARD_MAX_ITEMS)),
    options.continuationToken,
  );
  summary.examined = items.length;
  for (const item of items) {
    summary.examinedByName[item.errorName] = (summary.examinedByName[item.errorName] ?? 0) + 1;
  }
  if (continuationToken !== undefined) {
    summary.more = true;
    summary.continuationToken = continuationToken;
  }
  if (summary.dryRun || items.length === 0) {
    return summary;
  }
  const outcome = await deps.deadLetters.deleteDeadLetters(items.map(({ id, pk, etag }) => ({ id, pk, etag })));
  return { ...summary, deleted: outcome.deleted, kept: outcome.changed, missing: outcome.missing };
}
