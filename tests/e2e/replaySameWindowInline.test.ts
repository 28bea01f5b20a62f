/**
 * FLUSH__MODE=inline: the older reading (70, 10:00:10) was rejected at ingest (a MESSAGE letter), the device's
 * correction of the same slot (75, 10:00:40, same window) failed at the FHIR stage (a GROUP letter). One replay puts
 * both in the device's replay shard, one unit of the 10:00 window, whose grouping keeps the later-ingested reading.
 * (A review found them in two shards, a message's by partition, flushed in shard-name order: the older reading last.)
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { replayThroughEndpoint, withoutTemplate } from '../support/replaySteps.js';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';
import { sampledValues } from '../pipeline/fixtures.js';

const slot = '2026-11-24T10:00:00.000Z';

describe('inline flush of a device replayed into a message shard and a group shard of one window', () => {
  it('ends with the newer reading of the slot', async () => {
    const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
    const brokenDevice = deviceMapping.replace('"$.matchedToken.heartRate"', '"$.matchedToken.heartRatee"');
    const fhirMapping = await readFile('samples/fhirmapping.json', 'utf8');
    const withoutHeartRate = withoutTemplate(fhirMapping, 'heartrate');
    const app = await startReconfigurableApp(
      { STAGING__WINDOW_MINUTES: '15', FLUSH__MODE: 'inline' },
      '2026-11-24T10:00:10.000Z',
    );
    try {
      await app.pipeline.uploadMappings({ deviceMapping: brokenDevice, fhirMapping: withoutHeartRate });
      await app.send({ deviceId: 'dev-i', patientId: 'pat-i', endDate: slot, heartRate: 70 }); // message letter
      app.pipeline.advance(30_000);
      await app.pipeline.uploadMappings({ deviceMapping });
      await app.send({ deviceId: 'dev-i', patientId: 'pat-i', endDate: slot, heartRate: 75 }); // staged
      app.pipeline.advance(20 * 60_000);
      await app.tick(); // 75 fails at the FHIR stage: group letter
      const letters = (await app.app().adapters.cosmos.deadLetters.listDeadLetters({ maxItems: 100 })).items;
      expect(letters.map((l) => l.subject.kind).sort()).toEqual(['measurements', 'message']);

      await app.pipeline.uploadMappings({ fhirMapping });
      const response = await replayThroughEndpoint();
      expect(response.jsonBody).toMatchObject({ deleted: 2 });
      app.pipeline.advance(60_000);
      const flushed = await app.tick();
      // One unit: the device's message and group go to its replay shard, where grouping keeps the later reading.
      expect(flushed.map((s) => s.unit.shard)).toEqual([expect.stringMatching(/-g\d+$/)]);
      const heartRates = (await app.observations()).filter((o) => o.code?.coding?.some((c) => c.code === '8867-4'));
      expect(heartRates).toHaveLength(1);
      expect(sampledValues(heartRates[0])[slot]).toBe('75');
    } finally {
      await app.close();
    }
  });
});
