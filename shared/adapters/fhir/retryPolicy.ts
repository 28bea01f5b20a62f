/**
 * How the FHIR adapter retries throttling, service errors, network errors and timeouts (reference-behaviour §5):
 * exponential backoff with jitter, honouring `Retry-After`, bounded by attempts and by total time.
 */

/** Retry and timeout settings of the FHIR adapter. */
export interface RetryPolicy {
  /** Most attempts per request, the first included (≥ 1). */
  maxAttempts: number;
  /** Backoff before the second attempt (ms); doubles for each further attempt. */
  baseDelayMs: number;
  /** Upper bound of one computed backoff (ms). */
  maxDelayMs: number;
  /** No retry is started when it would end later than this after the first attempt began (ms). */
  maxTotalMs: number;
  /** Per-attempt timeout (ms); a timed-out attempt counts as retriable. */
  requestTimeoutMs: number;
}

/** Defaults: 5 attempts, 500 ms doubling up to 30 s, at most 2 minutes in all, 30 s per attempt. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxTotalMs: 120_000,
  requestTimeoutMs: 30_000,
};

/**
 * The longest one request can take under a policy, retries included: an attempt takes a request timeout for the
 * request and, with a bearer token, as much again to get its token; no retry starts past `maxTotalMs` after the first
 * attempt began (the retry with a new token after a 401 neither).
 * @param policy - retry settings
 * @param withToken - whether requests carry a bearer token (managed identity)
 */
export function longestRequestMs(policy: RetryPolicy, withToken: boolean): number {
  const attemptMs = (withToken ? 2 : 1) * policy.requestTimeoutMs;
  let lastStartMs = 0;
  if (policy.maxAttempts > 1) {
    lastStartMs = policy.maxTotalMs;
  } else if (withToken) {
    // The one retry a 401 gets, right after the first attempt.
    lastStartMs = Math.min(policy.maxTotalMs, attemptMs);
  }
  return lastStartMs + attemptMs;
}

/**
 * Backoff before attempt `attempt + 1` after `attempt` failed: "equal jitter", i.e. half the exponential delay
 * plus a random share of the other half, so that many workers throttled together do not retry together.
 * @param attempt - the attempt that just failed (1-based)
 * @param policy - retry settings
 * @param random - a number in [0, 1)
 */
export function toBackoffDelayMs(attempt: number, policy: RetryPolicy, random: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random);
}

/**
 * Parses an HTTP `Retry-After` value (delay in seconds, or an HTTP date) into milliseconds from `nowMs`.
 * @param value - the header value, if any
 * @param nowMs - current time in epoch milliseconds
 * @returns the delay (never negative), or undefined when absent or unparseable
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    return Math.round(Number(text) * 1000);
  }
  const date = Date.parse(text);
  if (Number.isNaN(date)) {
    return undefined;
  }
  return Math.max(0, date - nowMs);
}
