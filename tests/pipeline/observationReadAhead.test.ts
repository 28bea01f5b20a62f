import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { createFhirStore } from '../../shared/adapters/fhir/createFhirStore.js';
import { MemoryFhirStore } from '../../shared/adapters/fhir/memoryFhirStore.js';
import type { ObservationIdentifier } from '../../shared/core/fhir/index.js';
import { startFhirServer, type FhirServer } from '../../shared/local/fhirServer.js';
import {
  createObservationReadAhead,
  READ_AHEAD_BATCH,
  type ObservationReadAhead,
} from '../../shared/pipeline/observationReadAhead.js';
import { MedTechError } from '../../shared/core/errors.js';
import {
  SEARCH_CUT_SHORT,
  type FhirStore,
  type SearchOptions,
  type SearchResult,
} from '../../shared/pipeline/ports.js';

const SYSTEM = 'https://azure.microsoft.com/en-us/services/iomt-fhir-connector/';

function identifierOf(value: string): ObservationIdentifier {
  return { system: SYSTEM, value };
}

function observation(value: string, id = `obs-${value.replace(/[^A-Za-z0-9]/g, '')}`): Observation & { id: string } {
  return { resourceType: 'Observation', id, status: 'final', code: { text: 't' }, identifier: [identifierOf(value)] };
}

/** A store whose searches are counted (with the identifiers each asked for) and may be made to fail. */
function countingStore(inner: FhirStore): FhirStore & {
  searches: string[][];
  failNext: number;
  failure: Error;
  cutShort: boolean;
  cutShortAfterFirst: boolean;
  cutShortAlone: boolean;
  batches: number;
  pages: (number | undefined)[];
  counts: (string | undefined)[];
} {
  const store = {
    searches: [] as string[][],
    failNext: 0,
    /** What a failing search throws (default: a service error). */
    failure: new Error('injected search failure'),
    /** Whether searches of several identifiers come back marked as cut short. */
    cutShort: false,
    /** Whether they do after the first (a server with pages of a few, the first batch finding less). */
    cutShortAfterFirst: false,
    /** Whether searches of one identifier come back marked as cut short. */
    cutShortAlone: false,
    batches: 0,
    /** The pages each search asked for at most. */
    pages: [] as (number | undefined)[],
    /** The `_count` each search asked for. */
    counts: [] as (string | undefined)[],
    async search<T>(
      resourceType: string,
      query: Readonly<Record<string, string>>,
      options?: SearchOptions,
    ): Promise<T[]> {
      store.pages.push(options?.maxPages);
      store.counts.push(query._count);
      store.searches.push((query.identifier ?? '').split(`${SYSTEM.replace(/([,|$\\])/g, '\\$1')}|`).slice(1));
      const fail = store.failNext > 0;
      store.failNext -= fail ? 1 : 0;
      // Answered a little later, as over HTTP: other writes start meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (fail) {
        throw store.failure;
      }
      const found: SearchResult<T> = (await inner.search(resourceType as 'Observation', query)) as T[];
      const batched = (query.identifier ?? '').includes(`,${SYSTEM}`);
      if (batched && (store.cutShort || (store.cutShortAfterFirst && store.batches++ > 0))) {
        found[SEARCH_CUT_SHORT] = true;
      }
      if (!batched && store.cutShortAlone) {
        found[SEARCH_CUT_SHORT] = true;
      }
      return found;
    },
    read: inner.read.bind(inner),
    history: inner.history.bind(inner),
    update: inner.update.bind(inner),
    requestCount: inner.requestCount.bind(inner),
  };
  return store;
}

const valuesOf = (found: readonly Observation[]): string[] => found.map((o) => o.identifier?.[0]?.value ?? '');

/** Registers writes whose locks are held at once (the usual case: nothing else of the process writes them). */
function registerHeld(readAhead: ObservationReadAhead, values: readonly string[]): number[] {
  return values.map((value) => {
    const slot = readAhead.register(identifierOf(value));
    readAhead.hold(slot);
    return slot;
  });
}

describe('createObservationReadAhead', () => {
  it('reads a write and the next ones waiting in one search, and answers each with its own Observations', async () => {
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
    const store = countingStore(new MemoryFhirStore(values.filter((_, i) => i % 3 === 0).map((v) => observation(v))));
    const readAhead = createObservationReadAhead(store);
    const slots = registerHeld(readAhead, values);

    const found: string[][] = [];
    for (const slot of slots) {
      found.push(valuesOf(await readAhead.lookup(slot)));
    }

    expect(found).toEqual(values.map((value, i) => (i % 3 === 0 ? [value] : [])));
    expect(store.searches.map((batch) => batch.length)).toEqual([READ_AHEAD_BATCH, READ_AHEAD_BATCH, 4]);
  });

  it('frees the answers read ahead for writes that settled without taking them (failed before their lookup)', async () => {
    const values = Array.from({ length: 24 }, (_, i) => `v${i}`);
    const store = countingStore(new MemoryFhirStore());
    const readAhead = createObservationReadAhead(store);
    const slots = registerHeld(readAhead, values);

    for (const first of [0, 8, 16]) {
      expect(await readAhead.lookup(slots[first] as number)).toEqual([]);
      // The writes read ahead with it fail before they look up: their answers are never taken.
      for (const slot of slots.slice(first, first + READ_AHEAD_BATCH)) {
        readAhead.forget(slot);
      }
    }

    // Answers kept for nobody would have filled the read-ahead's bound (16) and shortened the third search.
    expect(store.searches.map((batch) => batch.length)).toEqual([READ_AHEAD_BATCH, READ_AHEAD_BATCH, READ_AHEAD_BATCH]);
    await expect(readAhead.lookup(slots[1] as number)).rejects.toThrow('No write registered at slot 1.');
  });

  it('frees the answers of writes that settled while a search was reading them', async () => {
    const values = Array.from({ length: 24 }, (_, i) => `v${i}`);
    const store = countingStore(new MemoryFhirStore());
    const readAhead = createObservationReadAhead(store);
    const slots = registerHeld(readAhead, values);

    for (const first of [0, 8, 16]) {
      const searched = store.searches.length;
      const looking = readAhead.lookup(slots[first] as number);
      while (store.searches.length === searched) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The search is out, reading the next writes: they fail before they look up (a flush stopping, say).
      for (const slot of slots.slice(first + 1, first + READ_AHEAD_BATCH)) {
        readAhead.forget(slot);
      }
      expect(await looking).toEqual([]);
    }

    expect(store.searches.map((batch) => batch.length)).toEqual([READ_AHEAD_BATCH, READ_AHEAD_BATCH, READ_AHEAD_BATCH]);
  });

  it('reads ahead only writes that hold their lock: one queued behind another write of its Observation waits', async () => {
    const inner = new MemoryFhirStore();
    const store = countingStore(inner);
    const readAhead = createObservationReadAhead(store);
    // Two writes of `shared` (two groups of one flush, or two flushes of one process): the second's lock is taken
    // only once the first wrote.
    const [first, other] = registerHeld(readAhead, ['shared', 'other']) as [number, number];
    const again = readAhead.register(identifierOf('shared'));

    expect(await readAhead.lookup(first)).toEqual([]);
    await inner.update(observation('shared'));
    readAhead.hold(again);
    expect(valuesOf(await readAhead.lookup(again))).toEqual(['shared']);
    expect(await readAhead.lookup(other)).toEqual([]);
    // The first search read `other` ahead, not the second `shared`, which searched after the first wrote.
    expect(store.searches.map((batch) => batch.length)).toEqual([2, 1]);
  });

  it('after a search failed for the service, fails every lookup with that error at once, searching no more', async () => {
    const store = countingStore(new MemoryFhirStore([observation('b')]));
    const readAhead = createObservationReadAhead(store);
    const [a, b, c, d] = registerHeld(readAhead, ['a', 'b', 'c', 'd']) as [number, number, number, number];
    store.failNext = 1;

    // b and c wait on a's search, which fails (the adapter spent its retries): they fail with it, as d does later.
    const results = await Promise.allSettled([readAhead.lookup(a), readAhead.lookup(b), readAhead.lookup(c)]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(results[1]).toMatchObject({ reason: { message: 'injected search failure' } });
    await expect(readAhead.lookup(d)).rejects.toThrow('injected search failure');
    expect(store.searches.map((batch) => batch.length)).toEqual([4]);
  });

  it('after a search refused for its request, reads ahead no more: each write searches alone, once', async () => {
    const store = countingStore(new MemoryFhirStore([observation('b')]));
    store.failure = Object.assign(new Error('HTTP 414'), { status: 414, retriable: true });
    const readAhead = createObservationReadAhead(store);
    const [a, b, c, d] = registerHeld(readAhead, ['a', 'b', 'c', 'd']) as [number, number, number, number];
    store.failNext = 1;

    // a's search of 4 is refused: a searches alone; b and c, waiting on it, and d later, search alone too (a batch
    // of them would likely be refused again).
    const found = await Promise.all([a, b, c].map((slot) => readAhead.lookup(slot)));
    found.push(await readAhead.lookup(d));
    const later = registerHeld(readAhead, ['e', 'f']);
    for (const slot of later) {
      found.push(await readAhead.lookup(slot));
    }

    expect(found.map(valuesOf)).toEqual([[], ['b'], [], [], [], []]);
    expect(store.searches.map((batch) => batch.length)).toEqual([4, 1, 1, 1, 1, 1, 1]);
  });

  it('answers nobody from a search the server refused for its request: each write searches alone', async () => {
    const inner = new MemoryFhirStore([observation('b')]);
    const store = countingStore(inner);
    const refusing: FhirStore = {
      ...store,
      search: (type, query) =>
        (query.identifier ?? '').includes(',')
          ? Promise.reject(new MedTechError('FhirServiceError', 'Persist', 'HTTP 414 (search).'))
          : store.search(type, query),
    };
    const readAhead = createObservationReadAhead(refusing);
    const slots = registerHeld(readAhead, ['a', 'b', 'c']);

    const found: string[][] = [];
    for (const slot of slots) {
      found.push(valuesOf(await readAhead.lookup(slot)));
    }

    expect(found).toEqual([[], ['b'], []]);
  });

  it('answers each write from a search that found an identifier on several Observations: that one is told so', async () => {
    const duplicates = Array.from({ length: 12 }, (_, i) => observation('dup', `dup-${i}`));
    const store = countingStore(new MemoryFhirStore([...duplicates, observation('b', 'b-server-id')]));
    const readAhead = createObservationReadAhead(store);
    const [dup, b] = registerHeld(readAhead, ['dup', 'b']) as [number, number];

    expect(await readAhead.lookup(dup)).toHaveLength(12);
    expect((await readAhead.lookup(b)).map((o) => o.id)).toEqual(['b-server-id']);
    expect(store.searches.map((batch) => batch.length)).toEqual([2]);
  });

  it('answers nobody from a search cut short (a next link left): each write searches alone', async () => {
    const store = countingStore(new MemoryFhirStore([observation('a'), observation('c', 'c-server-id')]));
    store.cutShort = true;
    const readAhead = createObservationReadAhead(store);
    const slots = registerHeld(readAhead, ['a', 'b', 'c']);

    const found: (string | undefined)[][] = [];
    for (const slot of slots) {
      found.push((await readAhead.lookup(slot)).map((o) => o.id));
    }

    expect(found).toEqual([['obs-a'], [], ['c-server-id']]);
    // a, b, c cut short; then each alone.
    expect(store.searches.map((batch) => batch.length)).toEqual([3, 1, 1, 1]);
    // A batch reads one page of 16 (a next link left is enough to answer nobody); a search alone pages as it did.
    expect(store.pages).toEqual([1, undefined, undefined, undefined]);
    expect(store.counts).toEqual(['16', undefined, undefined, undefined]);
  });

  it('refuses a search alone cut short before an exact match, as a write without read-ahead does', async () => {
    const store = countingStore(new MemoryFhirStore([observation('c', 'c-server-id')]));
    store.cutShort = true;
    store.cutShortAlone = true;
    const readAhead = createObservationReadAhead(store);
    const slots = registerHeld(readAhead, ['b', 'c']);

    const found = await Promise.allSettled(slots.map((slot) => readAhead.lookup(slot)));

    expect(found[0]).toMatchObject({
      status: 'rejected',
      reason: { name: 'MultipleResourceFound', stage: 'Persist', retriable: false },
    });
    expect(found[1]).toMatchObject({ status: 'fulfilled', value: [{ id: 'c-server-id' }] });
    expect(store.searches.map((batch) => batch.length)).toEqual([2, 1, 1]);
  });

  it('sends one batch at a time: after a useful one, a batch of no use costs one search a flush', async () => {
    const store = countingStore(new MemoryFhirStore());
    store.cutShortAfterFirst = true;
    const readAhead = createObservationReadAhead(store);
    const slots = registerHeld(
      readAhead,
      Array.from({ length: 24 }, (_, i) => `x${i}`),
    );

    await Promise.all(slots.map((slot) => readAhead.lookup(slot)));

    // The first batch answers 8; the second is cut short; the 16 writes left search alone.
    expect(store.searches.map((batch) => batch.length)).toEqual([8, 8, ...Array<number>(16).fill(1)]);
  });

  it('sends one batch at a time until one answered: batches of no use cost one search a flush, not one each', async () => {
    const store = countingStore(new MemoryFhirStore([observation('w3')]));
    store.cutShort = true;
    const readAhead = createObservationReadAhead(store);
    const slots = registerHeld(
      readAhead,
      Array.from({ length: 20 }, (_, i) => `w${i}`),
    );

    // Twenty writes looking up at once (more than a batch runs at once, as at FHIR__CONCURRENCY=16 or more).
    const found = await Promise.all(slots.map((slot) => readAhead.lookup(slot)));

    expect(found.map(valuesOf).flat()).toEqual(['w3']);
    expect(store.searches.map((batch) => batch.length)).toEqual([8, ...Array<number>(20).fill(1)]);
  });

  it("keeps the search's query under 1,800 characters: long identifiers are looked up alone", async () => {
    const store = countingStore(new MemoryFhirStore());
    const readAhead = createObservationReadAhead(store);
    // 100 + 66 characters each with the system (about 190 in the query): 8 fit; of 700, 2 fit; of 2,000, one alone.
    const values = [
      ...Array.from({ length: 8 }, (_, i) => `${i}`.padEnd(100, 's')),
      ...Array.from({ length: 3 }, (_, i) => `${i}`.padEnd(700, 'm')),
      `${'l'.repeat(2000)}`,
      'after',
    ];
    const slots = registerHeld(readAhead, values);

    for (const slot of slots) {
      await readAhead.lookup(slot);
    }

    expect(store.searches.map((batch) => batch.length)).toEqual([8, 2, 1, 1, 1]);
  });

  it('measures the query as the FHIR client encodes it: parentheses and the like take 3 characters', async () => {
    const store = countingStore(new MemoryFhirStore());
    const readAhead = createObservationReadAhead(store);
    // Correlation ids of 100 characters, 40 of them `(`: 100 encoded by encodeURIComponent, 180 by URLSearchParams.
    const values = Array.from({ length: 8 }, (_, i) => `${i}${'('.repeat(40)}`.padEnd(100, 'x'));

    for (const slot of registerHeld(readAhead, values)) {
      await readAhead.lookup(slot);
    }

    const queries = store.searches.map((batch) =>
      new URLSearchParams({ identifier: batch.map((value) => `${SYSTEM}|${value}`).join(',') }).toString(),
    );
    expect(Math.max(...queries.map((query) => query.length - 'identifier='.length))).toBeLessThanOrEqual(1800);
    expect(store.searches.map((batch) => batch.length)).toEqual([6, 2]);
  });

  it('reads ahead the next writes to start: held ones, in the order held, not in the order registered', async () => {
    const store = countingStore(new MemoryFhirStore());
    const readAhead = createObservationReadAhead(store);
    // Registered 0-19; 0 and 3 wait on their locks (another write of their Observation), the others are held at
    // once, 0 and 3 later: the limiter starts 1, 2, 4, 5, … 19, then 0 and 3.
    const slots = Array.from({ length: 20 }, (_, i) => readAhead.register(identifierOf(`h${i}`)));
    for (const slot of slots.filter((i) => i !== 0 && i !== 3)) {
      readAhead.hold(slot);
    }
    readAhead.hold(0);
    readAhead.hold(3);

    await readAhead.lookup(1);

    expect(store.searches[0]?.map((value) => value.replace(/,$/, ''))).toEqual([
      'h1',
      'h2',
      'h4',
      'h5',
      'h6',
      'h7',
      'h8',
      'h9',
    ]);
  });

  it('holds the answers of at most twice a batch of writes not yet started', async () => {
    const store = countingStore(new MemoryFhirStore());
    const readAhead = createObservationReadAhead(store);
    const slots = registerHeld(
      readAhead,
      Array.from({ length: 60 }, (_, i) => `w${i}`),
    );

    // Writes that look up before the ones read ahead for them started: each reads ahead the next held ones while
    // fewer than 16 answers wait (1-7, 8-14, then 15 and 16, then none).
    for (const slot of [0, 20, 40, 50]) {
      await readAhead.lookup(slot);
    }

    expect(store.searches.map((batch) => batch.length)).toEqual([READ_AHEAD_BATCH, READ_AHEAD_BATCH, 3, 1]);
    // Those read ahead are answered without a search.
    for (const slot of slots.slice(1, 17)) {
      await readAhead.lookup(slot);
    }
    expect(store.searches).toHaveLength(4);
  });
});

describe('identifier searches that OR several values, on the embedded server', () => {
  let server: FhirServer;
  beforeAll(async () => {
    server = await startFhirServer({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('find each value exactly, escaped commas, bars and dollars included', async () => {
    const store = createFhirStore({ baseUrl: server.url });
    const values = ['dev,1.hr.20240501', 'dev|2.hr', 'dev$3\\x', 'dev4'];
    await store.update(observation(values[0] as string, 'obs-comma'));
    await store.update(observation(values[1] as string, 'obs-bar'));
    await store.update(observation(values[2] as string, 'obs-dollar'));
    await store.update(observation('dev', 'obs-prefix'));
    const readAhead = createObservationReadAhead(store);
    const slots = registerHeld(readAhead, [...values, 'dev,1']);

    const found: string[][] = [];
    for (const slot of slots) {
      found.push((await readAhead.lookup(slot)).map((o) => o.id ?? ''));
    }

    expect(found).toEqual([['obs-comma'], ['obs-bar'], ['obs-dollar'], [], []]);
  });

  it('are read the same way by the in-memory store', async () => {
    const store = new MemoryFhirStore([observation('a,b', 'obs-ab'), observation('c', 'obs-c')]);
    const found = await store.search<Observation>('Observation', {
      identifier: `${SYSTEM}|a\\,b,${SYSTEM}|c,${SYSTEM}|a`,
    });
    expect(found.map((o) => o.id).sort()).toEqual(['obs-ab', 'obs-c']);
  });
});
