/**
 * A service error stops the queuing of a flush's writes inside a group too, not only between groups: a busy device's
 * group (one Observation a reading) is not queued whole after the FHIR service has failed, each write taking its lock
 * and a read-ahead slot only to fail at once in the stopped limiter. (A review found it queued whole.)
 */
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { MedTechError } from '../../shared/core/errors.js';
import type { MeasurementGroupKey } from '../../shared/core/fhir/index.js';
import type { Measurement } from '../../shared/core/measurement.js';
import type { FhirStore, FhirUpdateResult } from '../../shared/pipeline/ports.js';
import { createObservationLocks, transformAndPersist } from '../../shared/pipeline/transformAndPersist.js';
import { mapping } from './fixtures.js';

const OBSERVATIONS = 20_000;

/** One device's Quantity readings, one second apart: one group of `count` Observations. */
function oneBusyDevice(count: number): Measurement[] {
  return Array.from({ length: count }, (_, i) => {
    const time = new Date(Date.parse('2024-05-01T10:00:00Z') + i * 1000).toISOString();
    return {
      type: 'temperature',
      occurrenceTimeUtc: time,
      ingestionTimeUtc: time,
      deviceId: 'busy-dev',
      patientId: 'busy-pat',
      properties: [{ name: 't', value: '36.6' }],
    };
  });
}

describe('a service error in the middle of one large group', () => {
  it('stops queuing that group’s writes (no more than the write window after it)', async () => {
    const outage = new MedTechError('FhirServiceError', 'Persist', 'The FHIR service is unavailable.', {
      retriable: true,
    });
    let puts = 0;
    const store: FhirStore = {
      search: () => Promise.resolve([]),
      read: () => Promise.resolve(undefined),
      history: () => Promise.resolve([]),
      async update<T extends Resource>(): Promise<FhirUpdateResult<T>> {
        puts += 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
        throw outage;
      },
      requestCount: () => 0,
    };
    const inner = createObservationLocks();
    let queued = 0;
    const locks = {
      run<T>(key: string, task: () => Promise<T>): Promise<T> {
        queued += 1;
        return inner.run(key, task);
      },
    };

    await expect(
      transformAndPersist(oneBusyDevice(OBSERVATIONS), {
        mapping,
        store,
        identity: {
          resolve: (key: MeasurementGroupKey) => Promise.resolve({ deviceId: key.deviceId, patientId: 'P' }),
        },
        now: () => Date.parse('2024-05-01T12:00:00Z'),
        observationLocks: locks,
      }),
    ).rejects.toBe(outage);

    // The first writes (8 at once) failed: nothing after them is ever sent.
    expect(puts).toBeLessThanOrEqual(8);
    // At most a window (256) was queued before the failure; then queuing stops.
    expect(queued).toBeLessThanOrEqual(256 + 8);
  });
});
