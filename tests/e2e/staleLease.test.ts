/**
 * A known limit, pinned (README, Design notes): a flush worker stalled past its lease, resuming after the worker that
 * took the unit over flushed a later reading of the same slot, writes its older reading over it. `it.fails` keeps
 * the reproduction: it passes while the defect is there and fails, asking to be turned into a plain test, once a fix
 * (a fenced write) lands.
 */
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { startLocalPipeline } from '../../scripts/localPipeline.js';
import type { StagingStore } from '../../shared/pipeline/stagingPorts.js';
import type { IngestEvent } from '../../shared/core/deviceEvent.js';
import { sampledValues } from '../pipeline/fixtures.js';

/** A heart rate read at 10:05 and enqueued at `enqueuedTimeUtc`, event `sequenceNumber` of partition 0. */
function reading(sequenceNumber: number, enqueuedTimeUtc: string, heartRate: number): IngestEvent {
  const body = { deviceId: 'stale-device', patientId: 'stale-patient', endDate: '2026-11-24T10:05:00.000Z', heartRate };
  return {
    event: { body: { kind: 'json', value: body }, properties: {}, systemProperties: {}, enqueuedTimeUtc },
    coordinates: { partitionId: '0', sequenceNumber, offset: String(sequenceNumber), enqueuedTimeUtc },
  };
}

it.fails(
  'keeps a correction that the worker taking a stalled unit over flushed (known limit: it does not)',
  async () => {
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
      expect(await a).toMatchObject({ status: 'flushed', leaseLost: true });
      const [observation] = (await pipeline.exportResources()).filter(
        (r): r is Observation => r.resourceType === 'Observation',
      );

      expect(sampledValues(observation)['2026-11-24T10:05:00.000Z']).toBe('75');
    } finally {
      await pipeline.close();
    }
  },
);
