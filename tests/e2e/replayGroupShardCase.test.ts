/**
 * Replayed groups of one device whose id differs in letter case between two windows (`DEV-G`, then `dev-g`: identity
 * resolution takes a Device whose identifier differs only in case, so both write the same Observations) share a
 * replay shard (the trimmed id in any case), whose windows are flushed oldest first. A review found them in two
 * shards, both windows enqueued by one timer run, and the workers (Storage queues keep no order) writing the older
 * reading of a slot last.
 *
 * Same harness as tests/e2e/replayGroupOrder.test.ts; the only change is the case of the device id in the correction.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  flushQueuedUnits,
  replayThroughEndpoint,
  unitsEnqueuedByTimer,
  withoutTemplate,
} from '../support/replaySteps.js';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';
import { sampledValues } from '../pipeline/fixtures.js';

const slot = '2026-11-24T10:00:00.000Z';

describe('replayed groups of one device whose id differs in letter case between two windows', () => {
  it('are flushed oldest window first, so the later reading of a slot wins', async () => {
    const fhirMapping = await readFile('samples/fhirmapping.json', 'utf8');
    const withoutHeartRate = withoutTemplate(fhirMapping, 'heartrate');
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ fhirMapping: withoutHeartRate });
      await app.send({ deviceId: 'DEV-G', patientId: 'pat-g', endDate: slot, heartRate: 70 }); // window 10:00
      app.pipeline.advance(20 * 60_000);
      await app.tick();
      // Window 10:15: the same device (its id in another case) corrects the 10:00:00 reading.
      await app.send({ deviceId: 'dev-g', patientId: 'pat-g', endDate: slot, heartRate: 75 });
      app.pipeline.advance(15 * 60_000);
      await app.tick();

      await app.pipeline.uploadMappings({ fhirMapping });
      const response = await replayThroughEndpoint();
      expect(response.jsonBody).toMatchObject({ examined: { groups: 2 }, deleted: 2 });

      app.pipeline.advance(60_000);
      const items = await unitsEnqueuedByTimer(app);
      // The workers take the messages in any order (Storage queues keep none): here, the later window first.
      items.sort((a, b) => b.unit.windowStart.localeCompare(a.unit.windowStart));
      await flushQueuedUnits(app, items);
      await app.tick();
      await app.tick();

      const heartRate = (await app.observations()).find((o) => o.code?.coding?.some((c) => c.code === '8867-4'));
      // Both readings went to ONE Observation (identity resolution took the case variant) ...
      expect((await app.observations()).filter((o) => o.code?.coding?.some((c) => c.code === '8867-4'))).toHaveLength(
        1,
      );
      // ... and only the older window should have been enqueued first, as for one spelling of the id.
      expect.soft(sampledValues(heartRate)[slot]).toBe('75');
      expect.soft(items.map((i) => i.unit.windowStart)).toEqual(['2026-11-24T10:00:00.000Z']);
    } finally {
      await app.close();
    }
  });
});
