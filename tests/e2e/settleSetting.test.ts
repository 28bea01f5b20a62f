/**
 * STAGING__SETTLE_SECONDS reaches the staging store the app builds: a unit holding the chunks of a staging cut short
 * before its head waits while they are younger than the setting, and is flushed as it is with a setting of 0.
 */
import { readFile } from 'node:fs/promises';
import type { Container } from '@azure/cosmos';
import { expect, it } from 'vitest';
import { startLocalPipeline } from '../../scripts/localPipeline.js';
import { CosmosStagingStore } from '../../shared/adapters/cosmos/cosmosStagingStore.js';
import type { Measurement } from '../../shared/core/measurement.js';
import { localClient } from '../adapters/cosmos/cosmosTestSupport.js';

/** Thirty heart rates ingested at 10:01, each with a note long enough that six thousand bytes hold only a few. */
const readings: Measurement[] = Array.from({ length: 30 }, (_, i) => ({
  type: 'hr',
  occurrenceTimeUtc: new Date(Date.parse('2026-11-24T10:00:00.000Z') + i * 1000).toISOString(),
  ingestionTimeUtc: '2026-11-24T10:01:00.000Z',
  deviceId: 'settle-device',
  properties: [
    { name: 'hr', value: String(60 + i) },
    { name: 'note', value: 'x'.repeat(400) },
  ],
}));

/** The container, refusing to write a staging head (chunk 0): a staging that stops after its later chunks. */
function withoutHeads(container: Container): Container {
  const refuse = (document: { chunk?: number }): Promise<never> | undefined =>
    document.chunk === 0 ? Promise.reject(new Error('the process died')) : undefined;
  const items = container.items;
  const wrapped = Object.assign(Object.create(items) as typeof items, {
    create: (document: { chunk?: number }) => refuse(document) ?? items.create(document),
    upsert: (document: { chunk?: number }) => refuse(document) ?? items.upsert(document),
  });
  return new Proxy(container, {
    get: (target, prop): unknown => (prop === 'items' ? wrapped : (Reflect.get(target, prop) as unknown)),
  });
}

it.each([
  ['waits for', {}, 'settling'],
  ['flushes at once with STAGING__SETTLE_SECONDS=0', { STAGING__SETTLE_SECONDS: '0' }, 'flushed'],
])('%s a unit holding a staging cut short before its head', async (_label, settings, status) => {
  const pipeline = await startLocalPipeline({
    deviceMapping: await readFile('samples/devicecontent.json', 'utf8'),
    fhirMapping: await readFile('samples/fhirmapping.json', 'utf8'),
    startTime: new Date('2026-11-24T10:00:00.000Z'),
    settings,
  });
  const client = localClient(pipeline.endpoints.cosmos, 'local');
  try {
    const container = client.database('medtech').container('staging');
    const cutShort = new CosmosStagingStore(withoutHeads(container), { maxDocumentBytes: 6_000 });
    await expect(cutShort.stageBatch('0', { first: 1, last: 30 }, readings)).rejects.toThrow();
    pipeline.advance(17 * 60_000);
    const [unit] = await pipeline.services.planFlush();
    if (unit === undefined) {
      throw new Error('nothing to flush');
    }

    expect((await pipeline.services.flushUnit(unit)).status).toBe(status);
  } finally {
    client.dispose();
    await pipeline.close();
  }
});
