import { describe, expect, it } from 'vitest';
import { createKeyedQueue, createLimiter, mapWithConcurrency } from '../../shared/pipeline/limiter.js';

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

describe('createLimiter', () => {
  it('runs at most its concurrency at once, in submission order, past many waiting tasks', async () => {
    const limit = createLimiter(3);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    // Enough waiting tasks that the queue drops its taken part several times on the way.
    const tasks = Array.from({ length: 20_000 }, (_, index) =>
      limit(async () => {
        started.push(index);
        running += 1;
        most = Math.max(most, running);
        await Promise.resolve();
        running -= 1;
        return index;
      }),
    );

    const results = await Promise.all(tasks);

    expect(results).toEqual(Array.from({ length: 20_000 }, (_, index) => index));
    expect(started).toEqual(results);
    expect(most).toBe(3);
  });

  it('hands a slot on when a task fails, and frees it when none waits', async () => {
    const limit = createLimiter(1);
    const gate = deferred();
    const first = limit(async () => {
      await gate.promise;
      throw new Error('failed');
    });
    const second = limit(() => Promise.resolve('second'));
    gate.resolve();

    await expect(first).rejects.toThrow('failed');
    expect(await second).toBe('second');
    expect(await limit(() => Promise.resolve('later'))).toBe('later');
  });
});

describe('mapWithConcurrency and createKeyedQueue', () => {
  it('map in order with a bound, and run one key at a time', async () => {
    const queue = createKeyedQueue();
    const order: string[] = [];
    const gate = deferred();
    const a1 = queue.run('a', async () => {
      await gate.promise;
      order.push('a1');
    });
    const a2 = queue.run('a', () => Promise.resolve(order.push('a2')));
    const b1 = queue.run('b', () => Promise.resolve(order.push('b1')));
    await b1;
    gate.resolve();
    await Promise.all([a1, a2]);

    expect(order).toEqual(['b1', 'a1', 'a2']);
    expect(await mapWithConcurrency([1, 2, 3], 2, (n) => Promise.resolve(n * 2))).toEqual([2, 4, 6]);
  });
});
