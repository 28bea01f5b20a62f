/**
 * The same dead letter replayed twice, the first replay staged in the partition's replay shard (its message then
 * yielded two devices) and the second in the device's (it now yields one): the first replay's staging is superseded,
 * so the slot ends with the value the second replay staged. A review found the first replay's wrong value flushed
 * last and kept.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { editMapping as edit, replayThroughEndpoint, templateNamed as template } from '../support/replaySteps.js';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';
import { sampledValues } from '../pipeline/fixtures.js';

const slot = '2026-11-24T10:00:00.000Z';

const replay = async () => (await replayThroughEndpoint()).jsonBody as Record<string, unknown>;

describe('a kept dead letter replayed twice, the mapping corrected in between', () => {
  it('ends with the value the second replay staged', async () => {
    const good = await readFile('samples/devicecontent.json', 'utf8');
    const brokenAll = edit(good, (m) => {
      template(m, 'heartrate').values[0]!.valueExpression = '$.matchedToken.heartRatee';
      template(m, 'bloodpressure').values[0]!.valueExpression = '$.matchedToken.systolicc';
      template(m, 'stepcount').values[0]!.valueExpression = '$.matchedToken.stepss';
    });
    // An attempted fix with two mistakes (heart rate read from `pulse`, blood pressure's device from the gateway);
    // step count still broken, so the letter is kept (rejected again).
    const attempt = edit(good, (m) => {
      template(m, 'heartrate').values[0]!.valueExpression = '$.matchedToken.pulse';
      template(m, 'bloodpressure').deviceIdExpression = '$.matchedToken.gatewayId';
      template(m, 'stepcount').values[0]!.valueExpression = '$.matchedToken.stepss';
    });
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ deviceMapping: brokenAll });
      await app.send({
        deviceId: 'dev-a',
        gatewayId: 'gw-1',
        patientId: 'pat-a',
        endDate: slot,
        heartRate: 70,
        pulse: 72,
        systolic: 120,
        diastolic: 80,
        steps: 100,
      });
      app.pipeline.advance(20 * 60_000);
      await app.tick();

      await app.pipeline.uploadMappings({ deviceMapping: attempt });
      expect(await replay()).toMatchObject({ measurementsStaged: 2, rejectedAgain: 1, kept: 1 });

      await app.pipeline.uploadMappings({ deviceMapping: good });
      expect(await replay()).toMatchObject({ measurementsStaged: 3, rejectedAgain: 0, deleted: 1 });

      app.pipeline.advance(60_000);
      await app.tick();
      const observations = await app.observations();
      const heartRate = observations.find((o) => o.code?.coding?.some((c) => c.code === '8867-4'));
      const devices = (await app.pipeline.exportResources())
        .filter((r) => r.resourceType === 'Device')
        .map((d) => (d as { identifier?: { value?: string }[] }).identifier?.[0]?.value);
      expect({ heartRateAtSlot: sampledValues(heartRate)[slot], devices }).toEqual({
        heartRateAtSlot: '70',
        devices: ['dev-a'],
      });
    } finally {
      await app.close();
    }
  });
});
