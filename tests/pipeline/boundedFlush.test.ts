/**
 * A flush of a busy unit plans and queues its Observations as earlier ones are written, not all at once: what it holds
 * in memory is bounded by the writes in flight, not by the unit (about 3 KB an Observation queued, which took a
 * 1.5 GB instance down at 450,000 Observations). Fakes, to hold the writes back at will.
 */
import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { MedTechError } from '../../shared/core/errors.js';
import type { MeasurementGroupKey } from '../../shared/core/fhir/index.js';
import type { Measurement } from '../../shared/core/measurement.js';
import type { FhirStore, FhirUpdateResult, IdentityResolver } from '../../shared/pipeline/ports.js';
import { createObservationLocks, transformAndPersist } from '../../shared/pipeline/transformAndPersist.js';
import type { ObservationLocks } from '../../shared/pipeline/transformAndPersist.js';
import { mapping } from './fixtures.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

/** `count` Quantity readings of each of `devices` devices, one second apart: one Observation each. */
function temperatures(devices: number, count: number): Measurement[] {
  const out: Measurement[] = [];
  for (let d = 0; d < devices; d++) {
    for (let i = 0; i < count; i++) {
      const time = new Date(Date.parse('2024-05-01T10:00:00Z') + i * 1000).toISOString();
      out.push({
        type: 'temperature',
        occurrenceTimeUtc: time,
        ingestionTimeUtc: time,
        deviceId: `dev-${d}`,
        patientId: `pat-${d}`,
        properties: [{ name: 't', value: '36.6' }],
      });
    }
  }
  return out;
}

/** A store where nothing exists yet and every PUT waits for `gate` (or fails as `refuse` says). */
function gatedStore(
  gate: Promise<void>,
  refuse: (id: string) => { error: Error; delayMs: number } | undefined = () => undefined,
): FhirStore & { puts: number } {
  const store = {
    puts: 0,
    search: () => Promise.resolve([]),
    read: () => Promise.resolve(undefined),
    history: () => Promise.resolve([]),
    async update<T extends Resource>(resource: T & { id: string }): Promise<FhirUpdateResult<T>> {
      store.puts += 1;
      await gate;
      const refused = refuse(JSON.stringify(resource));
      if (refused !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, refused.delayMs));
        throw refused.error;
      }
      return { kind: 'saved', resource, created: true };
    },
    requestCount: () => 0,
  };
  return store;
}

/** An identity resolver that answers at once and counts its calls. */
function countingIdentity(): IdentityResolver & { calls: number } {
  const identity = {
    calls: 0,
    resolve(key: MeasurementGroupKey) {
      identity.calls += 1;
      return Promise.resolve({ deviceId: `D-${key.deviceId}`, patientId: `P-${key.patientId ?? ''}` });
    },
  };
  return identity;
}

/** Observation locks that count the writes queued on them. */
function countingLocks(): ObservationLocks & { queued: number } {
  const inner = createObservationLocks();
  const locks = {
    queued: 0,
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      locks.queued += 1;
      return inner.run(key, task);
    },
  };
  return locks;
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('a flush of a busy unit', () => {
  it('queues a bounded number of writes and resolves a bounded number of identities ahead while writes are held', async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const store = gatedStore(gate);
    const identity = countingIdentity();
    const locks = countingLocks();
    const measurements = temperatures(1000, 5);

    const flushing = transformAndPersist(measurements, {
      mapping,
      store,
      identity,
      now: () => NOW,
      concurrency: 8,
      observationLocks: locks,
    });
    await settle();

    // 5,000 Observations of 1,000 groups: all of them used to be queued at once.
    expect(store.puts).toBe(8);
    expect(locks.queued).toBeGreaterThan(8);
    expect(locks.queued).toBeLessThanOrEqual(256 + 5);
    expect(identity.calls).toBeLessThanOrEqual(locks.queued / 5 + 64 + 1);
    open();
    const summary = await flushing;
    expect(summary).toMatchObject({ groups: 1000, created: 5000, errors: [] });
    expect(locks.queued).toBe(5000);
    expect(identity.calls).toBe(1000);
  });

  it('queues the writes of one large group a bounded number at a time too', async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const locks = countingLocks();
    const flushing = transformAndPersist(temperatures(1, 3000), {
      mapping,
      store: gatedStore(gate),
      identity: countingIdentity(),
      now: () => NOW,
      observationLocks: locks,
    });
    await settle();

    expect(locks.queued).toBeLessThanOrEqual(256);
    open();
    expect(await flushing).toMatchObject({ groups: 1, created: 3000, errors: [] });
  });

  it('reports data errors in group order, whichever write fails first', async () => {
    const refusal = (): Error => new MedTechError('FhirServiceError', 'Persist', 'The FHIR server refused the write.');
    // dev-0's writes fail late, dev-2's early, and each device's first one last: the errors still come in the order
    // of the groups and of their Observations.
    const store = gatedStore(Promise.resolve(), (body) => {
      const late = body.includes('10:00:00') ? 20 : 0;
      if (body.includes('D-dev-0')) {
        return { error: refusal(), delayMs: 40 + late };
      }
      return body.includes('D-dev-2') ? { error: refusal(), delayMs: 1 + late } : undefined;
    });
    const measurements = temperatures(3, 2);

    const summary = await transformAndPersist(measurements, {
      mapping,
      store,
      identity: countingIdentity(),
      now: () => NOW,
    });

    expect(summary.created).toBe(2);
    expect(summary.errors.map((e) => e.measurements.map((m) => [m.deviceId, m.occurrenceTimeUtc]))).toEqual([
      [['dev-0', '2024-05-01T10:00:00.000Z']],
      [['dev-0', '2024-05-01T10:00:01.000Z']],
      [['dev-2', '2024-05-01T10:00:00.000Z']],
      [['dev-2', '2024-05-01T10:00:01.000Z']],
    ]);
  });

  it('stops queuing at a service error and rethrows it once what was started has settled', async () => {
    const outage = new MedTechError('FhirServiceError', 'Persist', 'The FHIR service is unavailable.', {
      retriable: true,
    });
    const store = gatedStore(Promise.resolve(), () => ({ error: outage, delayMs: 1 }));
    const locks = countingLocks();

    await expect(
      transformAndPersist(temperatures(1000, 5), {
        mapping,
        store,
        identity: countingIdentity(),
        now: () => NOW,
        observationLocks: locks,
      }),
    ).rejects.toBe(outage);
    expect(locks.queued).toBeLessThan(5000);
    expect(store.puts).toBeLessThanOrEqual(8);
  });
});
