/**
 * Ids with white space at an end, end to end (normalize → identity → Observation identifier → search → PUT), against
 * a fake of Azure's FHIR service that stores strings trimmed (Firely FhirJsonNode) and compares token search values
 * with SQL Server `=` (trailing spaces are padding): see trimmingAzureFhirServer.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device, Encounter, Observation, Patient } from '@medplum/fhirtypes';
import { createFhirStore } from '../../shared/adapters/fhir/createFhirStore.js';
import type { DeviceEvent } from '../../shared/core/deviceEvent.js';
import { normalizeEvent } from '../../shared/core/normalize/normalizeEvent.js';
import { groupMeasurements, OBSERVATION_IDENTIFIER_SYSTEM } from '../../shared/core/fhir/index.js';
import type { CodeValueFhirTemplate } from '../../shared/core/fhir/index.js';
import { persistObservation } from '../../shared/pipeline/persistObservation.js';
import type { FhirStore } from '../../shared/pipeline/ports.js';
import { createIdentityResolver, resolveIdentity } from '../../shared/pipeline/resolveIdentity.js';
import { MemoryFhirStore } from '../../shared/adapters/fhir/memoryFhirStore.js';
import { heartRate, heartRateTemplate, onlyObservationGroup, sampledValues } from '../pipeline/fixtures.js';
import { deviceMappingOf } from '../support/deviceMappings.js';
import { startAzureLikeFhirServer as start, type AzureLikeFhirServer } from '../support/azureLikeFhirServer.js';

let server: AzureLikeFhirServer;
let store: FhirStore;

beforeAll(async () => {
  server = await start();
  store = createFhirStore({ baseUrl: server.url, retry: { maxAttempts: 1 } });
});
afterAll(async () => {
  await server.close();
});

const mapping = deviceMappingOf([
  {
    templateType: 'JsonPathContent',
    template: {
      typeName: 'heartrate',
      typeMatchExpression: '$..[?(@hr)]',
      deviceIdExpression: '$.deviceId',
      patientIdExpression: '$.patientId',
      encounterIdExpression: '$.encounterId',
      timestampExpression: '$.time',
      values: [{ valueName: 'hr', valueExpression: '$.hr', required: true }],
    },
  },
]);

/** The group key the pipeline makes of a device message. */
function keyOf(body: Record<string, unknown>) {
  const event: DeviceEvent = {
    body: { kind: 'text', text: JSON.stringify({ time: '2024-05-01T10:00:00Z', hr: 70, ...body }) },
    properties: {},
    systemProperties: {},
    enqueuedTimeUtc: '2024-05-01T10:00:00Z',
  };
  const { measurements, errors } = normalizeEvent(mapping, event);
  expect(errors).toEqual([]);
  const [group] = groupMeasurements(measurements);
  return group!.key;
}

async function devicesWithIdentifier(value: string): Promise<Device[]> {
  return store.search<Device>('Device', { identifier: value });
}

describe('device, patient and encounter ids with a trailing space', () => {
  it('Lookup: "dev-A " finds the Device registered as "dev-A" (Azure returns it; MedTech took it)', async () => {
    await store.update<Patient>({ resourceType: 'Patient', id: 'pat-a' });
    await store.update<Device>({
      resourceType: 'Device',
      id: 'device-a',
      identifier: [{ value: 'dev-A' }],
      patient: { reference: 'Patient/pat-a' },
    });
    const key = keyOf({ deviceId: 'dev-A ' });
    expect(key.deviceId).toBe('dev-A '); // normalization keeps it, as MedTech's did
    expect(await devicesWithIdentifier(key.deviceId)).toHaveLength(1); // the server finds it

    await expect(resolveIdentity(store, key, { resolutionType: 'Lookup' })).resolves.toEqual({
      patientId: 'pat-a',
      deviceId: 'device-a',
    });
  });

  it('LookupWithEncounter: "enc-D " finds the Encounter registered as "enc-D"', async () => {
    await store.update<Patient>({ resourceType: 'Patient', id: 'pat-d' });
    await store.update<Device>({
      resourceType: 'Device',
      id: 'device-d',
      identifier: [{ value: 'dev-D' }],
      patient: { reference: 'Patient/pat-d' },
    });
    await store.update<Encounter>({
      resourceType: 'Encounter',
      id: 'encounter-d',
      status: 'in-progress',
      class: { code: 'AMB' },
      identifier: [{ value: 'enc-D' }],
    });
    const key = keyOf({ deviceId: 'dev-D', encounterId: 'enc-D ' });

    await expect(resolveIdentity(store, key, { resolutionType: 'LookupWithEncounter' })).resolves.toMatchObject({
      encounterId: 'encounter-d',
    });
  });

  it('Create: "dev-B "/"pat-B " after "dev-B"/"pat-B" reuses them, and "dev-B" keeps resolving', async () => {
    const first = await resolveIdentity(store, keyOf({ deviceId: 'dev-B', patientId: 'pat-B' }), {
      resolutionType: 'Create',
    });
    const spaced = await resolveIdentity(store, keyOf({ deviceId: 'dev-B ', patientId: 'pat-B ' }), {
      resolutionType: 'Create',
    });
    expect(spaced).toEqual(first);
    expect(await devicesWithIdentifier('dev-B')).toHaveLength(1);
    expect(await store.search<Patient>('Patient', { identifier: 'pat-B' })).toHaveLength(1);

    // A later resolution of the message without the space (identity cache expired, another instance…).
    await expect(
      resolveIdentity(store, keyOf({ deviceId: 'dev-B', patientId: 'pat-B' }), { resolutionType: 'Create' }),
    ).resolves.toEqual(first);
  });

  it('Create: after a "dev-E "/"pat-E " message, messages saying "dev-E"/"pat-E" still resolve', async () => {
    const plain = keyOf({ deviceId: 'dev-E', patientId: 'pat-E' });
    await resolveIdentity(store, plain, { resolutionType: 'Create' });
    await resolveIdentity(store, keyOf({ deviceId: 'dev-E ', patientId: 'pat-E ' }), { resolutionType: 'Create' });

    await expect(resolveIdentity(store, plain, { resolutionType: 'Create' })).resolves.toBeDefined();
  });

  it('Create: resolving "dev-C "/"pat-C " again does not overwrite the Patient and Device it created', async () => {
    const key = keyOf({ deviceId: 'dev-C ', patientId: 'pat-C ' });
    const identity = await resolveIdentity(store, key, { resolutionType: 'Create' });
    const patient = await store.read<Patient>('Patient', identity.patientId);
    // A clinician completes the Patient.
    await store.update<Patient>({
      ...patient!,
      id: identity.patientId,
      name: [{ family: 'Doe' }],
      birthDate: '1950-01-01',
    });

    // The identity cache expired (2 h) or another instance resolves the same device.
    await resolveIdentity(store, key, { resolutionType: 'Create' });

    const after = await store.read<Patient>('Patient', identity.patientId);
    expect(after?.name).toEqual([{ family: 'Doe' }]);
    expect(after?.birthDate).toBe('1950-01-01');
  });
});

describe('correlation ids with a trailing space', () => {
  const correlationTemplate: CodeValueFhirTemplate = { ...heartRateTemplate, periodInterval: -1 };
  const identity = { patientId: 'p-corr', deviceId: 'd-corr' };
  const input = (correlationId: string, time: string, hr: string) => ({
    group: onlyObservationGroup([heartRate('d', time, hr, { correlationId })], correlationTemplate),
    template: correlationTemplate,
    identity,
    issued: '2024-05-01T12:00:00.000Z',
  });

  it('a second flush of "c-1 " merges into the Observation (no replacing PUT) and keeps what a user added', async () => {
    expect(await persistObservation(store, input('c-1 ', '2024-05-01T10:00:00Z', '70'))).toBe('created');
    const [created] = await store.search<Observation>('Observation', {
      identifier: `${OBSERVATION_IDENTIFIER_SYSTEM}|p-corr.d-corr.heartrate.c-1`,
    });
    await store.update<Observation>({ ...created!, id: created!.id ?? '', note: [{ text: 'checked by nurse' }] });
    server.advance(20 * 60 * 1000);

    const outcome = await persistObservation(store, input('c-1 ', '2024-05-01T10:10:00Z', '72'));

    const [stored] = await store.search<Observation>('Observation', {
      identifier: `${OBSERVATION_IDENTIFIER_SYSTEM}|p-corr.d-corr.heartrate.c-1`,
    });
    expect(sampledValues(stored)).toEqual({ '2024-05-01T10:00:00.000Z': '70', '2024-05-01T10:10:00.000Z': '72' });
    expect(outcome).toBe('updated');
    expect(stored?.note).toEqual([{ text: 'checked by nurse' }]);
  });

  it('"c-2" then "c-2 " go into one Observation', async () => {
    await persistObservation(store, input('c-2', '2024-05-01T10:00:00Z', '70'));
    await persistObservation(store, input('c-2 ', '2024-05-01T10:05:00Z', '71'));

    const found = await store.search<Observation>('Observation', {
      identifier: `${OBSERVATION_IDENTIFIER_SYSTEM}|p-corr.d-corr.heartrate.c-2`,
    });
    expect(found).toHaveLength(1);
  });

  it('"c-3" can still be written after a "c-3 " message', async () => {
    await persistObservation(store, input('c-3', '2024-05-01T10:00:00Z', '70'));
    await persistObservation(store, input('c-3 ', '2024-05-01T10:05:00Z', '71'));

    await expect(persistObservation(store, input('c-3', '2024-05-01T10:06:00Z', '72'))).resolves.toBe('updated');
  });
});

describe('Create with ids that differ only by white space at an end, resolved at once', () => {
  it('writes one Device and one Patient', async () => {
    const memory = new MemoryFhirStore();
    const resolver = createIdentityResolver(memory, { resolutionType: 'Create' });
    const [a, b] = await Promise.all([
      resolver.resolve({ deviceId: 'dev-A', type: 'hr', patientId: 'pat-1' }),
      resolver.resolve({ deviceId: 'dev-A ', type: 'hr', patientId: 'pat-1 ' }),
    ]);

    expect((await memory.search<Device>('Device', { identifier: 'dev-A' })).length).toBe(1);
    expect((await memory.search<Patient>('Patient', { identifier: 'pat-1' })).length).toBe(1);
    expect(b).toEqual(a);
    await expect(
      resolveIdentity(memory, { deviceId: 'dev-A', type: 'hr' }, { resolutionType: 'Lookup' }),
    ).resolves.toEqual(a);
  });
});

describe('a server that keeps strings as sent (not Azure)', () => {
  it('still finds a Device and Patient registered with white space at an end, searching as sent after trimmed', async () => {
    const memory = new MemoryFhirStore();
    await memory.update<Patient>({ resourceType: 'Patient', id: 'spaced-patient', identifier: [{ value: 'pat-X ' }] });
    await memory.update<Device>({
      resourceType: 'Device',
      id: 'spaced-device',
      identifier: [{ value: 'dev-X ' }],
      patient: { reference: 'Patient/spaced-patient' },
    });

    const looked = await resolveIdentity(memory, { deviceId: 'dev-X ', type: 'hr' }, { resolutionType: 'Lookup' });
    const created = await resolveIdentity(
      memory,
      { deviceId: 'dev-X ', type: 'hr', patientId: 'pat-X ' },
      { resolutionType: 'Create' },
    );

    expect(looked).toEqual({ patientId: 'spaced-patient', deviceId: 'spaced-device' });
    expect(created).toEqual(looked);
    expect((await memory.search<Device>('Device', { identifier: 'dev-X' })).length).toBe(0);
  });
});
