import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  OBSERVATION_IDENTIFIER_SYSTEM,
  toCreatedDeviceId,
  toCreatedPatientId,
  toObservationId,
  toObservationIdentifier,
} from '../../../shared/core/fhir/identifiers.js';
import { observationGroup } from './support.js';

const SYSTEM = 'https://azure.microsoft.com/en-us/services/iomt-fhir-connector/';

function sha256(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
}

describe('toObservationIdentifier', () => {
  it('joins patient, device, type and the second-resolution boundaries of an hour group', () => {
    const group = observationGroup('2019-01-01T00:00:00.000Z', '2019-01-01T00:59:59.999Z', {});
    expect(toObservationIdentifier({ patientId: 'p1', deviceId: 'd1' }, group)).toEqual({
      system: SYSTEM,
      value: 'p1.d1.heartrate.20190101000000Z.20190101005959Z',
    });
  });

  it('uses the same timestamp twice for a single-time group', () => {
    const group = observationGroup('2023-03-13T22:46:01.875Z', '2023-03-13T22:46:01.875Z', {});
    expect(toObservationIdentifier({ patientId: 'p', deviceId: 'd' }, group).value).toBe(
      'p.d.heartrate.20230313224601Z.20230313224601Z',
    );
  });

  it('ends with the correlation id for a correlation group', () => {
    const group = observationGroup(
      '2019-01-01T00:00:05Z',
      '2019-01-01T00:10:00Z',
      {},
      {
        typeName: 'bp',
        correlationId: 'corr-7',
      },
    );
    expect(toObservationIdentifier({ patientId: 'p1', deviceId: 'd1' }, group).value).toBe('p1.d1.bp.corr-7');
  });

  it("keeps the group's spelling of the type name", () => {
    const group = observationGroup('2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z', {}, { typeName: 'HeartRate' });
    expect(toObservationIdentifier({ patientId: 'p', deviceId: 'd' }, group).value).toContain('.HeartRate.');
  });

  it('exports the MedTech identifier system', () => {
    expect(OBSERVATION_IDENTIFIER_SYSTEM).toBe(SYSTEM);
  });
});

describe('toObservationId', () => {
  it('is the lowercase hex SHA-256 of "{system}_{value}"', () => {
    const value = 'p1.d1.heartrate.20190101000000Z.20190101005959Z';
    const id = toObservationId({ system: SYSTEM, value });
    // Computed with `printf '%s' '<system>_<value>' | sha256sum`.
    expect(id).toBe('f47bb24a74fc77bfcf83b5d2898a52d4e0ebb1038e201c3873bf66550146a238');
    expect(id).toBe(sha256(`${SYSTEM}_${value}`));
  });

  it('hashes the correlation-id form the same way', () => {
    expect(toObservationId({ system: SYSTEM, value: 'p1.d1.bp.corr-7' })).toBe(
      'a44288ad9bfb8462817248007022eca4ff57070964080813f2a19d68fedc036d',
    );
  });
});

describe('toCreatedPatientId', () => {
  it('is the SHA-256 of "_" + patient id', () => {
    expect(toCreatedPatientId('patient-1')).toBe('deab8edda8ce4b54e9ff81bdcf69ce1613dd065e76cdeb9862ff915568f7200d');
  });

  it('hashes the UTF-8 bytes of non-ASCII ids', () => {
    expect(toCreatedPatientId('pätient')).toBe('1810816bf3d46b312bac39f5360b0ddc49b06ffc7c42548925d07b4fe151b0f1');
  });
});

describe('toCreatedDeviceId', () => {
  it('is the SHA-256 of "_" + device id without a system', () => {
    expect(toCreatedDeviceId('device01')).toBe('a01135f981577bb8a87bc22549b02c837f4b33117e546b489c9c5e9359b7dcc8');
  });

  it('treats a blank system as no system, blank as .NET says', () => {
    expect(toCreatedDeviceId('device01', '  ')).toBe(toCreatedDeviceId('device01'));
    expect(toCreatedDeviceId('device01', '\u0085\u3000')).toBe(toCreatedDeviceId('device01'));
    // A byte-order mark is not white space to .NET: MedTech hashes it with the id.
    expect(toCreatedDeviceId('device01', '\uFEFF')).toBe(
      createHash('sha256').update('\uFEFF_device01', 'utf8').digest('hex'),
    );
  });

  it('prefixes the system when one is configured', () => {
    expect(toCreatedDeviceId('device01', 'urn:sys')).toBe(
      '17769421814c13d7f3a1db1706b27a9697ac9b64d57c7b17956ee78b7e87c59a',
    );
  });
});
