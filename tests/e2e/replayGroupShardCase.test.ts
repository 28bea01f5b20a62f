/**
 * Replayed groups of one device whose id differs in letter case between two windows (`DEV-G`, then `dev-g`: identity
 * resolution takes a Device whose identifier differs only in case, so both write the same Observations) share a
 * replay shard (the trimmed id in any case), whose windows are flushed oldest first. A review found them in two
 * shards, both windows enqueued by one timer run, and the workers (Storage queues keep no order) writing the older
 * reading of a slot last.
 *
 * Same harness as tests/e2e/replayGroupOrder.test.ts; the only change is the case of the device id in the correction.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { startReconfigurableApp } from '../support/reconfigurableApp.js';
import { sampledValues } from '../pipeline/fixtures.js';
import { replayDeadLetters } from '../../functions/deadLetters.js';
import { flushTimer } from '../../functions/flushTimer.js';
import { flushWorker } from '../../functions/flushWorker.js';
import { createFlushQueue } from '../../shared/adapters/queue/flushQueue.js';

const slot = '2026-11-24T10:00:00.000Z';

describe('replayed groups of one device whose id differs in letter case between two windows', () => {
  it('are flushed oldest window first, so the later reading of a slot wins', async () => {
    const fhirMapping = await readFile('samples/fhirmapping.json', 'utf8');
    const parsed = JSON.parse(fhirMapping) as { template: { template: { typeName: string } }[] };
    const withoutHeartRate = JSON.stringify({
      ...parsed,
      template: parsed.template.filter((t) => t.template.typeName !== 'heartrate'),
    });
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ fhirMapping: withoutHeartRate });
      await app.send({ deviceId: 'DEV-G', patientId: 'pat-g', endDate: slot, heartRate: 70 }); // window 10:00
      app.pipeline.advance(20 * 60_000);
      await app.tick();
      // Window 10:15: the same device (its id in another case) corrects the 10:00:00 reading.
      await app.send({ deviceId: 'dev-g', patientId: 'pat-g', endDate: slot, heartRate: 75 });
      app.pipeline.advance(15 * 60_000);
      await app.tick();

      await app.pipeline.uploadMappings({ fhirMapping });
      const response = await replayDeadLetters(
        new HttpRequest({ method: 'POST', url: 'http://localhost/api/deadletters/replay', body: { string: '{}' } }),
        new InvocationContext({ functionName: 'replayDeadLetters' }),
      );
      expect(response.jsonBody).toMatchObject({ examined: { groups: 2 }, deleted: 2 });

      app.pipeline.advance(60_000);
      const context = (name: string) => new InvocationContext({ functionName: name });
      await flushTimer(
        {
          isPastDue: false,
          schedule: { adjustForDST: false },
          scheduleStatus: { last: '', next: '', lastUpdated: '' },
        },
        context('flushTimer'),
      );
      const queue = createFlushQueue({
        connectionString: app.pipeline.endpoints.storageConnectionString,
        queueName: app.app().config.flush.queueName,
      }).client;
      const received = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
      const items = received.receivedMessageItems.map((item) => ({
        item,
        unit: JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')) as { windowStart: string },
      }));
      // The workers take the messages in any order (Storage queues keep none): here, the later window first.
      items.sort((a, b) => b.unit.windowStart.localeCompare(a.unit.windowStart));
      for (const { item, unit } of items) {
        await flushWorker(unit, context('flushWorker'));
        await queue.deleteMessage(item.messageId, item.popReceipt);
      }
      await app.tick();
      await app.tick();

      const heartRate = (await app.observations()).find((o) => o.code?.coding?.some((c) => c.code === '8867-4'));
      // Both readings went to ONE Observation (identity resolution took the case variant) ...
      expect((await app.observations()).filter((o) => o.code?.coding?.some((c) => c.code === '8867-4'))).toHaveLength(
        1,
      );
      // ... and only the older window should have been enqueued first, as for one spelling of the id.
      expect.soft(sampledValues(heartRate)[slot]).toBe('75');
      expect.soft(items.map((i) => i.unit.windowStart)).toEqual(['2026-11-24T10:00:00.000Z']);
    } finally {
      await app.close();
    }
  });
});
