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
import { heartRate, mapping, observationsOfDevice, sampledValues, seedDeviceWithPatient } from './fixtures.js';

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
