/**
 * What a flush's read-ahead keeps of the writes that settled stays bounded, whether it reads ahead, runs without
 * read-ahead (FHIR__CONCURRENCY=1: batches of one) or stopped reading ahead (a batched search cut short): a settled
 * write's slot is dropped from its slots and, with those before the first waiting one, from its list of held slots.
 * (A review found every slot kept to the end of the flush in the last two cases: memory growing with the unit.)
 *
 * Measured by weak references to the identifiers the flush registers: once their writes have settled, a bounded
 * read-ahead lets them be collected.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import type { MeasurementGroupKey } from '../../shared/core/fhir/index.js';
import type { Measurement } from '../../shared/core/measurement.js';
import {
  SEARCH_CUT_SHORT,
  type FhirStore,
  type FhirUpdateResult,
  type SearchResult,
} from '../../shared/pipeline/ports.js';
import type * as ReadAheadModule from '../../shared/pipeline/observationReadAhead.js';
import { transformAndPersist } from '../../shared/pipeline/transformAndPersist.js';
import { mapping } from './fixtures.js';

const registered = vi.hoisted(() => ({ refs: [] as WeakRef<object>[] }));

vi.mock('../../shared/pipeline/observationReadAhead.js', async (importOriginal) => {
  const actual = await importOriginal<typeof ReadAheadModule>();
  return {
    ...actual,
    createObservationReadAhead: (...args: Parameters<typeof actual.createObservationReadAhead>) => {
      const inner = actual.createObservationReadAhead(...args);
      return {
        ...inner,
        register(identifier: Parameters<typeof inner.register>[0]) {
          registered.refs.push(new WeakRef(identifier));
          return inner.register(identifier);
        },
      };
    },
  };
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const OBSERVATIONS = 6000;

/** `count` Quantity readings of one device, one second apart: one Observation each. */
function temperatures(count: number): Measurement[] {
  return Array.from({ length: count }, (_, i) => {
    const time = new Date(Date.parse('2024-05-01T10:00:00Z') + i * 1000).toISOString();
    return {
      type: 'temperature',
      occurrenceTimeUtc: time,
      ingestionTimeUtc: time,
      deviceId: 'dev-0',
      patientId: 'pat-0',
      properties: [{ name: 't', value: '36.6' }],
    };
  });
}

/**
 * A store where nothing exists; at the last PUT it collects garbage and counts the identifiers registered still
 * reachable. `cutShort` marks batched searches as cut short (a server with small pages): the read-ahead turns off.
 */
function probingStore(cutShort: boolean): FhirStore & { aliveAtLastPut: number } {
  let puts = 0;
  const store = {
    aliveAtLastPut: -1,
    search<T extends Resource>(_type: string, query: Readonly<Record<string, string>>): Promise<SearchResult<T>> {
      const found: SearchResult<T> = [];
      if (cutShort && (query.identifier ?? '').includes(',')) {
        found[SEARCH_CUT_SHORT] = true;
      }
      return Promise.resolve(found);
    },
    read: () => Promise.resolve(undefined),
    history: () => Promise.resolve([]),
    async update<T extends Resource>(resource: T & { id: string }): Promise<FhirUpdateResult<T>> {
      puts += 1;
      await new Promise((resolve) => setImmediate(resolve));
      if (puts === OBSERVATIONS) {
        gc();
        store.aliveAtLastPut = registered.refs.filter((ref) => ref.deref() !== undefined).length;
      }
      return { kind: 'saved', resource, created: true };
    },
    requestCount: () => 0,
  };
  return store;
}

const identity = {
  resolve: (key: MeasurementGroupKey) => Promise.resolve({ deviceId: `D-${key.deviceId}`, patientId: 'P' }),
};

async function flush(concurrency: number, cutShort: boolean): Promise<number> {
  registered.refs = [];
  const store = probingStore(cutShort);
  const summary = await transformAndPersist(temperatures(OBSERVATIONS), {
    mapping,
    store,
    identity,
    now: () => Date.parse('2024-05-01T12:00:00Z'),
    concurrency,
  });
  expect(summary.created).toBe(OBSERVATIONS);
  expect(registered.refs).toHaveLength(OBSERVATIONS);
  return store.aliveAtLastPut;
}

describe("what a flush's read-ahead keeps of the writes that settled", () => {
  it('is bounded while it reads ahead (concurrency 8)', async () => {
    // Up to about 2 x 1,024 slots before the first waiting one, and the write window (256).
    expect(await flush(8, false)).toBeLessThan(OBSERVATIONS / 2);
  });

  it('is bounded without read-ahead too (concurrency 1: batches of one)', async () => {
    expect(await flush(1, false)).toBeLessThan(OBSERVATIONS / 2);
  });

  it('is bounded once a batched search was cut short (read-ahead off for the rest of the flush)', async () => {
    expect(await flush(8, true)).toBeLessThan(OBSERVATIONS / 2);
  });
});
