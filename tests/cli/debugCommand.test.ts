import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runDebugCommand, type DebugOutput } from '../../shared/cli/debugCommand.js';
import { captureIo, useTempDir } from './support.js';
import type { Measurement } from '../../shared/core/measurement.js';
import { toDeadLetterDocument, type DeadLetterRecord } from '../../shared/core/staging/deadLetter.js';

const SYSTEM = 'https://azure.microsoft.com/en-us/services/iomt-fhir-connector/';
const dir = fileURLToPath(new URL('../fixtures/fhir/debug_docs_heartrate/', import.meta.url));
const file = (name: string): string => `${dir}${name}`;
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const readJson = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(file(name), 'utf8')) as Record<string, unknown>;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await runDebugCommand(args, io, () => new Date('2030-01-01T00:00:00Z'));
  return { code, stdout: io.out, stderr: io.err };
}

async function debug(messages: string[], extra: string[] = [], fhir = 'fhirmapping.json'): Promise<DebugOutput> {
  const result = await run([
    '--device-mapping',
    file('devicecontent.json'),
    '--fhir-mapping',
    file(fhir),
    ...messages.flatMap((m) => ['--message', file(m)]),
    '--enqueued-time',
    '2023-03-13T22:46:02Z',
    '--issued',
    '2023-04-05T21:02:59.165Z',
    ...extra,
  ]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as DebugOutput;
}

describe('runDebugCommand', () => {
  it("reports ResourceIdentityNotDefined for the docs' message, which has no patient id", async () => {
    const plain = await run([
      '--device-mapping',
      file('devicecontent.json'),
      '--fhir-mapping',
      file('fhirmapping.json'),
      '--message',
      file('message.json'),
    ]);
    expect(plain.stderr).toBe(
      'medtech debug: 1 group(s) have no patient id, which Create needs to create a Patient; for a mapping meant ' +
        'for Lookup, give the Devices the FHIR server holds: --resolution Lookup --fhir-resources FILE\n',
    );
    const output = await debug(['message.json']);
    expect(output.measurements).toEqual([
      {
        type: 'heartrate',
        occurrenceTimeUtc: '2023-03-13T22:46:01.875Z',
        ingestionTimeUtc: '2023-03-13T22:46:02.000Z',
        deviceId: 'device01',
        properties: [{ name: 'hr', value: '78' }],
      },
    ]);
    expect(output.observations).toEqual([]);
    expect(output.errors).toMatchObject([
      { name: 'ResourceIdentityNotDefined', stage: 'FHIRConversion', severity: 'non-blocking', type: 'heartrate' },
    ]);
  });

  it('prints the Observation MedTech would create on an empty FHIR server with Create resolution', async () => {
    const output = await debug(['message-with-patient.json']);
    const patient = sha256('_patient-1');
    const device = sha256('_device01');
    const value = `${patient}.${device}.heartrate.20230313224601Z.20230313224601Z`;
    expect(output.errors).toEqual([]);
    expect(output.observations).toEqual([
      {
        resourceType: 'Observation',
        id: sha256(`${SYSTEM}_${value}`),
        identifier: [{ system: SYSTEM, value }],
        status: 'final',
        code: {
          coding: [
            { system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' },
            { system: SYSTEM, code: 'heartrate', display: 'heartrate' },
          ],
          text: 'heartrate',
        },
        subject: { reference: `Patient/${patient}` },
        device: { reference: `Device/${device}` },
        effectivePeriod: { start: '2023-03-13T22:46:01.8750000Z', end: '2023-03-13T22:46:01.8750000Z' },
        issued: '2023-04-05T21:02:59.165Z',
        valueQuantity: { value: 78, unit: 'count/min', system: 'http://unitsofmeasure.org', code: 'count/min' },
      },
    ]);
  });

  it('lists an InvalidQuantityFhirValue error without stopping the other Observations', async () => {
    const output = await debug(['message-with-patient.json', 'message-not-a-number.json', 'envelope.json']);
    expect(output.measurements).toHaveLength(3);
    expect(output.errors.map((e) => [e.name, e.type])).toEqual([['InvalidQuantityFhirValue', 'heartrate']]);
    // Among several messages, the error says which one: the second file, device01.
    expect(output.errors[0]).toMatchObject({
      deviceId: 'device01',
      messageIndexes: [1],
      messageFiles: [file('message-not-a-number.json')],
    });
    // And where the FHIR mapping writes the value that could not be built.
    expect(output.errors[0]?.location).toEqual({
      templateIndex: 0,
      pointer: '/template/0/template/value',
      line: 15,
      column: 9,
      field: 'hr',
    });
    expect(output.observations.map((o) => [o.device?.reference, o.valueQuantity?.value])).toEqual([
      [`Device/${sha256('_device01')}`, 78],
      [`Device/${sha256('_device02')}`, 80],
    ]);
    expect(output.measurements[2]?.ingestionTimeUtc).toBe('2023-03-13T22:46:02.000Z');
  });

  it('takes the enqueued time from an envelope when none is given', async () => {
    const result = await run([
      '--device-mapping',
      file('devicecontent.json'),
      '--fhir-mapping',
      file('fhirmapping.json'),
      '--message',
      file('envelope.json'),
      '--message',
      file('message-with-patient.json'),
    ]);
    const output = JSON.parse(result.stdout) as DebugOutput;
    expect(output.measurements.map((m) => m.ingestionTimeUtc)).toEqual([
      '2023-03-13T22:48:01.000Z',
      '2030-01-01T00:00:00.000Z',
    ]);
    expect(output.observations.every((o) => o.issued === '2030-01-01T00:00:00.000Z')).toBe(true);
  });

  it('uses the default device identifier system in the created Device id', async () => {
    const output = await debug(['message-with-patient.json'], ['--device-identifier-system', 'urn:sys']);
    expect(output.observations[0]?.device).toEqual({ reference: `Device/${sha256('urn:sys_device01')}` });
  });

  it('reports TemplateNotFound and warns on stderr when no FHIR template matches the type', async () => {
    const result = await run([
      '--device-mapping',
      file('devicecontent.json'),
      '--fhir-mapping',
      file('fhirmapping-steps-only.json'),
      '--message',
      file('message-with-patient.json'),
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      `${file('devicecontent.json')}:7:9: warning TemplateNotFound: No FHIR template has typeName 'heartrate'`,
    );
    const output = JSON.parse(result.stdout) as DebugOutput;
    expect(output.observations).toEqual([]);
    expect(output.errors).toMatchObject([{ name: 'TemplateNotFound', stage: 'FHIRConversion', type: 'heartrate' }]);
  });

  it('exits 1 with the located problems when the FHIR mapping is invalid', async () => {
    const result = await run([
      '--device-mapping',
      file('devicecontent.json'),
      '--fhir-mapping',
      file('fhirmapping-invalid.json'),
      '--message',
      file('message.json'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'fhirmapping-invalid.json:6:46: error InvalidTemplate: periodInterval must be one of',
    );
  });

  it('exits 2 on a missing option or an unreadable file', async () => {
    expect((await run(['--device-mapping', file('devicecontent.json'), '--message', file('message.json')])).code).toBe(
      2,
    );
    const unreadable = await run([
      '--device-mapping',
      file('devicecontent.json'),
      '--fhir-mapping',
      file('fhirmapping.json'),
      '--message',
      file('missing.json'),
    ]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('missing.json');
    expect(
      (await run(['--device-mapping', 'x', '--fhir-mapping', 'y', '--message', 'z', '--issued', 'soon'])).code,
    ).toBe(2);
    expect(
      (
        await run([
          '--device-mapping',
          'x',
          '--fhir-mapping',
          'y',
          '--message',
          'z',
          '--issued',
          '2024-02-30T10:00:00Z',
        ])
      ).code,
    ).toBe(2);
  });

  it('writes --issued as a FHIR instant: UTC with milliseconds, no offset taken as UTC', async () => {
    const issuedOf = async (issued: string): Promise<string[]> => {
      const result = await run([
        '--device-mapping',
        file('devicecontent.json'),
        '--fhir-mapping',
        file('fhirmapping.json'),
        '--message',
        file('message-with-patient.json'),
        '--issued',
        issued,
      ]);
      expect(result.code).toBe(0);
      return (JSON.parse(result.stdout) as DebugOutput).observations.map((o) => o.issued ?? '');
    };

    expect(await issuedOf('2024-03-01T12:00:00+02:00')).toEqual(['2024-03-01T10:00:00.000Z']);
    expect(await issuedOf('2024-03-01T10:00')).toEqual(['2024-03-01T10:00:00.000Z']);
  });

  it('prints help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: medtech debug');
  });

  it('runs every line of an NDJSON file given with --messages: the bundled samples as `npm run local` does', async () => {
    const samples = fileURLToPath(new URL('../../samples/', import.meta.url));
    const result = await run([
      '--device-mapping',
      `${samples}devicecontent.json`,
      '--fhir-mapping',
      `${samples}fhirmapping.json`,
      '--messages',
      `${samples}messages.ndjson`,
      '--enqueued-time',
      '2026-11-24T09:50:05Z',
      '--issued',
      '2026-11-24T10:00:00Z',
    ]);

    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as DebugOutput;
    // The figures `npm run local` prints for the same samples: 99 measurements, 27 Observations, 2 dead letters.
    expect(output.measurements).toHaveLength(99);
    expect(output.observations).toHaveLength(27);
    expect(output.errors.map((e) => [e.name, e.messageIndex, e.messageFile])).toEqual([
      ['InvalidDataFormat', 10, `${samples}messages.ndjson:11`],
      ['IncompatibleData', 20, `${samples}messages.ndjson:21`],
    ]);
  });
});

describe('runDebugCommand on messages the test writes', () => {
  const { write } = useTempDir('medtech-debug-written-');

  it('writes a reading past the millisecond to the millisecond (a difference from MedTech, which kept 100 ns)', async () => {
    const message = write(
      'microseconds.json',
      JSON.stringify({ ...readJson('message-with-patient.json'), endDate: '2021-07-13T17:29:01.061144+02:00' }),
    );
    const output = await debug([], ['--message', message]);
    expect(output.errors).toEqual([]);
    expect(output.measurements.map((m) => m.occurrenceTimeUtc)).toEqual(['2021-07-13T15:29:01.061Z']);
    // MedTech: 2021-07-13T15:29:01.0611440Z for both; the identifier, to the second, is the same.
    expect(output.observations.map((o) => o.effectivePeriod)).toEqual([
      { start: '2021-07-13T15:29:01.0610000Z', end: '2021-07-13T15:29:01.0610000Z' },
    ]);
    expect(output.observations[0]?.identifier?.[0]?.value).toMatch(/\.20210713152901Z\.20210713152901Z$/);
  });

  it("prints a Quantity with its reading's digits, as MedTech's decimal writes it (78.50, not 78.5)", async () => {
    const message = write(
      'decimal.json',
      JSON.stringify({ ...readJson('message-with-patient.json'), heartRate: '78.50' }),
    );
    const result = await run([
      '--device-mapping',
      file('devicecontent.json'),
      '--fhir-mapping',
      file('fhirmapping.json'),
      '--message',
      message,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"value": 78.50,');
    expect((JSON.parse(result.stdout) as DebugOutput).observations[0]?.valueQuantity?.value).toBe(78.5);
  });
});

describe('runDebugCommand warnings', () => {
  const { write } = useTempDir('medtech-debug-warn-');

  it('prints normalization warnings to stderr, as normalize does', async () => {
    const device = write(
      'devicecontent.json',
      JSON.stringify({
        templateType: 'CollectionContent',
        template: [
          {
            templateType: 'CalculatedContent',
            template: {
              typeName: 'heartrate',
              typeMatchExpression: '$..[?(@heartRate)]',
              deviceIdExpression: '$.matchedToken.deviceId',
              patientIdExpression: '$.matchedToken.patientId',
              timestampExpression: '$.matchedToken.endDate',
              values: [
                { valueName: 'hr', valueExpression: '$.matchedToken.heartRate', required: true },
                { valueName: 'extra', valueExpression: '$.matchedToken.extra', required: false },
              ],
            },
          },
        ],
      }),
    );
    const fhir = write(
      'fhirmapping.json',
      JSON.stringify({
        templateType: 'CollectionFhir',
        template: [
          {
            templateType: 'CodeValueFhir',
            template: {
              typeName: 'heartrate',
              codes: [{ code: '8867-4', system: 'http://loinc.org' }],
              value: { valueType: 'Quantity', valueName: 'hr' },
            },
          },
        ],
      }),
    );
    const message = write(
      'message.json',
      JSON.stringify({
        deviceId: 'd1',
        patientId: 'p1',
        endDate: '2024-01-01T00:00:00Z',
        heartRate: 70,
        extra: { a: 1 },
      }),
    );
    const result = await run(['--device-mapping', device, '--fhir-mapping', fhir, '--message', message]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/message\.json: warning: .*extra/);
    expect((JSON.parse(result.stdout) as DebugOutput).observations).toHaveLength(1);
  });
});

describe('runDebugCommand against the resources of a FHIR server (--fhir-resources, --resolution)', () => {
  const { write } = useTempDir('medtech-debug-resources-');
  // What a server in Lookup mode holds: the docs' device, linked to its patient, as a FHIR export writes them.
  const device = { resourceType: 'Device', id: 'dev-7', identifier: [{ value: 'device01' }] };
  const linked = { ...device, patient: { reference: 'Patient/pat-3' } };
  const patient = { resourceType: 'Patient', id: 'pat-3', identifier: [{ value: 'mrn-3' }] };
  const ndjson = (...resources: object[]): string => resources.map((r) => JSON.stringify(r)).join('\n') + '\n';

  /**
   * An hourly SampledData heart rate (one slot a minute), or one per correlation id, and a device mapping that reads
   * no correlation id.
   */
  function hourlyMappings(periodInterval = 60): string[] {
    const deviceMapping = write(
      'hourly-device.json',
      JSON.stringify({
        templateType: 'CollectionContent',
        template: [
          {
            templateType: 'JsonPathContent',
            template: {
              typeName: 'heartrate',
              typeMatchExpression: '$..[?(@heartRate)]',
              deviceIdExpression: '$.deviceId',
              patientIdExpression: '$.patientId',
              timestampExpression: '$.endDate',
              values: [{ valueName: 'hr', valueExpression: '$.heartRate', required: true }],
            },
          },
        ],
      }),
    );
    const fhirMapping = write(
      'hourly-fhir.json',
      JSON.stringify({
        templateType: 'CollectionFhir',
        template: [
          {
            templateType: 'CodeValueFhir',
            template: {
              typeName: 'heartrate',
              periodInterval,
              codes: [{ code: '8867-4', system: 'http://loinc.org' }],
              value: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: 60000, unit: 'count/min' },
            },
          },
        ],
      }),
    );
    return ['--device-mapping', deviceMapping, '--fhir-mapping', fhirMapping];
  }
  const reading = (name: string, time: string, hr: number): string =>
    write(name, JSON.stringify({ deviceId: 'dev-h', patientId: 'pat-h', endDate: time, heartRate: hr }));

  it('merges into an Observation the server holds, as the service merges into what it wrote before', async () => {
    const first = await run([...hourlyMappings(), '--message', reading('at-10.json', '2024-05-01T10:10:00Z', 70)]);
    const [written] = (JSON.parse(first.stdout) as DebugOutput).observations;
    const resources = write('written.ndjson', ndjson(written ?? {}));

    const second = await run([
      ...hourlyMappings(),
      '--message',
      reading('at-20.json', '2024-05-01T10:20:00Z', 72),
      '--fhir-resources',
      resources,
    ]);

    const output = JSON.parse(second.stdout) as DebugOutput;
    expect(written).toMatchObject({ status: 'final' });
    expect(output.errors).toEqual([]);
    expect(output.observations).toHaveLength(1);
    expect(output.observations[0]).toMatchObject({ id: written?.id, status: 'amended' });
    const data = output.observations[0]?.valueSampledData?.data?.split(' ') ?? [];
    expect([data[10], data[20]]).toEqual(['70', '72']);
    expect(output.observations[0]?.meta).toBeUndefined();
  });

  it('fills the Event Hubs enqueued time into the system properties, as the service does', async () => {
    const [deviceOption, deviceMapping, ...fhirOptions] = hourlyMappings();
    const mapping = JSON.parse(readFileSync(deviceMapping ?? '', 'utf8')) as {
      template: { templateType: string; template: Record<string, unknown> }[];
    };
    const template = mapping.template[0];
    if (template === undefined) {
      throw new Error('no template');
    }
    template.templateType = 'CalculatedContent';
    template.template = {
      ...template.template,
      typeMatchExpression: '$..[?(@heartRate)]',
      deviceIdExpression: '$.Body.deviceId',
      patientIdExpression: '$.Body.patientId',
      timestampExpression: '$.SystemProperties.x-opt-enqueued-time',
      values: [{ valueName: 'hr', valueExpression: '$.Body.heartRate', required: true }],
    };
    const enqueuedTimeMapping = write('enqueued-time-device.json', JSON.stringify(mapping));

    const output = JSON.parse(
      (
        await run([
          deviceOption ?? '',
          enqueuedTimeMapping,
          ...fhirOptions,
          '--message',
          write('no-time.json', JSON.stringify({ deviceId: 'dev-h', patientId: 'pat-h', heartRate: 87 })),
          '--enqueued-time',
          '2026-11-24T09:50:05Z',
        ])
      ).stdout,
    ) as DebugOutput;

    expect(output.errors).toEqual([]);
    expect(output.measurements).toMatchObject([{ occurrenceTimeUtc: '2026-11-24T09:50:05.000Z' }]);
  });

  it('says CorrelationIdNotDefined before resolving the identity, as the flush plans a group first', async () => {
    const output = JSON.parse(
      (
        await run([
          ...hourlyMappings(-1),
          '--message',
          reading('no-session.json', '2024-05-01T10:10:00Z', 70),
          '--resolution',
          'Lookup',
        ])
      ).stdout,
    ) as DebugOutput;

    // The server holds no Device either: the group fails on its missing correlation id first.
    expect(output.measurements).toHaveLength(1);
    expect(output.errors.map((e) => e.name)).toEqual(['CorrelationIdNotDefined']);
  });

  it("resolves the docs' message, which has no patient id, with Lookup on the Device the server holds", async () => {
    const resources = write('lookup.ndjson', ndjson(patient, linked));
    const output = await debug(['message.json'], ['--resolution', 'lookup', '--fhir-resources', resources]);
    expect(output.errors).toEqual([]);
    const value = 'pat-3.dev-7.heartrate.20230313224601Z.20230313224601Z';
    expect(output.observations).toMatchObject([
      {
        id: sha256(`${SYSTEM}_${value}`),
        identifier: [{ system: SYSTEM, value }],
        subject: { reference: 'Patient/pat-3' },
        device: { reference: 'Device/dev-7' },
        valueQuantity: { value: 78 },
      },
    ]);
  });

  it('reads a Bundle, and says DeviceNotFound and PatientNotFound as the service would', async () => {
    // A saved search: its results, and what the server said of the search, which holds nothing.
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] };
    const bundle = (...resources: object[]): string =>
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [...resources, outcome].map((resource) => ({ resource })),
      });
    const none = await debug(
      ['message.json'],
      ['--resolution', 'Lookup', '--fhir-resources', write('none.json', bundle(patient))],
    );
    expect(none.errors.map((e) => e.name)).toEqual(['DeviceNotFound']);
    expect(none.observations).toEqual([]);
    const unlinked = await debug(
      ['message.json'],
      ['--resolution', 'Lookup', '--fhir-resources', write('unlinked.json', bundle(device))],
    );
    expect(unlinked.errors.map((e) => e.name)).toEqual(['PatientNotFound']);
  });

  it('takes a Device the server holds before creating one with Create, as the service does', async () => {
    const resources = write('create.json', JSON.stringify([patient, linked]));
    // Create looks the Device up first: found, it and its Patient are used, with a patient id in the message
    // (patient-1, which the lookup ignores) or without one, and nothing is created.
    for (const message of ['message-with-patient.json', 'message.json']) {
      const found = await debug([message], ['--resolution', 'Create', '--fhir-resources', resources]);
      expect(found.errors).toEqual([]);
      expect(found.observations.map((o) => [o.subject?.reference, o.device?.reference])).toEqual([
        ['Patient/pat-3', 'Device/dev-7'],
      ]);
    }
    // A Device the server holds without a patient gets the message's: the created Patient's id.
    const unlinked = write('create-unlinked.json', JSON.stringify([device]));
    const created = await debug(['message-with-patient.json'], ['--fhir-resources', unlinked]);
    expect(created.observations.map((o) => [o.subject?.reference, o.device?.reference])).toEqual([
      [`Patient/${sha256('_patient-1')}`, 'Device/dev-7'],
    ]);
  });

  it('searches with the default device identifier system', async () => {
    const withSystem = { ...linked, identifier: [{ system: 'urn:devices', value: 'device01' }] };
    const resources = write('system.ndjson', ndjson(patient, withSystem));
    const other = await debug(
      ['message.json'],
      ['--resolution', 'Lookup', '--fhir-resources', resources, '--device-identifier-system', 'urn:other'],
    );
    expect(other.errors.map((e) => e.name)).toEqual(['DeviceNotFound']);
    const same = await debug(
      ['message.json'],
      ['--resolution', 'Lookup', '--fhir-resources', resources, '--device-identifier-system', 'urn:devices'],
    );
    expect(same.observations.map((o) => o.device?.reference)).toEqual(['Device/dev-7']);
  });

  it('links the Encounter the server holds, and says EncounterNotFound on a server without it', async () => {
    const mapping = JSON.parse(readFileSync(file('devicecontent.json'), 'utf8')) as {
      template: { template: Record<string, unknown> }[];
    };
    const template = mapping.template[0]?.template ?? {};
    template.encounterIdExpression = '$.matchedToken.encounterId';
    const deviceMapping = write('with-encounter.json', JSON.stringify(mapping));
    const message = write(
      'message-encounter.json',
      JSON.stringify({ ...readJson('message-with-patient.json'), encounterId: 'visit-9' }),
    );
    const encounter = { resourceType: 'Encounter', id: 'enc-1', identifier: [{ value: 'visit-9' }] };
    const outputOf = async (extra: string[]): Promise<DebugOutput> => {
      const result = await run([
        '--device-mapping',
        deviceMapping,
        '--fhir-mapping',
        file('fhirmapping.json'),
        '--message',
        message,
        ...extra,
      ]);
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as DebugOutput;
    };

    expect((await outputOf([])).errors.map((e) => e.name)).toEqual(['EncounterNotFound']);
    const linked = await outputOf(['--fhir-resources', write('encounter.json', JSON.stringify(encounter))]);
    expect(linked.errors).toEqual([]);
    expect(linked.observations.map((o) => o.encounter?.reference)).toEqual(['Encounter/enc-1']);
  });

  it('needs an encounter id with LookupWithEncounter', async () => {
    const resources = write('encounter.ndjson', ndjson(patient, linked));
    const output = await debug(
      ['message.json'],
      ['--resolution', 'LookupWithEncounter', '--fhir-resources', resources],
    );
    expect(output.errors.map((e) => e.name)).toEqual(['ResourceIdentityNotDefined']);
  });

  it('exits 2 on an unknown resolution, an unreadable file, and a file of other things', async () => {
    const base = ['--device-mapping', file('devicecontent.json'), '--fhir-mapping', file('fhirmapping.json')];
    const withMessage = [...base, '--message', file('message.json')];
    const unknown = await run([...withMessage, '--resolution', 'Guess']);
    expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([
      2,
      'medtech debug: --resolution must be one of Create, Lookup, LookupWithEncounter',
    ]);
    const missing = await run([...withMessage, '--fhir-resources', write('x', '') + '-missing']);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('-missing: no such file')]);
    const cases: [string, string][] = [
      ['no-id.ndjson', ndjson(patient, { resourceType: 'Device', identifier: [] })],
      ['not-json.ndjson', `${JSON.stringify(patient)}\n{oops\n`],
      ['not-fhir.json', '{"id": "x"}'],
      // Written by hand, not by a server: each used to crash the lookup with exit 3, as if it were a bug.
      ['text-identifier.json', '{"resourceType": "Device", "id": "d", "identifier": "device01"}'],
      ['null-identifier.json', '{"resourceType": "Device", "id": "d", "identifier": [null, {"value": "device01"}]}'],
      ['list-value.json', '{"resourceType": "Device", "id": "d", "identifier": [{"value": ["device01"]}]}'],
      // Named by place, not by id: a Patient's logical id may be its record number.
      [
        'bundle.json',
        JSON.stringify({
          resourceType: 'Bundle',
          entry: [{ resource: patient }, { resource: { resourceType: 'Patient', id: 'MRN-0042', identifier: 'x' } }],
        }),
      ],
      ['array.json', JSON.stringify([patient, { resourceType: '<b>', id: 'MRN-0042', identifier: {} }])],
    ];
    const problems = await Promise.all(
      cases.map(async ([name, text]) => {
        const result = await run([...withMessage, '--fhir-resources', write(name, text)]);
        return [result.code, result.stdout, result.stderr.replace(/^.*[/\\]/, '').trim()];
      }),
    );
    expect(problems).toEqual([
      [2, '', 'no-id.ndjson:2: a Device without an id, which nothing could refer to'],
      [2, '', 'not-json.ndjson:2: not JSON (a file of FHIR resources holds a resource, a Bundle, an array or NDJSON)'],
      [2, '', 'not-fhir.json: not a FHIR resource (no resourceType)'],
      ...[
        'text-identifier.json: a Device',
        'null-identifier.json: a Device',
        'list-value.json: a Device',
        'bundle.json, entry 2: a Patient',
        'array.json, item 2: a resource',
      ].map((where) => [
        2,
        '',
        `${where} has an identifier that is not a list of {"system", "value"} texts ` +
          '(FHIR: "identifier": [{"system": "…", "value": "…"}])',
      ]),
    ]);
    expect(problems.join('\n')).not.toContain('MRN-0042');
  });
});

describe('runDebugCommand --dead-letter', () => {
  const { write } = useTempDir('medtech-debug-dead-letter-');
  const heartRate: Measurement = {
    type: 'heartrate',
    occurrenceTimeUtc: '2023-03-13T22:46:01.875Z',
    ingestionTimeUtc: '2023-03-13T22:46:02.000Z',
    deviceId: 'device01',
    patientId: 'patient-1',
    properties: [{ name: 'hr', value: '78' }],
  };
  /** A dead letter as GET /api/deadletters/{id} answers it. */
  const deadLetter = (subject: DeadLetterRecord['subject']): string =>
    JSON.stringify(
      toDeadLetterDocument({
        error: { name: 'TemplateNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'none' },
        time: '2023-03-13T23:00:00.000Z',
        subject,
      }),
    );

  it("transforms a rejected group's measurements with the FHIR mapping, naming the dead letter in errors", async () => {
    const group = write('group.json', deadLetter({ kind: 'measurements', measurements: [heartRate] }));
    const orphan = write(
      'orphan.json',
      deadLetter({ kind: 'measurements', measurements: [{ ...heartRate, type: 'unknown-type' }] }),
    );

    const output = await debug([], ['--dead-letter', group, '--dead-letter', orphan]);

    expect(output.measurements).toEqual([heartRate, { ...heartRate, type: 'unknown-type' }]);
    expect(output.observations).toMatchObject([{ valueQuantity: { value: 78 } }]);
    expect(output.errors).toMatchObject([{ name: 'TemplateNotFound', messageIndexes: [1], messageFiles: [orphan] }]);
  });

  it('takes the measurements of a blank type a template with a blank typeName made (a warning, not an error)', async () => {
    const blank = write('blank.json', deadLetter({ kind: 'measurements', measurements: [{ ...heartRate, type: '' }] }));

    const output = await debug([], ['--dead-letter', blank]);

    expect(output.errors).toMatchObject([{ name: 'TemplateNotFound', type: '', messageFiles: [blank] }]);
  });

  it('normalizes a rejected message as the event it was: its properties and its own enqueued time', async () => {
    const body = readFileSync(file('message-with-patient.json'));
    const message = write(
      'message.json',
      deadLetter({
        kind: 'message',
        body: { encoding: 'base64', data: body.toString('base64') },
        coordinates: { partitionId: '2', sequenceNumber: 7, offset: '70', enqueuedTimeUtc: '2023-03-13T22:50:00.000Z' },
      }),
    );

    const output = await debug(['message-with-patient.json'], ['--dead-letter', message]);

    // The --enqueued-time given is the first message's; the dead letter keeps its own.
    expect(output.measurements.map((m) => m.ingestionTimeUtc)).toEqual([
      '2023-03-13T22:46:02.000Z',
      '2023-03-13T22:50:00.000Z',
    ]);
  });

  it('exits 2 naming the file when it is no dead letter, or one stored without its body', async () => {
    const cases: [string, string][] = [
      ['not JSON', '{'],
      ['not a dead letter (no subject)', '{"heartRate": 70}'],
      [
        "its subject's measurements are not all measurements",
        JSON.stringify({ subject: { kind: 'measurements', measurements: [{ type: 'x' }] } }),
      ],
      // A time the service never writes, which grouping could not take.
      [
        "its subject's measurements are not all measurements",
        JSON.stringify({ subject: { kind: 'measurements', measurements: [{ ...heartRate, ingestionTimeUtc: 'x' }] } }),
      ],
      // A member the service never writes (one nested deeper than printing the output could go, say).
      [
        "its subject's measurements are not all measurements",
        JSON.stringify({ subject: { kind: 'measurements', measurements: [{ ...heartRate, extra: [[1]] }] } }),
      ],
      [
        'a listing item, without the data',
        JSON.stringify({ id: 'a'.repeat(64), subject: { kind: 'measurements', measurements: 1, types: ['hr'] } }),
      ],
      [
        'the dead letter holds no body',
        deadLetter({
          kind: 'message',
          body: { encoding: 'omitted', bytes: 3_000_000, sha256: 'ab' },
          coordinates: { partitionId: '2', sequenceNumber: 7, offset: '70', enqueuedTimeUtc: '2023-03-13T22:50:00Z' },
        }),
      ],
      [
        'the dead letter holds the message without all its properties',
        deadLetter({
          kind: 'message',
          body: { encoding: 'json', value: readJson('message-with-patient.json') },
          coordinates: { partitionId: '2', sequenceNumber: 7, offset: '70', enqueuedTimeUtc: '2023-03-13T22:50:00Z' },
          omitted: { properties: 1_600_000 },
        }),
      ],
    ];
    for (const [said, content] of cases) {
      const bad = write('bad.json', content);
      const result = await run([
        '--device-mapping',
        file('devicecontent.json'),
        '--fhir-mapping',
        file('fhirmapping.json'),
        '--dead-letter',
        bad,
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`medtech debug: ${bad}: `);
      expect(result.stderr).toContain(said);
      expect(result.stdout).toBe('');
    }
  });
});
