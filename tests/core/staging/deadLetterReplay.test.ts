import { describe, expect, it } from 'vitest';
import type { DeadLetterRecord } from '../../../shared/core/staging/deadLetter.js';
import { toDeadLetterBody, toDeadLetterDocument } from '../../../shared/core/staging/deadLetter.js';
import {
  REPLAY_GROUP_SHARDS,
  planDeadLetterReplay,
  replayStagingOfMessage,
  type ReplayStaging,
} from '../../../shared/core/staging/deadLetterReplay.js';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import type { Measurement } from '../../../shared/core/measurement.js';
import { deviceMappingOf } from '../../support/deviceMappings.js';

const coordinates = {
  partitionId: '2',
  sequenceNumber: 41,
  offset: '4100',
  enqueuedTimeUtc: '2024-05-01T10:00:00.000Z',
};

function rejectedMessage(body: DeadLetterRecord['subject'] & { kind: 'message' }): DeadLetterRecord {
  return {
    error: { name: 'IncompatibleData', stage: 'Normalization', severity: 'non-blocking', message: 'm' },
    time: '2024-05-03T00:00:00.000Z',
    subject: body,
  };
}

const heartRate = (value: string): Measurement => ({
  type: 'heartrate',
  occurrenceTimeUtc: '2024-05-01T09:59:00.000Z',
  ingestionTimeUtc: '2024-05-01T10:00:00.000Z',
  deviceId: 'device-1',
  properties: [{ name: 'hr', value }],
});

/** The plan of a rejected group's dead letter (which always has a staging place). */
function stagingOf(record: DeadLetterRecord): { staging: ReplayStaging } {
  const plan = planDeadLetterReplay(toDeadLetterDocument(record));
  if (plan.kind === 'unavailable') {
    throw new Error('expected a plan that stages');
  }
  return plan;
}

describe('planDeadLetterReplay', () => {
  it('gives a rejected message back as the event it was: body, properties, system properties, coordinates', () => {
    const document = toDeadLetterDocument(
      rejectedMessage({
        kind: 'message',
        body: { encoding: 'json', value: { hr: 72 } },
        coordinates,
        properties: { 'iothub-creation-time-utc': '2024-05-01T09:59:00Z' },
        systemProperties: { 'iothub-connection-device-id': 'device-1' },
      }),
    );

    const plan = planDeadLetterReplay(document);

    expect(plan).toEqual({
      kind: 'message',
      ingest: {
        event: {
          body: { kind: 'json', value: { hr: 72 } },
          properties: { 'iothub-creation-time-utc': '2024-05-01T09:59:00Z' },
          systemProperties: { 'iothub-connection-device-id': 'device-1' },
          enqueuedTimeUtc: '2024-05-01T10:00:00.000Z',
        },
        coordinates,
      },
      staging: replayStagingOfMessage(coordinates),
    });
  });

  it('gives a stored base64 body back as its exact bytes, so large integers keep their digits on replay', () => {
    const text = '{"deviceId":123456789012345678,"endDate":"2024-05-01T09:59:00Z","hr":72}';
    const document = toDeadLetterDocument(
      rejectedMessage({ kind: 'message', body: toDeadLetterBody({ kind: 'text', text }), coordinates }),
    );
    const plan = planDeadLetterReplay(document);
    if (plan.kind !== 'message') {
      throw new Error('expected a message plan');
    }
    const mapping = deviceMappingOf([
      {
        templateType: 'JsonPathContent',
        template: {
          typeName: 'heartrate',
          typeMatchExpression: '$..[?(@hr)]',
          deviceIdExpression: '$.deviceId',
          timestampExpression: '$.endDate',
          values: [{ valueName: 'hr', valueExpression: '$.hr', required: true }],
        },
      },
    ]);

    const result = normalizeEvent(mapping, plan.ingest.event);

    expect(result.measurements.map((m) => m.deviceId)).toEqual(['123456789012345678']);
  });

  it.each([
    ['a float written whole', '{"d":"d1","t":"2024-05-01T09:59:00Z","f":70.0,"g":1E2,"r":{}}'],
    [
      'integer-like member names',
      '{"d":"d1","t":"2024-05-01T09:59:00Z","r":{"x":{"f":70},"10":{"f":71},"9":{"f":72}}}',
    ],
    ['a plain body', '{"d":"d1","t":"2024-05-01T09:59:00Z","f":70,"r":{"x":{"f":1.5}}}'],
  ])('gives a message with %s back so that it normalizes as the device sent it', (_what, text) => {
    const bytes = new TextEncoder().encode(text);
    const document = toDeadLetterDocument(
      rejectedMessage({ kind: 'message', body: toDeadLetterBody({ kind: 'bytes', bytes }), coordinates }),
    );
    // As Cosmos DB hands it back.
    const plan = planDeadLetterReplay(JSON.parse(JSON.stringify(document)) as typeof document);
    if (plan.kind !== 'message') {
      throw new Error('expected a message plan');
    }
    const template = (language: string, typeMatch: string, values: Record<string, string>) => ({
      templateType: 'CalculatedContent',
      template: {
        typeName: 'reading',
        defaultExpressionLanguage: language,
        typeMatchExpression: typeMatch,
        deviceIdExpression: language === 'JmesPath' ? 'Body.d' : '$.Body.d',
        timestampExpression: language === 'JmesPath' ? 'Body.t' : '$.Body.t',
        values: Object.entries(values).map(([valueName, valueExpression]) => ({ valueName, valueExpression })),
      },
    });
    const mapping = deviceMappingOf([
      template('JsonPath', '$..[?(@.f)]', { f: '$.matchedToken.f' }),
      template('JmesPath', 'Body', { f: 'to_string(Body.f)', g: 'to_string(Body.g)', keys: "join(',', keys(Body.r))" }),
    ]);
    const live = { body: { kind: 'bytes' as const, bytes }, properties: {}, systemProperties: {} };

    const replayed = normalizeEvent(mapping, plan.ingest.event);

    expect(replayed).toEqual(normalizeEvent(mapping, { ...live, enqueuedTimeUtc: coordinates.enqueuedTimeUtc }));
    expect(replayed.measurements.length).toBeGreaterThan(1);
  });

  it('stages a rejected group as it is, under a range of its own that a second replay finds again', () => {
    const group = (value: string): DeadLetterRecord => ({
      error: { name: 'TemplateNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'm' },
      time: '2024-05-03T00:00:00.000Z',
      subject: { kind: 'measurements', measurements: [heartRate(value)] },
    });
    const first = stagingOf(group('72'));
    const again = stagingOf(group('72'));
    const other = stagingOf(group('73'));

    expect(planDeadLetterReplay(toDeadLetterDocument(group('72')))).toMatchObject({
      kind: 'measurements',
      measurements: [heartRate('72')],
    });
    expect(again.staging).toEqual(first.staging);
    expect(other.staging.range).not.toEqual(first.staging.range);
    expect(Number.isSafeInteger(first.staging.range.first)).toBe(true);
    expect(first.staging.range.first).toBe(first.staging.range.last);
    expect(first.staging.shard).toMatch(/^deadletter-replay-g([0-9]|1[0-5])$/);
  });

  it('spreads replayed groups over several shards by device, so a whole failed window is flushed as several units', () => {
    const shards = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const plan = stagingOf({
        error: { name: 'TemplateNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'm' },
        time: '2024-05-03T00:00:00.000Z',
        subject: { kind: 'measurements', measurements: [{ ...heartRate('70'), deviceId: `device-${i}` }] },
      });
      shards.add(plan.staging.shard);
    }

    expect(shards.size).toBe(REPLAY_GROUP_SHARDS);
  });

  it("stages one device's groups in one shard, whose windows are flushed in order (the later reading wins)", () => {
    const plans = [
      ['TemplateNotFound', '2024-05-03T10:00:00.000Z', '70', 'device-7'],
      ['TemplateNotFound', '2024-05-03T10:15:00.000Z', '75', 'device-7'],
      ['DeviceNotFound', '2024-05-04T08:00:00.000Z', '71', ' device-7 '],
      ['TemplateNotFound', '2024-05-04T09:00:00.000Z', '72', 'DEVICE-7'],
      ['TemplateNotFound', '2024-05-03T10:00:00.000Z', '70', 'device-8'],
    ].map(([name, time, value, deviceId]) =>
      stagingOf({
        error: { name: name as 'TemplateNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'm' },
        time: time as string,
        subject: {
          kind: 'measurements',
          measurements: [{ ...heartRate(value as string), deviceId: deviceId as string }],
        },
      }),
    );

    // The same device as identity resolution may find it: trimmed, in any letter case.
    expect(new Set(plans.slice(0, 4).map((plan) => plan.staging.shard)).size).toBe(1);
    expect(new Set(plans.map((plan) => plan.staging.range.first)).size).toBe(5);
  });
});

describe('a message stored without its body', () => {
  it('cannot be replayed from the store: the plan says so', () => {
    const document = toDeadLetterDocument(
      rejectedMessage({ kind: 'message', body: { encoding: 'omitted', bytes: 3_000_000, sha256: 'ab' }, coordinates }),
    );

    expect(planDeadLetterReplay(document)).toEqual({ kind: 'unavailable' });
  });
});

describe('replayStagingOfMessage', () => {
  it('is a shard of the original partition and one safe sequence number per message', () => {
    const staging = replayStagingOfMessage(coordinates);

    expect(staging.shard).toBe('deadletter-replay-p2');
    expect(replayStagingOfMessage({ ...coordinates, offset: 'other' })).toEqual(staging);
    expect(replayStagingOfMessage({ ...coordinates, sequenceNumber: 42 }).range).not.toEqual(staging.range);
    expect(replayStagingOfMessage({ ...coordinates, partitionId: '3' }).shard).toBe('deadletter-replay-p3');
    expect(Number.isSafeInteger(staging.range.first)).toBe(true);
    expect(staging.range.first).toBe(staging.range.last);
  });
});
