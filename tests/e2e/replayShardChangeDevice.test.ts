/**
 * Replaying the same message twice supersedes the first replay's staging also when the second replay's normalization
 * lands in another replay shard (a message's shard is chosen from what the mapping makes of it: here the mapping was
 * fixed between the replays, from the wrong device id to the right one): only what the second replay staged is
 * written. A review found the first replay's staging left in its shard and flushed too.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { editMapping as edit, replayThroughEndpoint, templateNamed as template } from '../support/replaySteps.js';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';

const slot = '2026-11-24T10:00:00.000Z';

const replay = async () => (await replayThroughEndpoint()).jsonBody as Record<string, unknown>;

describe('a kept dead letter replayed twice, the device id corrected in between', () => {
  it('writes only what the second replay staged', async () => {
    const good = await readFile('samples/devicecontent.json', 'utf8');
    const brokenBoth = edit(good, (m) => {
      template(m, 'heartrate').values[0]!.valueExpression = '$.matchedToken.heartRatee';
      template(m, 'bloodpressure').values[0]!.valueExpression = '$.matchedToken.systolicc';
    });
    // Heart rate fixed, but its device id taken from the gateway by mistake; blood pressure still broken.
    const wrongDevice = edit(good, (m) => {
      template(m, 'heartrate').deviceIdExpression = '$.matchedToken.gatewayId';
      template(m, 'bloodpressure').values[0]!.valueExpression = '$.matchedToken.systolicc';
    });
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ deviceMapping: brokenBoth });
      await app.send({
        deviceId: 'dev-a',
        gatewayId: 'gw-1',
        patientId: 'pat-a',
        endDate: slot,
        heartRate: 70,
        systolic: 120,
        diastolic: 80,
      });
      app.pipeline.advance(20 * 60_000);
      await app.tick();

      await app.pipeline.uploadMappings({ deviceMapping: wrongDevice });
      const first = await replay();
      expect(first).toMatchObject({ measurementsStaged: 1, rejectedAgain: 1 });
      const kept = (await app.app().adapters.cosmos.deadLetters.listDeadLetters({ maxItems: 100 })).items;
      expect(kept.length).toBeGreaterThan(0);

      await app.pipeline.uploadMappings({ deviceMapping: good });
      const second = await replay();
      expect(second).toMatchObject({ measurementsStaged: 2, rejectedAgain: 0 });

      app.pipeline.advance(60_000);
      const units = await app.tick();
      const devices = new Set((await app.observations()).map((o) => o.device?.reference ?? ''));
      const deviceResources = (await app.pipeline.exportResources()).filter((r) => r.resourceType === 'Device');
      expect({
        units: units.map((u) => (u as { shard?: string }).shard ?? JSON.stringify(u).slice(0, 120)),
        observationDevices: devices.size,
        deviceIdentifiers: deviceResources.map(
          (d) => (d as { identifier?: { value?: string }[] }).identifier?.[0]?.value,
        ),
      }).toMatchObject({ observationDevices: 1, deviceIdentifiers: ['dev-a'] });
    } finally {
      await app.close();
    }
  });
});
