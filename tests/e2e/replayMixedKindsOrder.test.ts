/**
 * A device's replayed windows are flushed oldest first across the kinds of dead letter too: a rejected MESSAGE whose
 * measurements are one device's and a rejected GROUP are both replayed into the device's replay shard, whose windows
 * go in order. A review found the device's older window (a message letter, then replayed by partition) and newer
 * window (a group letter) enqueued by one timer run as units of two shards, and workers taking them in the other order
 * writing the older reading of a slot last.
 * Same harness as tests/e2e/replayGroupOrder.test.ts.
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

describe('a device whose older window was rejected as a message and newer window as a group', () => {
  it('is flushed oldest window first after one replay, so the later reading of a slot wins', async () => {
    const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
    const brokenDevice = deviceMapping.replace('"$.matchedToken.heartRate"', '"$.matchedToken.heartRatee"');
    expect(brokenDevice).not.toBe(deviceMapping);
    const fhirMapping = await readFile('samples/fhirmapping.json', 'utf8');
    const withoutHeartRate = withoutTemplate(fhirMapping, 'heartrate');
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ deviceMapping: brokenDevice });
      await app.send({ deviceId: 'dev-m', patientId: 'pat-m', endDate: slot, heartRate: 70 }); // window 10:00: message letter
      app.pipeline.advance(20 * 60_000);
      await app.pipeline.uploadMappings({ deviceMapping, fhirMapping: withoutHeartRate });
      await app.send({ deviceId: 'dev-m', patientId: 'pat-m', endDate: slot, heartRate: 75 }); // window 10:15: the correction
      app.pipeline.advance(15 * 60_000);
      await app.tick(); // flushes 10:15: TemplateNotFound, a group letter
      const letters = (await app.app().adapters.cosmos.deadLetters.listDeadLetters({ maxItems: 100 })).items;
      expect(letters.map((l) => l.subject.kind).sort()).toEqual(['measurements', 'message']);

      await app.pipeline.uploadMappings({ deviceMapping, fhirMapping });
      const response = await replayThroughEndpoint();
      expect(response.jsonBody).toMatchObject({ deleted: 2 });

      app.pipeline.advance(60_000);
      const items = await unitsEnqueuedByTimer(app);
      // Storage queues keep no order: the later window first.
      items.sort((a, b) => b.unit.windowStart.localeCompare(a.unit.windowStart));
      await flushQueuedUnits(app, items);
      await app.tick();
      await app.tick();

      const heartRates = (await app.observations()).filter((o) => o.code?.coding?.some((c) => c.code === '8867-4'));
      expect(heartRates).toHaveLength(1);
      expect.soft(sampledValues(heartRates[0])[slot]).toBe('75');
      expect.soft(items.map((i) => i.unit)).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
