/**
 * Replay shards go at their own pace: 8 devices of 8 different replay shards, each with one message rejected in
 * another 15-minute window (2 hours), are all flushed by the next timer run. (An ordering rule that took all replay
 * shards as one flushed one window a run, however unrelated the devices, and was taken back: a device's replayed data
 * now shares one shard instead.)
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { replayShardOfDevice } from '../../shared/core/staging/deadLetterReplay.js';
import { replayThroughEndpoint } from '../support/replaySteps.js';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';

describe('a replay of 8 devices rejected in 8 different windows', () => {
  it('is flushed by the next timer run', async () => {
    const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
    const brokenDevice = deviceMapping.replace('"$.matchedToken.heartRate"', '"$.matchedToken.heartRatee"');
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ deviceMapping: brokenDevice });
      // Devices of 8 different replay shards (devices that share one are flushed one window after the other).
      const deviceIds: string[] = [];
      const shards = new Set<string>();
      for (let k = 0; deviceIds.length < 8; k += 1) {
        const shard = replayShardOfDevice(`dev-${k}`);
        if (!shards.has(shard)) {
          shards.add(shard);
          deviceIds.push(`dev-${k}`);
        }
      }
      for (let i = 0; i < 8; i += 1) {
        const endDate = app.pipeline.now().toISOString();
        await app.send({ deviceId: deviceIds[i], patientId: `pat-${i}`, endDate, heartRate: 60 + i }, String(i));
        app.pipeline.advance(15 * 60_000);
      }
      app.pipeline.advance(5 * 60_000);
      await app.pipeline.uploadMappings({ deviceMapping });
      const response = await replayThroughEndpoint();
      expect(response.jsonBody).toMatchObject({ deleted: 8 });

      app.pipeline.advance(60_000);
      const flushed = await app.tick();
      const devicesWritten = new Set(
        (await app.observations())
          .filter((o) => o.code?.coding?.some((c) => c.code === '8867-4'))
          .map((o) => o.device?.reference),
      );
      expect({ units: flushed.length, devicesWritten: devicesWritten.size }).toEqual({ units: 8, devicesWritten: 8 });
    } finally {
      await app.close();
    }
  });
});
