/**
 * A seeded pseudo-random generator for tests that generate their cases (mulberry32): the same seed gives the same
 * sequence on every machine, so a failing case reproduces from the test alone.
 * @param seed - any 32-bit integer
 * @returns a function giving an integer in [0, n) on each call
 */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** {@link seededRandom} with the helpers case generators use. */
export class SeededRandom {
  /** An integer in [0, n). */
  readonly below: (n: number) => number;

  /** @param seed - any 32-bit integer */
  constructor(seed: number) {
    this.below = seededRandom(seed);
  }

  /** One of the items, each as likely. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.below(1_000_000) < p * 1_000_000;
  }
}
