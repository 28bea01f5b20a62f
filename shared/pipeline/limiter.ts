/** Runs tasks of one key one after the other, and tasks of other keys freely. */
export interface KeyedQueue {
  /**
   * Runs `task` once every earlier task for the same key has settled.
   * @param key - what the tasks contend for
   * @param task - the work
   */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/**
 * Creates a {@link KeyedQueue}: a promise chain per key, forgotten once it is idle.
 */
export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) {
          tails.delete(key);
        }
      });
      return result;
    },
  };
}

/** A first-in, first-out queue. */
interface Fifo<T> {
  push(item: T): void;
  /** The oldest item, removed; `undefined` when empty. */
  shift(): T | undefined;
}

/**
 * A queue whose `shift` costs the same however long it is: a limiter may hold many waiting tasks, and an array's
 * `shift` copies the rest of it each time past a few thousand items (400,000 waiting tasks took 45 s).
 */
function createFifo<T>(): Fifo<T> {
  let items: (T | undefined)[] = [];
  let head = 0;
  return {
    push(item) {
      items.push(item);
    },
    shift() {
      if (head === items.length) {
        return undefined;
      }
      const item = items[head];
      items[head] = undefined;
      head += 1;
      // Drop the taken part once it is most of the array (amortized: each item is copied at most once more).
      if (head === items.length) {
        items = [];
        head = 0;
      } else if (head > 1024 && head * 2 > items.length) {
        items = items.slice(head);
        head = 0;
      }
      return item;
    },
  };
}

/** Runs a task when a slot is free. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Runs at most `concurrency` tasks at once, in submission order.
 * @param concurrency - the number of slots (at least 1)
 */
export function createLimiter(concurrency: number): Limiter {
  let active = 0;
  const waiting = createFifo<() => void>();
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < concurrency) {
      active += 1;
    } else {
      // The slot is handed over by the task that finishes (see below), so no newcomer can overtake.
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next === undefined) {
        active -= 1;
      } else {
        next();
      }
    }
  };
}

/**
 * Runs an async function over items with at most `limit` calls in flight; fails with the first error: no further call starts after
 * it, and it is thrown once the calls already started have settled.
 * @param items - the inputs
 * @param limit - maximum parallel calls (≥ 1)
 * @param run - the call for one item
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await run(items[index] as T, index);
      } catch (error) {
        failed = true;
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) {
    throw errors[0];
  }
  return results;
}
