/**
 * A second hand-written normalizer for the benchmark's mapping set, one that never calls `JSON.parse`: it checks the
 * bytes as JSON in one pass, records where every object, member and value lies, and then reads only what the
 * measurements need. It answers one question: could skipping the full parse lift a normalizer past the
 * `normalizeVsParseRatio` target, where the parse-based ceiling (handWrittenNormalizer.ts) stops near it? Only the
 * benchmark uses it, and it checks first that it produces exactly what `normalizeEvent` produces.
 *
 * What it still does, as any correct normalizer must: reject any byte sequence that is not JSON, take the last of
 * duplicate member names (as `JSON.parse` does), decode escaped strings. What it skips: non-ASCII bytes and escaped
 * member names send the whole message to the parse-based normalizer (the benchmark's messages have neither).
 */
import { Buffer } from 'node:buffer';
import type { Measurement } from '../shared/core/measurement.js';
import { toNumberText } from '../shared/core/normalize/toMeasurementValue.js';
import { toUtcTimestamp } from '../shared/core/normalize/toUtcTimestamp.js';
import { normalizeBenchMessageByHand } from './handWrittenNormalizer.js';

type Json = Record<string, unknown>;

const CAPACITY = 1 << 16;
const KIND_OBJECT = 1;
const KIND_ARRAY = 2;
const KIND_STRING = 3;
const KIND_NUMBER = 4;
const KIND_TRUE = 5;
const KIND_FALSE = 6;
const KIND_NULL = 7;
const KIND_ESCAPED_STRING = 8;

/** Containers in document pre-order: kind and first entry (-1 when empty). */
const containerKind = new Int8Array(CAPACITY);
const containerFirst = new Int32Array(CAPACITY);
let containers = 0;
/** Entries (members and elements): key span (members only), value kind and span, container, next sibling. */
const keyStart = new Int32Array(CAPACITY);
const keyLength = new Int32Array(CAPACITY);
const valueKind = new Int8Array(CAPACITY);
const valueStart = new Int32Array(CAPACITY);
const valueEnd = new Int32Array(CAPACITY);
const valueContainer = new Int32Array(CAPACITY);
const nextEntry = new Int32Array(CAPACITY);
let entries = 0;
/** Strings already read in this message, by entry. */
const stringCache: (string | undefined)[] = new Array<string | undefined>(CAPACITY).fill(undefined);
const stringCacheMessage = new Int32Array(CAPACITY);
let message = 0;

let bytes: Buffer = Buffer.alloc(0);
let at = 0;
let length = 0;

/** Thrown by the scanner: not JSON, or not for this normalizer (non-ASCII, escaped names, too large). */
class NotScannable extends Error {}
const notScannable = new NotScannable();

function skipSpace(): void {
  while (at < length) {
    const c = bytes[at] as number;
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) {
      return;
    }
    at++;
  }
}

/** A string starting at its opening quote; returns its kind and leaves `at` after the closing quote. */
function scanString(): number {
  at++;
  let kind = KIND_STRING;
  for (;;) {
    if (at >= length) {
      throw notScannable;
    }
    const c = bytes[at] as number;
    if (c === 34) {
      at++;
      return kind;
    }
    if (c < 32 || c >= 128) {
      throw notScannable;
    }
    if (c === 92) {
      kind = KIND_ESCAPED_STRING;
      skipEscape();
      continue;
    }
    at++;
  }
}

/** Checks the escape sequence at `at` (a backslash) and steps past it. */
function skipEscape(): void {
  const c = bytes[at + 1];
  if (c === 117) {
    for (let i = at + 2; i < at + 6; i++) {
      const h = bytes[i];
      if (h === undefined || !((h >= 48 && h <= 57) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102))) {
        throw notScannable;
      }
    }
    at += 6;
    return;
  }
  // " \ / b f n r t
  if (c !== 34 && c !== 92 && c !== 47 && c !== 98 && c !== 102 && c !== 110 && c !== 114 && c !== 116) {
    throw notScannable;
  }
  at += 2;
}

function isDigitAt(i: number): boolean {
  const c = bytes[i];
  return c !== undefined && c >= 48 && c <= 57;
}

function scanNumber(): void {
  if (bytes[at] === 45) {
    at++;
  }
  if (bytes[at] === 48) {
    at++;
  } else {
    if (!isDigitAt(at)) {
      throw notScannable;
    }
    while (isDigitAt(at)) {
      at++;
    }
  }
  if (bytes[at] === 46) {
    at++;
    if (!isDigitAt(at)) {
      throw notScannable;
    }
    while (isDigitAt(at)) {
      at++;
    }
  }
  if (bytes[at] === 101 || bytes[at] === 69) {
    at++;
    if (bytes[at] === 43 || bytes[at] === 45) {
      at++;
    }
    if (!isDigitAt(at)) {
      throw notScannable;
    }
    while (isDigitAt(at)) {
      at++;
    }
  }
}

function expectWord(word: string): void {
  for (let i = 0; i < word.length; i++) {
    if (bytes[at + i] !== word.charCodeAt(i)) {
      throw notScannable;
    }
  }
  at += word.length;
}

/** Scans one value into entry `e`. */
function scanValue(e: number): void {
  skipSpace();
  const c = bytes[at];
  valueStart[e] = at;
  if (c === 123 || c === 91) {
    if (containers >= CAPACITY || entries >= CAPACITY - 1) {
      throw notScannable;
    }
    const isObject = c === 123;
    const container = containers++;
    containerKind[container] = isObject ? KIND_OBJECT : KIND_ARRAY;
    containerFirst[container] = -1;
    valueKind[e] = isObject ? KIND_OBJECT : KIND_ARRAY;
    valueContainer[e] = container;
    const close = isObject ? 125 : 93;
    at++;
    skipSpace();
    if (bytes[at] === close) {
      at++;
      valueEnd[e] = at;
      return;
    }
    let previous = -1;
    for (;;) {
      if (entries >= CAPACITY) {
        throw notScannable;
      }
      const entry = entries++;
      nextEntry[entry] = -1;
      if (previous < 0) {
        containerFirst[container] = entry;
      } else {
        nextEntry[previous] = entry;
      }
      previous = entry;
      if (isObject) {
        skipSpace();
        if (bytes[at] !== 34) {
          throw notScannable;
        }
        const start = at + 1;
        if (scanString() !== KIND_STRING) {
          throw notScannable;
        }
        keyStart[entry] = start;
        keyLength[entry] = at - 1 - start;
        skipSpace();
        if (bytes[at] !== 58) {
          throw notScannable;
        }
        at++;
      }
      scanValue(entry);
      skipSpace();
      if (bytes[at] === 44) {
        at++;
        continue;
      }
      if (bytes[at] === close) {
        at++;
        valueEnd[e] = at;
        return;
      }
      throw notScannable;
    }
  }
  if (c === 34) {
    valueKind[e] = scanString();
  } else if (c === 116) {
    expectWord('true');
    valueKind[e] = KIND_TRUE;
  } else if (c === 102) {
    expectWord('false');
    valueKind[e] = KIND_FALSE;
  } else if (c === 110) {
    expectWord('null');
    valueKind[e] = KIND_NULL;
  } else {
    scanNumber();
    valueKind[e] = KIND_NUMBER;
  }
  valueEnd[e] = at;
}

/** Scans the whole message; entry 0 is the root value. */
function scanMessage(buffer: Buffer): void {
  bytes = buffer;
  at = 0;
  length = buffer.length;
  containers = 0;
  entries = 1;
  nextEntry[0] = -1;
  message = (message + 1) | 0;
  scanValue(0);
  skipSpace();
  if (at !== length) {
    throw notScannable;
  }
}

/** The last member of object container `container` named `name`, -1 when there is none. */
function member(container: number, name: string): number {
  let found = -1;
  const n = name.length;
  for (let e = containerFirst[container] as number; e >= 0; e = nextEntry[e] as number) {
    if (keyLength[e] !== n) {
      continue;
    }
    const start = keyStart[e] as number;
    let same = true;
    for (let i = 0; i < n; i++) {
      if (bytes[start + i] !== name.charCodeAt(i)) {
        same = false;
        break;
      }
    }
    if (same) {
      found = e;
    }
  }
  return found;
}

function stringOf(e: number): string {
  if (stringCacheMessage[e] === message) {
    return stringCache[e] as string;
  }
  const start = valueStart[e] as number;
  const end = valueEnd[e] as number;
  const text =
    valueKind[e] === KIND_ESCAPED_STRING
      ? (JSON.parse(bytes.toString('latin1', start, end)) as string)
      : bytes.toString('latin1', start + 1, end - 1);
  stringCache[e] = text;
  stringCacheMessage[e] = message;
  return text;
}

function numberOf(e: number): number {
  const start = valueStart[e] as number;
  const end = valueEnd[e] as number;
  let value = 0;
  let i = start;
  for (; i < end; i++) {
    const c = bytes[i] as number;
    if (c < 48 || c > 57) {
      break;
    }
    value = value * 10 + c - 48;
  }
  return i === end && end - start < 16 ? value : Number(bytes.toString('latin1', start, end));
}

/**
 * The text of member `name` of object container `container`, `undefined` when there is none (the patient id is
 * optional; JSON.stringify leaves the member out, as the measurement leaves it out).
 */
function optionalText(container: number, name: string): string {
  const e = member(container, name);
  return (e < 0 ? undefined : stringOf(e)) as string;
}

/** A value as measurement text; the benchmark's values are numbers and strings. */
function textOf(e: number): string {
  const kind = valueKind[e];
  return kind === KIND_NUMBER ? toNumberText(numberOf(e)) : stringOf(e);
}

/**
 * Normalizes one bench message with `benchDeviceMapping` without `JSON.parse`.
 * @param body - the message body
 * @param properties - application properties
 * @param systemProperties - system properties
 * @param enqueuedTimeUtc - the enqueued time (ISO-8601)
 * @returns the measurements `normalizeEvent` would return for this message
 */
export function normalizeBenchMessageByScanning(
  body: Buffer,
  properties: Json,
  systemProperties: Json,
  enqueuedTimeUtc: string,
): Measurement[] {
  try {
    scanMessage(body);
  } catch (error) {
    if (error !== notScannable) {
      throw error;
    }
    // Not JSON (the parse-based normalizer throws for it too), or not for this scanner.
    return normalizeBenchMessageByHand(body, properties, systemProperties, enqueuedTimeUtc);
  }
  const out: Measurement[] = [];
  if (valueKind[0] !== KIND_OBJECT) {
    return out;
  }
  const ingestionTimeUtc = toUtcTimestamp(enqueuedTimeUtc) as string;
  let lastTimeEntry = -1;
  let lastTime = '';
  const time = (e: number): string => {
    if (e !== lastTimeEntry) {
      lastTimeEntry = e;
      lastTime = toUtcTimestamp(stringOf(e)) as string;
    }
    return lastTime;
  };
  // The `$..` scans: every object in pre-order (the envelope's own members hold none of these names).
  for (let c = 0; c < containers; c++) {
    const heartRate = containerKind[c] === KIND_OBJECT ? member(c, 'heartRate') : -1;
    if (heartRate >= 0) {
      out.push({
        type: 'heartrate',
        occurrenceTimeUtc: time(member(c, 'endDate')),
        ingestionTimeUtc,
        deviceId: stringOf(member(c, 'deviceId')),
        patientId: optionalText(c, 'patientId'),
        properties: [{ name: 'hr', value: textOf(heartRate) }],
      });
    }
  }
  for (let c = 0; c < containers; c++) {
    const systolic = containerKind[c] === KIND_OBJECT ? member(c, 'systolic') : -1;
    const diastolic = systolic >= 0 ? member(c, 'diastolic') : -1;
    if (diastolic >= 0) {
      out.push({
        type: 'bloodpressure',
        occurrenceTimeUtc: time(member(c, 'endDate')),
        ingestionTimeUtc,
        deviceId: stringOf(member(c, 'deviceId')),
        patientId: optionalText(c, 'patientId'),
        properties: [
          { name: 'systolic', value: textOf(systolic) },
          { name: 'diastolic', value: textOf(diastolic) },
        ],
      });
    }
  }
  for (let c = 0; c < containers; c++) {
    const spo2 = containerKind[c] === KIND_OBJECT ? member(c, 'spo2') : -1;
    if (spo2 >= 0) {
      out.push({
        type: 'spo2',
        occurrenceTimeUtc: time(member(c, 'endDate')),
        ingestionTimeUtc,
        deviceId: stringOf(member(c, 'deviceId')),
        patientId: optionalText(c, 'patientId'),
        properties: [{ name: 'spo2', value: textOf(spo2) }],
      });
    }
  }
  const readings = member(0, 'readings');
  if (readings >= 0 && valueKind[readings] === KIND_ARRAY) {
    for (let e = containerFirst[valueContainer[readings] as number] as number; e >= 0; e = nextEntry[e] as number) {
      if (valueKind[e] !== KIND_OBJECT) {
        continue;
      }
      const reading = valueContainer[e] as number;
      const kind = member(reading, 'kind');
      if (kind >= 0 && valueKind[kind] === KIND_STRING && stringOf(kind) === 'temperature') {
        const fahrenheit = numberOf(member(reading, 'fahrenheit'));
        out.push({
          type: 'bodytemperature',
          occurrenceTimeUtc: time(member(reading, 'time')),
          ingestionTimeUtc,
          deviceId: stringOf(member(0, 'deviceId')),
          patientId: optionalText(0, 'patientId'),
          properties: [{ name: 'celsius', value: toNumberText(((fahrenheit - 32) * 5) / 9) }],
        });
      }
    }
  }
  // `$..[?(@.Body.steps)]` matches the envelope itself.
  const steps = member(0, 'steps');
  if (steps >= 0) {
    const created = properties['iothub-creation-time-utc'];
    out.push({
      type: 'steps',
      occurrenceTimeUtc: toUtcTimestamp((created ?? systemProperties['iothub-enqueuedtime']) as string) as string,
      ingestionTimeUtc,
      deviceId: systemProperties['iothub-connection-device-id'] as string,
      patientId: optionalText(0, 'patientId'),
      properties: [{ name: 'steps', value: textOf(steps) }],
    });
  }
  return out;
}
