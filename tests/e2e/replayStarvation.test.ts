/**
 * One replay unit that keeps failing (here FHIR answers 500 to every request about one device) holds back only its own
 * shard's later windows, not every other replay shard's. (An ordering rule that took all replay shards as one held
 * them all back, and was taken back.)
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { replayThroughEndpoint } from '../support/replaySteps.js';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';
import { startFaultProxy } from '../support/faultProxy.js';

describe('a replay unit of one device that keeps failing', () => {
  it('does not hold back another device replayed in another shard', async () => {
    const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
    const brokenDevice = deviceMapping.replace('"$.matchedToken.heartRate"', '"$.matchedToken.heartRatee"');
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    const proxy = await startFaultProxy(app.pipeline.endpoints.fhir);
    try {
      await app.restart({ FHIR__URL: proxy.url, FHIR__MAX_ATTEMPTS: '1' });
      await app.pipeline.uploadMappings({ deviceMapping: brokenDevice });
      await app.send(
        { deviceId: 'dev-bad', patientId: 'pat-bad', endDate: app.pipeline.now().toISOString(), heartRate: 70 },
        '0',
      );
      app.pipeline.advance(15 * 60_000); // 10:15:10
      await app.send(
        { deviceId: 'dev-ok', patientId: 'pat-ok', endDate: app.pipeline.now().toISOString(), heartRate: 80 },
        '1',
      );
      app.pipeline.advance(20 * 60_000);
      await app.pipeline.uploadMappings({ deviceMapping });
      const response = await replayThroughEndpoint();
      expect(response.jsonBody).toMatchObject({ deleted: 2 });

      proxy.inject({
        fault: { kind: 'status', status: 500 },
        times: Infinity,
        match: (r) => /(dev|pat)-bad/.test(r.path),
      });
      for (let i = 0; i < 5; i += 1) {
        app.pipeline.advance(60_000);
        await app.tick(); // the 10:00 unit of deadletter-replay-p0 fails each time (FHIR 500 on dev-bad)
      }
      const devices = (await app.observations()).map((o) => o.device?.reference);
      const enqueued = app.logs.filter((l) => l.includes('enqueued')).map((l) => l.replace(/.*flushTimer /, ''));
      // dev-ok's 10:15 unit (deadletter-replay-p1) is never enqueued while dev-bad's 10:00 unit keeps failing.
      expect(devices.length, `devices written; timer runs: ${enqueued.join('; ')}`).toBe(1);
    } finally {
      await proxy.close();
      await app.close();
    }
  });
});
