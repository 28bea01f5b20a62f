/**
 * Staging windows: ingestion-time buckets aligned to the Unix epoch (so every instance computes the same
 * boundaries), `[start, end)` with `end = start + windowMinutes`. A window is closed when `now > end + grace`.
 */

/** One staging window, as ISO-8601 UTC strings with millisecond precision (`toISOString` form). */
export interface StagingWindow {
  /** Inclusive start. */
  start: string;
  /** Exclusive end. */
  end: string;
}

const minuteMs = 60_000;

/**
 * Checks that a window length is a positive whole number of minutes.
 * @param windowMinutes - window length in minutes
 * @throws RangeError when it is not a positive integer
 */
function windowLengthMs(windowMinutes: number): number {
  if (!Number.isInteger(windowMinutes) || windowMinutes <= 0) {
    throw new RangeError('windowMinutes must be a positive integer');
  }
  return windowMinutes * minuteMs;
}

/**
 * Parses an ISO-8601 timestamp to epoch milliseconds.
 * @param timestamp - ISO-8601 timestamp (with `Z` or an offset)
 * @param what - name of the value, for the error message
 * @throws RangeError when the timestamp cannot be parsed
 */
export function toEpochMs(timestamp: string, what: string): number {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) {
    throw new RangeError(`${what} is not an ISO-8601 timestamp`);
  }
  return ms;
}

/**
 * Finds the staging window an ingestion time falls into.
 * @param ingestionTimeUtc - the measurement's ingestion time (ISO-8601)
 * @param windowMinutes - window length in minutes
 * @throws RangeError when the time cannot be parsed or the window length is invalid
 */
export function toStagingWindow(ingestionTimeUtc: string, windowMinutes: number): StagingWindow {
  const length = windowLengthMs(windowMinutes);
  const ms = toEpochMs(ingestionTimeUtc, 'ingestionTimeUtc');
  const start = Math.floor(ms / length) * length;
  return { start: new Date(start).toISOString(), end: new Date(start + length).toISOString() };
}

/**
 * Computes the window that starts at a given boundary.
 * @param windowStart - the window start (ISO-8601)
 * @param windowMinutes - window length in minutes
 * @throws RangeError when the start cannot be parsed or the window length is invalid
 */
export function toWindowFromStart(windowStart: string, windowMinutes: number): StagingWindow {
  const length = windowLengthMs(windowMinutes);
  const start = toEpochMs(windowStart, 'windowStart');
  return { start: new Date(start).toISOString(), end: new Date(start + length).toISOString() };
}

/**
 * The latest window end that counts as closed at `nowMs`: a window is closed when `windowEnd < cutoff`.
 * @param nowMs - current time, epoch milliseconds
 * @param graceMs - how long after its end a window stays open for stragglers (≥ 0)
 * @throws RangeError when the grace is negative or not finite
 */
export function toClosedWindowCutoff(nowMs: number, graceMs: number): string {
  if (!Number.isFinite(graceMs) || graceMs < 0) {
    throw new RangeError('graceMs must be a finite number ≥ 0');
  }
  return new Date(nowMs - graceMs).toISOString();
}

/**
 * Tests whether a window is closed: `now > windowEnd + grace`.
 * @param windowEnd - the window's exclusive end (ISO-8601)
 * @param nowMs - current time, epoch milliseconds
 * @param graceMs - grace period in milliseconds (≥ 0)
 * @throws RangeError when the end cannot be parsed or the grace is invalid
 */
export function isWindowClosed(windowEnd: string, nowMs: number, graceMs: number): boolean {
  if (!Number.isFinite(graceMs) || graceMs < 0) {
    throw new RangeError('graceMs must be a finite number ≥ 0');
  }
  return nowMs > toEpochMs(windowEnd, 'windowEnd') + graceMs;
}
