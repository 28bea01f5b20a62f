/**
 * A replay deletes its dead letters once all of its data is staged, the oldest data first and one at a time, stopping
 * at the first failure: when it stops part-way (a 503 the README says to answer by calling again; a process that
 * dies) or runs twice at once (a client retrying after a timeout while the first call still runs), what is left is
 * the NEWER reading, and a rerun cannot write an older reading of a slot alone over its correction. A review found the
 * letters deleted as each of 8 tasks finished: the rerun then staged the older reading alone and wrote it over the
 * correction (control: a clean single replay of the same two dead letters ends with the correction).
 *
 * Real handlers on the local Cosmos server, Azurite and the embedded FHIR server. The only fake is around the
 * dead-letter store of the FIRST replay call: one delete fails as Cosmos DB throttling past the SDK's retries does
 * (the local server cannot be made to throttle one request), or is held until the test lets it go (a slow request).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { startReconfigurableApp, type ReconfigurableApp } from '../support/reconfigurableApp.js';
import { sampledValues } from '../pipeline/fixtures.js';
import { replayDeadLetters as replayHandler } from '../../functions/deadLetters.js';
import { setAppServices } from '../../shared/app/appServices.js';
import { parseDeviceMapping } from '../../shared/core/mapping/parseDeviceMapping.js';
import { StagingUnavailableError } from '../../shared/adapters/cosmos/stagingUnavailableError.js';
import { replayDeadLetters } from '../../shared/pipeline/replayDeadLetters.js';
import type { DeadLetterStore } from '../../shared/pipeline/stagingPorts.js';
import { signal } from '../support/signal.js';

const slot = '2026-11-24T10:00:00.000Z';

/**
 * Two heart rates of one slot, both rejected by a broken mapping: 70 at 10:00:10, then the device's correction, 75, at
 * 10:00:40 (same partition, same window). Then the mapping is fixed. Returns the fixed mapping's text and the id of
 * the OLDER reading's dead letter.
 */
async function rejectReadingAndCorrection(app: ReconfigurableApp): Promise<{ deviceMapping: string; olderId: string }> {
  const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
  const broken = deviceMapping.replace('"$.matchedToken.heartRate"', '"$.matchedToken.heartRatee"');
  expect(broken).not.toBe(deviceMapping);
  await app.pipeline.uploadMappings({ deviceMapping: broken });
  await app.send({ deviceId: 'dev-q', patientId: 'pat-q', endDate: slot, heartRate: 70 }); // seq 0
  app.pipeline.advance(30_000);
  await app.send({ deviceId: 'dev-q', patientId: 'pat-q', endDate: slot, heartRate: 75 }); // seq 1: the correction
  app.pipeline.advance(20 * 60_000);
  await app.tick();
  const letters = (await app.app().adapters.cosmos.deadLetters.listDeadLetters({ maxItems: 100 })).items;
  expect(letters).toHaveLength(2);
  const older = letters.find((l) => l.subject.kind === 'message' && l.subject.coordinates.sequenceNumber === 0);
  if (older === undefined) {
    throw new Error('the older reading was not dead-lettered');
  }
  await app.pipeline.uploadMappings({ deviceMapping });
  return { deviceMapping, olderId: older.id };
}

async function heartRateAtSlot(app: ReconfigurableApp): Promise<string | undefined> {
  const observation = (await app.observations()).find((o) => o.code?.coding?.some((c) => c.code === '8867-4'));
  return sampledValues(observation)[slot];
}

const replayRequest = (): HttpRequest =>
  new HttpRequest({ method: 'POST', url: 'http://localhost/api/deadletters/replay', body: { string: '{}' } });
const context = (): InvocationContext => new InvocationContext({ functionName: 'replayDeadLetters' });

/** Runs `times` timer ticks, a minute apart. */
async function ticks(app: ReconfigurableApp, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    app.pipeline.advance(60_000);
    await app.tick();
  }
}

/** The app's services, with the replay use case going through `deadLetters` instead of the Cosmos store. */
function withReplayStore(app: ReconfigurableApp, deviceMapping: string, deadLetters: DeadLetterStore): void {
  const parsed = parseDeviceMapping(deviceMapping);
  if (!parsed.ok) {
    throw new Error('the sample device mapping is invalid');
  }
  const services = app.app();
  setAppServices({
    ...services,
    replayDeadLetters: (options) =>
      replayDeadLetters(
        parsed.value,
        { staging: services.adapters.cosmos.staging, deadLetters, now: () => app.pipeline.now() },
        options,
      ),
  });
}

describe('a replay that stopped part-way, called again as the README says', () => {
  it('leaves FHIR with the correction, as one replay of both dead letters does', async () => {
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      const { deviceMapping, olderId } = await rejectReadingAndCorrection(app);
      const store = app.app().adapters.cosmos.deadLetters;
      // First call: both readings are staged; deleting the older one's dead letter is throttled past the retries.
      withReplayStore(app, deviceMapping, {
        addDeadLetters: (records) => store.addDeadLetters(records),
        listDeadLetters: (query) => store.listDeadLetters(query),
        readDeadLetter: (key) => store.readDeadLetter(key),
        deleteDeadLetters: (keys) =>
          keys.some((key) => key.id === olderId)
            ? Promise.reject(new StagingUnavailableError('Cosmos DB delete dead letter throttled', { statusCode: 429 }))
            : store.deleteDeadLetters(keys),
      });
      const first = await replayHandler(replayRequest(), context());
      expect(first.status).toBe(503);
      // The older reading's letter goes first: its failed delete stops the call before the correction's.
      expect(first.jsonBody).toMatchObject({ summary: { measurementsStaged: 2, deleted: 0 } });
      setAppServices(app.app());

      // The next timer run flushes what the first call staged: the correction wins, as in a clean replay.
      await ticks(app, 2);
      expect(await heartRateAtSlot(app)).toBe('75');

      // "call again": the second call replays what is left.
      const second = await replayHandler(replayRequest(), context());
      expect(second.status).toBe(200);
      await ticks(app, 3);

      expect(await heartRateAtSlot(app)).toBe('75');
    } finally {
      await app.close();
    }
  });
});

describe('a replay retried by its client while the first call still runs', () => {
  it('leaves FHIR with the correction', async () => {
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      const { deviceMapping, olderId } = await rejectReadingAndCorrection(app);
      const store = app.app().adapters.cosmos.deadLetters;
      // The first call's delete of the older reading's dead letter is slow (Cosmos DB throttling, retried by the SDK).
      const slowDeleteStarted = signal();
      const letGo = signal();
      withReplayStore(app, deviceMapping, {
        addDeadLetters: (records) => store.addDeadLetters(records),
        listDeadLetters: (query) => store.listDeadLetters(query),
        readDeadLetter: (key) => store.readDeadLetter(key),
        deleteDeadLetters: async (keys) => {
          if (keys.some((key) => key.id === olderId)) {
            slowDeleteStarted.fire();
            await letGo.fired;
          }
          return store.deleteDeadLetters(keys);
        },
      });
      const first = replayHandler(replayRequest(), context());
      await slowDeleteStarted.fired;
      setAppServices(app.app());

      // Meanwhile the timer flushes what the first call staged, and the client, timed out, sends the request again.
      await ticks(app, 2);
      expect(await heartRateAtSlot(app)).toBe('75');
      const retried = await replayHandler(replayRequest(), context());
      expect(retried.status).toBe(200);
      letGo.fire();
      expect((await first).status).toBe(200);
      await ticks(app, 3);

      expect(await heartRateAtSlot(app)).toBe('75');
    } finally {
      await app.close();
    }
  });
});

describe('control: one replay of both dead letters', () => {
  it('leaves FHIR with the correction', async () => {
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await rejectReadingAndCorrection(app);
      expect((await replayHandler(replayRequest(), context())).status).toBe(200);
      await ticks(app, 3);
      expect(await heartRateAtSlot(app)).toBe('75');
    } finally {
      await app.close();
    }
  });
});
