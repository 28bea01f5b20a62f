import { describe, expect, it } from 'vitest';
import { isIsoTimestamp, readMessageFiles } from '../../shared/cli/readMessageFiles.js';
import { captureIo, useTempDir } from './support.js';

const clock = (): Date => new Date('2030-01-02T03:04:05.000Z');
const { path, write } = useTempDir('medtech-messages-');

describe('readMessageFiles', () => {
  it('takes a file as the raw message body, stamped with the current time when no enqueued time is given', async () => {
    const file = write('body.json', '{"heartRate":70}');

    const messages = await readMessageFiles([file], { enqueuedTime: undefined, now: clock }, captureIo(), 'x');

    expect(messages).toEqual([
      {
        file,
        event: {
          body: { kind: 'bytes', bytes: expect.any(Uint8Array) },
          properties: {},
          // As the ingest adapter fills it on every event.
          systemProperties: { 'x-opt-enqueued-time': '2030-01-02T03:04:05.000Z' },
          enqueuedTimeUtc: '2030-01-02T03:04:05.000Z',
        },
      },
    ]);
    const body = messages?.[0]?.event.body;
    expect(body?.kind === 'bytes' ? new TextDecoder().decode(body.bytes) : undefined).toBe('{"heartRate":70}');
  });

  it('takes a file whose object has a Body key as a whole envelope with its enqueued time', async () => {
    const file = write(
      'envelope.json',
      '\uFEFF' +
        JSON.stringify({
          Body: { heartRate: 70 },
          Properties: { 'iothub-creation-time-utc': '2024-05-01T09:59:58Z' },
          SystemProperties: { 'iothub-enqueuedtime': '2024-05-01T10:00:02Z', 'x-opt-enqueued-time': 0 },
        }),
    );

    const [message] = (await readMessageFiles([file], { enqueuedTime: undefined, now: clock }, captureIo(), 'x')) ?? [];

    expect(message?.event).toEqual({
      body: { kind: 'text', text: '{"heartRate":70}' },
      properties: { 'iothub-creation-time-utc': '2024-05-01T09:59:58Z' },
      systemProperties: { 'iothub-enqueuedtime': '2024-05-01T10:00:02Z', 'x-opt-enqueued-time': 0 },
      enqueuedTimeUtc: '2024-05-01T10:00:02Z',
    });
  });

  it('takes an envelope written by hand with comments and trailing commas as an envelope', async () => {
    const file = write(
      'commented-envelope.json',
      [
        '{',
        '  // captured from IoT Hub',
        '  "Body": {"heartRate": 87},',
        '  "Properties": {},',
        '  "SystemProperties": {"iothub-enqueuedtime": "2026-11-24T09:50:05Z",},',
        '}',
      ].join('\n'),
    );

    const [message] = (await readMessageFiles([file], { enqueuedTime: undefined, now: clock }, captureIo(), 'x')) ?? [];

    expect(message?.event).toEqual({
      body: { kind: 'text', text: '{"heartRate": 87}' },
      properties: {},
      systemProperties: {
        'iothub-enqueuedtime': '2026-11-24T09:50:05Z',
        'x-opt-enqueued-time': '2026-11-24T09:50:05Z',
      },
      enqueuedTimeUtc: '2026-11-24T09:50:05Z',
    });
  });

  it("hands on the envelope's Body as the file writes it, the last of repeated Body members as JSON.parse", async () => {
    const file = write(
      'raw-body.json',
      '{"Body": {"hr": 1}, "Properties": {}, "Body" : { "hr": 12345678901234567, "t": 1.0 } , "SystemProperties": {}}',
    );

    const [message] = (await readMessageFiles([file], { enqueuedTime: undefined, now: clock }, captureIo(), 'x')) ?? [];

    expect(message?.event.body).toEqual({ kind: 'text', text: '{ "hr": 12345678901234567, "t": 1.0 }' });
  });

  it('prefers --enqueued-time over the envelope, and reads x-opt-enqueued-time as epoch milliseconds', async () => {
    const file = write('eh.json', JSON.stringify({ Body: {}, SystemProperties: { 'x-opt-enqueued-time': 0 } }));

    const given = await readMessageFiles(
      [file],
      { enqueuedTime: '2024-01-01T00:00:00Z', now: clock },
      captureIo(),
      'x',
    );
    const fromEnvelope = await readMessageFiles([file], { enqueuedTime: undefined, now: clock }, captureIo(), 'x');

    expect(given?.[0]?.event.enqueuedTimeUtc).toBe('2024-01-01T00:00:00Z');
    expect(fromEnvelope?.[0]?.event.enqueuedTimeUtc).toBe('1970-01-01T00:00:00.000Z');
  });

  it('reports the first unreadable file and returns nothing', async () => {
    const good = write('good.json', '{}');
    const missing = path('missing.json');
    const io = captureIo();

    const messages = await readMessageFiles([good, missing], { enqueuedTime: undefined, now: clock }, io, 'debug');

    expect(messages).toBeUndefined();
    expect(io.err).toBe(`medtech debug: cannot read ${missing}: no such file (ENOENT)\n`);
  });
});

describe('the enqueued time of an envelope', () => {
  it('falls through an unusable iothub-enqueuedtime to x-opt-enqueued-time, also given as digits', async () => {
    const file = write(
      'fallback.json',
      JSON.stringify({
        Body: {},
        SystemProperties: { 'iothub-enqueuedtime': 'not-a-time', 'x-opt-enqueued-time': '1709287200000' },
      }),
    );

    const [message] = (await readMessageFiles([file], { enqueuedTime: undefined, now: clock }, captureIo(), 'x')) ?? [];

    expect(message?.event.enqueuedTimeUtc).toBe('2024-03-01T10:00:00.000Z');
    expect(message?.enqueuedTimeFrom).toBeUndefined();
  });

  it('passes an unusable one on with where it came from, so the error names the property the user wrote', async () => {
    const file = write(
      'bad-time.json',
      JSON.stringify({ Body: {}, SystemProperties: { 'iothub-enqueuedtime': '2024-02-30T10:00:00Z' } }),
    );

    const [message] = (await readMessageFiles([file], { enqueuedTime: undefined, now: clock }, captureIo(), 'x')) ?? [];

    expect(message?.event.enqueuedTimeUtc).toBe('2024-02-30T10:00:00Z');
    expect(message?.enqueuedTimeFrom).toBe('SystemProperties.iothub-enqueuedtime');
  });
});

describe('isIsoTimestamp', () => {
  it('accepts a date with hours and minutes and rejects anything else', () => {
    expect(isIsoTimestamp('2024-01-01T00:00:00Z')).toBe(true);
    expect(isIsoTimestamp('2024-01-01T00:00')).toBe(true);
    expect(isIsoTimestamp('2024-01-01')).toBe(false);
    expect(isIsoTimestamp('2024-13-45T00:00:00Z')).toBe(false);
    expect(isIsoTimestamp('yesterday')).toBe(false);
    // As the engine reads timestamps: a real calendar date (Date.parse rolls 30 February over to 1 March).
    expect(isIsoTimestamp('2024-02-30T10:00:00Z')).toBe(false);
    expect(isIsoTimestamp('2024-02-29T10:00:00Z')).toBe(true);
  });
});
