/**
 * A flush worker stalled past its lease, resuming after the worker that took the unit over flushed a later reading of
 * the same slot, must not write its older reading over it (found by the chaos test's author): it stops at its next
 * write, which is sent only while the lease is its own.
 */
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { startLocalPipeline } from '../../scripts/localPipeline.js';
import type { StagingStore } from '../../shared/pipeline/stagingPorts.js';
import type { IngestEvent } from '../../shared/core/deviceEvent.js';
import { sampledValues } from '../pipeline/fixtures.js';
import { toWorkUnitKey } from '../../shared/core/staging/stagingKeys.js';

/** A heart rate read at 10:05 and enqueued at `enqueuedTimeUtc`, event `sequenceNumber` of partition 0. */
function reading(sequenceNumber: number, enqueuedTimeUtc: string, heartRate: number): IngestEvent {
  const body = { deviceId: 'stale-device', patientId: 'stale-patient', endDate: '2026-11-24T10:05:00.000Z', heartRate };
  return {
    event: { body: { kind: 'json', value: body }, properties: {}, systemProperties: {}, enqueuedTimeUtc },
    coordinates: { partitionId: '0', sequenceNumber, offset: String(sequenceNumber), enqueuedTimeUtc },
  };
}

it('keeps a correction that the worker taking a stalled unit over flushed', async () => {
  const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
  const fhirMapping = await readFile('samples/fhirmapping.json', 'utf8');
  let stallNext = false;
  let reached = (): void => undefined;
  const stalled = new Promise<void>((resolve) => (reached = resolve));
  let resume = (): void => undefined;
  const resumed = new Promise<void>((resolve) => (resume = resolve));
  const pipeline = await startLocalPipeline({
    deviceMapping,
    fhirMapping,
    resolution: 'Create',
    startTime: new Date('2026-11-24T10:00:00.000Z'),
    decorateStaging: (store: StagingStore): StagingStore => ({
      stageBatch: (...args) => store.stageBatch(...args),
      listClosedUnits: (...args) => store.listClosedUnits(...args),
      readUnit: async (...args) => {
        const read = await store.readUnit(...args);
        if (stallNext) {
          stallNext = false;
          reached();
          await resumed;
        }
        return read;
      },
      deleteDocuments: (...args) => store.deleteDocuments(...args),
    }),
  });
  try {
    // 70 at 10:05, enqueued at 10:06 (window 10:00–10:15); the window closes.
    await pipeline.services.ingest([reading(1, '2026-11-24T10:06:00.000Z', 70)]);
    pipeline.advance(17 * 60_000);
    const [unit] = await pipeline.services.planFlush();
    if (unit === undefined) {
      throw new Error('nothing to flush');
    }
    // Worker A reads [70] and stalls; a correction enqueued at 10:14 (same window) is staged late meanwhile.
    stallNext = true;
    const a = pipeline.services.flushUnit(unit);
    await stalled;
    await pipeline.services.ingest([reading(2, '2026-11-24T10:14:00.000Z', 75)]);
    // A's lease expires; worker B takes the unit over, writes 75 and deletes both documents; then A resumes.
    pipeline.advance(301_000);
    const b = await pipeline.createWorker('worker-b');
    expect((await b.flushUnit(unit)).status).toBe('flushed');
    resume();
    expect(await a).toMatchObject({ status: 'leaseLost', leaseLost: true, created: 0, updated: 0 });
    const [observation] = (await pipeline.exportResources()).filter(
      (r): r is Observation => r.resourceType === 'Observation',
    );

    expect(sampledValues(observation)['2026-11-24T10:05:00.000Z']).toBe('75');
  } finally {
    await pipeline.close();
  }
});

it.each([
  // The local pipeline's FHIR client times a request (and a token) out after 5 s: its margin is 2 min 10 s and 5 s of
  // clocks, 135 s.
  ['renews', 180_000, true],
  ['does not renew', 160_000, false],
])(
  '%s the lease before its writes when the unit took %i ms to read (of a 300-second lease)',
  async (_label, readMs, renewed) => {
    const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
    const fhirMapping = await readFile('samples/fhirmapping.json', 'utf8');
    let held: boolean | undefined;
    let unitKey = '';
    // The decorator runs only once the pipeline is started (its handlers read the binding then).
    const pipeline = await startLocalPipeline({
      deviceMapping,
      fhirMapping,
      resolution: 'Create',
      startTime: new Date('2026-11-24T10:00:00.000Z'),
      decorateStaging: (store: StagingStore): StagingStore => ({
        stageBatch: (...args) => store.stageBatch(...args),
        listClosedUnits: (...args) => store.listClosedUnits(...args),
        readUnit: async (...args) => {
          const read = await store.readUnit(...args);
          pipeline.advance(readMs);
          return read;
        },
        deleteDocuments: async (...args) => {
          // Past the lease as first taken: only a renewal before the writes keeps another worker off the unit.
          pipeline.advance(310_000 - readMs);
          const leases = pipeline.services.adapters.cosmos.leases;
          held = (await leases.acquireLease(unitKey, 'worker-probe', 300_000, pipeline.now())) === undefined;
          return store.deleteDocuments(...args);
        },
      }),
    });
    try {
      await pipeline.services.ingest([reading(1, '2026-11-24T10:06:00.000Z', 70)]);
      pipeline.advance(17 * 60_000);
      const [unit] = await pipeline.services.planFlush();
      if (unit === undefined) {
        throw new Error('nothing to flush');
      }
      unitKey = toWorkUnitKey(unit);

      const summary = await pipeline.services.flushUnit(unit);

      expect(held).toBe(renewed);
      // Taken over by the probe after its last write, the worker learns it at the release.
      expect(summary).toMatchObject({ status: 'flushed', leaseLost: !renewed, created: 1 });
    } finally {
      await pipeline.close();
    }
  },
);
