import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeadLetterRecord } from '../../../shared/core/staging/deadLetter.js';
import {
  shortfallOf,
  splitDeadLetterRecord,
  toDeadLetterBody,
  toDeadLetterDocument,
} from '../../../shared/core/staging/deadLetter.js';
import { toJsonByteLength } from '../../../shared/core/staging/planStagingDocuments.js';
import { planDeadLetterReplay } from '../../../shared/core/staging/deadLetterReplay.js';
import type { DeviceEvent, EventBody } from '../../../shared/core/deviceEvent.js';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import { deviceMappingOf } from '../../support/deviceMappings.js';

const messageRecord: DeadLetterRecord = {
  error: {
    name: 'IncompatibleData',
    stage: 'Normalization',
    severity: 'non-blocking',
    message: 'deviceId is required',
  },
  time: '2024-05-03T00:00:00.000Z',
  templateType: 'CalculatedContent',
  subject: {
    kind: 'message',
    body: { encoding: 'json', value: { hr: 1 } },
    coordinates: { partitionId: '2', sequenceNumber: 41, offset: '4100', enqueuedTimeUtc: '2024-05-01T23:59:59.000Z' },
  },
};

describe('toDeadLetterDocument', () => {
  it("partitions by error name, the UTC hour of the enqueued time and the id's first digit; copies the error name", () => {
    const document = toDeadLetterDocument(messageRecord);

    expect(document).toMatchObject({
      pk: `IncompatibleData|2024-05-01T23|${document.id.charAt(0)}`,
      errorName: 'IncompatibleData',
    });
    expect(document.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('spreads one error of one hour over 16 partitions (a day of it in one outgrew a logical partition)', () => {
    const pks = new Set(
      Array.from({ length: 200 }, (_, sequenceNumber) => {
        const { subject } = messageRecord;
        if (subject.kind !== 'message') {
          throw new Error('a message record');
        }
        return toDeadLetterDocument({
          ...messageRecord,
          subject: { ...subject, coordinates: { ...subject.coordinates, sequenceNumber } },
        }).pk;
      }),
    );

    expect([...pks].sort()).toEqual([...'0123456789abcdef'].map((h) => `IncompatibleData|2024-05-01T23|${h}`));
  });

  it('gives a rerun the same id and partition even when it is recorded later', () => {
    const rerun = toDeadLetterDocument({ ...messageRecord, time: '2024-06-01T00:00:00.000Z' });

    expect([rerun.id, rerun.pk]).toEqual([
      toDeadLetterDocument(messageRecord).id,
      toDeadLetterDocument(messageRecord).pk,
    ]);
  });

  it('gives a rerun the same id when the mapping was reformatted in between: the line and column moved', () => {
    const at = (line: number, column: number): DeadLetterRecord => ({
      ...messageRecord,
      error: {
        ...messageRecord.error,
        location: { templateIndex: 0, pointer: '/template/0/template/deviceIdExpression', line, column },
      },
    });
    const moved = toDeadLetterDocument(at(12, 9));

    expect(moved.id).toBe(toDeadLetterDocument(at(7, 5)).id);
    // The stored document says where the error is now.
    expect(moved.error.location).toMatchObject({ line: 12, column: 9 });
    // Another place in the mapping is another error.
    const elsewhere = toDeadLetterDocument({
      ...messageRecord,
      error: {
        ...messageRecord.error,
        location: { templateIndex: 1, pointer: '/template/1/template/deviceIdExpression', line: 12, column: 9 },
      },
    });
    expect(elsewhere.id).not.toBe(moved.id);
  });

  it('gives different errors on the same message, or the same error on different messages, different ids', () => {
    const base = toDeadLetterDocument(messageRecord).id;
    const otherError = toDeadLetterDocument({
      ...messageRecord,
      error: { ...messageRecord.error, location: { templateIndex: 1, field: 'deviceIdExpression' } },
    }).id;
    const otherMessage = toDeadLetterDocument({
      ...messageRecord,
      subject: {
        ...messageRecord.subject,
        coordinates: {
          partitionId: '2',
          sequenceNumber: 42,
          offset: '4200',
          enqueuedTimeUtc: '2024-05-01T23:59:59.000Z',
        },
      },
    } as DeadLetterRecord).id;

    expect(new Set([base, otherError, otherMessage]).size).toBe(3);
  });

  it('partitions a measurement group by the day of its earliest ingestion time', () => {
    const document = toDeadLetterDocument({
      error: { name: 'DeviceNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'no Device' },
      time: '2024-05-03T00:00:00.000Z',
      subject: {
        kind: 'measurements',
        measurements: [
          {
            type: 't',
            occurrenceTimeUtc: 'x',
            ingestionTimeUtc: '2024-05-02T00:00:01.000Z',
            deviceId: 'd',
            properties: [],
          },
          {
            type: 't',
            occurrenceTimeUtc: 'x',
            ingestionTimeUtc: '2024-05-01T23:00:00.000Z',
            deviceId: 'd',
            properties: [],
          },
        ],
      },
    });

    expect(document.pk).toBe(`DeviceNotFound|2024-05-01T23|${document.id.charAt(0)}`);
  });

  it('handles a rejected group larger than the call stack can take as arguments', () => {
    const base = Date.parse('2024-05-02T00:00:00.000Z');
    const measurements = Array.from({ length: 300_000 }, (_, i) => ({
      type: 't',
      occurrenceTimeUtc: 'x',
      // The earliest one is in the middle, on the day before.
      ingestionTimeUtc: new Date(i === 150_000 ? base - 1 : base + i).toISOString(),
      deviceId: 'd',
      properties: [],
    }));

    const document = toDeadLetterDocument({
      error: { name: 'DeviceNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'no Device' },
      time: '2024-05-03T00:00:00.000Z',
      subject: { kind: 'measurements', measurements },
    });

    expect(document.pk).toBe(`DeviceNotFound|2024-05-01T23|${document.id.charAt(0)}`);
  });
});

describe('splitDeadLetterRecord', () => {
  const group = (count: number): DeadLetterRecord => ({
    error: { name: 'DeviceNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'no Device' },
    time: '2024-05-03T00:00:00.000Z',
    subject: {
      kind: 'measurements',
      measurements: Array.from({ length: count }, (_, i) => ({
        type: 't',
        occurrenceTimeUtc: new Date(Date.UTC(2024, 4, 2) + i * 1000).toISOString(),
        ingestionTimeUtc: '2024-05-02T01:00:00.000Z',
        deviceId: 'd',
        properties: [{ name: 'v', value: String(i) }],
      })),
    },
  });

  it('leaves a message and a group that fits as they are', () => {
    expect(splitDeadLetterRecord(messageRecord, 10_000)).toEqual([messageRecord]);
    expect(splitDeadLetterRecord(group(3), 10_000)).toEqual([group(3)]);
  });

  it('splits a group into numbered parts of consecutive measurements, each document within the bound', () => {
    const record = group(500);

    const parts = splitDeadLetterRecord(record, 10_000);

    expect(parts.length).toBeGreaterThan(5);
    expect(parts.map((p) => p.part)).toEqual(parts.map((_, i) => ({ index: i + 1, count: parts.length })));
    expect(parts.flatMap((p) => (p.subject.kind === 'measurements' ? p.subject.measurements : []))).toEqual(
      record.subject.kind === 'measurements' ? record.subject.measurements : [],
    );
    for (const part of parts) {
      // 256 bytes stay free for the system fields Cosmos DB adds.
      expect(Buffer.byteLength(JSON.stringify(toDeadLetterDocument(part)), 'utf8')).toBeLessThanOrEqual(10_000 - 256);
    }
    expect(new Set(parts.map((p) => toDeadLetterDocument(p).id)).size).toBe(parts.length);
  });
});

describe('splitDeadLetterRecord with a message too large to store', () => {
  const large = Buffer.alloc(40_000, 0x61);

  it('stores it without its body, with the body size and hash; the same id as with the body', () => {
    const record: DeadLetterRecord = {
      ...messageRecord,
      subject: {
        kind: 'message',
        body: { encoding: 'base64', data: large.toString('base64') },
        coordinates: {
          partitionId: '2',
          sequenceNumber: 41,
          offset: '4100',
          enqueuedTimeUtc: '2024-05-01T23:59:59.000Z',
        },
        systemProperties: { 'iothub-connection-device-id': 'd1' },
      },
    };

    const [stored, ...rest] = splitDeadLetterRecord(record, 20_000);

    expect(rest).toEqual([]);
    expect(stored?.subject).toEqual({
      ...record.subject,
      body: {
        encoding: 'omitted',
        bytes: 40_000,
        sha256: createHash('sha256').update(large).digest('hex'),
      },
    });
    expect(stored && toDeadLetterDocument(stored).id).toBe(toDeadLetterDocument(record).id);
  });

  const coordinates = {
    partitionId: '2',
    sequenceNumber: 41,
    offset: '4100',
    enqueuedTimeUtc: '2024-05-01T23:59:59.000Z',
  };
  const withSubject = (
    subject: Partial<Extract<DeadLetterRecord['subject'], { kind: 'message' }>>,
  ): DeadLetterRecord => ({
    ...messageRecord,
    subject: { kind: 'message', body: { encoding: 'json', value: { hr: 1 } }, coordinates, ...subject },
  });
  const fitsIn = (record: DeadLetterRecord, bound: number): boolean =>
    Buffer.byteLength(JSON.stringify(toDeadLetterDocument(record)), 'utf8') <= bound - 256;

  it('keeps the body and the system properties when the application properties alone are too large', () => {
    const properties = { huge: 'x'.repeat(40_000) };
    const systemProperties = { 'iothub-connection-device-id': 'd1' };
    const record = withSubject({ properties, systemProperties });

    const [stored, ...rest] = splitDeadLetterRecord(record, 20_000);

    expect(rest).toEqual([]);
    expect(stored?.subject).toEqual({
      kind: 'message',
      body: { encoding: 'json', value: { hr: 1 } },
      coordinates,
      systemProperties,
      omitted: { properties: toJsonByteLength(properties) },
    });
    expect(stored && fitsIn(stored, 20_000)).toBe(true);
    expect(stored && toDeadLetterDocument(stored).id).toBe(toDeadLetterDocument(record).id);
    // Without its properties it is not the message it was: not replayed from the store.
    expect(stored && planDeadLetterReplay(toDeadLetterDocument(stored))).toEqual({ kind: 'unavailable' });
  });

  it('keeps the body of a message whose properties and body fit only apart', () => {
    const body = toDeadLetterBody({ kind: 'text', text: JSON.stringify({ text: 'b'.repeat(12_000) }) });
    const record = withSubject({ body, properties: { p: 'x'.repeat(12_000) } });

    const [stored] = splitDeadLetterRecord(record, 20_000);

    expect(stored?.subject).toMatchObject({ body, omitted: { properties: 12_008 } });
    expect(stored?.subject).not.toHaveProperty('properties');
  });

  it('leaves out the body and then the application properties when neither fits', () => {
    const bytes = Buffer.from(`{ "text": "${'b'.repeat(40_000)}" }`, 'utf8');
    const body = toDeadLetterBody({ kind: 'bytes', bytes });
    const systemProperties = { 'iothub-connection-device-id': 'd1' };
    const omittedBody = {
      encoding: 'omitted',
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };

    const [small] = splitDeadLetterRecord(withSubject({ body, properties: { p: 'x' }, systemProperties }), 20_000);
    expect(small?.subject).toEqual({
      kind: 'message',
      body: omittedBody,
      coordinates,
      properties: { p: 'x' },
      systemProperties,
    });

    const [large] = splitDeadLetterRecord(
      withSubject({ body, properties: { p: 'x'.repeat(40_000) }, systemProperties }),
      20_000,
    );
    expect(large?.subject).toEqual({
      kind: 'message',
      body: omittedBody,
      coordinates,
      systemProperties,
      omitted: { properties: 40_008 },
    });

    const [bare] = splitDeadLetterRecord(
      withSubject({ body, properties: { p: 'x'.repeat(40_000) }, systemProperties: { s: 'y'.repeat(40_000) } }),
      20_000,
    );
    expect(bare?.subject).toEqual({
      kind: 'message',
      body: omittedBody,
      coordinates,
      omitted: { properties: 40_008, systemProperties: 40_008 },
    });
    for (const stored of [small, large, bare]) {
      expect(stored && fitsIn(stored, 20_000)).toBe(true);
      expect(stored && planDeadLetterReplay(toDeadLetterDocument(stored))).toEqual({ kind: 'unavailable' });
    }
  });

  it("names a left-out JSON body by the event's own bytes, as Event Hubs holds them, not by the value rewritten", () => {
    const text = `\uFEFF{\n  "text": "${'b'.repeat(40_000)}"\n}\n`;
    const bytes = Buffer.from(text, 'utf8');
    const fromBytes = toDeadLetterBody({ kind: 'bytes', bytes });
    // A text given as text (no byte-order mark: the host decoded it) is named by its UTF-8 bytes.
    const fromText = toDeadLetterBody({ kind: 'text', text: text.slice(1) });
    expect(fromBytes.encoding).toBe('json');
    expect(fromText.encoding).toBe('json');

    const [stored] = splitDeadLetterRecord(withSubject({ body: fromBytes }), 20_000);
    const [storedText] = splitDeadLetterRecord(withSubject({ body: fromText }), 20_000);

    const expected = {
      encoding: 'omitted',
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    expect(stored?.subject).toMatchObject({ body: expected });
    const textBytes = bytes.subarray(3);
    expect(storedText?.subject).toMatchObject({
      body: {
        encoding: 'omitted',
        bytes: textBytes.length,
        sha256: createHash('sha256').update(textBytes).digest('hex'),
      },
    });
    // A body the host gave already parsed has no bytes of its own: the value as JSON stands for them.
    const [parsed] = splitDeadLetterRecord(
      withSubject({ body: toDeadLetterBody({ kind: 'json', value: { t: 'b'.repeat(40_000) } }) }),
      20_000,
    );
    const json = Buffer.from(JSON.stringify({ t: 'b'.repeat(40_000) }), 'utf8');
    expect(parsed?.subject).toMatchObject({
      body: { encoding: 'omitted', bytes: json.length, sha256: createHash('sha256').update(json).digest('hex') },
    });
  });
});

describe('shortfallOf', () => {
  const coordinates = { partitionId: '2', sequenceNumber: 41, offset: '4100', enqueuedTimeUtc: '2024-05-01T23:59:59Z' };
  const omitted = { encoding: 'omitted' as const, bytes: 9, sha256: 'ab' };
  const json = { encoding: 'json' as const, value: { hr: 1 } };

  it('ranks what each stored form leaves out: nothing, properties, the body, then the bags with it', () => {
    const forms = [
      { kind: 'message' as const, body: json, coordinates, properties: {}, systemProperties: {} },
      { kind: 'message' as const, body: json, coordinates, systemProperties: {}, omitted: { properties: 2 } },
      { kind: 'message' as const, body: omitted, coordinates, properties: {}, systemProperties: {} },
      { kind: 'message' as const, body: omitted, coordinates, systemProperties: {}, omitted: { properties: 2 } },
      { kind: 'message' as const, body: omitted, coordinates, omitted: { properties: 2, systemProperties: 2 } },
    ];
    expect(forms.map(shortfallOf)).toEqual([0, 1, 3, 4, 5]);
  });

  it('counts the bags a letter of the previous release left out without naming them (body omitted, no `omitted`)', () => {
    expect(shortfallOf({ kind: 'message', body: omitted, coordinates })).toBe(5);
    expect(shortfallOf({ kind: 'message', body: omitted, coordinates, systemProperties: {} })).toBe(4);
    expect(shortfallOf({ kind: 'measurements', measurements: [] })).toBe(0);
  });
});

describe('toDeadLetterBody', () => {
  it('keeps JSON as JSON, from a parsed value, text or UTF-8 bytes', () => {
    expect(toDeadLetterBody({ kind: 'json', value: { a: 1 } })).toEqual({ encoding: 'json', value: { a: 1 } });
    expect(toDeadLetterBody({ kind: 'text', text: '{"a":1}' })).toEqual({ encoding: 'json', value: { a: 1 } });
    expect(toDeadLetterBody({ kind: 'bytes', bytes: new TextEncoder().encode('[1,2]') })).toEqual({
      encoding: 'json',
      value: [1, 2],
    });
  });

  it('stores anything that is not JSON as base64 of its bytes', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]);

    expect(toDeadLetterBody({ kind: 'text', text: 'hr=72' })).toEqual({
      encoding: 'base64',
      data: Buffer.from('hr=72').toString('base64'),
    });
    expect(toDeadLetterBody({ kind: 'bytes', bytes })).toEqual({
      encoding: 'base64',
      data: Buffer.from(bytes).toString('base64'),
    });
  });

  it('encodes only the viewed bytes of a Uint8Array that is a slice of a larger buffer', () => {
    const backing = new TextEncoder().encode('xxnot jsonxx');
    const view = backing.subarray(2, 10);

    expect(toDeadLetterBody({ kind: 'bytes', bytes: view })).toEqual({
      encoding: 'base64',
      data: Buffer.from('not json').toString('base64'),
    });
  });

  it('keeps the bytes of JSON nested too deeply to store, which could not even be serialized', () => {
    const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    const deep = nested(10_000);

    const body = toDeadLetterBody({ kind: 'bytes', bytes: new TextEncoder().encode(deep) });

    expect(body).toEqual({ encoding: 'base64', data: Buffer.from(deep).toString('base64') });
    expect(toDeadLetterBody({ kind: 'text', text: deep })).toEqual(body);
    const record: DeadLetterRecord = {
      ...messageRecord,
      subject: {
        kind: 'message',
        body,
        coordinates: { partitionId: '2', sequenceNumber: 42, offset: '4200', enqueuedTimeUtc: '2024-05-02T00:00:00Z' },
      },
    };
    expect(splitDeadLetterRecord(record, 1_500_000)).toEqual([record]);
    // Ordinary nesting stays JSON.
    expect(toDeadLetterBody({ kind: 'text', text: nested(50) }).encoding).toBe('json');
  });

  it('keeps the bytes of JSON with a surrogate written as an escape, which the service reads as U+FFFD when alone', () => {
    const text = '{"d":"dev","t":"2024-05-01T10:00:00Z","hr":"\\ud800x"}';
    const bytes = new TextEncoder().encode(text);
    const event = (body: EventBody): DeviceEvent => ({
      body,
      properties: {},
      systemProperties: {},
      enqueuedTimeUtc: '2024-05-01T10:00:01.000Z',
    });
    const stored = toDeadLetterBody({ kind: 'bytes', bytes });
    const replayed = planDeadLetterReplay(
      toDeadLetterDocument({
        error: { name: 'IncompatibleData', stage: 'Normalization', severity: 'non-blocking', message: 'x' },
        time: '2024-05-01T10:00:02.000Z',
        subject: {
          kind: 'message',
          body: stored,
          coordinates: {
            partitionId: '0',
            sequenceNumber: 1,
            offset: '1',
            enqueuedTimeUtc: '2024-05-01T10:00:01.000Z',
          },
        },
      }),
    );
    const mapping = deviceMappingOf([
      {
        templateType: 'CalculatedContent',
        template: {
          typeName: 'hr',
          typeMatchExpression: '$..[?(@.hr)]',
          deviceIdExpression: '$.matchedToken.d',
          timestampExpression: '$.matchedToken.t',
          values: [{ valueName: 'hr', valueExpression: '$.matchedToken.hr', required: true }],
        },
      },
    ]);
    const valueOf = (e: DeviceEvent): string | undefined =>
      normalizeEvent(mapping, e).measurements[0]?.properties[0]?.value;

    expect(stored).toEqual({ encoding: 'base64', data: Buffer.from(text).toString('base64') });
    expect(replayed.kind === 'message' ? valueOf(replayed.ingest.event) : undefined).toBe(
      valueOf(event({ kind: 'bytes', bytes })),
    );
    expect(valueOf(event({ kind: 'bytes', bytes }))).toBe('\ufffdx');
    // An escaped backslash before `ud8…` is no escape: such a body stays JSON; one before an escape is still one.
    const path = '{"path":"C:\\\\udev\\\\data","hr":70}';
    expect(toDeadLetterBody({ kind: 'text', text: path })).toEqual({
      encoding: 'json',
      value: { path: 'C:\\udev\\data', hr: 70 },
    });
    expect(toDeadLetterBody({ kind: 'text', text: '{"a":"\\\\\\udc00"}' }).encoding).toBe('base64');
  });

  it('keeps the bytes of JSON holding an integer beyond 2^53, whose digits a parsed value would lose', () => {
    const text = '{"deviceId":123456789012345678,"hr":72}';

    expect(toDeadLetterBody({ kind: 'text', text })).toEqual({
      encoding: 'base64',
      data: Buffer.from(text).toString('base64'),
    });
    expect(toDeadLetterBody({ kind: 'bytes', bytes: new TextEncoder().encode(text) })).toEqual({
      encoding: 'base64',
      data: Buffer.from(text).toString('base64'),
    });
    // A safe integer is no reason.
    expect(toDeadLetterBody({ kind: 'text', text: '{"id":"12345678901234","n":900719925474099}' })).toEqual({
      encoding: 'json',
      value: { id: '12345678901234', n: 900719925474099 },
    });
  });

  it.each(['{"us":1.5e15}', '{"us":1500000000000000.0}', '{"delta":-0.0}', '{"delta":-0e3}'])(
    'keeps the bytes of %s, whose text MedTech takes from the literal (a double), not from the value',
    (text) => {
      expect(toDeadLetterBody({ kind: 'text', text })).toEqual({
        encoding: 'base64',
        data: Buffer.from(text).toString('base64'),
      });
    },
  );

  it.each([
    // JMESPath tells a float written whole from an integer (`to_string`, `==`): the parsed value cannot.
    '{"t":0.0}',
    '{"x":1e14}',
    '{"hr":[70, 72.00]}',
    // Sixteen digits may be an integer beyond 2^53 (the test is on the text, strings included: base64 is never wrong).
    '{"us":1500000000000000}',
    '{"id":"1234567890123456"}',
    // JavaScript lists integer-like names first: a `..` scan or `keys` would see another order than the message's.
    '{"b":1,"2":2}',
    '{"readings":[{"x":{"hr":70},"10":{"hr":71}}]}',
  ])('keeps the bytes of %s, which its parsed value would misrepresent to a replay', (text) => {
    expect(toDeadLetterBody({ kind: 'text', text })).toEqual({
      encoding: 'base64',
      data: Buffer.from(text).toString('base64'),
    });
  });

  it.each([
    ['{"delta":-0,"hr":72,"t":"2024-05-01T10:00:00.000Z"}', { delta: -0, hr: 72, t: '2024-05-01T10:00:00.000Z' }],
    // A fraction that is not whole, and a lone integer-like name, lose nothing.
    ['{"x":[1.5,-3],"n":{"10":1}}', { x: [1.5, -3], n: { 10: 1 } }],
  ])('stores %s as JSON: its value replays as the message does', (text, value) => {
    expect(toDeadLetterBody({ kind: 'text', text })).toEqual({ encoding: 'json', value });
  });
});

describe('splitDeadLetterRecord and long error texts', () => {
  it('bounds an error that quotes a megabyte-long expression, so that the dead letter can be stored at all', () => {
    const expression = `$.matchedToken['${'a'.repeat(2_000_000)}']`;
    const record: DeadLetterRecord = {
      error: {
        name: 'IncompatibleData',
        stage: 'Normalization',
        severity: 'non-blocking',
        message: `Unable to extract required value for valueExpression using expression '${expression}': matched nothing.`,
        location: { templateIndex: 0, field: 'valueExpression', expression },
      },
      time: '2024-05-01T10:00:00.000Z',
      subject: {
        kind: 'message',
        body: { encoding: 'json', value: { hr: 70 } },
        coordinates: { partitionId: '0', sequenceNumber: 1, offset: '1', enqueuedTimeUtc: '2024-05-01T10:00:00.000Z' },
      },
    };

    const parts = splitDeadLetterRecord(record, 1_500_000);

    expect(parts).toHaveLength(1);
    const [stored] = parts;
    expect(toJsonByteLength(toDeadLetterDocument(stored ?? record))).toBeLessThan(20_000);
    expect(stored?.error.message).toMatch(/^Unable to extract required value .*… \(\d+ more characters left out\)$/s);
    expect(stored?.error.location?.expression).toHaveLength(2_001);
    // The body is kept: only the error's texts were too long.
    expect(stored?.subject).toEqual(record.subject);
    // A short error is stored as it is.
    const short = { ...record, error: { ...record.error, message: 'm', location: { templateIndex: 0 } } };
    expect(splitDeadLetterRecord(short, 1_500_000)).toEqual([short]);
  });
});
