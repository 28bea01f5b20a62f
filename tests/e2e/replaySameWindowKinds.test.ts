/**
 * Queue mode: a device's two readings of one slot in the SAME window, one rejected as a message (ingest) and the other
 * as a group (FHIR stage), are replayed into the device's replay shard, one unit, whose grouping keeps the later
 * reading. (A review found them in two shards, a message's by partition, enqueued at once: parallel workers, a storage
 * queue keeping no order, could write the OLDER reading last.)
 * Same method as tests/e2e/replayMixedKindsOrder.test.ts.
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

describe('a device whose older reading was rejected as a group and newer one as a message, in one window', () => {
  it('ends with the newer reading after one replay', async () => {
    const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
    const brokenDevice = deviceMapping.replace('"$.matchedToken.heartRate"', '"$.matchedToken.heartRatee"');
    const fhirMapping = await readFile('samples/fhirmapping.json', 'utf8');
    const parsed = JSON.parse(fhirMapping) as { template: { template: { typeName: string } }[] };
    const withoutHeartRate = JSON.stringify({
      ...parsed,
      template: parsed.template.filter((t) => t.template.typeName !== 'heartrate'),
    });
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ fhirMapping: withoutHeartRate });
      await app.send({ deviceId: 'dev-w', patientId: 'pat-w', endDate: slot, heartRate: 70 }); // 10:00:10 staged
      app.pipeline.advance(30_000);
      await app.pipeline.uploadMappings({ deviceMapping: brokenDevice });
      await app.send({ deviceId: 'dev-w', patientId: 'pat-w', endDate: slot, heartRate: 75 }); // 10:00:40 message letter
      app.pipeline.advance(20 * 60_000);
      await app.tick(); // the 10:00 window: 70 fails at the FHIR stage, a group letter
      const letters = (await app.app().adapters.cosmos.deadLetters.listDeadLetters({ maxItems: 100 })).items;
      expect(letters.map((l) => l.subject.kind).sort()).toEqual(['measurements', 'message']);

      await app.pipeline.uploadMappings({ deviceMapping, fhirMapping });
      const response = await replayDeadLetters(
        new HttpRequest({ method: 'POST', url: 'http://localhost/api/deadletters/replay', body: { string: '{}' } }),
        new InvocationContext({ functionName: 'replayDeadLetters' }),
      );
      expect(response.jsonBody).toMatchObject({ deleted: 2 });

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
        unit: JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')) as {
          windowStart: string;
          shard: string;
        },
      }));
      // Both units of the one window are enqueued at once; a storage queue keeps no order: the message shard first.
      // One unit: the device's message and group go to its replay shard, where grouping keeps the later reading.
      expect(items.map((i) => i.unit.shard)).toEqual([expect.stringMatching(/^deadletter-replay-g/)]);
      items.sort((a, b) => b.unit.shard.localeCompare(a.unit.shard));
      for (const { item, unit } of items) {
        await flushWorker(unit, context('flushWorker'));
        await queue.deleteMessage(item.messageId, item.popReceipt);
      }
      await app.tick();

      const heartRates = (await app.observations()).filter((o) => o.code?.coding?.some((c) => c.code === '8867-4'));
      expect(heartRates).toHaveLength(1);
      expect(sampledValues(heartRates[0])[slot]).toBe('75');
    } finally {
      await app.close();
    }
  });
});

describe('control: the same units taken in the other order', () => {
  it('ends with the newer reading after one replay', async () => {
    const deviceMapping = await readFile('samples/devicecontent.json', 'utf8');
    const brokenDevice = deviceMapping.replace('"$.matchedToken.heartRate"', '"$.matchedToken.heartRatee"');
    const fhirMapping = await readFile('samples/fhirmapping.json', 'utf8');
    const parsed = JSON.parse(fhirMapping) as { template: { template: { typeName: string } }[] };
    const withoutHeartRate = JSON.stringify({
      ...parsed,
      template: parsed.template.filter((t) => t.template.typeName !== 'heartrate'),
    });
    const app = await startReconfigurableApp({ STAGING__WINDOW_MINUTES: '15' }, '2026-11-24T10:00:10.000Z');
    try {
      await app.pipeline.uploadMappings({ fhirMapping: withoutHeartRate });
      await app.send({ deviceId: 'dev-w', patientId: 'pat-w', endDate: slot, heartRate: 70 }); // 10:00:10 staged
      app.pipeline.advance(30_000);
      await app.pipeline.uploadMappings({ deviceMapping: brokenDevice });
      await app.send({ deviceId: 'dev-w', patientId: 'pat-w', endDate: slot, heartRate: 75 }); // 10:00:40 message letter
      app.pipeline.advance(20 * 60_000);
      await app.tick(); // the 10:00 window: 70 fails at the FHIR stage, a group letter
      const letters = (await app.app().adapters.cosmos.deadLetters.listDeadLetters({ maxItems: 100 })).items;
      expect(letters.map((l) => l.subject.kind).sort()).toEqual(['measurements', 'message']);

      await app.pipeline.uploadMappings({ deviceMapping, fhirMapping });
      const response = await replayDeadLetters(
        new HttpRequest({ method: 'POST', url: 'http://localhost/api/deadletters/replay', body: { string: '{}' } }),
        new InvocationContext({ functionName: 'replayDeadLetters' }),
      );
      expect(response.jsonBody).toMatchObject({ deleted: 2 });

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
        unit: JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')) as {
          windowStart: string;
          shard: string;
        },
      }));
      // The group shard first.
      // One unit: the device's message and group go to its replay shard, where grouping keeps the later reading.
      expect(items.map((i) => i.unit.shard)).toEqual([expect.stringMatching(/^deadletter-replay-g/)]);
      items.sort((a, b) => a.unit.shard.localeCompare(b.unit.shard));
      for (const { item, unit } of items) {
        await flushWorker(unit, context('flushWorker'));
        await queue.deleteMessage(item.messageId, item.popReceipt);
      }
      await app.tick();

      const heartRates = (await app.observations()).filter((o) => o.code?.coding?.some((c) => c.code === '8867-4'));
      expect(heartRates).toHaveLength(1);
      expect(sampledValues(heartRates[0])[slot]).toBe('75');
    } finally {
      await app.close();
    }
  });
});
