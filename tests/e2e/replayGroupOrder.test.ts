/**
 * Replayed groups (failed measurement groups' dead letters) of one device's consecutive windows are staged in one
 * replay shard, whose windows are flushed oldest first: the later window's correction of a slot is written last and
 * wins, as it does live and for replayed messages (tests/e2e/replayOrder.test.ts). Also when the device's id differs
 * in letter case between the windows (`DEV-G`, then `dev-g`: identity resolution takes a Device whose identifier
 * differs only in case, so both write the same Observation): the shard comes from the trimmed id in any case. Reviews
 * found them spread by a hash of the dead letter, then by the id as written: one timer run enqueued both windows, and
 * the workers, four messages at once on an instance and Storage queues keeping no order, could write the earlier
 * reading last.
 *
 * Real handlers (ingest, flushTimer, flushWorker, the replay endpoint) on the local services; no fakes.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  flushQueuedUnits,
  heartRateObservations,
  replayThroughEndpoint,
  unitsEnqueuedByTimer,
  withoutTemplate,
} from '../support/replaySteps.js';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';
import { sampledValues } from '../pipeline/fixtures.js';
import { planDeadLetterReplay } from '../../shared/core/staging/deadLetterReplay.js';

const slot = '2026-11-24T10:00:00.000Z';

describe('replayed groups of two windows of one device', () => {
  it.each(['dev-g', 'DEV-G'])(
    'are flushed oldest window first, so the later reading of a slot wins (first sent as %s)',
    async (firstId) => {
      const fhirMapping = await readFile('samples/fhirmapping.json', 'utf8');
      const withoutHeartRate = withoutTemplate(fhirMapping, 'heartrate');
      const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
      try {
        // A FHIR mapping without its heart-rate template: every heart-rate group is dead-lettered at the flush.
        await app.pipeline.uploadMappings({ fhirMapping: withoutHeartRate });
        await app.send({ deviceId: firstId, patientId: 'pat-g', endDate: slot, heartRate: 70 }); // window 10:00
        app.pipeline.advance(20 * 60_000);
        await app.tick();
        // 10:20:10, window 10:15: the device corrects the 10:00:00 reading.
        await app.send({ deviceId: 'dev-g', patientId: 'pat-g', endDate: slot, heartRate: 75 });
        app.pipeline.advance(15 * 60_000);
        await app.tick();
        const letters = (await app.app().adapters.cosmos.deadLetters.listDeadLetters({ maxItems: 100 })).items;
        expect(letters.map((l) => l.errorName)).toEqual(['TemplateNotFound', 'TemplateNotFound']);
        const shards = letters.map((l) => {
          const plan = planDeadLetterReplay(l);
          return plan.kind === 'measurements' ? plan.staging.shard : '';
        });
        // One replay shard for one device's two windows.
        expect(new Set(shards).size).toBe(1);

        // The operator restores the template and replays.
        await app.pipeline.uploadMappings({ fhirMapping });
        const response = await replayThroughEndpoint();
        expect(response.jsonBody).toMatchObject({ examined: { groups: 2 }, deleted: 2 });

        // A timer run enqueues the older window alone: the later one waits until it is flushed.
        app.pipeline.advance(60_000);
        const items = await unitsEnqueuedByTimer(app);
        expect(items.map((i) => i.unit.windowStart)).toEqual(['2026-11-24T10:00:00.000Z']);
        await flushQueuedUnits(app, items);
        await app.tick();

        const heartRates = await heartRateObservations(app);
        // Both readings went to one Observation (identity resolution takes the id in another case).
        expect(heartRates).toHaveLength(1);
        expect(sampledValues(heartRates[0])[slot]).toBe('75');
      } finally {
        await app.close();
      }
    },
  );
});
