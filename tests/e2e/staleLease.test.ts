/**
 * A flush worker stalled past its lease, resuming after the worker that took the unit over flushed a later reading of
 * the same slot, must not write its older reading over it (found by the chaos test's author): it stops at its next
 * write, which is sent only while the lease is its own.
 */
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { startLocalPipeline, type LocalPipeline } from '../../scripts/localPipeline.js';
import type { StagingStore } from '../../shared/pipeline/stagingPorts.js';
import type { IngestEvent } from '../../shared/core/deviceEvent.js';
import { sampledValues } from '../pipeline/fixtures.js';
import { toWorkUnitKey, type WorkUnit } from '../../shared/core/staging/stagingKeys.js';
import { signal } from '../support/signal.js';

/** A heart rate read at 10:05 and enqueued at `enqueuedTimeUtc`, event `sequenceNumber` of partition 0. */
function reading(sequenceNumber: number, enqueuedTimeUtc: string, heartRate: number): IngestEvent {
  const body = { deviceId: 'stale-device', patientId: 'stale-patient', endDate: '2026-11-24T10:05:00.000Z', heartRate };
  return {
    event: { body: { kind: 'json', value: body }, properties: {}, systemProperties: {}, enqueuedTimeUtc },
    coordinates: { partitionId: '0', sequenceNumber, offset: String(sequenceNumber), enqueuedTimeUtc },
  };
}

/**
 * The local pipeline on the sample mappings (Create), its clock at 10:00, with `afterRead` run once a flush has read
 * its unit and `beforeDelete` before it deletes what it flushed. The hooks run only once the pipeline is started.
 */
async function pipelineWithHooks(hooks: {
  afterRead?: (pipeline: LocalPipeline) => Promise<void>;
  beforeDelete?: (pipeline: LocalPipeline) => Promise<void>;
}): Promise<LocalPipeline> {
  const pipeline: LocalPipeline = await startLocalPipeline({
    deviceMapping: await readFile('samples/devicecontent.json', 'utf8'),
    fhirMapping: await readFile('samples/fhirmapping.json', 'utf8'),
    resolution: 'Create',
    startTime: new Date('2026-11-24T10:00:00.000Z'),
    decorateStaging: (store: StagingStore): StagingStore => ({
      stageBatch: (...args) => store.stageBatch(...args),
      listClosedUnits: (...args) => store.listClosedUnits(...args),
      readUnit: async (...args) => {
        const read = await store.readUnit(...args);
        await hooks.afterRead?.(pipeline);
        return read;
      },
      deleteDocuments: async (...args) => {
        await hooks.beforeDelete?.(pipeline);
        return store.deleteDocuments(...args);
      },
    }),
  });
  return pipeline;
}

/** Stages 70 read at 10:05 and enqueued at 10:06 (window 10:00–10:15), and closes the window: its unit. */
async function closedUnit(pipeline: LocalPipeline): Promise<WorkUnit> {
  await pipeline.services.ingest([reading(1, '2026-11-24T10:06:00.000Z', 70)]);
  pipeline.advance(17 * 60_000);
  const [unit] = await pipeline.services.planFlush();
  if (unit === undefined) {
    throw new Error('nothing to flush');
  }
  return unit;
}

it('keeps a correction that the worker taking a stalled unit over flushed', async () => {
  let stallNext = false;
  const stalled = signal();
  const resumed = signal();
  const pipeline = await pipelineWithHooks({
    afterRead: async () => {
      if (stallNext) {
        stallNext = false;
        stalled.fire();
        await resumed.fired;
      }
    },
  });
  try {
    const unit = await closedUnit(pipeline);
    // Worker A reads [70] and stalls; a correction enqueued at 10:14 (same window) is staged late meanwhile.
    stallNext = true;
    const a = pipeline.services.flushUnit(unit);
    await stalled.fired;
    await pipeline.services.ingest([reading(2, '2026-11-24T10:14:00.000Z', 75)]);
    // A's lease expires; worker B takes the unit over, writes 75 and deletes both documents; then A resumes.
    pipeline.advance(301_000);
    const b = await pipeline.createWorker('worker-b');
    expect((await b.flushUnit(unit)).status).toBe('flushed');
    resumed.fire();
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
  // The local pipeline's FHIR client (no token) times a request out after 5 s: its margin is 2 min 5 s and 5 s of
  // clocks, 130 s.
  ['renews', 180_000, true],
  ['does not renew', 160_000, false],
])(
  '%s the lease before its writes when the unit took %i ms to read (of a 300-second lease)',
  async (_label, readMs, renewed) => {
    let held: boolean | undefined;
    let unitKey = '';
    const pipeline = await pipelineWithHooks({
      afterRead: (running) => {
        running.advance(readMs);
        return Promise.resolve();
      },
      beforeDelete: async (running) => {
        // Past the lease as first taken: only a renewal before the writes keeps another worker off the unit.
        running.advance(310_000 - readMs);
        const leases = running.services.adapters.cosmos.leases;
        held = (await leases.acquireLease(unitKey, 'worker-probe', 300_000, running.now())) === undefined;
      },
    });
    try {
      const unit = await closedUnit(pipeline);
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
