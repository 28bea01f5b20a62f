import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device, Patient } from '@medplum/fhirtypes';
import { createFhirStore } from '../../shared/adapters/fhir/createFhirStore.js';
import { toCreatedDeviceId, toCreatedPatientId } from '../../shared/core/fhir/index.js';
import { startFhirServer } from '../../shared/local/fhirServer.js';
import type { FhirServer } from '../../shared/local/fhirServer.js';
import type { FhirStore } from '../../shared/pipeline/ports.js';
import {
  createIdentityResolver,
  escapeSearchValue,
  resolveIdentity,
  toCacheKey,
} from '../../shared/pipeline/resolveIdentity.js';
import { cutShortSearches, seedDeviceWithPatient, versionedUpdateStore } from './fixtures.js';

let server: FhirServer;
let store: FhirStore;

beforeAll(async () => {
  server = await startFhirServer({ port: 0 });
  store = createFhirStore({ baseUrl: server.url });
});

afterAll(async () => {
  await server.close();
});

const lookup = { resolutionType: 'Lookup' } as const;
const create = { resolutionType: 'Create' } as const;

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('resolveIdentity with Lookup', () => {
  it('finds the Device by identifier and takes the Patient from Device.patient, ignoring the message patient id', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'lk-dev', identifier: 'lookup-hit', patientId: 'lk-pat' });

    const identity = await resolveIdentity(store, { deviceId: 'lookup-hit', type: 'hr', patientId: 'other' }, lookup);

    expect(identity).toEqual({ deviceId: 'lk-dev', patientId: 'lk-pat' });
  });

  it('searches with the default device identifier system when one is configured', async () => {
    await seedDeviceWithPatient(store, {
      deviceId: 'sys-a',
      identifier: 'with-system',
      system: 'urn:a',
      patientId: 'p-a',
    });
    await seedDeviceWithPatient(store, {
      deviceId: 'sys-b',
      identifier: 'with-system',
      system: 'urn:b',
      patientId: 'p-b',
    });

    const identity = await resolveIdentity(
      store,
      { deviceId: 'with-system', type: 'hr' },
      { resolutionType: 'Lookup', defaultDeviceIdentifierSystem: 'urn:b' },
    );

    expect(identity).toEqual({ deviceId: 'sys-b', patientId: 'p-b' });
  });

  it('fails with DeviceNotFound when no Device has the identifier', async () => {
    const error = await errorOf(resolveIdentity(store, { deviceId: 'lookup-miss', type: 'hr' }, lookup));

    expect(error).toMatchObject({ name: 'DeviceNotFound', stage: 'FHIRConversion', retriable: false });
    expect((error as Error).message).not.toContain('lookup-miss');
  });

  it('fails with MultipleResourceFound when two Devices have the identifier', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'multi-1', identifier: 'lookup-multiple', patientId: 'p1' });
    await seedDeviceWithPatient(store, { deviceId: 'multi-2', identifier: 'lookup-multiple', patientId: 'p1' });

    const error = await errorOf(resolveIdentity(store, { deviceId: 'lookup-multiple', type: 'hr' }, lookup));

    expect(error).toMatchObject({ name: 'MultipleResourceFound', retriable: false });
  });

  it('takes a Device whose identifier differs only in case, as MedTech took what such a server returns', async () => {
    // Medplum compares identifier tokens case-insensitively (Azure's FHIR service on SQL, exactly).
    await seedDeviceWithPatient(store, { deviceId: 'case-upper', identifier: 'CASE-DEVICE', patientId: 'p1' });
    const returned = await store.search<Device>('Device', { identifier: 'case-device' });

    const identity = await resolveIdentity(store, { deviceId: 'case-device', type: 'hr' }, lookup);

    expect(returned.map((d) => d.id)).toEqual(['case-upper']);
    expect(identity).toEqual({ deviceId: 'case-upper', patientId: 'p1' });
  });

  it('prefers the exact identifier to its case variants, and refuses two case variants without one', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'variant-upper', identifier: 'VARIANT-DEVICE', patientId: 'p1' });
    await seedDeviceWithPatient(store, { deviceId: 'variant-exact', identifier: 'variant-device', patientId: 'p2' });
    await seedDeviceWithPatient(store, { deviceId: 'variant-mixed', identifier: 'Variant-Device', patientId: 'p1' });

    const exact = await resolveIdentity(store, { deviceId: 'variant-device', type: 'hr' }, lookup);
    const error = await errorOf(resolveIdentity(store, { deviceId: 'VARIANT-device', type: 'hr' }, lookup));

    expect(exact).toEqual({ deviceId: 'variant-exact', patientId: 'p2' });
    expect(error).toMatchObject({ name: 'MultipleResourceFound' });
  });

  it('fails with PatientNotFound when the Device has no Patient reference', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'no-patient', identifier: 'lookup-no-patient' });

    const error = await errorOf(resolveIdentity(store, { deviceId: 'lookup-no-patient', type: 'hr' }, lookup));

    expect(error).toMatchObject({ name: 'PatientNotFound' });
  });

  it('resolves the Encounter by identifier when the measurements carry an encounter id', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'enc-dev', identifier: 'lookup-encounter', patientId: 'p1' });
    await store.update({
      resourceType: 'Encounter',
      id: 'enc-1',
      status: 'in-progress',
      class: { code: 'IMP' },
      identifier: [{ value: 'visit-1' }],
    });

    const identity = await resolveIdentity(
      store,
      { deviceId: 'lookup-encounter', type: 'hr', encounterId: 'visit-1' },
      lookup,
    );
    const missing = await errorOf(
      resolveIdentity(store, { deviceId: 'lookup-encounter', type: 'hr', encounterId: 'visit-unknown' }, lookup),
    );

    expect(identity).toEqual({ deviceId: 'enc-dev', patientId: 'p1', encounterId: 'enc-1' });
    expect(missing).toMatchObject({ name: 'EncounterNotFound' });
  });

  it('refuses an answer cut short before an exact match rather than calling the Device missing or taking a variant', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'cut-exact', identifier: 'cut-short-exact', patientId: 'p1' });
    await seedDeviceWithPatient(store, { deviceId: 'cut-upper', identifier: 'CUT-SHORT-VARIANT', patientId: 'p1' });
    const cut = cutShortSearches(store);

    const exact = await resolveIdentity(cut, { deviceId: 'cut-short-exact', type: 'hr' }, lookup);
    const missing = await errorOf(resolveIdentity(cut, { deviceId: 'cut-short-missing', type: 'hr' }, lookup));
    const variant = await errorOf(resolveIdentity(cut, { deviceId: 'cut-short-variant', type: 'hr' }, lookup));

    // A later page may hold the Device: neither DeviceNotFound nor the case variant.
    expect(exact).toEqual({ deviceId: 'cut-exact', patientId: 'p1' });
    for (const error of [missing, variant]) {
      expect(error).toMatchObject({ name: 'MultipleResourceFound', stage: 'FHIRConversion', retriable: false });
      expect((error as Error).message).not.toContain('cut-short');
    }
  });
});

describe('resolveIdentity with LookupWithEncounter', () => {
  it('requires an encounter id', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'lwe-dev', identifier: 'lwe-device', patientId: 'p1' });
    await store.update({
      resourceType: 'Encounter',
      id: 'lwe-enc',
      status: 'in-progress',
      class: { code: 'IMP' },
      identifier: [{ value: 'lwe-visit' }],
    });
    const settings = { resolutionType: 'LookupWithEncounter' } as const;

    const error = await errorOf(resolveIdentity(store, { deviceId: 'lwe-device', type: 'hr' }, settings));
    const identity = await resolveIdentity(
      store,
      { deviceId: 'lwe-device', type: 'hr', encounterId: 'lwe-visit' },
      settings,
    );

    expect(error).toMatchObject({ name: 'ResourceIdentityNotDefined' });
    expect(identity).toEqual({ deviceId: 'lwe-dev', patientId: 'p1', encounterId: 'lwe-enc' });
  });
});

describe('resolveIdentity with Create', () => {
  it('creates the Patient and the Device at their deterministic ids when neither exists', async () => {
    const identity = await resolveIdentity(
      store,
      { deviceId: 'create-new-device', type: 'hr', patientId: 'create-new-patient' },
      { resolutionType: 'Create', defaultDeviceIdentifierSystem: 'urn:devices' },
    );

    const patient = await store.read<Patient>('Patient', toCreatedPatientId('create-new-patient'));
    const device = await store.read<Device>('Device', toCreatedDeviceId('create-new-device', 'urn:devices'));
    expect(identity).toEqual({ patientId: patient?.id, deviceId: device?.id });
    expect(patient?.identifier).toEqual([{ value: 'create-new-patient' }]);
    expect(device?.identifier).toEqual([{ system: 'urn:devices', value: 'create-new-device' }]);
    expect(device?.patient).toEqual({ reference: `Patient/${patient?.id}` });
  });

  it('creates nothing when the Device search was cut short before an exact match: a later page may hold it', async () => {
    const error = await errorOf(
      resolveIdentity(
        cutShortSearches(store),
        { deviceId: 'create-cut-short', type: 'hr', patientId: 'create-cut-short-patient' },
        create,
      ),
    );

    expect(error).toMatchObject({ name: 'MultipleResourceFound', retriable: false });
    expect(await store.read('Device', toCreatedDeviceId('create-cut-short', undefined))).toBeUndefined();
    expect(await store.read('Patient', toCreatedPatientId('create-cut-short-patient'))).toBeUndefined();
  });

  it('links a new Device to the Patient that already has the identifier', async () => {
    await store.update({
      resourceType: 'Patient',
      id: 'existing-patient',
      identifier: [{ value: 'create-known-patient' }],
    });

    const identity = await resolveIdentity(
      store,
      { deviceId: 'create-dev-2', type: 'hr', patientId: 'create-known-patient' },
      create,
    );

    const device = await store.read<Device>('Device', toCreatedDeviceId('create-dev-2'));
    expect(identity).toEqual({ patientId: 'existing-patient', deviceId: device?.id });
    expect(device?.patient?.reference).toBe('Patient/existing-patient');
    expect(await store.read('Patient', toCreatedPatientId('create-known-patient'))).toBeUndefined();
  });

  it('uses an existing Device and its Patient without creating anything', async () => {
    await seedDeviceWithPatient(store, {
      deviceId: 'known-dev',
      identifier: 'create-known-device',
      patientId: 'known-pat',
    });
    const before = store.requestCount();

    const identity = await resolveIdentity(
      store,
      { deviceId: 'create-known-device', type: 'hr', patientId: 'someone' },
      create,
    );

    expect(identity).toEqual({ deviceId: 'known-dev', patientId: 'known-pat' });
    expect(store.requestCount() - before).toBe(1);
  });

  it('gives an existing Device without a Patient the Patient of the measurements', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'orphan-dev', identifier: 'create-orphan' });

    const identity = await resolveIdentity(
      store,
      { deviceId: 'create-orphan', type: 'hr', patientId: 'orphan-owner' },
      create,
    );

    const device = await store.read<Device>('Device', 'orphan-dev');
    expect(identity).toEqual({ deviceId: 'orphan-dev', patientId: toCreatedPatientId('orphan-owner') });
    expect(device?.patient?.reference).toBe(`Patient/${toCreatedPatientId('orphan-owner')}`);
  });

  it('fails with ResourceIdentityNotDefined when the Device is unknown and there is no patient id', async () => {
    const error = await errorOf(resolveIdentity(store, { deviceId: 'create-no-patient-id', type: 'hr' }, create));

    expect(error).toMatchObject({ name: 'ResourceIdentityNotDefined', retriable: false });
    expect(await store.search('Device', { identifier: 'create-no-patient-id' })).toEqual([]);
  });

  it('fails with PatientDeviceMismatch when the Device refers to a Patient other than the one found', async () => {
    await store.update({
      resourceType: 'Device',
      id: 'mismatch-dev',
      identifier: [{ value: 'create-mismatch' }],
      patient: { identifier: { value: 'some-other-patient' } },
    });

    const error = await errorOf(
      resolveIdentity(store, { deviceId: 'create-mismatch', type: 'hr', patientId: 'mismatch-owner' }, create),
    );

    expect(error).toMatchObject({ name: 'PatientDeviceMismatch', retriable: false });
    expect((await store.read<Device>('Device', 'mismatch-dev'))?.patient).toEqual({
      identifier: { value: 'some-other-patient' },
    });
  });

  /**
   * The store, but another writer changes the Device (its `manufacturer`) just before each of the first `times`
   * guarded updates of it, so those find a newer version on the server.
   */
  function racedOnDevice(deviceId: string, times: number): FhirStore {
    let raced = 0;
    return {
      search: (type, query) => store.search(type, query),
      read: (type, id) => store.read(type, id),
      history: (type, id) => store.history(type, id),
      requestCount: () => store.requestCount(),
      async update(resource, options) {
        if (
          resource.resourceType === 'Device' &&
          resource.id === deviceId &&
          options?.ifMatchVersionId &&
          raced < times
        ) {
          raced += 1;
          const current = await store.read<Device>('Device', deviceId);
          await store.update<Device>({ ...(current as Device & { id: string }), manufacturer: `writer ${raced}` });
        }
        return store.update(resource, options);
      },
    };
  }

  it('links a Device that another writer changes meanwhile on a new attempt, keeping that writer’s change', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'raced-orphan-dev', identifier: 'create-raced-orphan' });

    const identity = await resolveIdentity(
      racedOnDevice('raced-orphan-dev', 2),
      { deviceId: 'create-raced-orphan', type: 'hr', patientId: 'raced-owner' },
      create,
    );

    const device = await store.read<Device>('Device', 'raced-orphan-dev');
    expect(identity).toEqual({ deviceId: 'raced-orphan-dev', patientId: toCreatedPatientId('raced-owner') });
    expect(device?.patient?.reference).toBe(`Patient/${toCreatedPatientId('raced-owner')}`);
    expect(device?.manufacturer).toBe('writer 2');
  });

  it('gives up with a retriable FhirServiceError when the Device keeps changing under it', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'contended-dev', identifier: 'create-contended' });

    const error = await errorOf(
      resolveIdentity(
        racedOnDevice('contended-dev', 3),
        { deviceId: 'create-contended', type: 'hr', patientId: 'contended-owner' },
        create,
      ),
    );

    expect(error).toMatchObject({ name: 'FhirServiceError', stage: 'Persist', retriable: true });
    expect((await store.read<Device>('Device', 'contended-dev'))?.patient).toBeUndefined();
  });

  it('makes concurrent creators converge on a server that wants If-Match on updates, where the later PUTs are refused', async () => {
    const key = { deviceId: 'create-concurrent-versioned', type: 'hr', patientId: 'concurrent-versioned-owner' };
    const strict = versionedUpdateStore(store);

    const results = await Promise.all([1, 2, 3].map(() => resolveIdentity(strict, key, create)));

    expect(results).toEqual([results[0], results[0], results[0]]);
    expect(results[0]).toEqual({
      patientId: toCreatedPatientId('concurrent-versioned-owner'),
      deviceId: toCreatedDeviceId('create-concurrent-versioned', undefined),
    });
    expect(await store.search('Device', { identifier: 'create-concurrent-versioned' })).toHaveLength(1);
  });

  it('makes concurrent creators converge on one Patient and one Device', async () => {
    const key = { deviceId: 'create-concurrent', type: 'hr', patientId: 'concurrent-owner' };

    const [a, b] = await Promise.all([resolveIdentity(store, key, create), resolveIdentity(store, key, create)]);

    expect(a).toEqual(b);
    expect(await store.search('Device', { identifier: 'create-concurrent' })).toHaveLength(1);
    expect(await store.search('Patient', { identifier: 'concurrent-owner' })).toHaveLength(1);
  });
});

describe('createIdentityResolver', () => {
  it('answers a repeated resolution from its cache without FHIR requests', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'cached-dev', identifier: 'cache-hit', patientId: 'p1' });
    const resolver = createIdentityResolver(store);

    const first = await resolver.resolve({ deviceId: 'cache-hit', type: 'hr' });
    const before = store.requestCount();
    const second = await resolver.resolve({ deviceId: 'cache-hit', type: 'bp' });

    expect(second).toEqual(first);
    expect(store.requestCount()).toBe(before);
  });

  it('does not cache a failure', async () => {
    const resolver = createIdentityResolver(store);
    const key = { deviceId: 'cache-late-device', type: 'hr' };

    const error = await errorOf(resolver.resolve(key));
    await seedDeviceWithPatient(store, { deviceId: 'late-dev', identifier: 'cache-late-device', patientId: 'p1' });
    const identity = await resolver.resolve(key);

    expect(error).toMatchObject({ name: 'DeviceNotFound' });
    expect(identity).toEqual({ deviceId: 'late-dev', patientId: 'p1' });
  });

  it('resolves again once the sliding expiration has passed', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'expiring-dev', identifier: 'cache-expiry', patientId: 'p1' });
    let now = 0;
    const resolver = createIdentityResolver(store, { cacheSlidingExpirationMs: 1000, now: () => now });
    await resolver.resolve({ deviceId: 'cache-expiry', type: 'hr' });

    now = 999;
    const beforeHit = store.requestCount();
    await resolver.resolve({ deviceId: 'cache-expiry', type: 'hr' });
    const afterHit = store.requestCount();
    now = 1999;
    await resolver.resolve({ deviceId: 'cache-expiry', type: 'hr' });

    expect(afterHit).toBe(beforeHit);
    expect(store.requestCount()).toBe(afterHit + 1);
  });

  it('keys the cache by encounter id as well, so another encounter is resolved', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'enc-cache-dev', identifier: 'cache-encounter', patientId: 'p1' });
    await store.update({
      resourceType: 'Encounter',
      id: 'enc-a',
      status: 'in-progress',
      class: { code: 'IMP' },
      identifier: [{ value: 'cache-visit-a' }],
    });
    await store.update({
      resourceType: 'Encounter',
      id: 'enc-b',
      status: 'in-progress',
      class: { code: 'IMP' },
      identifier: [{ value: 'cache-visit-b' }],
    });
    const resolver = createIdentityResolver(store);

    const a = await resolver.resolve({ deviceId: 'cache-encounter', type: 'hr', encounterId: 'cache-visit-a' });
    const b = await resolver.resolve({ deviceId: 'cache-encounter', type: 'hr', encounterId: 'cache-visit-b' });

    expect([a.encounterId, b.encounterId]).toEqual(['enc-a', 'enc-b']);
  });

  it('shares one resolution between concurrent requests for the same key', async () => {
    await seedDeviceWithPatient(store, { deviceId: 'shared-dev', identifier: 'cache-shared', patientId: 'p1' });
    const resolver = createIdentityResolver(store);
    const before = store.requestCount();

    const results = await Promise.all([1, 2, 3].map(() => resolver.resolve({ deviceId: 'cache-shared', type: 'hr' })));

    expect(results).toEqual([results[0], results[0], results[0]]);
    expect(store.requestCount() - before).toBe(1);
  });
});

describe('createIdentityResolver with Create', () => {
  it.each([
    ['that lets a PUT replace a version', (inner: FhirStore) => inner],
    ['that wants If-Match on every update', versionedUpdateStore],
  ])(
    'resolves two patient ids of one new device in turn, the second finding the first one’s Device, on a server %s',
    async (_what, server) => {
      const deviceId = `handed-over-${server === versionedUpdateStore ? 'versioned' : 'plain'}`;
      const resolver = createIdentityResolver(server(store), create);

      const [alice, bob] = await Promise.all([
        resolver.resolve({ deviceId, type: 'hr', patientId: 'alice' }),
        resolver.resolve({ deviceId, type: 'hr', patientId: 'bob' }),
      ]);

      // As MedTech, which takes a device's groups one after the other: the Device and both answers agree.
      const device = await store.read<Device>('Device', toCreatedDeviceId(deviceId));
      expect(alice).toEqual({ patientId: toCreatedPatientId('alice'), deviceId: toCreatedDeviceId(deviceId) });
      expect(bob).toEqual(alice);
      expect(device?.patient?.reference).toBe(`Patient/${toCreatedPatientId('alice')}`);
    },
  );
});

describe('toCacheKey', () => {
  it('includes the patient id only for Create', () => {
    const a = { deviceId: 'd', type: 'hr', patientId: 'p1' };
    const b = { deviceId: 'd', type: 'hr', patientId: 'p2' };

    expect(toCacheKey(a, 'Lookup')).toBe(toCacheKey(b, 'Lookup'));
    expect(toCacheKey(a, 'Create')).not.toBe(toCacheKey(b, 'Create'));
  });

  it('cannot be confused by separators inside ids', () => {
    expect(toCacheKey({ deviceId: 'a|b', type: 'x' }, 'Lookup')).not.toBe(
      toCacheKey({ deviceId: 'a', type: 'x', encounterId: 'b' }, 'Lookup'),
    );
  });
});

describe('escapeSearchValue', () => {
  it('escapes the FHIR search special characters', () => {
    expect(escapeSearchValue('a,b|c$d\\e')).toBe('a\\,b\\|c\\$d\\\\e');
    expect(escapeSearchValue('plain-id.1')).toBe('plain-id.1');
  });
});
