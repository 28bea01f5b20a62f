/**
 * The dead-letter HTTP API's requests and answers: query and body parsing with every problem named, and the listing
 * view, which leaves the rejected data out (operators see what failed and why; the data stays in the store).
 */
import { Buffer } from 'node:buffer';
import { isErrorName, type ErrorName, type ErrorRecord } from '../../core/errors.js';
import { toEpochMs } from '../../core/fhir/instants.js';
import type { DeadLetterKey, DeadLetterQuery, StoredDeadLetter } from '../../pipeline/stagingPorts.js';
import type { ReplayOptions } from '../../pipeline/replayDeadLetters.js';
import type { DiscardOptions } from '../../pipeline/discardDeadLetters.js';

/** A parsed request, or the reasons it is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Most dead letters one listing page returns. */
export const MAX_LIST_PAGE = 100;

/** Most dead letters one replay request may take on. */
export const MAX_REPLAY_ITEMS = 1_000;

/** Most dead letters one discard request may take on (as keys, or read by a filter). */
export const MAX_DISCARD_ITEMS = 1_000;

/** Longest continuation token the API reads (a store's own token is a few hundred characters). */
const MAX_TOKEN_LENGTH = 16_384;

/**
 * The continuation token the API answers: the store's own token with the filter it was read with, and whether a call
 * that changes nothing answered it (a listing or a dry run), as URL-safe base64 (no encoding needed in a query
 * string). Opaque to callers; the parsers here refuse one they did not get from this API, one passed with another
 * `errorName` or `before`, and a listing's or dry run's passed to a replay or discard that is none (it would skip what
 * the listing or dry run read first, which nothing replayed or discarded).
 * @param storeToken - the dead-letter store's continuation token
 * @param errorName - the error name the page was read for, if any
 * @param before - the time bound the page was read with, if any
 * @param readOnly - true when a listing or a dry run answered it
 */
export function toApiContinuationToken(
  storeToken: string,
  errorName: ErrorName | undefined,
  before?: string,
  readOnly?: boolean,
): string {
  const wrapped = {
    e: errorName ?? null,
    t: storeToken,
    ...(before === undefined ? {} : { b: before }),
    ...(readOnly === true ? { d: true } : {}),
  };
  return Buffer.from(JSON.stringify(wrapped), 'utf8').toString('base64url');
}

/** The store's token inside an API token, or a problem: not one this API answered, or answered for another filter. */
function readApiContinuationToken(
  text: string,
  errorName: ErrorName | undefined,
  problems: string[],
  before?: string,
  readOnly?: boolean,
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
  const { e, t, b, d } = (typeof wrapped === 'object' && wrapped !== null ? wrapped : {}) as {
    e?: unknown;
    t?: unknown;
    b?: unknown;
    d?: unknown;
  };
  if (
    typeof t !== 'string' ||
    t === '' ||
    !(e === null || (typeof e === 'string' && isErrorName(e))) ||
    !(b === undefined || typeof b === 'string') ||
    !(d === undefined || d === true)
  ) {
    problems.push(notOurs);
    return undefined;
  }
  if (e !== (errorName ?? null)) {
    const answeredFor = e === null ? 'without an errorName' : `for errorName ${e}`;
    problems.push(`continuationToken was answered ${answeredFor}: pass the same errorName with it`);
    return undefined;
  }
  if (b !== before) {
    const answeredFor = b === undefined ? 'without before' : `for before ${b}`;
    problems.push(`continuationToken was answered ${answeredFor}: pass the same before with it`);
    return undefined;
  }
  if (d === true && readOnly !== true) {
    problems.push(
      'continuationToken was answered by a listing or a dry run: pass it to one of those, or start this call without one',
    );
    return undefined;
  }
  return t;
}

/**
 * Parses the listing query: `errorName`, `before` (an instant: only dead letters written before it), `maxItems`
 * (1–{@link MAX_LIST_PAGE}, default 100), `continuationToken`.
 * @param query - the request's query parameters
 */
export function parseListQuery(query: URLSearchParams): Parsed<DeadLetterQuery> {
  const problems = unknownQueryParameters(query, ['errorName', 'before', 'maxItems', 'continuationToken']);
  const result: DeadLetterQuery = {};
  const errorName = readErrorName(query.get('errorName') ?? undefined, problems);
  if (errorName !== undefined) {
    result.errorName = errorName;
  }
  const before = readInstant(query.get('before') ?? undefined, problems);
  if (before !== undefined) {
    result.before = before;
  }
  const maxItems = readCount(query.get('maxItems') ?? undefined, 'maxItems', MAX_LIST_PAGE, problems);
  result.maxItems = maxItems ?? 100;
  const storeToken = readFilterToken(
    query.get('continuationToken') || undefined,
    { errorName, before },
    { errorName: query.has('errorName'), before: query.has('before') },
    problems,
    true,
  );
  if (storeToken !== undefined) {
    result.continuationToken = storeToken;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: result };
}

/**
 * Parses a replay request body: `{ "errorName"?: string, "before"?: instant, "maxItems"?: number, "dryRun"?: boolean,
 * "continuationToken"?: string }`; an empty body replays from the first dead letter (up to the default bound).
 * @param text - the request body
 */
export function parseReplayBody(text: string): Parsed<ReplayOptions> {
  if (text.trim() === '') {
    return { ok: true, value: {} };
  }
  const body = readBodyObject(text);
  if (!body.ok) {
    return body;
  }
  const problems: string[] = [];
  const result: ReplayOptions = {};
  const read = filterReader(result, problems, { maxItems: MAX_REPLAY_ITEMS, call: 'replay' });
  for (const [key, value] of Object.entries(body.value)) {
    if (!read.member(key, value)) {
      problems.push(
        `unknown member '${key.slice(0, 64)}' (expected errorName, before, maxItems, dryRun, continuationToken)`,
      );
    }
  }
  read.token(body.value);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: result };
}

/**
 * Parses a discard request body: either `{ "keys": [{ "id", "pk" }, …] }` (dead letters as listed, at most
 * {@link MAX_DISCARD_ITEMS}), or a filter `{ "errorName"?, "before"?, "maxItems"?, "dryRun"?, "continuationToken"? }`
 * with an `errorName` or a `before` instant at least: an empty body discards nothing (it is a problem), since a
 * discard cannot be undone.
 * @param text - the request body
 */
export function parseDiscardBody(text: string): Parsed<DiscardOptions> {
  const body = readBodyObject(text);
  if (!body.ok) {
    return body;
  }
  const problems: string[] = [];
  const result: DiscardOptions = {};
  const read = filterReader(result, problems, { maxItems: MAX_DISCARD_ITEMS, call: 'discard' });
  for (const [key, value] of Object.entries(body.value)) {
    if (key === 'keys') {
      const keys = readKeys(value, problems);
      if (keys !== undefined) {
        result.keys = keys;
      }
    } else if (!read.member(key, value)) {
      problems.push(
        `unknown member '${key.slice(0, 64)}' (expected keys, errorName, before, maxItems, dryRun, continuationToken)`,
      );
    }
  }
  const members = Object.keys(body.value);
  const filterMembers = members.filter((m) => m !== 'keys');
  if (members.includes('keys') && filterMembers.length > 0) {
    problems.push(
      `keys name the dead letters to discard: give no ${filterMembers.map((m) => m.slice(0, 64)).join(', ')} with them`,
    );
  } else if (!members.includes('keys') && !members.includes('errorName') && !members.includes('before')) {
    problems.push('give keys, an errorName or a before instant (every dead letter: before, now)');
  }
  read.token(body.value);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: result };
}

/** The filter members replay and discard bodies share. */
interface FilterBody {
  errorName?: ErrorName;
  before?: string;
  maxItems?: number;
  dryRun?: boolean;
  continuationToken?: string;
}

/**
 * Reads the members a replay and a discard body share into `into`, naming each problem: `member` takes one (false for
 * a member it does not know); `token`, once every member is read, checks the continuation token against the filter,
 * wherever the body put it, and puts the store's token in `into`.
 */
function filterReader(
  into: FilterBody,
  problems: string[],
  rules: { maxItems: number; call: string },
): { member(key: string, value: unknown): boolean; token(body: object): void } {
  let token: string | undefined;
  return {
    member(key, value) {
      switch (key) {
        case 'errorName': {
          const name = typeof value === 'string' ? readErrorName(value, problems) : undefined;
          if (typeof value !== 'string') {
            problems.push('errorName must be a string');
          } else if (name !== undefined) {
            into.errorName = name;
          }
          return true;
        }
        case 'before': {
          const before = typeof value === 'string' ? readInstant(value, problems) : undefined;
          if (typeof value !== 'string') {
            problems.push('before must be an ISO-8601 instant in a string');
          } else if (before !== undefined) {
            into.before = before;
          }
          return true;
        }
        case 'maxItems':
          if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > rules.maxItems) {
            problems.push(`maxItems must be an integer from 1 to ${rules.maxItems}`);
          } else {
            into.maxItems = value;
          }
          return true;
        case 'dryRun':
          if (typeof value !== 'boolean') {
            problems.push('dryRun must be true or false');
          } else {
            into.dryRun = value;
          }
          return true;
        case 'continuationToken':
          if (typeof value !== 'string' || value === '') {
            problems.push(`continuationToken must be the text an earlier ${rules.call} answered`);
          } else {
            token = value;
          }
          return true;
        default:
          return false;
      }
    },
    token(body) {
      const storeToken = readFilterToken(
        token,
        into,
        { errorName: Object.hasOwn(body, 'errorName'), before: Object.hasOwn(body, 'before') },
        problems,
        into.dryRun,
      );
      if (storeToken !== undefined) {
        into.continuationToken = storeToken;
      }
    },
  };
}

/**
 * The store's token inside a continuation token given with a filter (`undefined` when none was given, or on a
 * problem), checked against the filter as read. A filter member that was given but refused is a problem already, not
 * also a token mismatch: the token is then not read.
 */
function readFilterToken(
  token: string | undefined,
  filter: { errorName?: ErrorName | undefined; before?: string | undefined },
  given: { errorName: boolean; before: boolean },
  problems: string[],
  readOnly: boolean | undefined,
): string | undefined {
  const filterRead =
    (filter.errorName !== undefined || !given.errorName) && (filter.before !== undefined || !given.before);
  return token === undefined || !filterRead
    ? undefined
    : readApiContinuationToken(token, filter.errorName, problems, filter.before, readOnly);
}

/** A request body that must be a JSON object. */
function readBodyObject(text: string): Parsed<object> {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, problems: ['the body is not JSON'] };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, problems: ['the body must be a JSON object'] };
  }
  return { ok: true, value: body };
}

/**
 * Parses the request for one dead letter: its id in the path, its `pk` in the query, as the listing gives them.
 * @param id - the path's id
 * @param query - the request's query parameters
 */
export function parseReadRequest(id: string | undefined, query: URLSearchParams): Parsed<DeadLetterKey> {
  const problems = unknownQueryParameters(query, ['pk']);
  const pk = query.get('pk') ?? undefined;
  if (!isDeadLetterKey(id, pk)) {
    problems.push("give a dead letter's id in the path and its pk in the query, as the listing gives them");
  }
  return problems.length > 0 || id === undefined || pk === undefined
    ? { ok: false, problems }
    : { ok: true, value: { id, pk } };
}

/**
 * Whether an id and partition key are a dead letter's as stored: SHA-256 in hex, and `{errorName}|{yyyy-MM-ddTHH}|{h}`
 * with `h` the id's first digit, or `{errorName}|{yyyy-MM-dd}` (the key of dead letters stored before that one).
 * Anything else names no dead letter, and could address another one (the SDK puts an id into the request's path as
 * it is).
 * @param id - the id given
 * @param pk - the partition key given
 */
export function isDeadLetterKey(id: unknown, pk: unknown): boolean {
  if (typeof id !== 'string' || typeof pk !== 'string' || !/^[0-9a-f]{64}$/.test(id)) {
    return false;
  }
  const m = /^([A-Za-z]+)\|\d{4}-\d{2}-\d{2}(?:T\d{2}\|([0-9a-f]))?$/.exec(pk);
  return m?.[1] !== undefined && isErrorName(m[1]) && (m[2] === undefined || m[2] === id.charAt(0));
}

/** The `keys` of a discard: 1–{@link MAX_DISCARD_ITEMS} objects of exactly a dead letter's `id` and `pk`. */
function readKeys(value: unknown, problems: string[]): DeadLetterKey[] | undefined {
  const shape = `keys must be a list of 1 to ${MAX_DISCARD_ITEMS} objects {"id", "pk"} as the listing gives them`;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_DISCARD_ITEMS) {
    problems.push(shape);
    return undefined;
  }
  const keys: DeadLetterKey[] = [];
  for (const [index, item] of (value as unknown[]).entries()) {
    const { id, pk, ...rest } = (typeof item === 'object' && item !== null && !Array.isArray(item) ? item : {}) as {
      id?: unknown;
      pk?: unknown;
    };
    if (!isDeadLetterKey(id, pk) || Object.keys(rest).length > 0) {
      problems.push(
        `keys[${index}] must be an object of exactly a dead letter's "id" and "pk", as the listing gives them`,
      );
      return undefined;
    }
    keys.push({ id: id as string, pk: pk as string });
  }
  return keys;
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
    | {
        kind: 'message';
        partitionId: string;
        sequenceNumber: number;
        enqueuedTimeUtc: string;
        encoding: string;
        /** Property bags left out of the stored message (too large), by JSON size in bytes. */
        omitted?: { properties?: number; systemProperties?: number };
      }
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
            ...(subject.omitted === undefined ? {} : { omitted: subject.omitted }),
          }
        : {
            kind: 'measurements',
            measurements: subject.measurements.length,
            types: [...new Set(subject.measurements.map((m) => m.type))],
          },
  };
}

/**
 * Problems for query parameters a request does not take (`code`, the function key, aside), and for one it takes given
 * more than once: a misspelt `errorname` or a replay's options put in the query instead of the body would otherwise be
 * ignored without a word, and a replay meant as a filtered dry run would run for real on everything; of a repeated
 * one, only the first would be read (`?errorName=A&errorName=B` listing A as if both were asked for).
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
    } else if (allowed.includes(name) && query.getAll(name).length > 1) {
      problems.push(`query parameter '${name}' is given more than once: give it once`);
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

/**
 * An instant given by the caller, as dead letters' times are written (`toISOString`, UTC, milliseconds): a date
 * (midnight UTC), or a date and time with `Z` or an offset; a time without one is a problem (whose midnight would it
 * be?). Digits past the millisecond round it up, so that `time < before` keeps every dead letter written before the
 * instant given. An instant outside the years 0000–9999 in UTC is refused: its text would not compare in time order.
 */
function readInstant(text: string | undefined, problems: string[]): string | undefined {
  if (text === undefined) {
    return undefined;
  }
  const m = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3}(\d{0,6}))?)?(?:Z|[+-](\d{2}):(\d{2})))?$/i.exec(
    text,
  );
  const [, beyondMs = '', offsetHours = '0', offsetMinutes = '0'] = m ?? [];
  // toEpochMs checks the fields (no 30 February) and applies the offset.
  const parsed = m === null || Number(offsetHours) > 23 || Number(offsetMinutes) > 59 ? undefined : toEpochMs(text);
  const ms = parsed === undefined ? undefined : parsed + (/[1-9]/.test(beyondMs) ? 1 : 0);
  const iso = ms === undefined ? '' : new Date(ms).toISOString();
  if (!/^\d{4}-/.test(iso)) {
    problems.push(
      `before '${text.slice(0, 64)}' is not an ISO-8601 date, or date and time with Z or an offset, in the years 0000–9999`,
    );
    return undefined;
  }
  return iso;
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
