/**
 * A normalizer written by hand for the benchmark's mapping set alone: the ceiling any general engine could approach
 * on this machine. It does the work that cannot be avoided — decode and parse the bytes, walk the whole envelope for
 * the `$..` scans, read the fields, check and convert the timestamp, format the numbers, build the same measurements —
 * and nothing else: no expression evaluation, no error handling, no work bounds, property names written into the code.
 * Only the benchmark uses it, and it checks first that it produces exactly what `normalizeEvent` produces.
 */
import type { Measurement } from '../shared/core/measurement.js';
import { toNumberText } from '../shared/core/normalize/toMeasurementValue.js';
import { toUtcTimestamp } from '../shared/core/normalize/toUtcTimestamp.js';

const decoder = new TextDecoder();

type Json = Record<string, unknown>;

/** The envelope's objects in pre-order, as a `$..[?(@.x)]` scan visits them. */
function collectObjects(value: unknown, out: Json[]): void {
  if (typeof value !== 'object' || value === null) {
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      collectObjects(item, out);
    }
    return;
  }
  const record = value as Json;
  out.push(record);
  for (const key in record) {
    collectObjects(record[key], out);
  }
}

function text(value: unknown): string {
  return typeof value === 'number' ? toNumberText(value) : String(value);
}

/**
 * Normalizes one bench message with `benchDeviceMapping`, by hand.
 * @param bytes - the message body
 * @param properties - application properties
 * @param systemProperties - system properties
 * @param enqueuedTimeUtc - the enqueued time (ISO-8601)
 * @returns the measurements `normalizeEvent` would return for this message
 */
export function normalizeBenchMessageByHand(
  bytes: Uint8Array,
  properties: Json,
  systemProperties: Json,
  enqueuedTimeUtc: string,
): Measurement[] {
  const body = JSON.parse(decoder.decode(bytes)) as Json;
  const envelope: Json = { Body: body, Properties: properties, SystemProperties: systemProperties };
  const objects: Json[] = [];
  collectObjects(envelope, objects);
  const ingestionTimeUtc = toUtcTimestamp(enqueuedTimeUtc) as string;
  let lastText: unknown;
  let lastTime = '';
  const time = (value: unknown): string => {
    if (value !== lastText) {
      lastText = value;
      lastTime = toUtcTimestamp(value as string) as string;
    }
    return lastTime;
  };
  const out: Measurement[] = [];
  for (const o of objects) {
    if (o['heartRate'] !== undefined) {
      out.push({
        type: 'heartrate',
        occurrenceTimeUtc: time(o['endDate']),
        ingestionTimeUtc,
        deviceId: o['deviceId'] as string,
        patientId: o['patientId'] as string,
        properties: [{ name: 'hr', value: text(o['heartRate']) }],
      });
    }
  }
  for (const o of objects) {
    if (o['systolic'] !== undefined && o['diastolic'] !== undefined) {
      out.push({
        type: 'bloodpressure',
        occurrenceTimeUtc: time(o['endDate']),
        ingestionTimeUtc,
        deviceId: o['deviceId'] as string,
        patientId: o['patientId'] as string,
        properties: [
          { name: 'systolic', value: text(o['systolic']) },
          { name: 'diastolic', value: text(o['diastolic']) },
        ],
      });
    }
  }
  for (const o of objects) {
    if (o['spo2'] !== undefined) {
      out.push({
        type: 'spo2',
        occurrenceTimeUtc: time(o['endDate']),
        ingestionTimeUtc,
        deviceId: o['deviceId'] as string,
        patientId: o['patientId'] as string,
        properties: [{ name: 'spo2', value: text(o['spo2']) }],
      });
    }
  }
  const readings = body['readings'];
  if (Array.isArray(readings)) {
    for (const r of readings as Json[]) {
      if (r['kind'] === 'temperature') {
        out.push({
          type: 'bodytemperature',
          occurrenceTimeUtc: time(r['time']),
          ingestionTimeUtc,
          deviceId: body['deviceId'] as string,
          patientId: body['patientId'] as string,
          properties: [{ name: 'celsius', value: text((((r['fahrenheit'] as number) - 32) * 5) / 9) }],
        });
      }
    }
  }
  for (const o of objects) {
    const inner = o['Body'];
    if (typeof inner === 'object' && inner !== null && (inner as Json)['steps'] !== undefined) {
      const system = o['SystemProperties'] as Json;
      const created = (o['Properties'] as Json)['iothub-creation-time-utc'];
      out.push({
        type: 'steps',
        occurrenceTimeUtc: time(created ?? system['iothub-enqueuedtime']),
        ingestionTimeUtc,
        deviceId: system['iothub-connection-device-id'] as string,
        patientId: (inner as Json)['patientId'] as string,
        properties: [{ name: 'steps', value: text((inner as Json)['steps']) }],
      });
    }
  }
  return out;
}
