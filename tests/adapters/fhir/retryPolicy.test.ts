import { describe, expect, it } from 'vitest';
import {
  longestRequestMs,
  DEFAULT_RETRY_POLICY,
  parseRetryAfterMs,
  toBackoffDelayMs,
} from '../../../shared/adapters/fhir/retryPolicy.js';

const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };

describe('longestRequestMs', () => {
  it("is the retries' time, then a request and, with a token, its fetch, a timeout each", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxTotalMs: 120_000, requestTimeoutMs: 30_000 };
    expect(longestRequestMs(policy, true)).toBe(180_000);
    expect(longestRequestMs(policy, false)).toBe(150_000);
    // One attempt: no retries, but a 401's retry with a new token right after it.
    expect(longestRequestMs({ ...policy, maxAttempts: 1 }, false)).toBe(30_000);
    expect(longestRequestMs({ ...policy, maxAttempts: 1 }, true)).toBe(120_000);
  });
});

describe('toBackoffDelayMs', () => {
  it('doubles the delay per attempt, between half and all of the exponential value', () => {
    expect(toBackoffDelayMs(1, policy, 0)).toBe(50);
    expect(toBackoffDelayMs(1, policy, 0.999999)).toBe(100);
    expect(toBackoffDelayMs(2, policy, 0)).toBe(100);
    expect(toBackoffDelayMs(3, policy, 0.5)).toBe(300);
  });

  it('never exceeds the maximum delay', () => {
    expect(toBackoffDelayMs(20, policy, 0.999999)).toBe(1000);
    expect(toBackoffDelayMs(20, policy, 0)).toBe(500);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2024-05-01T10:00:00Z');

  it('reads a delay in seconds', () => {
    expect(parseRetryAfterMs('2', now)).toBe(2000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date as the time left until then', () => {
    expect(parseRetryAfterMs('Wed, 01 May 2024 10:00:03 GMT', now)).toBe(3000);
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfterMs('Wed, 01 May 2024 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores a missing or unreadable value', () => {
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });
});
