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
 * Maps a failure of a Cosmos call: retriable failures become {@link StagingUnavailableError}, anything else
 * (a bug, a too-large item, a bad request) is returned unchanged.
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
  if (status === undefined && isNetworkError(error)) {
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
 * @throws StagingUnavailableError for retriable failures; the SDK error otherwise
 */
export async function withStagingErrors<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toStagingError(error, operation);
  }
}
