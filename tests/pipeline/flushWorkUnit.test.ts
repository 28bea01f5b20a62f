/**
 * The work-unit lease during a long flush, on the local Cosmos server and the embedded FHIR server. A stalled FHIR
 * request (a fault the servers cannot produce) stands in for a slow unit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCosmosStores } from '../../shared/adapters/cosmos/openCosmosStores.js';
import type { CosmosStores } from '../../shared/adapters/cosmos/openCosmosStores.js';
import { createFhirStore } from '../../shared/adapters/fhir/createFhirStore.js';
import { toCreatedDeviceId } from '../../shared/core/fhir/index.js';
import { toWorkUnitKey } from '../../shared/core/staging/stagingKeys.js';
import type { WorkUnit } from '../../shared/core/staging/stagingKeys.js';
import { startCosmosServer } from '../../shared/local/cosmosServer.js';
import type { LocalCosmosServer } from '../../shared/local/cosmosServer.js';
import { startFhirServer } from '../../shared/local/fhirServer.js';
import type { FhirServer } from '../../shared/local/fhirServer.js';
import { flushWorkUnit } from '../../shared/pipeline/flushWorkUnit.js';
import type { FlushDeps } from '../../shared/pipeline/flushWorkUnit.js';
import type { FhirStore } from '../../shared/pipeline/ports.js';
import { createIdentityResolver } from '../../shared/pipeline/resolveIdentity.js';
import type { LeaseStore } from '../../shared/pipeline/stagingPorts.js';
import { heartRate, mapping, observationsOfDevice } from './fixtures.js';

const LEASE_MS = 10_000;
let cosmos: LocalCosmosServer;
let fhirServer: FhirServer;
let fhir: FhirStore;
const opened: CosmosStores[] = [];
let databases = 0;

beforeAll(async () => {
  cosmos = await startCosmosServer();
  fhirServer = await startFhirServer({ port: 0 });
  fhir = createFhirStore({ baseUrl: fhirServer.url });
});

afterAll(async () => {
  opened.forEach((stores) => stores.dispose());
  await fhirServer.close();
  await cosmos.close();
});

/** A simulated clock: leases expire by it; renewals tick in real time. */
function clock(start: string): { now: () => Date; advance: (ms: number) => void } {
  let time = Date.parse(start);
  return { now: () => new Date(time), advance: (ms) => (time += ms) };
}

/** FHIR store whose first search waits until released: the worker is stuck in the middle of its unit. */
function stalled(inner: FhirStore): { store: FhirStore; reached: Promise<void>; release: () => void } {
  let arrive = (): void => undefined;
  let release = (): void => undefined;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const store: FhirStore = {
    ...inner,
    async search(...args) {
      if (first) {
        first = false;
        arrive();
        await gate;
      }
      return inner.search(...args);
    },
  };
  return { store, reached, release };
}

/** Fresh stores holding one staged unit of heart rates from `device`. */
async function stagedUnit(device: string): Promise<{ stores: CosmosStores; unit: WorkUnit }> {
  databases += 1;
  const stores = await openCosmosStores({
    connection: { endpoint: cosmos.endpoint, key: cosmos.key },
    names: { database: `flush${databases}` },
  });
  opened.push(stores);
  const times = ['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:05.000Z', '2024-05-01T10:00:10.000Z'];
  const measurements = times.map((time, i) => heartRate(device, time, String(70 + i), { patientId: `p-${device}` }));
  await stores.staging.stageBatch('0', { first: 1, last: 3 }, measurements);
  const [unit] = await stores.staging.listClosedUnits(new Date('2100-01-01T00:00:00.000Z'), 0);
  if (unit === undefined) {
    throw new Error('nothing was staged');
  }
  return { stores, unit };
}

function workerDeps(
  stores: CosmosStores,
  owner: string,
  store: FhirStore,
  time: { now: () => Date },
  leases: LeaseStore = stores.leases,
): FlushDeps {
  return {
    staging: stores.staging,
    deadLetters: stores.deadLetters,
    leases,
    owner,
    leaseMs: LEASE_MS,
    leaseRenewMs: 10,
    now: time.now,
    transformDeps: () =>
      Promise.resolve({
        mapping,
        store,
        identity: createIdentityResolver(store, { resolutionType: 'Create' }),
        now: () => time.now().getTime(),
      }),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('flushWorkUnit lease', () => {
  it('keeps a slow unit to itself past the lease duration by renewing the lease', async () => {
    const { stores, unit } = await stagedUnit('slow');
    const time = clock('2024-05-01T11:00:00.000Z');
    const stall = stalled(fhir);

    const first = flushWorkUnit(unit, workerDeps(stores, 'worker-a', stall.store, time));
    await stall.reached;
    time.advance(6 * LEASE_MS);
    await sleep(100);
    const second = await flushWorkUnit(unit, workerDeps(stores, 'worker-b', fhir, time));
    stall.release();
    const done = await first;

    expect(second.status).toBe('busy');
    expect(done).toMatchObject({ status: 'flushed', leaseLost: false, measurements: 3 });
    expect((await stores.staging.readUnit(unit)).documents).toHaveLength(0);
    // Released at the end: the unit is free again at once.
    expect(await stores.leases.acquireLease(toWorkUnitKey(unit), 'worker-c', LEASE_MS, time.now())).toBeDefined();
  });

  it('reports a lease taken over while renewals failed, and both workers converge on one FHIR state', async () => {
    const { stores, unit } = await stagedUnit('taken');
    const time = clock('2024-05-01T11:00:00.000Z');
    const stall = stalled(fhir);
    let cosmosDown = true;
    const flakyLeases: LeaseStore = {
      acquireLease: (...args) => stores.leases.acquireLease(...args),
      releaseLease: (...args) => stores.leases.releaseLease(...args),
      renewLease: (...args) =>
        cosmosDown ? Promise.reject(new Error('lease store unavailable')) : stores.leases.renewLease(...args),
    };

    const first = flushWorkUnit(unit, workerDeps(stores, 'worker-a', stall.store, time, flakyLeases));
    await stall.reached;
    await sleep(50);
    time.advance(6 * LEASE_MS);
    const second = await flushWorkUnit(unit, workerDeps(stores, 'worker-b', fhir, time));
    cosmosDown = false;
    await sleep(100);
    stall.release();
    const done = await first;

    expect(second.status).toBe('flushed');
    expect(done).toMatchObject({ status: 'flushed', leaseLost: true });
    const observations = await observationsOfDevice(fhir, toCreatedDeviceId('taken'));
    expect(observations).toHaveLength(1);
    expect(observations[0]?.valueSampledData?.data?.split(' ').slice(0, 3)).toEqual(['70', '71', '72']);
  });
});
