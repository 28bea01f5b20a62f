import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { StagingRequestError } from '../shared/adapters/cosmos/stagingUnavailableError.js';
import {
  parseDiscardBody,
  parseListQuery,
  parseReadRequest,
  parseReplayBody,
  toApiContinuationToken,
  toDeadLetterListItem,
  unknownQueryParameters,
} from '../shared/adapters/functions/deadLetterRequests.js';
import { getAppServices } from '../shared/app/appServices.js';
import type { AppServices } from '../shared/app/createAppServices.js';
import { describeError, isRetriableError } from '../shared/app/describeError.js';
import type { ErrorName } from '../shared/core/errors.js';
import { ReplayFailedError, type ReplaySummary } from '../shared/pipeline/replayDeadLetters.js';
import type { DiscardSummary } from '../shared/pipeline/discardDeadLetters.js';

/**
 * `GET /api/deadletters?errorName=&before=&maxItems=&continuationToken=`: one page of dead letters — error, time, template
 * type and what the subject is, never the rejected data. Admin key only.
 * @param request - the request
 * @param context - invocation context
 */
export async function listDeadLetters(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const query = parseListQuery(request.query);
  if (!query.ok) {
    return { status: 400, jsonBody: { problems: query.problems } };
  }
  const opened = await openServices(context, 'listDeadLetters');
  if ('answer' in opened) {
    return opened.answer;
  }
  const { services } = opened;
  const { errorName, before, continuationToken } = query.value;
  let page;
  try {
    page = await services.listDeadLetters(query.value);
  } catch (error) {
    return storeFailureAnswer(error, continuationToken !== undefined, context, 'listDeadLetters');
  }
  context.log(`listDeadLetters: ${page.items.length} item(s)`);
  return {
    status: 200,
    jsonBody: {
      items: page.items.map(toDeadLetterListItem),
      ...(page.continuationToken === undefined
        ? {}
        : { continuationToken: toApiContinuationToken(page.continuationToken, errorName, before, true) }),
    },
  };
}

/**
 * `GET /api/deadletters/{id}?pk=`: one dead letter with its data (the rejected message or measurements), as stored, for
 * an operator fixing a mapping (`medtech debug --dead-letter` takes the answer as it is). It is patient data: admin key
 * only, and the log names nothing but the call.
 * @param request - the request
 * @param context - invocation context
 */
export async function readDeadLetter(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const key = parseReadRequest(request.params['id'], request.query);
  if (!key.ok) {
    return { status: 400, jsonBody: { problems: key.problems } };
  }
  const opened = await openServices(context, 'readDeadLetter');
  if ('answer' in opened) {
    return opened.answer;
  }
  const { services } = opened;
  let stored;
  try {
    stored = await services.readDeadLetter(key.value);
  } catch (error) {
    return storeFailureAnswer(error, false, context, 'readDeadLetter');
  }
  context.log(`readDeadLetter: ${stored === undefined ? 'none' : 'found'}`);
  if (stored === undefined) {
    return { status: 404, jsonBody: { problems: ['no dead letter has this id and pk (replayed or discarded?)'] } };
  }
  const { etag: _etag, ...deadLetter } = stored;
  return { status: 200, jsonBody: deadLetter };
}

/**
 * `POST /api/deadletters/replay` with `{ "errorName"?, "before"?, "maxItems"?, "dryRun"?, "continuationToken"? }`:
 * sends dead letters through the pipeline again with the mappings being served; their data is written by the next flush of their
 * window. Admin key only. Safe to repeat; a summary says what was replayed, what was rejected again, and whether more
 * remain (with the `continuationToken` that takes the next ones, past those this call kept). A store
 * failure part-way answers 503 with the summary of what was done before it.
 * @param request - the request
 * @param context - invocation context
 */
export async function replayDeadLetters(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const body = parseReplayBody(await request.text());
  const misplaced = unknownQueryParameters(request.query, []);
  if (!body.ok || misplaced.length > 0) {
    return { status: 400, jsonBody: { problems: [...misplaced, ...(body.ok ? [] : body.problems)] } };
  }
  const opened = await openServices(context, 'replayDeadLetters');
  if ('answer' in opened) {
    return opened.answer;
  }
  const { services } = opened;
  const { errorName, before, continuationToken } = body.value;
  try {
    const summary = toApiSummary(await services.replayDeadLetters(body.value), errorName, before);
    context.log(`replayDeadLetters ${JSON.stringify(summary)}`);
    return { status: 200, jsonBody: summary };
  } catch (error) {
    if (!(error instanceof ReplayFailedError)) {
      // Nothing was read yet.
      return storeFailureAnswer(error, continuationToken !== undefined, context, 'replayDeadLetters');
    }
    // Part of it was done: say what, and that calling again finishes it. Without the token past what this call read:
    // passed back, it would skip the dead letters read and not replayed.
    const { continuationToken: _past, ...done } = error.summary;
    const summary = toApiSummary(done, errorName, before);
    context.warn(`replayDeadLetters failed ${JSON.stringify(summary)}: ${error.message}`);
    return { status: 503, jsonBody: { error: error.message, summary } };
  }
}

/**
 * `POST /api/deadletters/discard` with `{ "keys": [{ "id", "pk" }, …] }` or `{ "errorName"?, "before"?, "maxItems"?,
 * "dryRun"?, "continuationToken"? }` (an errorName or a before at least): deletes dead letters an operator will not
 * replay. Admin key only. Safe to repeat; the summary says what was deleted, kept (rewritten meanwhile) or already
 * gone, and whether more match (with the `continuationToken` that takes the next ones). A store failure answers 503:
 * what was deleted before it stays deleted; call again.
 * @param request - the request
 * @param context - invocation context
 */
export async function discardDeadLetters(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const body = parseDiscardBody(await request.text());
  const misplaced = unknownQueryParameters(request.query, []);
  if (!body.ok || misplaced.length > 0) {
    return { status: 400, jsonBody: { problems: [...misplaced, ...(body.ok ? [] : body.problems)] } };
  }
  const opened = await openServices(context, 'discardDeadLetters');
  if ('answer' in opened) {
    return opened.answer;
  }
  const { services } = opened;
  const { errorName, before, continuationToken } = body.value;
  let summary: DiscardSummary;
  try {
    summary = await services.discardDeadLetters(body.value);
  } catch (error) {
    return storeFailureAnswer(error, continuationToken !== undefined, context, 'discardDeadLetters');
  }
  const answer =
    summary.continuationToken === undefined
      ? summary
      : {
          ...summary,
          continuationToken: toApiContinuationToken(summary.continuationToken, errorName, before, summary.dryRun),
        };
  context.log(`discardDeadLetters ${JSON.stringify({ ...answer, continuationToken: undefined })}`);
  return { status: 200, jsonBody: answer };
}

/** A replay summary as the API answers it: its continuation token in the API's form. */
function toApiSummary(
  summary: ReplaySummary,
  errorName: ErrorName | undefined,
  before: string | undefined,
): ReplaySummary {
  return summary.continuationToken === undefined
    ? summary
    : {
        ...summary,
        continuationToken: toApiContinuationToken(summary.continuationToken, errorName, before, summary.dryRun),
      };
}

/**
 * The shared services, or the answer when they cannot be built now: an instance starting while Cosmos DB is
 * unavailable answers 503 with Retry-After, as a store failure later on does; a configuration error is thrown.
 */
async function openServices(
  context: InvocationContext,
  operation: string,
): Promise<{ services: AppServices } | { answer: HttpResponseInit }> {
  try {
    return { services: await getAppServices() };
  } catch (error) {
    return { answer: storeFailureAnswer(error, false, context, operation) };
  }
}

/**
 * The answer to a store failure before anything was read: 400 when the store refused the continuation token given
 * (a token it no longer takes), 503 when trying again later may succeed; anything else is the host's 500.
 */
function storeFailureAnswer(
  error: unknown,
  hadToken: boolean,
  context: InvocationContext,
  operation: string,
): HttpResponseInit {
  if (hadToken && error instanceof StagingRequestError && error.statusCode === 400) {
    context.warn(`${operation}: the store refused the continuation token (${describeError(error)})`);
    return {
      status: 400,
      jsonBody: { problems: ['continuationToken is no longer valid: start again without one'] },
    };
  }
  if (isRetriableError(error)) {
    context.warn(`${operation} failed: ${describeError(error)}`);
    return { status: 503, headers: { 'Retry-After': '30' }, jsonBody: { error: describeError(error) } };
  }
  throw error;
}

app.http('listDeadLetters', {
  methods: ['GET'],
  authLevel: 'admin',
  route: 'deadletters',
  handler: listDeadLetters,
});

app.http('readDeadLetter', {
  methods: ['GET'],
  authLevel: 'admin',
  route: 'deadletters/{id}',
  handler: readDeadLetter,
});

app.http('discardDeadLetters', {
  methods: ['POST'],
  authLevel: 'admin',
  route: 'deadletters/discard',
  handler: discardDeadLetters,
});

app.http('replayDeadLetters', {
  methods: ['POST'],
  authLevel: 'admin',
  route: 'deadletters/replay',
  handler: replayDeadLetters,
});
