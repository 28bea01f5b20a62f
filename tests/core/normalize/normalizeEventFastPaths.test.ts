import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../../shared/core/deviceEvent.js';
import type { CompiledExpression } from '../../../shared/core/expressions/types.js';
import type { ContentTemplate, DeviceMapping } from '../../../shared/core/mapping/deviceMapping.js';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import { deviceMappingOf } from '../../support/deviceMappings.js';

/** The same expression with only the required members: no `selectOne`, no `rootMember`, no memo. */
function plain(expression: CompiledExpression): CompiledExpression {
  return { language: expression.language, source: expression.source, matches: (data) => expression.matches(data) };
}

/** The mapping with every expression stripped to `matches`, which normalization must treat the same way. */
function withoutFastPaths(mapping: DeviceMapping): DeviceMapping {
  return {
    templates: mapping.templates.map((t): ContentTemplate => {
      const stripped: ContentTemplate = {
        ...t,
        typeMatch: plain(t.typeMatch),
        deviceId: plain(t.deviceId),
        timestamp: t.timestamp.map(plain),
        values: t.values.map((v) => ({ ...v, expression: plain(v.expression) })),
      };
      for (const field of ['patientId', 'encounterId', 'correlationId'] as const) {
        const expression = t[field];
        if (expression !== undefined) {
          stripped[field] = plain(expression);
        }
      }
      return stripped;
    }),
  };
}

const mapping = deviceMappingOf([
  {
    templateType: 'CalculatedContent',
    template: {
      typeName: 'heartrate',
      typeMatchExpression: '$..[?(@.heartRate)]',
      deviceIdExpression: '$.matchedToken.deviceId',
      patientIdExpression: '$.matchedToken.patientId',
      encounterIdExpression: '$.Body.encounter',
      correlationIdExpression: '$.Properties.correlation',
      timestampExpression: '$.matchedToken.endDate',
      values: [
        { valueName: 'hr', valueExpression: '$.matchedToken.heartRate', required: true },
        { valueName: 'note', valueExpression: '$.matchedToken.note', required: false },
      ],
    },
  },
  {
    templateType: 'CalculatedContent',
    template: {
      typeName: 'bloodpressure',
      typeMatchExpression: '$..[?(@.systolic && @.diastolic)]',
      deviceIdExpression: '$.SystemProperties.iothub-connection-device-id',
      timestampExpression: '$.matchedToken.endDate',
      values: [
        { valueName: 'systolic', valueExpression: '$.matchedToken.systolic', required: true },
        { valueName: 'diastolic', valueExpression: '$.matchedToken.diastolic', required: true },
      ],
    },
  },
  {
    templateType: 'JsonPathContent',
    template: {
      typeName: 'spo2',
      typeMatchExpression: '$..[?(@.spo2)]',
      deviceIdExpression: '$.deviceId',
      patientIdExpression: '$.patientId',
      timestampExpression: '$.endDate',
      values: [{ valueName: 'spo2', valueExpression: '$.spo2', required: true }],
    },
  },
  {
    templateType: 'CalculatedContent',
    template: {
      typeName: 'bodytemperature',
      defaultExpressionLanguage: 'JmesPath',
      typeMatchExpression: "Body.readings[?kind=='temperature']",
      deviceIdExpression: 'Body.deviceId',
      patientIdExpression: 'Body.patientId',
      timestampExpression: 'matchedToken.time',
      values: [
        {
          valueName: 'celsius',
          valueExpression: 'divide(multiply(subtract(matchedToken.fahrenheit, `32`), `5`), `9`)',
          required: true,
        },
      ],
    },
  },
  {
    templateType: 'IotJsonPathContent',
    template: {
      typeName: 'steps',
      typeMatchExpression: '$..[?(@.Body.steps)]',
      values: [{ valueName: 'steps', valueExpression: '$.Body.steps', required: true }],
    },
  },
]);

const endDate = '2023-03-13T22:46:01.875Z';

/** Bodies that exercise every outcome: measurements, omitted optionals, warnings and each kind of error. */
const bodies: unknown[] = [
  { deviceId: 'd1', patientId: 'p1', endDate, heartRate: 70, systolic: 120, diastolic: 80, spo2: 97, steps: 12 },
  { deviceId: 'd1', endDate: '2023-03-13T22:46:01.8750000+02:00', heartRate: 70.25, note: 'resting' },
  { deviceId: '  ', endDate, heartRate: 70 },
  { deviceId: 'd1', patientId: 'p1', endDate: '2023-02-30T00:00:00.000Z', heartRate: 70 },
  { deviceId: 'd1', patientId: 'p1', endDate: 1678747561, heartRate: 70 },
  { deviceId: 'd1', patientId: 'p1', endDate, heartRate: { bpm: 70 }, note: { long: true } },
  { deviceId: 'd1', patientId: null, endDate, heartRate: null },
  { deviceId: 'd1', patientId: ['p1'], endDate, heartRate: 70, encounter: 'e1' },
  [
    { deviceId: 'd1', endDate, heartRate: 71, spo2: 95 },
    { deviceId: 'd2', endDate: '2023-03-13T22:46:02.000Z', heartRate: 72, spo2: '96' },
  ],
  {
    deviceId: 'd1',
    patientId: 'p1',
    readings: [
      { kind: 'temperature', fahrenheit: 98.6, time: endDate },
      { kind: 'temperature', fahrenheit: 'warm', time: endDate },
      { kind: 'humidity', percent: 40, time: endDate },
    ],
    steps: 5,
  },
  { deviceId: 'd1', readings: [{ kind: 'temperature', fahrenheit: 100, time: ' ' }], steps: null },
  { nested: { deep: { deviceId: 'd9', endDate, heartRate: 99, systolic: 1, diastolic: 2 } } },
  'just text',
  null,
];

function eventOf(body: unknown, overrides: Partial<DeviceEvent> = {}): DeviceEvent {
  return {
    body: { kind: 'text', text: JSON.stringify(body) },
    properties: { correlation: 'c1' },
    systemProperties: { 'iothub-connection-device-id': 'hub-device', 'iothub-enqueuedtime': endDate },
    enqueuedTimeUtc: '2024-01-01T00:00:00Z',
    ...overrides,
  };
}

describe('normalizeEvent with fast-path expressions', () => {
  it.each(bodies.map((body, i) => [i, body]))(
    'normalizes body #%s exactly as with expressions that only offer matches',
    (_i, body) => {
      const event = eventOf(body);

      const expected = normalizeEvent(withoutFastPaths(mapping), event);
      const actual = normalizeEvent(mapping, event);

      expect(actual).toStrictEqual(expected);
    },
  );

  it('covers measurements, warnings and errors across the bodies', () => {
    const results = bodies.map((body) => normalizeEvent(mapping, eventOf(body)));

    expect(results.some((r) => r.measurements.length > 0)).toBe(true);
    expect(results.some((r) => (r.warnings?.length ?? 0) > 0)).toBe(true);
    expect(results.some((r) => r.errors.length > 0)).toBe(true);
  });

  it('gives the same result for a body parsed here and the same body already parsed', () => {
    for (const body of bodies) {
      const text = normalizeEvent(mapping, eventOf(body));
      const json = normalizeEvent(mapping, eventOf(null, { body: { kind: 'json', value: body } }));

      expect(json).toStrictEqual(text);
    }
  });

  it('treats equal timestamps in different strings alike and still checks each different one', () => {
    const body = {
      deviceId: 'd1',
      endDate,
      heartRate: 70,
      readings: [
        { kind: 'temperature', fahrenheit: 98.6, time: `${endDate}` },
        { kind: 'temperature', fahrenheit: 98.6, time: '2023-13-01T00:00:00.000Z' },
      ],
    };

    const result = normalizeEvent(mapping, eventOf(body));

    expect(result.measurements.map((m) => [m.type, m.occurrenceTimeUtc])).toEqual([
      ['heartrate', endDate],
      ['bodytemperature', endDate],
    ]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toContain('matchedToken.time');
  });
});
