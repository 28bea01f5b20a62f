/**
 * The dead-letter HTTP API's requests and answers: query and body parsing with every problem named, and the listing
 * view, which leaves the rejected data out (operators see what failed and why; the data stays in the store).
 */
import { Buffer } from 'node:buffer';
import { isErrorName, type ErrorName, type ErrorRecord } from '../../core/errors.js';
import type { DeadLetterQuery, StoredDeadLetter } from '../../pipeline/stagingPorts.js';
import type { ReplayOptions } from '../../pipeline/replayDeadLetters.js';

/** A parsed request, or the reasons it is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Most dead letters one listing page returns. */
export const MAX_LIST_PAGE = 100;

/** Most dead letters one replay request may take on. */
export const MAX_REPLAY_ITEMS = 1_000;

/** Longest continuation token the API reads (a store's own token is a few hundred characters). */
const MAX_TOKEN_LENGTH = 16_384;

/**
 * The continuation token the API answers: the store's own token with the error name it was read for, as URL-safe
 * base64 (no encoding needed in a query string). Opaque to callers; {@link parseListQuery} and
 * {@link parseReplayBody} refuse one they did not get from this API or one passed with another `errorName`.
 * @param storeToken - the dead-letter store's continuation token
 * @param errorName - the filter the page was read with, if any
 */
export function toApiContinuationToken(storeToken: string, errorName: ErrorName | undefined): string {
  return Buffer.from(JSON.stringify({ e: errorName ?? null, t: storeToken }), 'utf8').toString('base64url');
}

/** The store's token inside an API token, or a problem: not one this API answered, or answered for another filter. */
function readApiContinuationToken(
  text: string,
  errorName: ErrorName | undefined,
  problems: string[],
): string | undefined {
  const notOurs = 'continuationToken is not one this API answered: pass back the continuationToken of an answer';
  if (text.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) {
    problems.push(notOurs);
    return undefined;
  }
  let wrapped: unknown;
  try {
    wrapped = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
  } catch {
    problems.push(notOurs);
    return undefined;
  }
  const { e, t } = (typeof wrapped === 'object' && wrapped !== null ? wrapped : {}) as { e?: unknown; t?: unknown };
  if (typeof t !== 'string' || t === '' || !(e === null || (typeof e === 'string' && isErrorName(e)))) {
    problems.push(notOurs);
    return undefined;
  }
  if (e !== (errorName ?? null)) {
    const answeredFor = e === null ? 'without an errorName' : `for errorName ${e}`;
    problems.push(`continuationToken was answered ${answeredFor}: pass the same errorName with it`);
    return undefined;
  }
  return t;
}

/**
 * Parses the listing query: `errorName`, `maxItems` (1–{@link MAX_LIST_PAGE}, default 100), `continuationToken`.
 * @param query - the request's query parameters
 */
export function parseListQuery(query: URLSearchParams): Parsed<DeadLetterQuery> {
  const problems = unknownQueryParameters(query, ['errorName', 'maxItems', 'continuationToken']);
  const result: DeadLetterQuery = {};
  const errorName = readErrorName(query.get('errorName') ?? undefined, problems);
  if (errorName !== undefined) {
    result.errorName = errorName;
  }
  const maxItems = readCount(query.get('maxItems') ?? undefined, 'maxItems', MAX_LIST_PAGE, problems);
  result.maxItems = maxItems ?? 100;
  const token = query.get('continuationToken');
  if (token !== null && token !== '' && (errorName !== undefined || query.get('errorName') === null)) {
    const storeToken = readApiContinuationToken(token, errorName, problems);
    if (storeToken !== undefined) {
      result.continuationToken = storeToken;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: result };
}

/**
 * Parses a replay request body: `{ "errorName"?: string, "maxItems"?: number, "dryRun"?: boolean,
 * "continuationToken"?: string }`; an empty body replays from the first dead letter (up to the default bound).
 * @param text - the request body
 */
export function parseReplayBody(text: string): Parsed<ReplayOptions> {
  if (text.trim() === '') {
    return { ok: true, value: {} };
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, problems: ['the body is not JSON'] };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, problems: ['the body must be a JSON object'] };
  }
  const problems: string[] = [];
  const result: ReplayOptions = {};
  let token: string | undefined;
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'errorName': {
        const name = typeof value === 'string' ? readErrorName(value, problems) : undefined;
        if (typeof value !== 'string') {
          problems.push('errorName must be a string');
        } else if (name !== undefined) {
          result.errorName = name;
        }
        break;
      }
      case 'maxItems':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_REPLAY_ITEMS) {
          problems.push(`maxItems must be an integer from 1 to ${MAX_REPLAY_ITEMS}`);
        } else {
          result.maxItems = value;
        }
        break;
      case 'dryRun':
        if (typeof value !== 'boolean') {
          problems.push('dryRun must be true or false');
        } else {
          result.dryRun = value;
        }
        break;
      case 'continuationToken':
        if (typeof value !== 'string' || value === '') {
          problems.push('continuationToken must be the text an earlier replay answered');
        } else {
          token = value;
        }
        break;
      default:
        problems.push(`unknown member '${key}' (expected errorName, maxItems, dryRun, continuationToken)`);
    }
  }
  // Read after the loop: the token is checked against the errorName, wherever the body puts it.
  if (token !== undefined && (result.errorName !== undefined || !Object.hasOwn(body, 'errorName'))) {
    const storeToken = readApiContinuationToken(token, result.errorName, problems);
    if (storeToken !== undefined) {
      result.continuationToken = storeToken;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: result };
}

/** One dead letter as listed: what failed, where and when, and what the subject is, without the data itself. */
export interface DeadLetterListItem {
  id: string;
  pk: string;
  error: ErrorRecord;
  time: string;
  templateType?: string;
  part?: { index: number; count: number };
  subject:
    | { kind: 'message'; partitionId: string; sequenceNumber: number; enqueuedTimeUtc: string; encoding: string }
    | { kind: 'measurements'; measurements: number; types: string[] };
}

/**
 * The listing view of a stored dead letter.
 * @param item - the stored dead letter
 */
export function toDeadLetterListItem(item: StoredDeadLetter): DeadLetterListItem {
  const subject = item.subject;
  return {
    id: item.id,
    pk: item.pk,
    error: item.error,
    time: item.time,
    ...(item.templateType === undefined ? {} : { templateType: item.templateType }),
    ...(item.part === undefined ? {} : { part: item.part }),
    subject:
      subject.kind === 'message'
        ? {
            kind: 'message',
            partitionId: subject.coordinates.partitionId,
            sequenceNumber: subject.coordinates.sequenceNumber,
            enqueuedTimeUtc: subject.coordinates.enqueuedTimeUtc,
            encoding: subject.body.encoding,
          }
        : {
            kind: 'measurements',
            measurements: subject.measurements.length,
            types: [...new Set(subject.measurements.map((m) => m.type))],
          },
  };
}

/**
 * Problems for query parameters a request does not take (`code`, the function key, aside): a misspelt `errorname`
 * or a replay's options put in the query instead of the body would otherwise be ignored without a word, and a replay
 * meant as a filtered dry run would run for real on everything.
 * @param query - the request's query parameters
 * @param allowed - the parameters the request takes
 */
export function unknownQueryParameters(query: URLSearchParams, allowed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const name of new Set(query.keys())) {
    // The host reads the function key from `code` in any case (ASP.NET Core's query lookup ignores it).
    if (name.toLowerCase() !== 'code' && !allowed.includes(name)) {
      const expected = allowed.length === 0 ? 'the options go in the JSON body' : `expected ${allowed.join(', ')}`;
      problems.push(`unknown query parameter '${name.slice(0, 64)}' (${expected})`);
    }
  }
  return problems;
}

/** An error name given by the caller; an empty one is a problem, not "no filter" (a script's unset variable). */
function readErrorName(text: string | undefined, problems: string[]): ErrorName | undefined {
  if (text === undefined) {
    return undefined;
  }
  if (!isErrorName(text)) {
    problems.push(`errorName '${text.slice(0, 64)}' is not an error name`);
    return undefined;
  }
  return text;
}

function readCount(text: string | undefined, name: string, max: number, problems: string[]): number | undefined {
  if (text === undefined || text === '') {
    return undefined;
  }
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    problems.push(`${name} must be an integer from 1 to ${max}`);
    return undefined;
  }
  return value;
}
