/**
 * A batch delivered again after the device mapping changed, cut the same way: the redelivery stages each event as the
 * new mapping makes it, on the local Cosmos DB server, also where the new mapping makes nothing of a window's events.
 */
import { describe, expect, it } from 'vitest';
import { CosmosDeadLetterStore } from '../../shared/adapters/cosmos/cosmosDeadLetterStore.js';
import { CosmosStagingStore } from '../../shared/adapters/cosmos/cosmosStagingStore.js';
import type { IngestEvent } from '../../shared/core/deviceEvent.js';
import { ingestBatch } from '../../shared/pipeline/ingestBatch.js';
import { freshContainers, useLocalCosmos } from '../adapters/cosmos/cosmosTestSupport.js';
import { deviceMappingOf } from '../support/deviceMappings.js';

describe('a redelivered batch after a device-mapping change', () => {
  const cosmos = useLocalCosmos();

  /** A heart-rate template for objects with `heartRate`, that also requires `required` when given. */
  const mapping = (required?: string) =>
    deviceMappingOf([
      {
        templateType: 'CalculatedContent',
        template: {
          typeName: 'hr',
          typeMatchExpression: '$..[?(@.heartRate)]',
          deviceIdExpression: '$.matchedToken.d',
          timestampExpression: '$.matchedToken.t',
          values: [
            { valueName: 'hr', valueExpression: '$.matchedToken.heartRate', required: true },
            ...(required === undefined
              ? []
              : [{ valueName: required, valueExpression: `$.matchedToken.${required}`, required: true }]),
          ],
        },
      },
    ]);

  /** Event `n` of partition 0, enqueued at `time`, a heart rate read then. */
  function event(n: number, time: string, body: Record<string, unknown>): IngestEvent {
    return {
      event: {
        body: { kind: 'bytes', bytes: new TextEncoder().encode(JSON.stringify({ d: 'dev', t: time, ...body })) },
        properties: {},
        systemProperties: {},
        enqueuedTimeUtc: time,
      },
      coordinates: { partitionId: '0', sequenceNumber: n, offset: String(n), enqueuedTimeUtc: time },
    };
  }

  it('supersedes what the first staging left in a window whose events the new mapping now rejects', async () => {
    const containers = await freshContainers(cosmos());
    const deps = {
      staging: new CosmosStagingStore(containers.staging),
      deadLetters: new CosmosDeadLetterStore(containers.deadLetter),
      now: () => new Date('2024-05-01T10:20:00.000Z'),
    };
    // One batch over two windows: a reading at 10:14:59 and one at 10:15:01; the fixed mapping requires `quality`,
    // which only the later one has.
    const batch = [
      event(1, '2024-05-01T10:14:59.000Z', { heartRate: 999 }),
      event(2, '2024-05-01T10:15:01.000Z', { heartRate: 70, quality: 'good' }),
    ];
    await ingestBatch(batch, mapping(), deps);

    const again = await ingestBatch(batch, mapping('quality'), deps);
    const staged = async (windowStart: string) =>
      (await deps.staging.readUnit({ windowStart, shard: '0' })).measurements.map((m) => m.properties[0]?.value);

    expect(again.errorsByName).toEqual({ IncompatibleData: 1 });
    expect(await staged('2024-05-01T10:00:00.000Z')).toEqual([]);
    expect(await staged('2024-05-01T10:15:00.000Z')).toEqual(['70']);
  });

  it('writes nothing for a window whose events yield nothing when no earlier staging left anything there', async () => {
    const containers = await freshContainers(cosmos());
    const staging = new CosmosStagingStore(containers.staging);
    const deps = { staging, deadLetters: new CosmosDeadLetterStore(containers.deadLetter), now: () => new Date() };

    const summary = await ingestBatch([event(1, '2024-05-01T10:14:59.000Z', { battery: 80 })], mapping(), deps);

    expect(summary.stagingDocuments).toBe(0);
    expect(await staging.listClosedUnits(new Date('2024-05-02T00:00:00.000Z'), 0)).toEqual([]);
  });
});
