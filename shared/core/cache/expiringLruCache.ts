/**
 * A bounded least-recently-used cache whose entries expire after a sliding idle time, with the clock passed in
 * (MedTech caches resolved identities this way: 5,000 entries, 2 hours sliding; reference-behaviour §4).
 */

/** Settings of an {@link ExpiringLruCache}. */
export interface ExpiringLruCacheOptions {
  /** Most entries kept; the least recently used one is evicted beyond it. Must be at least 1. */
  maxEntries: number;
  /** An entry not read or written for this long (ms) is gone. Must be positive. */
  slidingExpirationMs: number;
  /** Current time in epoch milliseconds. */
  now: () => number;
}

interface Entry<V> {
  value: V;
  lastAccess: number;
}

/** MedTech's identity cache settings: 5,000 entries, 2 hours sliding expiration. */
export const MEDTECH_IDENTITY_CACHE = { maxEntries: 5000, slidingExpirationMs: 2 * 60 * 60 * 1000 } as const;

/**
 * LRU cache with sliding expiration. Reads refresh an entry's age and recency; expired entries are dropped
 * lazily (on access, and from the least recently used end on every write).
 */
export class ExpiringLruCache<K, V> {
  // Map iteration order is insertion order; every access re-inserts, so the order is least → most recently used,
  // which is also oldest → newest access time: expired entries always form a prefix.
  private readonly entries = new Map<K, Entry<V>>();
  private readonly maxEntries: number;
  private readonly slidingExpirationMs: number;
  private readonly now: () => number;

  /**
   * @param options - capacity, sliding expiration and clock
   * @throws RangeError when `maxEntries` < 1 or `slidingExpirationMs` <= 0
   */
  constructor(options: ExpiringLruCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    if (!(options.slidingExpirationMs > 0)) {
      throw new RangeError('slidingExpirationMs must be positive');
    }
    this.maxEntries = options.maxEntries;
    this.slidingExpirationMs = options.slidingExpirationMs;
    this.now = options.now;
  }

  /** Number of entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Returns the cached value and refreshes its age, or `undefined` when absent or expired.
   * @param key - cache key
   */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    const now = this.now();
    this.entries.delete(key);
    if (this.isExpired(entry, now)) {
      return undefined;
    }
    entry.lastAccess = now;
    this.entries.set(key, entry);
    return entry.value;
  }

  /**
   * Stores a value as the most recently used entry, dropping expired entries and evicting beyond capacity.
   * @param key - cache key
   * @param value - value to keep
   */
  set(key: K, value: V): void {
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, { value, lastAccess: now });
    for (const [oldestKey, oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && !this.isExpired(oldest, now)) {
        break;
      }
      this.entries.delete(oldestKey);
    }
  }

  /**
   * Removes an entry; true when it was present.
   * @param key - cache key
   */
  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Removes every entry. */
  clear(): void {
    this.entries.clear();
  }

  private isExpired(entry: Entry<V>, now: number): boolean {
    return now - entry.lastAccess >= this.slidingExpirationMs;
  }
}
