/**
 * The FHIR adapter and the writes over it against a server that answers as Azure's FHIR service does under its
 * `versioned-update` policy, where a `PUT` without If-Match onto a resource that exists — a deleted one included — is
 * refused (the embedded server takes such a `PUT`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device, Observation, Patient } from '@medplum/fhirtypes';
import { createFhirStore } from '../../../shared/adapters/fhir/createFhirStore.js';
import {
  toCreatedDeviceId,
  toCreatedPatientId,
  toObservationId,
  toObservationIdentifier,
} from '../../../shared/core/fhir/index.js';
import type { ResolvedIdentity } from '../../../shared/core/fhir/index.js';
import { persistObservation } from '../../../shared/pipeline/persistObservation.js';
import type { FhirStore } from '../../../shared/pipeline/ports.js';
import { resolveIdentity } from '../../../shared/pipeline/resolveIdentity.js';
import { heartRate, heartRateTemplate, onlyObservationGroup, sampledValues } from '../../pipeline/fixtures.js';
import { startAzureLikeFhirServer, type AzureLikeFhirServer } from '../../support/azureLikeFhirServer.js';

let server: AzureLikeFhirServer;
let store: FhirStore;

beforeAll(async () => {
  server = await startAzureLikeFhirServer();
  server.policy.Observation = 'versioned-update';
  server.policy.Patient = 'versioned-update';
  server.policy.Device = 'versioned-update';
  store = createFhirStore({ baseUrl: server.url, retry: { maxAttempts: 1 } });
});

afterAll(async () => {
  await server.close();
});

function input(identity: ResolvedIdentity, time: string, hr: string): Parameters<typeof persistObservation>[1] {
  return {
    group: onlyObservationGroup([heartRate('dev', time, hr)]),
    template: heartRateTemplate,
    identity,
    issued: '2024-05-01T12:00:00.000Z',
  };
}

describe('writes under a versioned-update policy', () => {
  it('write an Observation a user deleted again, on the deleted version', async () => {
    const identity = { patientId: 'p1', deviceId: 'deleted-observation' };
    const first = input(identity, '2024-05-01T10:00:00Z', '70');
    const id = toObservationId(toObservationIdentifier(identity, first.group));
    await persistObservation(store, first);
    server.remove('Observation', id);

    const outcome = await persistObservation(store, input(identity, '2024-05-01T10:05:00Z', '71'));

    const stored = await store.read<Observation>('Observation', id);
    expect(outcome).toBe('created');
    // Version 1 written, 2 deleted, 3 written again: only the new reading.
    expect(stored?.meta?.versionId).toBe('3');
    expect(sampledValues(stored)).toEqual({ '2024-05-01T10:05:00.000Z': '71' });
  });

  it('create a deleted Patient and Device again (Create resolution)', async () => {
    const patientId = toCreatedPatientId('deleted-patient');
    const deviceId = toCreatedDeviceId('deleted-device', undefined);
    const key = { deviceId: 'deleted-device', type: 'hr', patientId: 'deleted-patient' };
    await resolveIdentity(store, key, { resolutionType: 'Create' });
    server.remove('Device', deviceId);
    server.remove('Patient', patientId);

    const identity = await resolveIdentity(store, key, { resolutionType: 'Create' });

    expect(identity).toEqual({ patientId, deviceId });
    expect((await store.read<Patient>('Patient', patientId))?.meta?.versionId).toBe('3');
    expect((await store.read<Device>('Device', deviceId))?.patient).toEqual({ reference: `Patient/${patientId}` });
  });

  it('still answer a conflict when the resource exists, and write with If-Match after the re-read', async () => {
    const identity = { patientId: 'p1', deviceId: 'exists-observation' };
    const id = toObservationId(toObservationIdentifier(identity, input(identity, '2024-05-01T10:00:00Z', '70').group));
    await persistObservation(store, input(identity, '2024-05-01T10:00:00Z', '70'));

    const refused = await store.update({ resourceType: 'Observation', id, status: 'final', code: { text: 'x' } });

    expect(refused).toEqual({ kind: 'conflict', status: 400 });
    expect(await persistObservation(store, input(identity, '2024-05-01T10:05:00Z', '71'))).toBe('updated');
  });
});

describe('versioning', () => {
  it("gives the policy the server's CapabilityStatement gives a resource type, undefined for one it does not list", async () => {
    const other = await startAzureLikeFhirServer();
    try {
      other.policy.Observation = 'no-version';
      const otherStore = createFhirStore({ baseUrl: other.url, retry: { maxAttempts: 1 } });

      expect(await otherStore.versioning('Observation')).toBe('no-version');
      expect(await otherStore.versioning('Patient')).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe('history', () => {
  it('reads every page of a history, newest first, back to the latest deletion', async () => {
    const other = await startAzureLikeFhirServer();
    try {
      const otherStore = createFhirStore({ baseUrl: other.url, retry: { maxAttempts: 1 } });
      const write = async (n: number): Promise<void> => {
        await otherStore.update({ resourceType: 'Device', id: 'long', serialNumber: String(n) });
      };
      for (let n = 1; n <= 5; n += 1) {
        await write(n);
      }
      other.remove('Device', 'long');
      for (let n = 7; n <= 31; n += 1) {
        await write(n);
      }

      const versions = await otherStore.history<Device>('Device', 'long');

      // 25 versions after the deletion, on three pages of 10.
      expect(versions.map((version) => version.serialNumber)).toEqual(
        Array.from({ length: 25 }, (_, k) => String(31 - k)),
      );
      expect(versions.map((version) => version.meta?.versionId)).toEqual(
        Array.from({ length: 25 }, (_, k) => String(31 - k)),
      );
    } finally {
      await other.close();
    }
  });
});
