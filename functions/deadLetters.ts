import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import {
  parseListQuery,
  parseReplayBody,
  toDeadLetterListItem,
} from '../shared/adapters/functions/deadLetterRequests.js';
import { getAppServices } from '../shared/app/appServices.js';
import { ReplayFailedError } from '../shared/pipeline/replayDeadLetters.js';

/**
 * `GET /api/deadletters?errorName=&maxItems=&continuationToken=`: one page of dead letters — error, time, template
 * type and what the subject is, never the rejected data. Admin key only.
 * @param request - the request
 * @param context - invocation context
 */
export async function listDeadLetters(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const query = parseListQuery(request.query);
  if (!query.ok) {
    return { status: 400, jsonBody: { problems: query.problems } };
  }
  const services = await getAppServices();
  const page = await services.listDeadLetters(query.value);
  context.log(`listDeadLetters: ${page.items.length} item(s)`);
  return {
    status: 200,
    jsonBody: {
      items: page.items.map(toDeadLetterListItem),
      ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }),
    },
  };
}

/**
 * `POST /api/deadletters/replay` with `{ "errorName"?, "maxItems"?, "dryRun"?, "continuationToken"? }`: sends dead
 * letters through the pipeline again with the mappings being served; their data is written by the next flush of their
 * window. Admin key only. Safe to repeat; a summary says what was replayed, what was rejected again, and whether more
 * remain (with the `continuationToken` that takes the next ones, past those this call kept). A store
 * failure part-way answers 503 with the summary of what was done before it.
 * @param request - the request
 * @param context - invocation context
 */
export async function replayDeadLetters(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const body = parseReplayBody(await request.text());
  if (!body.ok) {
    return { status: 400, jsonBody: { problems: body.problems } };
  }
  const services = await getAppServices();
  try {
    const summary = await services.replayDeadLetters(body.value);
    context.log(`replayDeadLetters ${JSON.stringify(summary)}`);
    return { status: 200, jsonBody: summary };
  } catch (error) {
    if (!(error instanceof ReplayFailedError)) {
      throw error;
    }
    // Part of it was done: say what, and that calling again finishes it.
    context.warn(`replayDeadLetters failed ${JSON.stringify(error.summary)}: ${error.message}`);
    return { status: 503, jsonBody: { error: error.message, summary: error.summary } };
  }
}

app.http('listDeadLetters', {
  methods: ['GET'],
  authLevel: 'admin',
  route: 'deadletters',
  handler: listDeadLetters,
});

app.http('replayDeadLetters', {
  methods: ['POST'],
  authLevel: 'admin',
  route: 'deadletters/replay',
  handler: replayDeadLetters,
});
