import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../shared/cli/medtech.js';
import { runNormalizeCommand } from '../../shared/cli/normalizeCommand.js';
import { captureIo, useTempDir } from './support.js';

const sampleMapping = join(import.meta.dirname, '../../samples/devicecontent.json');
const invalidMapping = join(
  import.meta.dirname,
  '../fixtures/device-mapping-invalid/JsonPathContent_badExpression.json',
);
const { path, write } = useTempDir('medtech-normalize-');

const iotMapping = JSON.stringify({
  templateType: 'CollectionContent',
  template: [
    {
      templateType: 'IotJsonPathContent',
      template: {
        typeName: 'heartrate',
        typeMatchExpression: '$..[?(@Body.heartRate)]',
        patientIdExpression: '$.Body.patientId',
        values: [{ valueName: 'hr', valueExpression: '$.Body.heartRate', required: true }],
      },
    },
  ],
});

describe('medtech normalize', () => {
  it('prints one JSON document with the measurements of every message, stamped with --enqueued-time', async () => {
    const first = write(
      'hr1.json',
      '{"deviceId":"d1","patientId":"p1","endDate":"2024-05-01T10:00:00Z","heartRate":78}',
    );
    const second = write(
      'hr2.json',
      '{"deviceId":"d2","patientId":"p2","endDate":"2024-05-01T10:00:05Z","heartRate":80}',
    );
    const io = captureIo();

    const code = await runCli(
      [
        'normalize',
        '--device-mapping',
        sampleMapping,
        '--message',
        first,
        '--message',
        second,
        '--enqueued-time',
        '2024-05-01T10:01:00Z',
      ],
      io,
    );

    expect(code).toBe(0);
    const output = JSON.parse(io.out);
    expect(Object.keys(output)).toEqual(['measurements', 'errors']);
    expect(output.errors).toEqual([]);
    expect(output.measurements).toHaveLength(2);
    expect(output.measurements.map((m: { deviceId: string }) => m.deviceId)).toEqual(['d1', 'd2']);
    expect(output.measurements[0]).toMatchObject({
      type: 'heartrate',
      deviceId: 'd1',
      patientId: 'p1',
      properties: [{ name: 'hr', value: '78' }],
    });
    expect(Date.parse(output.measurements[0].occurrenceTimeUtc)).toBe(Date.parse('2024-05-01T10:00:00Z'));
    expect(Date.parse(output.measurements[0].ingestionTimeUtc)).toBe(Date.parse('2024-05-01T10:01:00Z'));
  });

  it('reports a message that is not JSON as InvalidDataFormat with its index and file, and still exits 0', async () => {
    const good = write('good.json', '{"deviceId":"d1","endDate":"2024-05-01T10:00:00Z","steps":12}');
    const bad = write('bad.json', 'deviceId=d1;steps=12');
    const io = captureIo();

    const code = await runCli(
      [
        'normalize',
        '--device-mapping',
        sampleMapping,
        '--message',
        bad,
        '--message',
        good,
        '--enqueued-time',
        '2024-05-01T10:01:00Z',
      ],
      io,
    );

    expect(code).toBe(0);
    const output = JSON.parse(io.out);
    expect(output.measurements.map((m: { type: string }) => m.type)).toEqual(['stepcount']);
    expect(output.errors).toHaveLength(1);
    expect(output.errors[0]).toMatchObject({
      name: 'InvalidDataFormat',
      stage: 'Normalization',
      severity: 'non-blocking',
      messageIndex: 0,
      messageFile: bad,
    });
    expect(output.errors[0].message).not.toContain('steps=12');
  });

  it('normalizes a body MedTech reads though it is not strict JSON, with a warning on stderr', async () => {
    // A firmware printf loop: single quotes, a trailing comma, and a second reading after the first (never read).
    const message = write(
      'lenient.json',
      "{'deviceId':'d1','endDate':'2024-05-01T10:00:00Z','steps':012,}\n{'deviceId':'d2','steps':13}",
    );
    const io = captureIo();

    const code = await runCli(
      ['normalize', '--device-mapping', sampleMapping, '--message', message, '--enqueued-time', '2024-05-01T10:01:00Z'],
      io,
    );

    expect(code).toBe(0);
    const output = JSON.parse(io.out);
    expect(output.errors).toEqual([]);
    // `012` is octal to MedTech's reader: 10 steps.
    expect(
      output.measurements.map((m: { deviceId: string; properties: unknown }) => [m.deviceId, m.properties]),
    ).toEqual([['d1', [{ name: 'steps', value: '10' }]]]);
    expect(io.err).toBe(
      `${message}: warning: The message body holds more after its first JSON value; the rest was ignored, as MedTech ` +
        'ignores it.\n',
    );
  });

  it('notes on stderr a message that no template matched, which the JSON document shows only as nothing', async () => {
    const unmatched = write('unmatched.json', '{"deviceId":"d1","temperature":37}');
    const matched = write('matched.json', '{"deviceId":"d1","endDate":"2024-05-01T10:00:00Z","heartRate":78}');
    const broken = write('broken.json', '{"deviceId":');
    const io = captureIo();

    const code = await runCli(
      [
        'normalize',
        '--device-mapping',
        sampleMapping,
        ...['--message', unmatched, '--message', matched, '--message', broken],
        '--enqueued-time',
        '2024-05-01T10:01:00Z',
      ],
      io,
    );

    expect(code).toBe(0);
    const output = JSON.parse(io.out);
    expect(output.measurements).toHaveLength(1);
    expect(output.errors.map((e: { messageFile: string }) => e.messageFile)).toEqual([broken]);
    expect(io.err).toBe(
      `${unmatched}: note: no template's typeMatchExpression selected anything in this message, so it yields no ` +
        'measurement (MedTech counts it as a DroppedEvent)\n',
    );
  });

  it('warns of an envelope whose Body is a string holding JSON: the body is that string, not what it holds', async () => {
    const quoted = write(
      'quoted.json',
      JSON.stringify({ Body: JSON.stringify({ deviceId: 'd1', endDate: '2024-05-01T10:00:00Z', heartRate: 78 }) }),
    );
    const plain = write('plain.json', JSON.stringify({ Body: '{not json' }));
    const io = captureIo();

    const code = await runCli(
      [
        'normalize',
        '--device-mapping',
        sampleMapping,
        ...['--message', quoted, '--message', plain],
        '--enqueued-time',
        '2024-05-01T10:01:00Z',
      ],
      io,
    );

    expect(code).toBe(0);
    expect(JSON.parse(io.out)).toEqual({ measurements: [], errors: [] });
    const [warning, ...notes] = io.err.trimEnd().split('\n');
    expect(warning).toBe(
      `${quoted}: warning: the envelope's Body is a string that holds JSON text; the body is that string (as if the ` +
        'device had sent it quoted), so the templates see no members in it; write the JSON itself under "Body" to ' +
        'test the message it holds',
    );
    // Only the first: the other Body is a string too, but no JSON text.
    expect(notes.map((line) => line.slice(0, line.indexOf(': ')))).toEqual([quoted, plain]);
    expect(notes.every((line) => line.includes(': note: no template'))).toBe(true);
  });

  it('takes a file with a Body key as a whole IoT Hub envelope, with its enqueued time', async () => {
    const mapping = write('iot.json', iotMapping);
    const message = write(
      'iot-message.json',
      JSON.stringify({
        Body: { heartRate: 71, patientId: 'p9' },
        Properties: { 'iothub-creation-time-utc': '2024-05-01T09:59:58Z' },
        SystemProperties: { 'iothub-connection-device-id': 'dev-9', 'iothub-enqueuedtime': '2024-05-01T10:00:02Z' },
      }),
    );
    const io = captureIo();

    expect(await runCli(['normalize', '--device-mapping', mapping, '--message', message], io)).toBe(0);

    const [measurement] = JSON.parse(io.out).measurements;
    expect(measurement).toMatchObject({
      type: 'heartrate',
      deviceId: 'dev-9',
      patientId: 'p9',
      properties: [{ name: 'hr', value: '71' }],
    });
    expect(Date.parse(measurement.occurrenceTimeUtc)).toBe(Date.parse('2024-05-01T09:59:58Z'));
    expect(Date.parse(measurement.ingestionTimeUtc)).toBe(Date.parse('2024-05-01T10:00:02Z'));
  });

  it("reads an envelope's Body as the body of an event: an integer past 2^53 keeps its digits, as in MedTech", async () => {
    const mapping = write('iot-big.json', iotMapping);
    const text = '{"heartRate":12345678901234567,"patientId":"p9"}';
    const message = write(
      'iot-big-message.json',
      `{"Body":${text},"SystemProperties":{"iothub-connection-device-id":"d","iothub-enqueuedtime":"2024-05-01T10:00:02Z"}}`,
    );
    const io = captureIo();

    expect(await runCli(['normalize', '--device-mapping', mapping, '--message', message], io)).toBe(0);

    const { measurements, errors } = JSON.parse(io.out);
    expect(errors).toEqual([]);
    expect(measurements).toMatchObject([{ patientId: 'p9', properties: [{ name: 'hr', value: '12345678901234567' }] }]);
  });

  it('reads a UTF-16 envelope file with its byte-order mark, as PowerShell 5 writes it', async () => {
    const mapping = write('iot16.json', iotMapping);
    const envelope = JSON.stringify({
      Body: { heartRate: 72, patientId: 'p8' },
      SystemProperties: { 'iothub-connection-device-id': 'dev-8', 'iothub-enqueuedtime': '2024-05-01T10:00:03Z' },
    });
    const file = path('envelope-utf16.json');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(envelope, 'utf16le')]));
    const io = captureIo();

    expect(await runCli(['normalize', '--device-mapping', mapping, '--message', file], io)).toBe(0);

    const { measurements, errors } = JSON.parse(io.out);
    expect(errors).toEqual([]);
    expect(measurements).toMatchObject([{ deviceId: 'dev-8', patientId: 'p8', properties: [{ value: '72' }] }]);
    expect(Date.parse(measurements[0].ingestionTimeUtc)).toBe(Date.parse('2024-05-01T10:00:03Z'));
  });

  it('uses x-opt-enqueued-time epoch milliseconds when the envelope has no IoT Hub enqueued time', async () => {
    const mapping = write('iot2.json', iotMapping);
    const message = write(
      'eh-message.json',
      JSON.stringify({
        Body: { heartRate: 64 },
        SystemProperties: {
          'iothub-connection-device-id': 'dev-1',
          'x-opt-enqueued-time': Date.parse('2024-05-02T00:00:00Z'),
        },
        Properties: { 'iothub-creation-time-utc': '2024-05-01T23:59:59Z' },
      }),
    );
    const io = captureIo();

    expect(await runCli(['normalize', '--device-mapping', mapping, '--message', message], io)).toBe(0);
    expect(Date.parse(JSON.parse(io.out).measurements[0].ingestionTimeUtc)).toBe(Date.parse('2024-05-02T00:00:00Z'));
  });

  it('stamps messages with the current time when no enqueued time is given or found', async () => {
    const message = write('plain.json', '{"deviceId":"d1","endDate":"2024-05-01T10:00:00Z","heartRate":60}');
    const io = captureIo();

    const code = await runNormalizeCommand(
      ['--device-mapping', sampleMapping, '--message', message],
      io,
      () => new Date('2030-01-02T03:04:05.000Z'),
    );

    expect(code).toBe(0);
    expect(JSON.parse(io.out).measurements[0].ingestionTimeUtc).toBe('2030-01-02T03:04:05.000Z');
  });

  it('exits 1 with the problems on stderr and nothing on stdout when the mapping is invalid', async () => {
    const message = write('any.json', '{}');
    const io = captureIo();

    const code = await runCli(['normalize', '--device-mapping', invalidMapping, '--message', message], io);

    expect(code).toBe(1);
    expect(io.out).toBe('');
    expect(io.err.split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^${escape(invalidMapping)}:8:9: error TemplateExpression: typeMatchExpression: `),
      ),
      `${invalidMapping}:12:32: error InvalidTemplate: 'valueExpression' must be a JSONPath string (this template kind does not take expression objects) (template 0, /template/0/template/values/0/valueExpression)`,
      `${invalidMapping}: invalid device mapping; no message was normalized`,
      '',
    ]);
  });

  it('names the envelope property of an unusable enqueued time in the error', async () => {
    const message = write(
      'bad-enqueued.json',
      JSON.stringify({ Body: { heartRate: 70 }, SystemProperties: { 'iothub-enqueuedtime': 'not-a-time' } }),
    );
    const io = captureIo();

    expect(await runCli(['normalize', '--device-mapping', sampleMapping, '--message', message], io)).toBe(0);

    const output = JSON.parse(io.out) as { errors: { name: string; location?: { field?: string } }[] };
    expect(output.errors.map((e) => [e.name, e.location?.field])).toEqual([
      ['IncompatibleData', 'SystemProperties.iothub-enqueuedtime'],
    ]);
  });

  it('exits 2 on a usage error: no message, a bad enqueued time, an unreadable file', async () => {
    const message = write('ok.json', '{}');
    const noMessage = captureIo();
    const badTime = captureIo();
    const unreadable = captureIo();

    expect(await runCli(['normalize', '--device-mapping', sampleMapping], noMessage)).toBe(2);
    expect(
      await runCli(
        [
          'normalize',
          '--device-mapping',
          sampleMapping,
          '--message',
          message,
          '--enqueued-time',
          '2024-02-30T10:00:00Z',
        ],
        badTime,
      ),
    ).toBe(2);
    expect(
      await runCli(['normalize', '--device-mapping', sampleMapping, '--message', path('nope.json')], unreadable),
    ).toBe(2);

    expect(noMessage.err).toMatch(/^medtech normalize: missing --message FILE/);
    expect(badTime.err).toMatch(/^medtech normalize: --enqueued-time must be an ISO-8601 timestamp/);
    expect(unreadable.err).toBe(`medtech normalize: cannot read ${path('nope.json')}: no such file (ENOENT)\n`);
    expect(noMessage.out + badTime.out + unreadable.out).toBe('');
  });

  it('prints its help with --help', async () => {
    const io = captureIo();

    expect(await runCli(['normalize', '--help'], io)).toBe(0);
    expect(io.out).toMatch(
      /^Usage: medtech normalize --device-mapping FILE \(--message FILE \| --messages FILE \| --dead-letter FILE\)/,
    );
  });

  it('reads each line of a --messages NDJSON file as a message named FILE:LINE, after the --message files', async () => {
    const single = write('single.json', '{"deviceId":"d0","endDate":"2024-05-01T10:00:00Z","steps":1}');
    const envelope = JSON.stringify({
      Body: { heartRate: 61 },
      Properties: { 'iothub-creation-time-utc': '2024-05-01T09:59:00Z' },
      SystemProperties: { 'iothub-connection-device-id': 'hub-d3', 'iothub-enqueuedtime': '2024-05-01T10:00:30Z' },
    });
    const ndjson = write(
      'messages.ndjson',
      [
        '{"deviceId":"d1","endDate":"2024-05-01T10:00:01Z","steps":2}',
        '',
        'deviceId=d2;steps=3',
        '   ',
        '{"deviceId":"d2","endDate":"2024-05-01T10:00:02Z","steps":4}\r',
        envelope,
        '',
      ].join('\n'),
    );
    const mapping = write(
      'mapping.json',
      JSON.stringify({
        templateType: 'CollectionContent',
        template: [
          {
            templateType: 'JsonPathContent',
            template: {
              typeName: 'steps',
              typeMatchExpression: '$..[?(@steps)]',
              deviceIdExpression: '$.deviceId',
              timestampExpression: '$.endDate',
              values: [{ valueName: 'steps', valueExpression: '$.steps', required: true }],
            },
          },
          JSON.parse(iotMapping).template[0],
        ],
      }),
    );
    const io = captureIo();

    const code = await runNormalizeCommand(
      ['--device-mapping', mapping, '--messages', ndjson, '--message', single],
      io,
      () => new Date('2030-01-01T00:00:00Z'),
    );

    expect(code).toBe(0);
    expect(io.err).toBe('');
    const output = JSON.parse(io.out);
    expect(output.measurements.map((m: { deviceId: string; ingestionTimeUtc: string }) => m.deviceId)).toEqual([
      'd0',
      'd1',
      'd2',
      'hub-d3',
    ]);
    expect(output.measurements[3].ingestionTimeUtc).toBe('2024-05-01T10:00:30.000Z');
    expect(output.measurements[2].properties).toEqual([{ name: 'steps', value: '4' }]);
    expect(output.errors).toMatchObject([{ name: 'InvalidDataFormat', messageIndex: 2, messageFile: `${ndjson}:3` }]);
  });

  it('reads a UTF-16 --messages file with its byte-order mark, and exits 2 when one cannot be read', async () => {
    const lines =
      '{"deviceId":"d1","endDate":"2024-05-01T10:00:00Z","steps":5}\r\n{"deviceId":"d2","endDate":"2024-05-01T10:00:01Z","steps":6}\r\n';
    const utf16 = path('utf16.ndjson');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines, 'utf16le')]));
    const io = captureIo();
    const unreadable = captureIo();

    expect(await runCli(['normalize', '--device-mapping', sampleMapping, '--messages', utf16], io)).toBe(0);
    expect(
      await runCli(
        ['normalize', '--device-mapping', sampleMapping, '--messages', utf16, '--messages', path('none.ndjson')],
        unreadable,
      ),
    ).toBe(2);

    expect(JSON.parse(io.out).measurements.map((m: { deviceId: string }) => m.deviceId)).toEqual(['d1', 'd2']);
    expect(unreadable.err).toBe(`medtech normalize: cannot read ${path('none.ndjson')}: no such file (ENOENT)\n`);
    expect(unreadable.out).toBe('');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('medtech normalize --dead-letter', () => {
  it("takes a rejected message's dead letter as that message, and sends a rejected group's to medtech debug", async () => {
    const message = write(
      'dead-message.json',
      JSON.stringify({
        id: 'a'.repeat(64),
        subject: {
          kind: 'message',
          body: {
            encoding: 'json',
            value: { deviceId: 'd1', patientId: 'p1', endDate: '2024-05-01T10:00:00Z', heartRate: 78 },
          },
          coordinates: {
            partitionId: '0',
            sequenceNumber: 3,
            offset: '30',
            enqueuedTimeUtc: '2024-05-01T10:00:02.000Z',
          },
          properties: {},
          systemProperties: {},
        },
      }),
    );
    const group = write('dead-group.json', JSON.stringify({ subject: { kind: 'measurements', measurements: [] } }));
    const io = captureIo();
    const refused = captureIo();

    const code = await runNormalizeCommand(['--device-mapping', sampleMapping, '--dead-letter', message], io);
    const groupCode = await runNormalizeCommand(['--device-mapping', sampleMapping, '--dead-letter', group], refused);

    expect(code).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({
      measurements: [{ deviceId: 'd1', ingestionTimeUtc: '2024-05-01T10:00:02.000Z' }],
      errors: [],
    });
    expect(groupCode).toBe(2);
    expect(refused.err).toContain(`${group}: it holds the measurements of a rejected group, not a message`);
  });
});
