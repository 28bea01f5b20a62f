/**
 * Normalization benchmark: raw message bytes → measurements, side by side in one run with
 * (a) plain `JSON.parse` of the same bytes, (b) a straightforward per-message evaluation of the same templates
 * with the `jsonpath` package (JMESPath expressions compiled again on every call, as a naive `search` would), and
 * (c) a normalizer hand-written for this one mapping set, the ceiling a general engine could approach, and (d) one
 * hand-written without `JSON.parse` at all, the ceiling of any design that skips the full parse.
 */
import { Buffer } from 'node:buffer';
import jp from 'jsonpath';
import { parseDeviceMapping } from '../shared/core/mapping/parseDeviceMapping.js';
import { normalizeEvent } from '../shared/core/normalize/normalizeEvent.js';
import type { DeviceEvent } from '../shared/core/deviceEvent.js';
import { compileJmesPath } from '../shared/core/expressions/jmesPath.js';
import { normalizeBenchMessageByHand } from './handWrittenNormalizer.js';
import { normalizeBenchMessageByScanning } from './scanningNormalizer.js';

/** The representative mapping set: every template kind, JSONPath and JMESPath, one and several matches per message. */
export const benchDeviceMapping = {
  templateType: 'CollectionContent',
  template: [
    {
      templateType: 'CalculatedContent',
      template: {
        typeName: 'heartrate',
        typeMatchExpression: '$..[?(@.heartRate)]',
        deviceIdExpression: '$.matchedToken.deviceId',
        patientIdExpression: '$.matchedToken.patientId',
        timestampExpression: '$.matchedToken.endDate',
        values: [{ valueName: 'hr', valueExpression: '$.matchedToken.heartRate', required: true }],
      },
    },
    {
      templateType: 'CalculatedContent',
      template: {
        typeName: 'bloodpressure',
        typeMatchExpression: '$..[?(@.systolic && @.diastolic)]',
        deviceIdExpression: '$.matchedToken.deviceId',
        patientIdExpression: '$.matchedToken.patientId',
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
        patientIdExpression: '$.Body.patientId',
        values: [{ valueName: 'steps', valueExpression: '$.Body.steps', required: true }],
      },
    },
  ],
};

/** The enqueued time of every benchmark event. */
export const BENCH_ENQUEUED_TIME_UTC = '2026-11-24T10:00:00.000Z';

/**
 * A benchmark message as the ingest adapter hands it over: raw bytes, the trigger's properties, the enqueued time.
 * @param message - one of {@link makeBenchMessages}
 */
export function benchEvent(message: { bytes: Uint8Array; systemProperties: Record<string, unknown> }): DeviceEvent {
  return {
    body: { kind: 'bytes', bytes: message.bytes },
    properties: {},
    systemProperties: message.systemProperties,
    enqueuedTimeUtc: BENCH_ENQUEUED_TIME_UTC,
  };
}

/**
 * Deterministic sample messages of varied shape (160–370 bytes each, 209 on average), as raw bytes.
 * @param count - how many
 */
export function makeBenchMessages(count: number): { bytes: Uint8Array; systemProperties: Record<string, unknown> }[] {
  const out: { bytes: Uint8Array; systemProperties: Record<string, unknown> }[] = [];
  const t0 = Date.UTC(2026, 10, 24, 9, 0, 0);
  for (let i = 0; i < count; i++) {
    const deviceId = `device-${String(i % 50).padStart(3, '0')}`;
    const endDate = new Date(t0 + i * 1000).toISOString();
    const body: Record<string, unknown> = {
      deviceId,
      patientId: `patient-${String(i % 50).padStart(3, '0')}`,
      endDate,
      heartRate: 55 + (i % 40),
      firmware: { version: '2.4.1', build: 1234 + (i % 7) },
      battery: 100 - (i % 100),
    };
    if (i % 3 === 0) {
      body['systolic'] = 110 + (i % 25);
      body['diastolic'] = 70 + (i % 15);
    }
    if (i % 4 === 0) {
      body['spo2'] = 94 + (i % 6);
    }
    if (i % 5 === 0) {
      body['readings'] = [
        { kind: 'temperature', fahrenheit: 97.5 + (i % 30) / 10, time: endDate },
        { kind: 'humidity', percent: 40 + (i % 20), time: endDate },
      ];
    }
    if (i % 2 === 0) {
      body['steps'] = 1 + (i % 300);
    }
    out.push({
      bytes: Buffer.from(JSON.stringify(body)),
      systemProperties: { 'iothub-connection-device-id': deviceId, 'iothub-enqueuedtime': endDate },
    });
  }
  return out;
}

/** Figures of one normalization benchmark run. */
export interface NormalizationFigures {
  messages: number;
  bytesPerMessage: number;
  measurementsPerMessage: number;
  normalizeEventsPerSec: number;
  parseOnlyEventsPerSec: number;
  normalizeVsParseRatio: number;
  naiveEventsPerSec: number;
  speedupVsNaive: number;
  /** The hand-written normalizer for this mapping set (no expression engine, no checks): the ceiling. */
  handWrittenEventsPerSec: number;
  handWrittenVsParseRatio: number;
  /** The hand-written normalizer that scans the bytes instead of calling `JSON.parse`: the ceiling without a parse. */
  scanningEventsPerSec: number;
  scanningVsParseRatio: number;
  /** How close the engine comes to the hand-written ceiling (1 = as fast). */
  normalizeVsHandWrittenRatio: number;
}

/**
 * Runs the normalization benchmark: interleaved rounds of the three contenders, median rate of each.
 * @param options - message count and rounds
 */
export function runNormalizationBench(options: { messages: number; rounds: number }): NormalizationFigures {
  const parsed = parseDeviceMapping(JSON.stringify(benchDeviceMapping));
  if (!parsed.ok) {
    throw new Error(`bench mapping invalid: ${parsed.problems.map((p) => p.message).join('; ')}`);
  }
  const mapping = parsed.value;
  const messages = makeBenchMessages(options.messages);
  const enqueuedTimeUtc = BENCH_ENQUEUED_TIME_UTC;
  const decoder = new TextDecoder();
  let sink = 0;

  const normalizeAll = (): number => {
    let n = 0;
    for (const m of messages) {
      const result = normalizeEvent(mapping, benchEvent(m));
      n += result.measurements.length + result.errors.length;
    }
    return n;
  };
  const parseAll = (): number => {
    let n = 0;
    for (const m of messages) {
      const value = JSON.parse(decoder.decode(m.bytes)) as Record<string, unknown>;
      n += value === null ? 0 : 1;
    }
    return n;
  };
  // The naive contender is hundreds of times slower: it runs on a slice so the whole bench stays under a minute.
  const naiveMessages = messages.slice(0, Math.max(1, Math.floor(messages.length / 100)));
  const naiveAll = (): number => {
    let n = 0;
    for (const m of naiveMessages) {
      n += naiveNormalize(decoder.decode(m.bytes), m.systemProperties, enqueuedTimeUtc).length;
    }
    return n;
  };

  const handAll = (): number => {
    let n = 0;
    for (const m of messages) {
      n += normalizeBenchMessageByHand(m.bytes, {}, m.systemProperties, enqueuedTimeUtc).length;
    }
    return n;
  };

  // Buffer views of the same bytes (no copy), made before any timing: the scanner reads them with latin1Slice.
  const buffers = messages.map((m) => Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
  const scanAll = (): number => {
    let n = 0;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as (typeof messages)[number];
      n += normalizeBenchMessageByScanning(buffers[i] as Buffer, {}, m.systemProperties, enqueuedTimeUtc).length;
    }
    return n;
  };

  const measurementsPerMessage = normalizeAll() / messages.length;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as (typeof messages)[number];
    const expected = JSON.stringify(normalizeEvent(mapping, benchEvent(m)).measurements);
    if (JSON.stringify(normalizeBenchMessageByHand(m.bytes, {}, m.systemProperties, enqueuedTimeUtc)) !== expected) {
      throw new Error('the hand-written normalizer and normalizeEvent disagree');
    }
    const scanned = normalizeBenchMessageByScanning(buffers[i] as Buffer, {}, m.systemProperties, enqueuedTimeUtc);
    if (JSON.stringify(scanned) !== expected) {
      throw new Error('the scanning normalizer and normalizeEvent disagree');
    }
  }
  const sliceCount = naiveMessages.reduce((n, m) => {
    return n + normalizeEvent(mapping, benchEvent(m)).measurements.length;
  }, 0);
  if (naiveAll() !== sliceCount) {
    throw new Error('naive and real normalization disagree on the number of measurements');
  }

  const rates = {
    normalize: [] as number[],
    parse: [] as number[],
    naive: [] as number[],
    hand: [] as number[],
    scan: [] as number[],
  };
  for (let round = 0; round < options.rounds; round++) {
    for (const [name, fn] of [
      ['normalize', normalizeAll],
      ['parse', parseAll],
      ['naive', naiveAll],
      ['hand', handAll],
      ['scan', scanAll],
    ] as const) {
      const count = name === 'naive' ? naiveMessages.length : messages.length;
      const start = process.hrtime.bigint();
      sink += fn();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      rates[name].push(count / seconds);
    }
  }
  if (sink < 0) {
    throw new Error('unreachable');
  }
  const normalizeEventsPerSec = median(rates.normalize);
  const parseOnlyEventsPerSec = median(rates.parse);
  const naiveEventsPerSec = median(rates.naive);
  const handWrittenEventsPerSec = median(rates.hand);
  const scanningEventsPerSec = median(rates.scan);
  const totalBytes = messages.reduce((s, m) => s + m.bytes.length, 0);
  return {
    messages: messages.length,
    bytesPerMessage: Math.round(totalBytes / messages.length),
    measurementsPerMessage: round3(measurementsPerMessage),
    normalizeEventsPerSec: Math.round(normalizeEventsPerSec),
    parseOnlyEventsPerSec: Math.round(parseOnlyEventsPerSec),
    normalizeVsParseRatio: round3(normalizeEventsPerSec / parseOnlyEventsPerSec),
    naiveEventsPerSec: Math.round(naiveEventsPerSec),
    speedupVsNaive: round3(normalizeEventsPerSec / naiveEventsPerSec),
    handWrittenEventsPerSec: Math.round(handWrittenEventsPerSec),
    handWrittenVsParseRatio: round3(handWrittenEventsPerSec / parseOnlyEventsPerSec),
    scanningEventsPerSec: Math.round(scanningEventsPerSec),
    scanningVsParseRatio: round3(scanningEventsPerSec / parseOnlyEventsPerSec),
    normalizeVsHandWrittenRatio: round3(normalizeEventsPerSec / handWrittenEventsPerSec),
  };
}

/** JMESPath evaluated the naive way: the expression is parsed again on every call. */
function search(data: unknown, expression: string): unknown {
  const matches = compileJmesPath(expression).matches(data);
  return matches.length === 1 ? matches[0] : matches;
}

/** The straightforward implementation: parse every expression on every message, evaluate with `jsonpath`. */
function naiveNormalize(text: string, systemProperties: Record<string, unknown>, enqueued: string): unknown[] {
  const envelope = { Body: JSON.parse(text) as unknown, Properties: {}, SystemProperties: systemProperties };
  const out: unknown[] = [];
  for (const node of benchDeviceMapping.template) {
    const t = node.template as Record<string, unknown> & { typeName: string; typeMatchExpression: string };
    const values = (t['values'] ?? []) as { valueName: string; valueExpression: string }[];
    if (t['defaultExpressionLanguage'] === 'JmesPath') {
      for (const match of compileJmesPath(t.typeMatchExpression).matches(envelope)) {
        const scope = { ...envelope, matchedToken: match };
        out.push({
          type: t.typeName,
          deviceId: JSON.stringify(search(scope, t['deviceIdExpression'] as string)),
          timestamp: JSON.stringify(search(scope, t['timestampExpression'] as string)),
          ingestion: enqueued,
          values: values.map((v) => ({
            name: v.valueName,
            value: JSON.stringify(search(scope, v.valueExpression)),
          })),
        });
      }
      continue;
    }
    const isIot = node.templateType === 'IotJsonPathContent';
    const isCalculated = node.templateType === 'CalculatedContent';
    // The jsonpath package leaves the root out of `$..` scans; wrapping the envelope puts it back in reach.
    for (const match of jp.query([envelope], t.typeMatchExpression) as unknown[]) {
      const scope: unknown = isCalculated ? { ...envelope, matchedToken: match } : match;
      const one = (path: string): string => String(jp.value(scope, path));
      out.push({
        type: t.typeName,
        deviceId: one(
          isIot ? '$.SystemProperties["iothub-connection-device-id"]' : (t['deviceIdExpression'] as string),
        ),
        timestamp: one(isIot ? '$.SystemProperties["iothub-enqueuedtime"]' : (t['timestampExpression'] as string)),
        ingestion: enqueued,
        values: values.map((v) => ({ name: v.valueName, value: one(v.valueExpression) })),
      });
    }
  }
  return out;
}

/**
 * The median of measured values.
 * @param values - at least one
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
