/**
 * Two work units flushed at once by one process share the Observation locks (as createAppServices does): a write of
 * one unit must not use a lookup made before the other unit's write to the same Observation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { createFhirStore } from '../../shared/adapters/fhir/createFhirStore.js';
import { startFhirServer, type FhirServer } from '../../shared/local/fhirServer.js';
import type { FhirStore } from '../../shared/pipeline/ports.js';
import { createIdentityResolver } from '../../shared/pipeline/resolveIdentity.js';
import { createObservationLocks, transformAndPersist } from '../../shared/pipeline/transformAndPersist.js';
import { MemoryFhirStore, splitSearchValues } from '../../shared/adapters/fhir/memoryFhirStore.js';
import { OBSERVATION_IDENTIFIER_SYSTEM as SYSTEM } from '../../shared/core/fhir/index.js';
import type { Measurement } from '../../shared/core/measurement.js';
import { escapeSearchValue } from '../../shared/pipeline/resolveIdentity.js';
import { heartRate, mapping, observationsOfDevice, sampledValues, seedDeviceWithPatient } from './fixtures.js';

function temperature(deviceId: string, time: string, t: string, patientId: string): Measurement {
  return {
    type: 'temperature',
    occurrenceTimeUtc: time,
    ingestionTimeUtc: time,
    deviceId,
    patientId,
    properties: [{ name: 't', value: t }],
  };
}

let server: FhirServer;
let base: FhirStore;

beforeAll(async () => {
  server = await startFhirServer({ port: 0 });
  base = createFhirStore({ baseUrl: server.url });
});

afterAll(async () => {
  await server.close();
});

/**
 * The server, with unit B's first Observation write held back until a search for several identifiers has answered
 * (unit A's read-ahead), and the writes logged; `withoutHistory` answers every history read with nothing, as a
 * server keeping no versions does.
 */
function gatedStore(withoutHistory: boolean): {
  store: FhirStore;
  replacingPuts: () => number;
  searchedOnce: Promise<void>;
  arm: () => void;
} {
  let release = (): void => {};
  const batchAnswered = new Promise<void>((resolve) => {
    release = resolve;
    // Without read-ahead no such search comes: B goes on after a while.
    setTimeout(resolve, 1500);
  });
  let armed = false;
  let searched = (): void => {};
  const searchedOnce = new Promise<void>((resolve) => {
    searched = resolve;
  });
  let replacing = 0;
  const store: FhirStore = {
    async search(type, query) {
      const found = await base.search(type, query);
      if (type === 'Observation') {
        searched();
        if ((query.identifier ?? '').includes(',')) {
          release();
        }
      }
      return found;
    },
    read: (type, id) => base.read(type, id),
    history: (type, id) => (withoutHistory ? Promise.resolve([]) : base.history(type, id)),
    async update(resource, options) {
      if (armed && resource.resourceType === 'Observation' && (resource as Observation).valueSampledData) {
        armed = false;
        await batchAnswered;
      }
      const result = await base.update(resource, options);
      if (result.kind === 'saved' && !result.created && options?.ifMatchVersionId === undefined) {
        replacing += 1;
      }
      return result;
    },
    requestCount: () => base.requestCount(),
  };
  return { store, replacingPuts: () => replacing, searchedOnce, arm: () => (armed = true) };
}

async function flushTwoUnitsAtOnce(device: string, withoutHistory: boolean) {
  await seedDeviceWithPatient(base, { deviceId: `${device}-id`, identifier: device, patientId: `${device}-pat` });
  const { store, replacingPuts, searchedOnce, arm } = gatedStore(withoutHistory);
  const deps = {
    mapping,
    store,
    identity: createIdentityResolver(store, {}),
    now: () => Date.parse('2024-05-01T12:00:00Z'),
    observationLocks: createObservationLocks(),
  };
  // Warms the identity cache, so that both units go straight to their writes.
  await transformAndPersist([heartRate(device, '2024-05-01T07:00:00Z', '60')], deps);
  arm();
  // Unit B: a reading in hour 10. Unit A: readings in hours 9 and 10 (one measurement group).
  const unitB = transformAndPersist([heartRate(device, '2024-05-01T10:00:05Z', '71')], deps);
  await searchedOnce; // B holds hour 10's lock, has searched it and waits to write it.
  const unitA = transformAndPersist(
    [heartRate(device, '2024-05-01T09:00:00Z', '65'), heartRate(device, '2024-05-01T10:00:00Z', '70')],
    { ...deps, now: () => Date.parse('2024-05-01T12:30:00Z') },
  );
  const [a] = await Promise.all([unitA, unitB]);
  const hour = (await observationsOfDevice(base, `${device}-id`)).filter(
    (o: Observation) => o.effectivePeriod?.start?.startsWith('2024-05-01T10') === true,
  );
  return { a, hour, replacingPuts: replacingPuts() };
}

describe('read-ahead under Observation locks shared by two units of one process', () => {
  it("merges the later unit's value into the Observation the earlier one created, as a search right before it would", async () => {
    const { a, hour, replacingPuts } = await flushTwoUnitsAtOnce('shared-locks-h', false);

    expect(hour).toHaveLength(1);
    expect(sampledValues(hour[0])).toEqual({ '2024-05-01T10:00:00.000Z': '70', '2024-05-01T10:00:05.000Z': '71' });
    // A merge keeps B's `issued`; no PUT replaced B's version.
    expect(hour[0]?.issued).toBe('2024-05-01T12:00:00.000Z');
    expect(replacingPuts).toBe(0);
    expect(a).toMatchObject({ created: 1, updated: 1 });
  });

  it('loses nothing on a server that keeps no history', async () => {
    const { hour } = await flushTwoUnitsAtOnce('shared-locks-n', true);

    expect(hour).toHaveLength(1);
    expect(sampledValues(hour[0])).toEqual({ '2024-05-01T10:00:00.000Z': '70', '2024-05-01T10:00:05.000Z': '71' });
  });
});

describe('how long before its write a write is read ahead', () => {
  it('at most the writes run at once start between a search and a write it read, lock waits included', async () => {
    const inner = new MemoryFhirStore();
    await seedDeviceWithPatient(inner, {
      deviceId: 'window-dev-id',
      identifier: 'window-dev',
      patientId: 'window-pat',
    });
    // Searches and PUT starts in one sequence; each PUT takes 5 ms.
    const events: { kind: 'search' | 'put'; identifiers: string[] }[] = [];
    const store: FhirStore = {
      async search(type, query) {
        if (type === 'Observation') {
          events.push({ kind: 'search', identifiers: splitSearchValues(query.identifier ?? '') });
        }
        return inner.search(type, query);
      },
      read: (type, id) => inner.read(type, id),
      history: (type, id) => inner.history(type, id),
      async update(resource, options) {
        if (resource.resourceType === 'Observation') {
          const value = (resource as Observation).identifier?.[0]?.value ?? '';
          events.push({ kind: 'put', identifiers: [`${SYSTEM}|${escapeSearchValue(value)}`] });
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return inner.update(resource, options);
      },
      requestCount: () => inner.requestCount(),
    };
    const at = (second: number): string => new Date(Date.UTC(2024, 4, 1, 9) + second * 1000).toISOString();
    // Groups a and b (other patient ids in the messages; Lookup resolves the Device's) share the Observation of
    // second 0: b's write of it waits for a's lock, then for 200 more of b's writes queued before it took it.
    const a = Array.from({ length: 20 }, (_, i) => temperature('window-dev', at(i), '36.6', 'a'));
    const b = [
      temperature('window-dev', at(0), '37.0', 'b'),
      ...Array.from({ length: 200 }, (_, i) => temperature('window-dev', at(1000 + i), '36.6', 'b')),
    ];

    const summary = await transformAndPersist([...a, ...b], {
      mapping,
      store,
      identity: createIdentityResolver(inner, {}),
      now: () => Date.parse('2024-05-01T12:00:00Z'),
    });

    expect(summary.errors).toEqual([]);
    // For each PUT, the other PUTs that started since the search that read its Observation.
    const gaps = events.flatMap((event, i) => {
      if (event.kind !== 'put') {
        return [];
      }
      const [token] = event.identifiers;
      let search = i - 1;
      while (search >= 0 && !(events[search]?.kind === 'search' && events[search]?.identifiers.includes(token ?? ''))) {
        search -= 1;
      }
      return [events.slice(search + 1, i).filter((other) => other.kind === 'put').length];
    });
    expect(gaps).toHaveLength(221);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(8);
  });
});
