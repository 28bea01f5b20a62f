/**
 * Cosmos DB failures that are worth retrying later (throttling that survived the SDK's own retries, timeouts,
 * service unavailable, network errors, auth not yet granted). Callers keep the data where it is — the Event Hubs
 * batch unacknowledged, the staged documents staged — and try again.
 */

/** HTTP statuses from Cosmos DB that a later retry may overcome. */
const retriableStatuses = new Set([401, 403, 408, 410, 429, 449, 500, 502, 503, 504]);

/** Thrown when the staging/dead-letter/lease store cannot serve now; always retriable. */
export class StagingUnavailableError extends Error {
  override readonly name = 'StagingUnavailableError';
  /** Always true: the data is fine, the store was not. */
  readonly retriable = true;
  /** HTTP status from Cosmos DB, when there was one. */
  readonly statusCode: number | undefined;
  /** The wait Cosmos DB asked for (429), when given. */
  readonly retryAfterMs: number | undefined;

  /**
   * @param message - what failed (operation and container; never data)
   * @param options - status code, retry-after and the cause
   */
  constructor(message: string, options: { statusCode?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = options.statusCode;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Thrown when Cosmos DB refuses a request for good (a bad request, a too-large item): retrying will not help. The
 * message names the operation and the status only: the service's own text may quote the document it was sent.
 */
export class StagingRequestError extends Error {
  override readonly name = 'StagingRequestError';
  /** Always false: the same request would be refused again. */
  readonly retriable = false;
  /** HTTP status from Cosmos DB. */
  readonly statusCode: number;

  /**
   * @param message - what failed (operation and status; never data or the service's text)
   * @param options - status code and the cause
   */
  constructor(message: string, options: { statusCode: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = options.statusCode;
  }
}

/**
 * Type guard for {@link StagingUnavailableError}.
 * @param value - anything caught
 */
export function isStagingUnavailableError(value: unknown): value is StagingUnavailableError {
  return value instanceof StagingUnavailableError;
}

/**
 * The HTTP status of a Cosmos SDK error (`ErrorResponse.code`), if it has one.
 * @param error - anything caught from the SDK
 */
export function toCosmosStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') {
    return code;
  }
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** Node/undici network error codes (ECONNREFUSED, ECONNRESET, ETIMEDOUT, …) and the SDK's send error. */
function isNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const { code, name } = error as { code?: unknown; name?: unknown };
  return (typeof code === 'string' && /^(E[A-Z]+|REQUEST_SEND_ERROR)$/.test(code)) || name === 'TimeoutError';
}

/**
 * Maps a failure of a Cosmos call: retriable failures become {@link StagingUnavailableError}, other refusals with a
 * status (a too-large item, a bad request) {@link StagingRequestError}, so that no service text (which may quote the
 * document) reaches a log; anything else (a bug) is returned unchanged.
 * @param error - anything caught from the SDK
 * @param operation - what was attempted, e.g. `upsert staging document` (no data)
 */
export function toStagingError(error: unknown, operation: string): unknown {
  if (error instanceof StagingUnavailableError) {
    return error;
  }
  const status = toCosmosStatus(error);
  if (status !== undefined && retriableStatuses.has(status)) {
    const retryAfter = (error as { retryAfterInMs?: unknown }).retryAfterInMs;
    return new StagingUnavailableError(`Cosmos DB ${operation} failed with status ${status}; retry later`, {
      statusCode: status,
      ...(typeof retryAfter === 'number' ? { retryAfterMs: retryAfter } : {}),
      cause: error,
    });
  }
  if (status !== undefined) {
    return new StagingRequestError(`Cosmos DB ${operation} failed with status ${status}`, {
      statusCode: status,
      cause: error,
    });
  }
  if (isNetworkError(error)) {
    return new StagingUnavailableError(`Cosmos DB ${operation} failed: service unreachable; retry later`, {
      cause: error,
    });
  }
  return error;
}

/**
 * Runs one Cosmos call and maps its failure with {@link toStagingError}.
 * @param operation - what is attempted (no data)
 * @param call - the SDK call
 * @throws StagingUnavailableError for retriable failures, StagingRequestError for other refusals, anything else as is
 */
export async function withStagingErrors<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toStagingError(error, operation);
  }
}
