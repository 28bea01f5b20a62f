import { describe, expect, it } from 'vitest';
import type { IngestEvent } from '../../shared/core/deviceEvent.js';
import type { DeadLetterRecord } from '../../shared/core/staging/deadLetter.js';
import { ingestBatch } from '../../shared/pipeline/ingestBatch.js';
import type { DeadLetterStore, StagingStore } from '../../shared/pipeline/stagingPorts.js';
import { deviceMappingOf } from '../support/deviceMappings.js';

const NOW = new Date('2024-05-01T10:01:00.000Z');

function jsonPathTemplate(typeName: string): unknown {
  return {
    templateType: 'JsonPathContent',
    template: {
      typeName,
      typeMatchExpression: '$..[?(@heartRate)]',
      deviceIdExpression: '$.deviceId',
      timestampExpression: '$.endDate',
      values: [{ valueName: 'hr', valueExpression: '$.heartRate', required: true }],
    },
  };
}

const calculatedTemplate = {
  templateType: 'CalculatedContent',
  template: {
    typeName: 'steps',
    typeMatchExpression: '$..[?(@steps)]',
    deviceIdExpression: '$.matchedToken.deviceId',
    timestampExpression: '$.matchedToken.endDate',
    values: [{ valueName: 'steps', valueExpression: '$.matchedToken.steps', required: true }],
  },
};

function eventOf(body: unknown, sequenceNumber: number, enqueuedTimeUtc = '2024-05-01T10:00:00.000Z'): IngestEvent {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    event: {
      body: { kind: 'bytes', bytes: new TextEncoder().encode(text) },
      properties: {},
      systemProperties: {},
      enqueuedTimeUtc,
    },
    coordinates: { partitionId: '0', sequenceNumber, offset: String(sequenceNumber), enqueuedTimeUtc },
  };
}

/** In-memory stores that record what ingest wrote. */
function recordingStores(): { staging: StagingStore; deadLetters: DeadLetterStore; written: DeadLetterRecord[] } {
  const written: DeadLetterRecord[] = [];
  const staging: StagingStore = {
    stageBatch: (_shard, _range, measurements) => Promise.resolve(Math.min(1, [...measurements].length)),
    listClosedUnits: () => Promise.resolve([]),
    readUnit: () => Promise.resolve({ documents: [], measurements: [], malformed: 0 }),
    deleteDocuments: () => Promise.resolve({ deleted: 0, missing: 0, changed: 0 }),
  };
  const deadLetters: DeadLetterStore = {
    addDeadLetters: (records) => {
      written.push(...records);
      return Promise.resolve([]);
    },
    listDeadLetters: () => Promise.resolve({ items: [] }),
    readDeadLetter: () => Promise.resolve(undefined),
    deleteDeadLetters: () => Promise.resolve({ deleted: 0, missing: 0, changed: 0 }),
  };
  return { staging, deadLetters, written };
}

describe('ingestBatch', () => {
  it('dead-letters a rejected message with the kind of the template it failed in, and none when no template ran', async () => {
    const mapping = deviceMappingOf([jsonPathTemplate('heartrate'), calculatedTemplate]);
    const stores = recordingStores();

    await ingestBatch(
      [
        eventOf({ heartRate: 70, endDate: 'not a time', deviceId: 'd1' }, 1),
        eventOf({ steps: 5, endDate: 'not a time', deviceId: 'd1' }, 2),
        eventOf('not json', 3),
      ],
      mapping,
      { ...stores, now: () => NOW },
    );

    expect(stores.written.map((r) => [r.error.name, r.templateType])).toEqual([
      ['IncompatibleData', 'JsonPathContent'],
      ['IncompatibleData', 'CalculatedContent'],
      ['InvalidDataFormat', undefined],
    ]);
    expect(stores.written.every((r) => r.time === NOW.toISOString())).toBe(true);
  });

  it('keeps at most 10 dead letters for one message, but counts every error', async () => {
    const typeNames = Array.from({ length: 12 }, (_, i) => `heartrate${i}`);
    const mapping = deviceMappingOf(typeNames.map(jsonPathTemplate));
    const stores = recordingStores();

    const summary = await ingestBatch([eventOf({ heartRate: 70, endDate: 'not a time', deviceId: 'd1' }, 1)], mapping, {
      ...stores,
      now: () => NOW,
    });

    expect(summary).toMatchObject({ rejectedEvents: 1, deadLettered: 10, errorsByName: { IncompatibleData: 12 } });
    expect(stores.written).toHaveLength(10);
    expect(new Set(stores.written.map((r) => r.error.location?.templateIndex))).toEqual(
      new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    );
  });

  it('reports the processing latency of the oldest event of the batch', async () => {
    const mapping = deviceMappingOf([jsonPathTemplate('heartrate')]);
    const stores = recordingStores();
    const reading = { heartRate: 70, endDate: '2024-05-01T09:59:00Z', deviceId: 'd1' };

    const summary = await ingestBatch(
      [eventOf(reading, 1, '2024-05-01T10:00:30.000Z'), eventOf(reading, 2, '2024-05-01T10:00:00.000Z')],
      mapping,
      { ...stores, now: () => NOW },
    );

    expect(summary).toMatchObject({ normalizedEvents: 2, measurements: 2, maxProcessingLatencyMs: 60_000 });
  });

  it('normalizes each event only when the staging reads on, so that a batch is never held whole', async () => {
    const mapping = deviceMappingOf([jsonPathTemplate('heartrate')]);
    const stores = recordingStores();
    const log: string[] = [];
    const events = [1, 2, 3].map((i) => {
      const item = eventOf({ heartRate: 60 + i, endDate: '2024-05-01T09:59:00Z', deviceId: `d${i}` }, i);
      const { body } = item.event;
      Object.defineProperty(item.event, 'body', {
        get: () => {
          log.push(`normalize d${i}`);
          return body;
        },
      });
      return item;
    });
    stores.staging.stageBatch = (_shard, _range, measurements) => {
      for (const m of measurements) {
        log.push(`stage ${m.deviceId}`);
      }
      return Promise.resolve(1);
    };

    const summary = await ingestBatch(events, mapping, { ...stores, now: () => NOW });

    expect(summary).toMatchObject({ normalizedEvents: 3, measurements: 3 });
    expect(log.filter((line, i) => line !== log[i - 1])).toEqual([
      'normalize d1',
      'stage d1',
      'normalize d2',
      'stage d2',
      'normalize d3',
      'stage d3',
    ]);
  });

  it('makes and writes dead letters a few rejected events at a time, each body parsed only then', async () => {
    const mapping = deviceMappingOf([jsonPathTemplate('heartrate')]);
    const stores = recordingStores();
    const calls: number[] = [];
    const recording = { ...stores.deadLetters };
    stores.deadLetters.addDeadLetters = (records) => {
      calls.push(records.length);
      return recording
        .addDeadLetters(records)
        .then(() => records.map((r, i) => ({ id: `l${calls.length}-${i}`, pk: 'p' })));
    };
    const told: string[] = [];
    const events = Array.from({ length: 20 }, (_, i) =>
      eventOf({ heartRate: 60, endDate: 'not a time', deviceId: `d${i}` }, i + 1),
    );

    const summary = await ingestBatch(
      events,
      mapping,
      { ...stores, now: () => NOW },
      { onDeadLettered: (keys) => told.push(...keys.map((k) => k.id)) },
    );

    expect(calls).toEqual([8, 8, 4]);
    expect(summary).toMatchObject({ rejectedEvents: 20, deadLettered: 20 });
    expect(told).toHaveLength(20);
    expect(stores.written.map((r) => r.subject.kind === 'message' && r.subject.coordinates.sequenceNumber)).toEqual(
      events.map((_, i) => i + 1),
    );
  });

  it('fails, writing no dead letter, when the staging store does not read every measurement', async () => {
    const mapping = deviceMappingOf([jsonPathTemplate('heartrate')]);
    const stores = recordingStores();
    stores.staging.stageBatch = (_shard, _range, measurements) => {
      for (const m of measurements) {
        void m;
        break;
      }
      return Promise.resolve(1);
    };
    const events = [
      eventOf({ heartRate: 61, endDate: '2024-05-01T09:59:00Z', deviceId: 'd1' }, 1),
      eventOf({ heartRate: 62, endDate: 'not a time', deviceId: 'd2' }, 2),
    ];

    await expect(ingestBatch(events, mapping, { ...stores, now: () => NOW })).rejects.toThrow(
      /did not read every measurement/,
    );
    expect(stores.written).toEqual([]);
  });
});
