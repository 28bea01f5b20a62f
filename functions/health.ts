import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getAppServices } from '../shared/app/appServices.js';
import { describeError } from '../shared/app/describeError.js';

/**
 * HTTP health endpoint: 200 with the mapping versions being served when configuration is valid and both mappings
 * are loaded; 503 with the reason otherwise (no secrets, no payloads).
 * @param _request - the request
 * @param context - invocation context
 */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const services = await getAppServices();
    const mappings = await services.mappingVersions();
    return { status: 200, jsonBody: { status: 'healthy', mappings } };
  } catch (error) {
    // Anyone may call this endpoint: only this project's own error texts, which hold no data, are given.
    const reason = describeError(error);
    context.warn(`health: unhealthy: ${reason}`);
    return { status: 503, jsonBody: { status: 'unhealthy', reason } };
  }
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: health });
