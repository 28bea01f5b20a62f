/**
 * STAGING__WINDOW_MINUTES changed by a restart while data is staged, through the real ingest, timer and queue-worker
 * handlers on the local services: a device's correction of a slot, staged after the change, still wins over the
 * reading staged before it, with the timer running every minute (windows of two lengths are flushed in the order
 * their events were ingested).
 */
import { describe, expect, it } from 'vitest';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';
import { sampledValues } from '../pipeline/fixtures.js';

const reading = (slot: string, heartRate: number): Record<string, unknown> => ({
  deviceId: 'reconf-device',
  patientId: 'reconf-patient',
  endDate: slot,
  heartRate,
});

/**
 * Stages 70 for `slot` at the start under `before` minutes, restarts with `after` minutes `restartAfterMs` later,
 * stages the correction 75 two minutes after that, runs the timer every minute until 11:10, and gives the slot's value.
 */
async function correctedValue(start: string, slot: string, before: string, after: string, restartAfterMs: number) {
  const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: before }, start);
  try {
    await app.send(reading(slot, 70));
    app.pipeline.advance(restartAfterMs);
    await app.restart({ STAGING__WINDOW_MINUTES: after });
    app.pipeline.advance(2 * 60_000);
    await app.send(reading(slot, 75));
    while (app.pipeline.now() < new Date('2026-11-24T11:10:00.000Z')) {
      app.pipeline.advance(60_000);
      await app.tick();
    }
    const observations = (await app.observations()).filter((o) =>
      o.code?.coding?.some((coding) => coding.code === '8867-4'),
    );
    expect(observations).toHaveLength(1);
    return sampledValues(observations[0])[slot];
  } finally {
    await app.close();
  }
}

describe('a window length changed while data is staged', () => {
  it('lowered (60 → 5 at 10:20): the 5-minute windows wait for the open hour that holds the earlier reading', async () => {
    const slot = '2026-11-24T10:05:00.000Z';
    expect(await correctedValue(slot, slot, '60', '5', 15 * 60_000)).toBe('75');
  });

  it('raised (15 → 60 at 10:50): of the two windows ending at 11:00, the one staged first is flushed first', async () => {
    const slot = '2026-11-24T10:46:00.000Z';
    expect(await correctedValue('2026-11-24T10:47:00.000Z', slot, '15', '60', 3 * 60_000)).toBe('75');
  });
});
