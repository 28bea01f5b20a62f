import { describe, expect, it } from 'vitest';
import { ExpiringLruCache, MEDTECH_IDENTITY_CACHE } from '../../../shared/core/cache/expiringLruCache.js';

function fakeClock(start = 0): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

describe('ExpiringLruCache', () => {
  it('returns a stored value and undefined for an unknown key', () => {
    const clock = fakeClock();
    const cache = new ExpiringLruCache<string, number>({ maxEntries: 3, slidingExpirationMs: 1000, now: clock.now });

    cache.set('a', 1);

    expect(cache.get('a')).toBe(1);
    expect(cache.get('b')).toBeUndefined();
  });

  it('forgets an entry that was not touched for the sliding expiration time', () => {
    const clock = fakeClock();
    const cache = new ExpiringLruCache<string, number>({ maxEntries: 3, slidingExpirationMs: 1000, now: clock.now });
    cache.set('a', 1);

    clock.advance(999);
    expect(cache.get('a')).toBe(1);
    clock.advance(1000);

    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps an entry alive as long as it is read within the sliding window', () => {
    const clock = fakeClock();
    const cache = new ExpiringLruCache<string, number>({ maxEntries: 3, slidingExpirationMs: 1000, now: clock.now });
    cache.set('a', 1);

    // Read every 900 ms: 4,500 ms after it was written, far beyond the 1,000 ms window, it is still there.
    for (let i = 0; i < 5; i += 1) {
      clock.advance(900);
      expect(cache.get('a')).toBe(1);
    }
  });

  it('evicts the least recently used entry beyond capacity', () => {
    const clock = fakeClock();
    const cache = new ExpiringLruCache<string, number>({ maxEntries: 2, slidingExpirationMs: 1000, now: clock.now });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);

    cache.set('c', 3);

    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('drops expired entries when a new one is written', () => {
    const clock = fakeClock();
    const cache = new ExpiringLruCache<string, number>({ maxEntries: 10, slidingExpirationMs: 1000, now: clock.now });
    cache.set('a', 1);
    cache.set('b', 2);
    clock.advance(1500);

    cache.set('c', 3);

    expect(cache.size).toBe(1);
  });

  it('replaces the value of an existing key and refreshes its age', () => {
    const clock = fakeClock();
    const cache = new ExpiringLruCache<string, number>({ maxEntries: 2, slidingExpirationMs: 1000, now: clock.now });
    cache.set('a', 1);
    clock.advance(800);

    cache.set('a', 2);
    clock.advance(800);

    expect(cache.get('a')).toBe(2);
    expect(cache.size).toBe(1);
  });

  it('deletes and clears entries', () => {
    const clock = fakeClock();
    const cache = new ExpiringLruCache<string, number>({ maxEntries: 5, slidingExpirationMs: 1000, now: clock.now });
    cache.set('a', 1);
    cache.set('b', 2);

    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    expect(cache.get('a')).toBeUndefined();
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
  });

  it('rejects a capacity below one and a non-positive expiration', () => {
    const clock = fakeClock();

    expect(() => new ExpiringLruCache({ maxEntries: 0, slidingExpirationMs: 1000, now: clock.now })).toThrow(
      RangeError,
    );
    expect(() => new ExpiringLruCache({ maxEntries: 1, slidingExpirationMs: 0, now: clock.now })).toThrow(RangeError);
  });

  it('uses MedTech defaults of 5,000 entries and two hours', () => {
    expect(MEDTECH_IDENTITY_CACHE).toEqual({ maxEntries: 5000, slidingExpirationMs: 7_200_000 });
  });
});
