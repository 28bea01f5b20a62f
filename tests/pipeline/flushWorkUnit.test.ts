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
import type { FlushDeps, FlushUnitSummary } from '../../shared/pipeline/flushWorkUnit.js';
import type { FhirStore, IdentityResolver } from '../../shared/pipeline/ports.js';
import { createIdentityResolver } from '../../shared/pipeline/resolveIdentity.js';
import type { LeaseStore, StagingStore } from '../../shared/pipeline/stagingPorts.js';
import type { Measurement } from '../../shared/core/measurement.js';
import { heartRate, mapping, observationsOfDevice, sampledValues } from './fixtures.js';
import type { Device } from '@medplum/fhirtypes';
import { MedTechError } from '../../shared/core/errors.js';
import { REPLAY_SHARD_PREFIX } from '../../shared/core/staging/deadLetterReplay.js';
import { signal } from '../support/signal.js';

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
  const reached = signal();
  const gate = signal();
  let first = true;
  const store: FhirStore = {
    ...inner,
    async search(...args) {
      if (first) {
        first = false;
        reached.fire();
        await gate.fired;
      }
      return inner.search(...args);
    },
  };
  return { store, reached: reached.fired, release: gate.fire };
}

/** Fresh stores holding one staged unit (of shard `0` by default): three heart rates from `device`, or those given. */
async function stagedUnit(
  device: string,
  given?: Measurement[],
  shard = '0',
): Promise<{ stores: CosmosStores; unit: WorkUnit }> {
  databases += 1;
  const stores = await openCosmosStores({
    connection: { endpoint: cosmos.endpoint, key: cosmos.key },
    names: { database: `flush${databases}` },
  });
  opened.push(stores);
  const times = ['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:05.000Z', '2024-05-01T10:00:10.000Z'];
  const measurements =
    given ?? times.map((time, i) => heartRate(device, time, String(70 + i), { patientId: `p-${device}` }));
  await stores.staging.stageBatch(shard, { first: 1, last: 3 }, measurements);
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
  unitsInFlight = new Set<string>(),
): FlushDeps {
  return {
    staging: stores.staging,
    deadLetters: stores.deadLetters,
    leases,
    owner,
    unitsInFlight,
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

/**
 * FHIR store whose Create path stalls, once it has searched for the Device a second time (before creating it) and
 * found none, until released; `held` is true meanwhile (the test's lease store is then unreachable).
 */
function stalledBeforeDeviceCreate(inner: FhirStore): {
  store: FhirStore;
  reached: Promise<void>;
  release: () => void;
  held: () => boolean;
} {
  let deviceSearches = 0;
  let held = false;
  const reached = signal();
  const gate = signal();
  const store: FhirStore = {
    ...inner,
    async search(resourceType, query) {
      const found = await inner.search(resourceType, query);
      if (resourceType === 'Device' && ++deviceSearches === 2) {
        held = true;
        reached.fire();
        await gate.fired;
      }
      return found;
    },
  };
  const release = (): void => {
    held = false;
    gate.fire();
  };
  return { store, reached: reached.fired, release, held: () => held };
}

/** The FHIR store, counting the Observation writes (`PUT`s) sent through it. */
function countWrites(inner: FhirStore): { store: FhirStore; observations: () => number } {
  let observations = 0;
  const store: FhirStore = {
    ...inner,
    update(resource, options) {
      if (resource.resourceType === 'Observation') {
        observations += 1;
      }
      return inner.update(resource, options);
    },
  };
  return { store, observations: () => observations };
}

/** What a renewal came to. */
type RenewalOutcome = 'renewed' | 'lost' | 'failed';

/**
 * The lease store, failing renewals while `down()` is true (a fault the local server cannot produce), with a way to
 * wait for the outcome of the next renewal instead of sleeping.
 */
function watchedLeases(
  inner: LeaseStore,
  down: () => boolean = () => false,
): {
  leases: LeaseStore;
  next: () => Promise<RenewalOutcome>;
  /** The next outcome that is not `renewed`. */
  nextFailure: () => Promise<RenewalOutcome>;
} {
  const waiters: ((outcome: RenewalOutcome) => void)[] = [];
  const settle = (outcome: RenewalOutcome): void => waiters.splice(0).forEach((wake) => wake(outcome));
  const leases: LeaseStore = {
    acquireLease: (...args) => inner.acquireLease(...args),
    releaseLease: (...args) => inner.releaseLease(...args),
    async renewLease(...args) {
      if (down()) {
        settle('failed');
        throw new Error('lease store unavailable');
      }
      const renewed = await inner.renewLease(...args);
      settle(renewed === undefined ? 'lost' : 'renewed');
      return renewed;
    },
  };
  const next = (): Promise<RenewalOutcome> => new Promise((resolve) => waiters.push(resolve));
  return {
    leases,
    next,
    // A renewal sent before the store went down may still answer `renewed` after it (a loaded machine).
    nextFailure: async () => {
      let outcome = await next();
      while (outcome === 'renewed') {
        outcome = await next();
      }
      return outcome;
    },
  };
}

describe('flushWorkUnit lease', () => {
  it('calls a unit flushed before empty, writes nothing for it, and frees its lease each time', async () => {
    const { stores, unit } = await stagedUnit('flush-twice');
    const time = clock('2024-05-01T12:00:00.000Z');
    const before = (await observationsOfDevice(fhir, toCreatedDeviceId('flush-twice'))).length;

    const first = await flushWorkUnit(unit, workerDeps(stores, 'w1', fhir, time));
    const requests = fhir.requestCount();
    const second = await flushWorkUnit(unit, workerDeps(stores, 'w2', fhir, time));

    expect(before).toBe(0);
    expect(first).toMatchObject({ status: 'flushed', documents: 1, created: 1 });
    expect(second).toMatchObject({ status: 'empty', documents: 0, measurements: 0, created: 0, updated: 0, noop: 0 });
    expect(fhir.requestCount()).toBe(requests);
    // Released, not left to expire: a third worker takes the unit at once.
    expect(await stores.leases.acquireLease(toWorkUnitKey(unit), 'w3', LEASE_MS, time.now())).toBeDefined();
  });

  it('writes nothing of a unit whose staging may still be running, keeps it staged, and frees its lease', async () => {
    const { stores, unit } = await stagedUnit('settling');
    const time = clock('2024-05-01T12:00:00.000Z');
    // The store says a staging of one of the unit's batches may still be writing (see CosmosStagingStore).
    let running = true;
    const staging: StagingStore = {
      ...stores.staging,
      stageBatch: (...args) => stores.staging.stageBatch(...args),
      listClosedUnits: (...args) => stores.staging.listClosedUnits(...args),
      deleteDocuments: (...args) => stores.staging.deleteDocuments(...args),
      readUnit: async (...args) => ({ ...(await stores.staging.readUnit(...args)), settling: running ? 1 : 0 }),
    };
    const deps = { ...workerDeps(stores, 'w1', fhir, time), staging };
    const requests = fhir.requestCount();

    const waiting = await flushWorkUnit(unit, deps);
    const writes = fhir.requestCount() - requests;
    running = false;
    const flushed = await flushWorkUnit(unit, { ...deps, owner: 'w2' });

    expect(waiting).toMatchObject({ status: 'settling', documents: 1, created: 0, groups: 0 });
    expect(writes).toBe(0);
    expect(flushed).toMatchObject({ status: 'flushed', documents: 1, created: 1 });
  });

  it('gives the outcome of the flush when releasing its lease fails afterwards', async () => {
    const { stores, unit } = await stagedUnit('release-fails');
    const time = clock('2024-05-01T12:00:00.000Z');
    const leases: LeaseStore = {
      acquireLease: (...args) => stores.leases.acquireLease(...args),
      renewLease: (...args) => stores.leases.renewLease(...args),
      releaseLease: () => Promise.reject(new Error('lease store unavailable')),
    };

    const summary = await flushWorkUnit(unit, workerDeps(stores, 'w1', fhir, time, leases));

    expect(summary).toMatchObject({ status: 'flushed', created: 1, documentsLeftStaged: 0 });
    expect((await stores.staging.readUnit(unit)).documents).toEqual([]);
    // The lease stays until it expires.
    expect(await stores.leases.acquireLease(toWorkUnitKey(unit), 'w2', LEASE_MS, time.now())).toBeUndefined();
    time.advance(LEASE_MS + 1);
    expect(await stores.leases.acquireLease(toWorkUnitKey(unit), 'w2', LEASE_MS, time.now())).toBeDefined();
  });

  it('keeps a slow unit to itself past the lease duration by renewing the lease', async () => {
    const { stores, unit } = await stagedUnit('slow');
    const time = clock('2024-05-01T11:00:00.000Z');
    const stall = stalled(fhir);

    const watched = watchedLeases(stores.leases);

    const first = flushWorkUnit(unit, workerDeps(stores, 'worker-a', stall.store, time, watched.leases));
    await stall.reached;
    time.advance(6 * LEASE_MS);
    // The first renewal to finish may have started before the clock moved; the second started after it.
    expect(await watched.next()).toBe('renewed');
    expect(await watched.next()).toBe('renewed');
    const second = await flushWorkUnit(unit, workerDeps(stores, 'worker-b', fhir, time));
    stall.release();
    const done = await first;

    expect(second.status).toBe('busy');
    expect(done).toMatchObject({ status: 'flushed', leaseLost: false, measurements: 3 });
    expect((await stores.staging.readUnit(unit)).documents).toHaveLength(0);
    // Released at the end: the unit is free again at once.
    expect(await stores.leases.acquireLease(toWorkUnitKey(unit), 'worker-c', LEASE_MS, time.now())).toBeDefined();
  });

  it('keeps a second flush of one process off a unit the process is flushing, though the lease owner is the same', async () => {
    const { stores, unit } = await stagedUnit('same-process');
    const time = clock('2024-05-01T11:00:00.000Z');
    const stall = stalled(fhir);
    const inFlight = new Set<string>();
    const watched = watchedLeases(stores.leases);

    const first = flushWorkUnit(unit, workerDeps(stores, 'process-1', stall.store, time, watched.leases, inFlight));
    await stall.reached;
    const requests = fhir.requestCount();
    const second = await flushWorkUnit(unit, workerDeps(stores, 'process-1', fhir, time, stores.leases, inFlight));

    expect(second.status).toBe('busy');
    expect(fhir.requestCount() - requests).toBe(0);
    // A renewal after the second flush's turn: it would find the lease taken over had that flush taken it.
    expect(await watched.next()).toBe('renewed');
    stall.release();
    const done = await first;
    expect(done).toMatchObject({ status: 'flushed', leaseLost: false, created: 1 });
    expect(inFlight.size).toBe(0);
    // Done, the unit is the process's to flush again (there is nothing left in it).
    expect(
      await flushWorkUnit(unit, workerDeps(stores, 'process-1', fhir, time, stores.leases, inFlight)),
    ).toMatchObject({ status: 'empty' });
  });

  it('reports a lease taken over after its last write, which only the release at the end finds out', async () => {
    const { stores, unit } = await stagedUnit('taken-late');
    const time = clock('2024-05-01T11:00:00.000Z');
    let second: Promise<FlushUnitSummary> | undefined;
    // The worker stalls past its lease right after deleting what it flushed, and another takes the unit over.
    const staging: StagingStore = Object.assign(Object.create(stores.staging) as StagingStore, {
      async deleteDocuments(...args: Parameters<StagingStore['deleteDocuments']>) {
        const deleted = await stores.staging.deleteDocuments(...args);
        time.advance(6 * LEASE_MS);
        second = flushWorkUnit(unit, workerDeps(stores, 'worker-b', fhir, time));
        await second;
        return deleted;
      },
    });
    const deps = { ...workerDeps(stores, 'worker-a', fhir, time), staging, leaseRenewMs: 3_600_000 };

    const done = await flushWorkUnit(unit, deps);

    expect(await second).toMatchObject({ status: 'empty', leaseLost: false });
    expect(done).toMatchObject({ status: 'flushed', leaseLost: true, created: 1 });
  });

  it('writes nothing once its lease has run out and cannot be renewed, and fails, leaving the unit staged', async () => {
    const { stores, unit } = await stagedUnit('cannot-renew');
    const time = clock('2024-05-01T11:00:00.000Z');
    const stall = stalled(fhir);
    // Renewals fail (the lease store unreachable for this worker): it cannot tell whether the unit is still its own.
    const watched = watchedLeases(stores.leases, () => true);
    const writes = countWrites(stall.store);

    const first = flushWorkUnit(unit, workerDeps(stores, 'worker-a', writes.store, time, watched.leases));
    await stall.reached;
    expect(await watched.nextFailure()).toBe('failed');
    time.advance(6 * LEASE_MS);
    stall.release();
    const error = await first.catch((e: unknown) => e);

    expect(error).toMatchObject({ message: 'lease store unavailable' });
    // The Device (identity resolution) is not the unit's own data; no Observation was written.
    expect(writes.observations()).toBe(0);
    expect((await stores.staging.readUnit(unit)).documents).toHaveLength(1);
    expect(await stores.deadLetters.listDeadLetters({ maxItems: 10 })).toMatchObject({ items: [] });
  });

  it('renews a lease running short before a write, and writes nothing more than the renewal', async () => {
    const { stores, unit } = await stagedUnit('short-lease');
    const time = clock('2024-05-01T11:00:00.000Z');
    const stall = stalled(fhir);
    const renewals: string[] = [];
    const leases: LeaseStore = {
      acquireLease: (...args) => stores.leases.acquireLease(...args),
      releaseLease: (...args) => stores.leases.releaseLease(...args),
      renewLease: (...args) => {
        renewals.push(args[2].toISOString());
        return stores.leases.renewLease(...args);
      },
    };
    // No background renewal in this test: only the ones a write asks for.
    const deps = { ...workerDeps(stores, 'worker-a', stall.store, time, leases), leaseRenewMs: 3_600_000 };

    const first = flushWorkUnit(unit, deps);
    await stall.reached;
    // Within its lease (10 s) but inside the write margin (half of it): renewed before the Observation is written.
    time.advance(LEASE_MS - 1_000);
    stall.release();
    const done = await first;

    expect(done).toMatchObject({ status: 'flushed', leaseLost: false, created: 1 });
    // Once, at the Observation's PUT; the dead letters (none) and the deletes then had the renewed lease's margin.
    expect(renewals).toEqual(['2024-05-01T11:00:09.000Z']);
  });

  it('sends no write after a renewal so slow that the lease still has less than the write margin left', async () => {
    const { stores, unit } = await stagedUnit('slow-renewal');
    const time = clock('2024-05-01T11:00:00.000Z');
    const stall = stalled(fhir);
    // Each renewal's answer comes 6 s after it was sent (Cosmos DB throttled): the renewed lease, 10 s from the
    // sending, has 4 s left when the answer comes, less than the 5-second margin.
    const leases: LeaseStore = {
      acquireLease: (...args) => stores.leases.acquireLease(...args),
      releaseLease: (...args) => stores.leases.releaseLease(...args),
      renewLease: async (...args) => {
        const renewed = await stores.leases.renewLease(...args);
        time.advance(6_000);
        return renewed;
      },
    };
    const writes = countWrites(stall.store);
    const deps = { ...workerDeps(stores, 'worker-a', writes.store, time, leases), leaseRenewMs: 3_600_000 };

    const first = flushWorkUnit(unit, deps).catch((e: unknown) => e);
    await stall.reached;
    time.advance(LEASE_MS - 1_000);
    stall.release();

    expect(await first).toMatchObject({ name: 'LeaseShortError', retriable: true });
    expect(writes.observations()).toBe(0);
    expect((await stores.staging.readUnit(unit)).documents).toHaveLength(1);
  });

  it('renews nothing for writes sent while the lease has more than the write margin left', async () => {
    const { stores, unit } = await stagedUnit('long-lease');
    const time = clock('2024-05-01T11:00:00.000Z');
    let renewals = 0;
    const leases: LeaseStore = {
      acquireLease: (...args) => stores.leases.acquireLease(...args),
      releaseLease: (...args) => stores.leases.releaseLease(...args),
      renewLease: (...args) => {
        renewals += 1;
        return stores.leases.renewLease(...args);
      },
    };
    const deps = { ...workerDeps(stores, 'worker-a', fhir, time, leases), leaseRenewMs: 3_600_000 };

    expect(await flushWorkUnit(unit, deps)).toMatchObject({ status: 'flushed', created: 1 });
    expect(renewals).toBe(0);
  });

  it('stops at its next write once a renewal finds its lease taken over, leaving the unit to the other worker', async () => {
    const { stores, unit } = await stagedUnit('taken');
    const time = clock('2024-05-01T11:00:00.000Z');
    const stall = stalled(fhir);
    let cosmosDown = true;
    const watched = watchedLeases(stores.leases, () => cosmosDown);
    const writes = countWrites(stall.store);

    const first = flushWorkUnit(unit, workerDeps(stores, 'worker-a', writes.store, time, watched.leases));
    await stall.reached;
    expect(await watched.nextFailure()).toBe('failed');
    time.advance(6 * LEASE_MS);
    const second = await flushWorkUnit(unit, workerDeps(stores, 'worker-b', fhir, time));
    cosmosDown = false;
    // Failed renewals were retried at every tick; the first one that reaches the store finds the unit taken over.
    let outcome = await watched.next();
    while (outcome === 'failed') {
      outcome = await watched.next();
    }
    expect(outcome).toBe('lost');
    stall.release();
    const done = await first;

    expect(second.status).toBe('flushed');
    // Its merge found what the other worker wrote (a no-op); it stopped at the deletes.
    expect(done).toMatchObject({ status: 'leaseLost', leaseLost: true, created: 0, updated: 0 });
    expect(writes.observations()).toBe(0);
    const observations = await observationsOfDevice(fhir, toCreatedDeviceId('taken'));
    expect(observations).toHaveLength(1);
    expect(observations[0]?.valueSampledData?.data?.split(' ').slice(0, 3)).toEqual(['70', '71', '72']);
  });
});

describe('flushWorkUnit, a Device created by a worker stalled past its lease', () => {
  it('is not written over the Device the worker that took the unit over created and an operator changed since', async () => {
    const { stores, unit } = await stagedUnit('relink');
    const time = clock('2024-05-01T11:00:00.000Z');
    // Worker A finds no Device and stalls before creating it; its lease store is unreachable meanwhile.
    const stall = stalledBeforeDeviceCreate(fhir);
    const stallingA = stall.store;
    const watched = watchedLeases(stores.leases, stall.held);
    const a = flushWorkUnit(unit, workerDeps(stores, 'worker-a', stallingA, time, watched.leases));
    await stall.reached;
    expect(await watched.nextFailure()).toBe('failed');

    // Past A's lease, B takes the unit over: it creates the Device, linked to the message's patient, and flushes.
    time.advance(6 * LEASE_MS);
    expect((await flushWorkUnit(unit, workerDeps(stores, 'worker-b', fhir, time))).status).toBe('flushed');
    // An operator moves the device to another patient.
    const deviceId = toCreatedDeviceId('relink');
    const device = await fhir.read<Device>('Device', deviceId);
    await fhir.update({ resourceType: 'Patient', id: 'relink-other' });
    await fhir.update<Device & { id: string }>(
      { ...device, resourceType: 'Device', id: deviceId, patient: { reference: 'Patient/relink-other' } },
      { ifMatchVersionId: device?.meta?.versionId ?? '' },
    );
    stall.release();

    expect(await a).toMatchObject({ status: 'leaseLost', leaseLost: true });
    expect((await fhir.read<Device>('Device', deviceId))?.patient?.reference).toBe('Patient/relink-other');
  });
});

describe('flushWorkUnit sharing an identity resolution with a flush whose lease fails it', () => {
  /**
   * Two units of one device (two partitions), to be flushed in one process with one Create identity resolver, whose
   * resolution stalls after finding no Device, before creating it.
   */
  async function twoUnitsOfOneDevice(device: string): Promise<{
    stores: CosmosStores;
    unitX: WorkUnit;
    unitY: WorkUnit;
    stall: ReturnType<typeof stalledBeforeDeviceCreate>;
    withIdentity: (deps: FlushDeps) => FlushDeps;
    /** Resolves once both flushes have asked the resolver for the identity. */
    bothResolving: Promise<void>;
  }> {
    databases += 1;
    const stores = await openCosmosStores({
      connection: { endpoint: cosmos.endpoint, key: cosmos.key },
      names: { database: `flush${databases}` },
    });
    opened.push(stores);
    const extra = { patientId: `p-${device}` };
    await stores.staging.stageBatch('0', { first: 1, last: 1 }, [
      heartRate(device, '2024-05-01T10:00:00.000Z', '70', extra),
    ]);
    await stores.staging.stageBatch('1', { first: 1, last: 1 }, [
      heartRate(device, '2024-05-01T10:00:05.000Z', '80', extra),
    ]);
    const [unitX, unitY] = await stores.staging.listClosedUnits(new Date('2100-01-01T00:00:00.000Z'), 0);
    if (unitX === undefined || unitY === undefined) {
      throw new Error('expected two staged units');
    }
    const stall = stalledBeforeDeviceCreate(fhir);
    let calls = 0;
    const both = signal();
    const counted = (resolver: IdentityResolver): IdentityResolver => ({
      resolve: (key) => {
        calls += 1;
        if (calls === 2) {
          both.fire();
        }
        return resolver.resolve(key);
      },
      fenced: (beforeWrite) => counted(resolver.fenced?.(beforeWrite) ?? resolver),
    });
    const identity = counted(createIdentityResolver(stall.store, { resolutionType: 'Create' }));
    const withIdentity = (deps: FlushDeps): FlushDeps => ({
      ...deps,
      transformDeps: async () => ({ ...(await deps.transformDeps()), identity }),
    });
    return { stores, unitX, unitY, stall, withIdentity, bothResolving: both.fired };
  }

  it('fails its attempt (retriably, its data staged) when the other lost its lease, not calling its own lost', async () => {
    const { stores, unitX, unitY, stall, withIdentity, bothResolving } = await twoUnitsOfOneDevice('shared-lost');
    const time = clock('2024-05-01T11:00:00.000Z');
    // X's lease store is unreachable while the resolution stalls.
    const watched = watchedLeases(stores.leases, stall.held);
    const inFlight = new Set<string>();
    const x = flushWorkUnit(unitX, withIdentity(workerDeps(stores, 'process-1', fhir, time, watched.leases, inFlight)));
    await stall.reached;
    const y = flushWorkUnit(
      unitY,
      withIdentity(workerDeps(stores, 'process-1', fhir, time, stores.leases, inFlight)),
    ).catch((e: unknown) => e);
    await bothResolving;
    expect(await watched.nextFailure()).toBe('failed');
    // Past the leases: another process takes X's unit over and flushes it.
    time.advance(6 * LEASE_MS);
    expect((await flushWorkUnit(unitX, workerDeps(stores, 'process-2', fhir, time))).status).toBe('flushed');
    stall.release();

    expect(await x).toMatchObject({ status: 'leaseLost' });
    expect(await y).toMatchObject({ name: 'SharedResolutionStoppedError', retriable: true });
    expect((await stores.staging.readUnit(unitY)).documents).toHaveLength(1);
    // Its next attempt flushes it.
    expect(await flushWorkUnit(unitY, workerDeps(stores, 'process-1', fhir, time))).toMatchObject({
      status: 'flushed',
    });
  });

  it("fails its attempt as stopped by the other flush when the other one's renewal left its lease too short", async () => {
    const { stores, unitX, unitY, stall, withIdentity, bothResolving } = await twoUnitsOfOneDevice('shared-short');
    const time = clock('2024-05-01T11:00:00.000Z');
    // X's renewals answer 6 s after they were sent: its renewed lease (10 s) has 4 s left, less than the 5-second margin.
    const slowLeases: LeaseStore = {
      acquireLease: (...args) => stores.leases.acquireLease(...args),
      releaseLease: (...args) => stores.leases.releaseLease(...args),
      renewLease: async (...args) => {
        const renewed = await stores.leases.renewLease(...args);
        time.advance(6_000);
        return renewed;
      },
    };
    const inFlight = new Set<string>();
    const quiet = { leaseRenewMs: 3_600_000 };
    const x = flushWorkUnit(unitX, {
      ...withIdentity(workerDeps(stores, 'process-1', fhir, time, slowLeases, inFlight)),
      ...quiet,
    }).catch((e: unknown) => e);
    await stall.reached;
    const y = flushWorkUnit(unitY, {
      ...withIdentity(workerDeps(stores, 'process-1', fhir, time, stores.leases, inFlight)),
      ...quiet,
    }).catch((e: unknown) => e);
    await bothResolving;
    time.advance(LEASE_MS - 1_000);
    stall.release();

    expect(await x).toMatchObject({ name: 'LeaseShortError', retriable: true });
    expect(await y).toMatchObject({ name: 'SharedResolutionStoppedError', retriable: true });
  });
});

describe('flushWorkUnit failing part-way', () => {
  it('tells what it grouped and sent before a service failure, in the summary given to onFailure', async () => {
    const { stores, unit } = await stagedUnit('fails-late');
    const time = clock('2024-05-01T12:00:00.000Z');
    // The Observation search fails for good after the identity was resolved (the Device created, with Create).
    const failing: FhirStore = {
      ...fhir,
      search: (resourceType, query) =>
        resourceType === 'Observation'
          ? Promise.reject(new MedTechError('FhirServiceError', 'Persist', 'unavailable', { retriable: true }))
          : fhir.search(resourceType, query),
    };
    const summaries: FlushUnitSummary[] = [];
    const deps = { ...workerDeps(stores, 'w1', failing, time), onFailure: (s: FlushUnitSummary) => summaries.push(s) };

    const error = await flushWorkUnit(unit, deps).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'FhirServiceError' });
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ status: 'failed', measurements: 3, groups: 1, created: 0 });
    // Patient and Device looked up and created: requests the failed attempt made.
    expect(summaries[0]?.fhirRequests).toBeGreaterThan(0);
    expect((await stores.staging.readUnit(unit)).documents).toHaveLength(1);
  });
});

describe('flushWorkUnit ingestion latency', () => {
  it('reports now minus the oldest ingestion time of a live unit, and 0 for a replay unit', async () => {
    const time = clock('2024-05-01T11:00:00.000Z');
    const live = await stagedUnit('latency-live');
    const replay = await stagedUnit('latency-replay', undefined, `${REPLAY_SHARD_PREFIX}g3`);

    const liveSummary = await flushWorkUnit(live.unit, workerDeps(live.stores, 'worker-a', fhir, time));
    const replaySummary = await flushWorkUnit(replay.unit, workerDeps(replay.stores, 'worker-a', fhir, time));

    // The oldest of the three measurements was ingested at 10:00:00.
    expect(liveSummary).toMatchObject({ status: 'flushed', measurements: 3, maxIngestionLatencyMs: 3_600_000 });
    expect(replaySummary).toMatchObject({ status: 'flushed', measurements: 3, maxIngestionLatencyMs: 0 });
  });
});

describe('flushWorkUnit dead letters', () => {
  it('records the FHIR template kind a group failed in, and none for a type without a template', async () => {
    const time = '2024-05-01T10:00:00.000Z';
    const warm: Measurement = {
      type: 'temperature',
      occurrenceTimeUtc: time,
      ingestionTimeUtc: time,
      deviceId: 'dl-dev',
      patientId: 'dl-pat',
      properties: [{ name: 't', value: 'warm' }],
    };
    const unknown: Measurement = { ...warm, type: 'mood', properties: [{ name: 'm', value: 'fine' }] };
    const { stores, unit } = await stagedUnit('dl', [warm, unknown]);

    const summary = await flushWorkUnit(unit, workerDeps(stores, 'worker-a', fhir, clock(time)));
    const { items } = await stores.deadLetters.listDeadLetters({ maxItems: 10 });

    expect(summary).toMatchObject({ status: 'flushed', deadLettered: 2 });
    expect(items.map((d) => [d.errorName, d.templateType]).sort()).toEqual([
      ['InvalidQuantityFhirValue', 'CodeValueFhir'],
      ['TemplateNotFound', undefined],
    ]);
  });
});

describe('flushWorkUnit dead letters after a crash', () => {
  const time = '2024-05-01T10:00:00.000Z';
  const reading = (type: string, at: string): Measurement => ({
    type,
    occurrenceTimeUtc: at,
    ingestionTimeUtc: time,
    deviceId: `crash-${type}`,
    patientId: 'crash-pat',
    // `t` is the temperature template's value: 'warm' is no Quantity.
    properties: [{ name: 't', value: 'warm' }],
  });

  it.each([
    // A Quantity Observation per time: one dead letter per Observation.
    ['a group failing per Observation', 'temperature', 2],
    // No FHIR template for the type: one dead letter for the whole group.
    ['a group failing as a whole', 'mood', 1],
  ])(
    'writes each dead letter once for %s whose flush died before deleting and that a redelivery staged again',
    async (_label, type, records) => {
      const batch = [reading(type, '2024-05-01T10:00:00.000Z'), reading(type, '2024-05-01T10:00:05.000Z')];
      const { stores, unit } = await stagedUnit(`crash-${type}`, batch);
      // The worker dies after writing its dead letters and before deleting what it read (a fault of the process).
      const dying: StagingStore = Object.assign(Object.create(stores.staging) as StagingStore, {
        deleteDocuments: () => Promise.reject(new Error('process died')),
      });
      const deps = workerDeps(stores, 'worker-a', fhir, clock(time));
      await expect(flushWorkUnit(unit, { ...deps, staging: dying })).rejects.toThrow('process died');
      const before = (await stores.deadLetters.listDeadLetters({ maxItems: 10 })).items;
      // Event Hubs delivers the batch again, with other boundaries: the same measurements, staged once more.
      await stores.staging.stageBatch('0', { first: 1, last: 2 }, [...batch].reverse());

      const retry = await flushWorkUnit(unit, deps);
      const after = (await stores.deadLetters.listDeadLetters({ maxItems: 10 })).items;

      expect(retry).toMatchObject({ status: 'flushed', deadLettered: records });
      expect(after.map((d) => d.id).sort()).toEqual(before.map((d) => d.id).sort());
      const held = after.flatMap((d) => (d.subject.kind === 'measurements' ? d.subject.measurements : []));
      expect(held).toHaveLength(batch.length);
      expect((await stores.staging.readUnit(unit)).documents).toHaveLength(0);
    },
  );
});

describe('flushWorkUnit, two units creating the same Observation at once', () => {
  it('keeps the values of the worker whose create was replaced, when the replacing worker fails before restoring them', async () => {
    databases += 1;
    const stores = await openCosmosStores({
      connection: { endpoint: cosmos.endpoint, key: cosmos.key },
      names: { database: `flush${databases}` },
    });
    opened.push(stores);
    // One device, one hour, two Event Hubs partitions: two work units that write the same hour Observation.
    const extra = { patientId: 'p-race' };
    await stores.staging.stageBatch('0', { first: 1, last: 1 }, [
      heartRate('race', '2024-05-01T10:00:00.000Z', '70', extra),
    ]);
    await stores.staging.stageBatch('1', { first: 1, last: 1 }, [
      heartRate('race', '2024-05-01T10:00:05.000Z', '80', extra),
    ]);
    const [unitA, unitB] = await stores.staging.listClosedUnits(new Date('2100-01-01T00:00:00.000Z'), 0);
    if (unitA === undefined || unitB === undefined) {
      throw new Error('expected two staged units');
    }
    const time = clock('2024-05-01T11:00:00.000Z');

    // Both workers find no Observation; A's PUT creates it, then B's PUT replaces it (200, not 201) and B fails
    // before it can put A's value back (its history read meets an outage; a crash there does the same).
    const isCreate = (resource: { resourceType: string }, options?: { ifMatchVersionId?: string }): boolean =>
      resource.resourceType === 'Observation' && options?.ifMatchVersionId === undefined;
    const atPutB = signal();
    const putA = signal();
    const storeA: FhirStore = {
      ...fhir,
      async update(resource, options) {
        if (!isCreate(resource, options)) {
          return fhir.update(resource, options);
        }
        await atPutB.fired;
        const saved = await fhir.update(resource, options);
        putA.fire();
        return saved;
      },
    };
    const storeB: FhirStore = {
      ...fhir,
      async update(resource, options) {
        if (isCreate(resource, options)) {
          atPutB.fire();
          await putA.fired;
        }
        return fhir.update(resource, options);
      },
      history: () =>
        Promise.reject(new MedTechError('FhirServiceError', 'Persist', 'FHIR unavailable', { retriable: true })),
    };

    const [a, b] = await Promise.allSettled([
      flushWorkUnit(unitA, workerDeps(stores, 'worker-a', storeA, time)),
      flushWorkUnit(unitB, workerDeps(stores, 'worker-b', storeB, time)),
    ]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { status: 'flushed' } });
    expect(b).toMatchObject({ status: 'rejected', reason: { name: 'FhirServiceError' } });
    // A's data is gone from staging: from now on it exists only in FHIR.
    expect((await stores.staging.readUnit(unitA)).documents).toHaveLength(0);

    // B's unit stays staged and is flushed again once FHIR is back.
    const rerun = await flushWorkUnit(unitB, workerDeps(stores, 'worker-b', fhir, time));

    expect(rerun.status).toBe('flushed');
    const observations = await observationsOfDevice(fhir, toCreatedDeviceId('race'));
    expect(observations).toHaveLength(1);
    expect(sampledValues(observations[0])).toEqual({
      '2024-05-01T10:00:00.000Z': '70',
      '2024-05-01T10:00:05.000Z': '80',
    });
  });
});

describe('flushWorkUnit, measurements of one time ingested at the same instant', () => {
  /** Flushes the batches, staged on partition 0 in a fresh database, and returns the value written at 10:00:00. */
  async function flushedValue(
    device: string,
    batches: { first: number; last: number; hr: string[] }[],
  ): Promise<string> {
    databases += 1;
    const stores = await openCosmosStores({
      connection: { endpoint: cosmos.endpoint, key: cosmos.key },
      names: { database: `flush${databases}` },
    });
    opened.push(stores);
    // A device sent two readings for the same time in one Event Hubs send: they share the enqueued time.
    const reading = (hr: string): Measurement =>
      heartRate(device, '2024-05-01T10:00:00.000Z', hr, {
        patientId: `p-${device}`,
        ingestionTimeUtc: '2024-05-01T10:00:01.000Z',
      });
    for (const { first, last, hr } of batches) {
      await stores.staging.stageBatch('0', { first, last }, hr.map(reading));
    }
    const [unit] = await stores.staging.listClosedUnits(new Date('2100-01-01T00:00:00.000Z'), 0);
    if (unit === undefined) {
      throw new Error('nothing was staged');
    }
    const summary = await flushWorkUnit(unit, workerDeps(stores, 'worker-a', fhir, clock('2024-05-01T11:00:00.000Z')));
    expect(summary.status).toBe('flushed');
    const [observation] = await observationsOfDevice(fhir, toCreatedDeviceId(device));
    return sampledValues(observation)['2024-05-01T10:00:00.000Z'] ?? '';
  }

  it('keeps the one ingested first (lowest sequence number), whatever the trigger batch boundaries were', async () => {
    // Events 9 (70) and 10 (75); the first delivery cut its batches between them, a redelivery may not.
    const split = await flushedValue('tie-split', [
      { first: 5, last: 9, hr: ['70'] },
      { first: 10, last: 14, hr: ['75'] },
    ]);
    const whole = await flushedValue('tie-whole', [{ first: 5, last: 14, hr: ['70', '75'] }]);

    expect({ split, whole }).toEqual({ split: '70', whole: '70' });
  });
});
