/**
 * A replay shard's units flush oldest window first, as a partition's do: the sequence numbers staged in them are
 * hashes that name dead letters, not the order their events came in. Two readings of one slot, rejected in two
 * windows and replayed together: the later one (whose hash is the smaller here) still wins.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';
import { sampledValues } from '../pipeline/fixtures.js';
import { replayDeadLetters } from '../../functions/deadLetters.js';

const reading = (slot: string, heartRate: number): Record<string, unknown> => ({
  deviceId: 'replay-order-device',
  patientId: 'replay-order-patient',
  endDate: slot,
  heartRate,
});

describe('a replay shard', () => {
  it('flushes its windows oldest first: a correction rejected in a later window and replayed with the earlier reading still wins', async () => {
    const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
    const broken = deviceMapping.replace('"$.matchedToken.heartRate"', '"$.matchedToken.heartRatee"');
    expect(broken).not.toBe(deviceMapping);
    const slot = '2026-11-24T10:00:00.000Z';
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ deviceMapping: broken });
      // Partition 0, seq 0: a filler (blood pressure, another device), so that the two readings get seq 1 and 2,
      // whose replay hashes are in the reverse order (hash(message|0|2) < hash(message|0|1)).
      await app.send({ deviceId: 'filler', patientId: 'filler-p', endDate: slot, systolic: 120, diastolic: 80 });
      await app.send(reading(slot, 70)); // seq 1, window 10:00–10:15: rejected (heartRatee)
      app.pipeline.advance(20 * 60_000);
      await app.send(reading(slot, 75)); // seq 2, window 10:15–10:30: the correction, rejected too
      app.pipeline.advance(15 * 60_000); // 10:35: both windows closed
      await app.tick();
      expect(await app.pipeline.deadLetterCounts()).toMatchObject({ IncompatibleData: 2 });

      await app.pipeline.uploadMappings({ deviceMapping });
      const response = await replayDeadLetters(
        new HttpRequest({
          method: 'POST',
          url: 'http://localhost/api/deadletters/replay',
          body: { string: '{}' },
        }),
        new InvocationContext({ functionName: 'replayDeadLetters' }),
      );
      expect(response.status).toBe(200);
      for (let i = 0; i < 5; i += 1) {
        app.pipeline.advance(60_000);
        await app.tick();
      }
      const observations = (await app.observations()).filter(
        (o) => o.code?.coding?.some((coding) => coding.code === '8867-4') && o.device?.reference !== undefined,
      );
      expect(observations).toHaveLength(1);
      expect(sampledValues(observations[0])[slot]).toBe('75');
    } finally {
      await app.close();
    }
  });
});
