/**
 * A kept dead letter replayed twice, the second replay's mapping making the message yield errors only, or nothing:
 * the second replay supersedes the first replay's staging in the device's shard, although it stages nothing itself
 * (it would go to the partition's shard), so nothing of the first replay is written. A review found it flushed.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  editMapping as edit,
  replayThroughEndpoint,
  templateNamed as template,
  type MappingJson,
} from '../support/replaySteps.js';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';

const slot = '2026-11-24T10:00:00.000Z';

const replay = async () => (await replayThroughEndpoint()).jsonBody as Record<string, unknown>;

describe.each([
  [
    'errors only',
    (m: MappingJson) => {
      template(m, 'heartrate').values[0]!.valueExpression = '$.matchedToken.heartRatee';
      template(m, 'bloodpressure').values[0]!.valueExpression = '$.matchedToken.systolicc';
    },
    { rejectedAgain: 1, measurementsStaged: 0 },
  ],
  [
    'nothing',
    (m: MappingJson) => {
      template(m, 'heartrate').typeMatchExpression = '$..[?(@heartRateX)]';
      template(m, 'bloodpressure').typeMatchExpression = '$..[?(@systolicX)]';
    },
    { yieldedNothing: 1, measurementsStaged: 0 },
  ],
])('a kept dead letter whose second replay yields %s', (_name, second, counts) => {
  it('writes nothing of the first replay', async () => {
    const good = await readFile('samples/devicecontent.json', 'utf8');
    const brokenBoth = edit(good, (m) => {
      template(m, 'heartrate').values[0]!.valueExpression = '$.matchedToken.heartRatee';
      template(m, 'bloodpressure').values[0]!.valueExpression = '$.matchedToken.systolicc';
    });
    const heartRateOnly = edit(good, (m) => {
      template(m, 'bloodpressure').values[0]!.valueExpression = '$.matchedToken.systolicc';
    });
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ deviceMapping: brokenBoth });
      await app.send({
        deviceId: 'dev-a',
        patientId: 'pat-a',
        endDate: slot,
        heartRate: 70,
        systolic: 120,
        diastolic: 80,
      });
      app.pipeline.advance(20 * 60_000);
      await app.tick();

      await app.pipeline.uploadMappings({ deviceMapping: heartRateOnly });
      expect(await replay()).toMatchObject({ measurementsStaged: 1, rejectedAgain: 1 });
      await app.pipeline.uploadMappings({ deviceMapping: edit(good, second) });
      expect(await replay()).toMatchObject(counts);

      app.pipeline.advance(60_000);
      await app.tick();
      expect((await app.observations()).length).toBe(0);
    } finally {
      await app.close();
    }
  });
});
