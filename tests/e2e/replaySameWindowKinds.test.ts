/**
 * Queue mode: a device's two readings of one slot in the SAME window, one rejected as a message (ingest) and the other
 * as a group (FHIR stage), are replayed into the device's replay shard, one unit, whose grouping keeps the later
 * reading. (A review found them in two shards, a message's by partition, enqueued at once: parallel workers, a storage
 * queue keeping no order, could write the OLDER reading last.)
 * Same method as tests/e2e/replayMixedKindsOrder.test.ts.
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

describe('a device whose older reading was rejected as a group and newer one as a message, in one window', () => {
  it('ends with the newer reading after one replay', async () => {
    const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
    const brokenDevice = deviceMapping.replace('"$.matchedToken.heartRate"', '"$.matchedToken.heartRatee"');
    const fhirMapping = await readFile('samples/fhirmapping.json', 'utf8');
    const withoutHeartRate = withoutTemplate(fhirMapping, 'heartrate');
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ fhirMapping: withoutHeartRate });
      await app.send({ deviceId: 'dev-w', patientId: 'pat-w', endDate: slot, heartRate: 70 }); // 10:00:10 staged
      app.pipeline.advance(30_000);
      await app.pipeline.uploadMappings({ deviceMapping: brokenDevice });
      await app.send({ deviceId: 'dev-w', patientId: 'pat-w', endDate: slot, heartRate: 75 }); // 10:00:40 message letter
      app.pipeline.advance(20 * 60_000);
      await app.tick(); // the 10:00 window: 70 fails at the FHIR stage, a group letter
      const letters = (await app.app().adapters.cosmos.deadLetters.listDeadLetters({ maxItems: 100 })).items;
      expect(letters.map((l) => l.subject.kind).sort()).toEqual(['measurements', 'message']);

      await app.pipeline.uploadMappings({ deviceMapping, fhirMapping });
      const response = await replayThroughEndpoint();
      expect(response.jsonBody).toMatchObject({ deleted: 2 });

      app.pipeline.advance(60_000);
      const items = await unitsEnqueuedByTimer(app);
      // Both units of the one window are enqueued at once; a storage queue keeps no order: the message shard first.
      // One unit: the device's message and group go to its replay shard, where grouping keeps the later reading.
      expect(items.map((i) => i.unit.shard)).toEqual([expect.stringMatching(/^deadletter-replay-g/)]);
      await flushQueuedUnits(app, items);
      await app.tick();

      const heartRates = (await app.observations()).filter((o) => o.code?.coding?.some((c) => c.code === '8867-4'));
      expect(heartRates).toHaveLength(1);
      expect(sampledValues(heartRates[0])[slot]).toBe('75');
    } finally {
      await app.close();
    }
  });
});
