import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlushQueue, parseFlushMessage, toFlushMessageText } from '../../../shared/adapters/queue/flushQueue.js';
import type { WorkUnit } from '../../../shared/core/staging/stagingKeys.js';
import { startAzurite, type LocalAzurite } from '../../../shared/local/azurite.js';

const unit: WorkUnit = { windowStart: '2026-11-24T09:45:00.000Z', shard: '3' };

describe('flush queue on Azurite', () => {
  let azurite: LocalAzurite;

  beforeAll(async () => {
    azurite = await startAzurite();
  });

  afterAll(async () => {
    await azurite.close();
  });

  it('creates the queue once and sends one base64 JSON message per work unit, which the worker reads back', async () => {
    const queue = createFlushQueue({ connectionString: azurite.connectionString, queueName: 'flush-units' });
    await queue.ensure();
    await queue.ensure();
    const units: WorkUnit[] = [unit, { windowStart: '2026-11-24T10:00:00.000Z', shard: 'deadletter-replay-7' }];
    expect(await queue.enqueue(units)).toBe(2);

    const received = await queue.client.receiveMessages({ numberOfMessages: 32 });
    const texts = received.receivedMessageItems.map((item) => item.messageText);
    expect(texts).toHaveLength(2);
    // What the host hands the worker: the text itself (decoding off), or the decoded JSON as an object.
    const fromText = texts.map((text) => parseFlushMessage(text));
    const fromObject = texts.map((text) => parseFlushMessage(JSON.parse(Buffer.from(text, 'base64').toString('utf8'))));
    const byWindow = (a: WorkUnit | undefined, b: WorkUnit | undefined): number =>
      (a?.windowStart ?? '').localeCompare(b?.windowStart ?? '');
    expect(fromText.sort(byWindow)).toEqual(units);
    expect(fromObject.sort(byWindow)).toEqual(units);
  });
});

describe('parseFlushMessage', () => {
  it('reads a work unit given as an object, as JSON text or as base64 JSON text', () => {
    expect(parseFlushMessage({ ...unit })).toEqual(unit);
    expect(parseFlushMessage(JSON.stringify(unit))).toEqual(unit);
    expect(parseFlushMessage(`  ${JSON.stringify(unit)}\n`)).toEqual(unit);
    expect(parseFlushMessage(toFlushMessageText(unit))).toEqual(unit);
  });

  it('keeps only the unit: other members of the message are left out', () => {
    expect(parseFlushMessage({ ...unit, dequeueCount: 2 })).toEqual(unit);
  });

  it.each([
    ['no message', undefined],
    ['null', null],
    ['a number', 42],
    ['text that is neither JSON nor base64 JSON', 'not a unit'],
    ['JSON text that is not a unit', '{"windowStart":'],
    ['base64 of text that is not JSON', Buffer.from('window 3').toString('base64')],
    ['a unit without a shard', { windowStart: unit.windowStart }],
    ['a unit with a blank shard', { ...unit, shard: '' }],
    ['a unit whose shard is a number', { ...unit, shard: 3 }],
    ['a unit without a window start', { shard: '3' }],
    ['a window start that is no time', { ...unit, windowStart: 'yesterday' }],
    // Staged data is keyed by the toISOString form: another spelling of the time would flush nothing.
    ['a window start without milliseconds', { ...unit, windowStart: '2026-11-24T09:45:00Z' }],
    ['a window start with an offset', { ...unit, windowStart: '2026-11-24T10:45:00.000+01:00' }],
    ['a window start that is a date', { ...unit, windowStart: '2026-11-24' }],
  ])('gives undefined for %s', (_what, message) => {
    expect(parseFlushMessage(message)).toBeUndefined();
  });
});
