import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../../shared/core/deviceEvent.js';
import { ExpressionEvaluationError } from '../../../shared/core/errors.js';
import type { CompiledExpression } from '../../../shared/core/expressions/types.js';
import type { ContentTemplate, DeviceMapping, ValueTemplate } from '../../../shared/core/mapping/deviceMapping.js';
import { compileJmesPath } from '../../../shared/core/expressions/jmesPath.js';
import { compileJsonPath } from '../../../shared/core/expressions/jsonPath.js';
import {
  DEFAULT_NORMALIZE_LIMITS,
  MEASUREMENT_CHARGE_CHARS,
  VALUE_CHARGE_CHARS,
  normalizeEvent,
  type NormalizeLimits,
} from '../../../shared/core/normalize/normalizeEvent.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';

// ---- test-only fakes: expressions backed by plain functions, templates built by hand ----

/** Test-only JSONPath subset: `$.a.b` walks members (missing → no match, a JSON null → one null match). */
function walk(source: string, data: unknown): unknown[] {
  let current: unknown = data;
  for (const name of source.replace(/^\$\.?/, '').split('.')) {
    if (name === '') {
      continue;
    }
    if (current === null || typeof current !== 'object' || !(name in current)) {
      return [];
    }
    current = (current as Record<string, unknown>)[name];
  }
  return [current];
}

/** A fake compiled expression backed by a function (by default {@link walk}). */
function expr(source: string, select?: (data: unknown) => unknown[]): CompiledExpression {
  return { language: 'JsonPath', source, matches: select ?? ((data) => walk(source, data)) };
}

/** Type match returning every object in `Body` (an array body) or the body itself that has `member`. */
function typeMatchOn(member: string): CompiledExpression {
  return expr(`$..[?(@${member})]`, (envelope) => {
    const body = walk('$.Body', envelope)[0];
    const candidates: unknown[] = Array.isArray(body) ? body : [body];
    return candidates.filter((c) => c !== null && typeof c === 'object' && member in c);
  });
}

function value(valueName: string, source: string, required = true): ValueTemplate {
  return { valueName, expression: expr(source), required };
}

function calculated(overrides: Partial<ContentTemplate> = {}): ContentTemplate {
  return {
    kind: 'CalculatedContent',
    index: 0,
    typeName: 'heartrate',
    typeMatch: typeMatchOn('heartRate'),
    scope: 'envelopeWithMatch',
    deviceId: expr('$.matchedToken.deviceId'),
    timestamp: [expr('$.matchedToken.endDate')],
    values: [value('hr', '$.matchedToken.heartRate')],
    ...overrides,
  };
}

function mappingOf(...templates: ContentTemplate[]): DeviceMapping {
  return { templates: templates.map((t, index) => ({ ...t, index })) };
}

const ENQUEUED = '2024-01-01T00:00:00Z';

function eventOf(body: unknown, extra: Partial<DeviceEvent> = {}): DeviceEvent {
  return {
    body: { kind: 'text', text: JSON.stringify(body) },
    properties: {},
    systemProperties: {},
    enqueuedTimeUtc: ENQUEUED,
    ...extra,
  };
}

const reading = { heartRate: 78, endDate: '2023-03-13T22:46:01.8750000', deviceId: 'device01' };

describe('normalizeEvent', () => {
  it('normalizes a CalculatedContent match into the measurement shape the mapping debugger shows', () => {
    const result = normalizeEvent(mappingOf(calculated()), eventOf(reading));

    expect(result).toStrictEqual({
      measurements: [
        {
          type: 'heartrate',
          occurrenceTimeUtc: '2023-03-13T22:46:01.875Z',
          ingestionTimeUtc: '2024-01-01T00:00:00.000Z',
          deviceId: 'device01',
          properties: [{ name: 'hr', value: '78' }],
        },
      ],
      errors: [],
    });
    expect(Object.keys(result.measurements[0]!)).toEqual([
      'type',
      'occurrenceTimeUtc',
      'ingestionTimeUtc',
      'deviceId',
      'properties',
    ]);
  });

  it('lets CalculatedContent expressions see the envelope plus matchedToken, sharing the envelope members', () => {
    const seen: Record<string, unknown>[] = [];
    let typeMatchBody: unknown;
    const template = calculated({
      typeMatch: expr('$.Body.data[*]', (envelope) => {
        typeMatchBody = walk('$.Body', envelope)[0];
        return walk('$.Body.data', envelope)[0] as unknown[];
      }),
      deviceId: expr('$.Body.deviceId', (data) => {
        seen.push(data as Record<string, unknown>);
        return walk('$.Body.deviceId', data);
      }),
      timestamp: [expr('$.matchedToken.date')],
      values: [value('systolic', '$.matchedToken.systolic')],
    });
    const body = {
      deviceId: 'd1',
      data: [
        { systolic: 120, date: '2021-07-13T17:29:01Z' },
        { systolic: 122, date: '2021-07-13T17:28:01Z' },
      ],
    };

    const result = normalizeEvent(
      mappingOf(template),
      eventOf(body, { properties: { p: 1 }, systemProperties: { s: 2 } }),
    );

    expect(result.measurements.map((m) => [m.deviceId, m.occurrenceTimeUtc, m.properties[0]!.value])).toEqual([
      ['d1', '2021-07-13T17:29:01.000Z', '120'],
      ['d1', '2021-07-13T17:28:01.000Z', '122'],
    ]);
    expect(Object.keys(seen[0]!)).toEqual(['Body', 'Properties', 'SystemProperties', 'matchedToken']);
    expect(seen[0]!['Body']).toBe(typeMatchBody);
    expect(seen[1]!['Body']).toBe(typeMatchBody);
    expect(seen[0]!['matchedToken']).toBe((typeMatchBody as { data: unknown[] }).data[0]);
    expect(seen[0]!['Properties']).toEqual({ p: 1 });
    expect(seen[0]!['SystemProperties']).toEqual({ s: 2 });
  });

  it('evaluates JsonPathContent expressions against the matched token itself', () => {
    const template = calculated({
      kind: 'JsonPathContent',
      scope: 'matchedToken',
      deviceId: expr('$.deviceId'),
      timestamp: [expr('$.endDate')],
      values: [value('hr', '$.heartRate')],
    });

    const result = normalizeEvent(mappingOf(template), eventOf([reading, { ...reading, heartRate: 81 }]));

    expect(result.errors).toEqual([]);
    expect(result.measurements.map((m) => m.properties[0]!.value)).toEqual(['78', '81']);
  });

  it('runs every template against the message, ordering output by template then by match', () => {
    const steps = calculated({
      typeName: 'steps',
      typeMatch: typeMatchOn('steps'),
      values: [value('steps', '$.matchedToken.steps')],
    });
    const body = [
      { ...reading, steps: 2 },
      { ...reading, heartRate: 90, steps: 3 },
    ];

    const result = normalizeEvent(mappingOf(steps, calculated()), eventOf(body));

    expect(result.measurements.map((m) => `${m.type}:${m.properties[0]!.value}`)).toEqual([
      'steps:2',
      'steps:3',
      'heartrate:78',
      'heartrate:90',
    ]);
  });

  it('emits nothing and no error when the type match finds nothing', () => {
    expect(normalizeEvent(mappingOf(calculated()), eventOf({ other: 1 }))).toStrictEqual({
      measurements: [],
      errors: [],
    });
  });

  describe('message body', () => {
    it('decodes UTF-8 bytes and tolerates a byte-order mark', () => {
      const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(reading))]);

      const result = normalizeEvent(mappingOf(calculated()), eventOf(null, { body: { kind: 'bytes', bytes } }));

      expect(result.errors).toEqual([]);
      expect(result.measurements).toHaveLength(1);
    });

    it('accepts text with a byte-order mark and an already-parsed JSON body', () => {
      const text = normalizeEvent(
        mappingOf(calculated()),
        eventOf(null, { body: { kind: 'text', text: '\uFEFF' + JSON.stringify(reading) } }),
      );
      const json = normalizeEvent(mappingOf(calculated()), eventOf(null, { body: { kind: 'json', value: reading } }));

      expect(text.measurements).toHaveLength(1);
      expect(json.measurements).toEqual(text.measurements);
    });

    it('reports InvalidDataFormat without quoting the payload when the body is not JSON', () => {
      const result = normalizeEvent(
        mappingOf(calculated()),
        eventOf(null, { body: { kind: 'text', text: '{"heartRate": SECRET-VALUE' } }),
      );

      expect(result.measurements).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.toRecord()).toMatchObject({
        name: 'InvalidDataFormat',
        stage: 'Normalization',
        severity: 'non-blocking',
      });
      expect(result.errors[0]!.message).not.toContain('SECRET');
    });

    it('reports InvalidDataFormat for bytes whose U+FFFD replacement is not JSON', () => {
      const bad = normalizeEvent(
        mappingOf(calculated()),
        eventOf(null, { body: { kind: 'bytes', bytes: new Uint8Array([0x7b, 0xff, 0x7d]) } }),
      );

      expect(bad.errors.map((e) => e.name)).toEqual(['InvalidDataFormat']);
    });

    it('keeps the measurement of a body with a non-UTF-8 byte inside a string, as MedTech does', () => {
      const bytes = new Uint8Array([...new TextEncoder().encode('{"heartRate":78,"deviceId":"d'), 0xb0, 0x22, 0x7d]);
      const template = calculated({ deviceId: expr('$.matchedToken.deviceId'), timestamp: [expr('$.Properties.t')] });

      const result = normalizeEvent(
        mappingOf(template),
        eventOf(null, { body: { kind: 'bytes', bytes }, properties: { t: '2023-03-13T22:46:01Z' } }),
      );

      expect(result.errors).toEqual([]);
      expect(result.measurements.map((m) => m.deviceId)).toEqual(['d\uFFFD']);
    });

    it('runs the templates over an empty body as null: a template reading only properties still matches', () => {
      const template = calculated({
        typeMatch: expr('$.Properties'),
        deviceId: expr('$.Properties.device'),
        timestamp: [expr('$.Properties.t')],
        values: [value('body', '$.Body', false)],
      });
      const properties = { device: 'd1', t: '2023-03-13T22:46:01Z' };

      const empty = normalizeEvent(
        mappingOf(template),
        eventOf(null, { body: { kind: 'text', text: '' }, properties }),
      );
      const readings = normalizeEvent(mappingOf(calculated()), eventOf(null, { body: { kind: 'text', text: '' } }));

      expect(empty.errors).toEqual([]);
      expect(empty.measurements.map((m) => [m.deviceId, m.properties])).toEqual([['d1', []]]);
      expect(readings).toEqual({ measurements: [], errors: [] });
    });
  });

  describe('required fields', () => {
    it('reports IncompatibleData naming field, expression and template for a missing device id, and keeps other matches', () => {
      const body = [reading, { heartRate: 80, endDate: '2023-03-13T22:47:00Z' }, { ...reading, heartRate: 82 }];

      const result = normalizeEvent(mappingOf(calculated(), calculated({ typeName: 'again' })), eventOf(body));

      expect(result.measurements.map((m) => `${m.type}:${m.properties[0]!.value}`)).toEqual([
        'heartrate:78',
        'heartrate:82',
        'again:78',
        'again:82',
      ]);
      expect(result.errors).toHaveLength(2);
      expect(result.errors[0]!.toRecord()).toMatchObject({
        name: 'IncompatibleData',
        stage: 'Normalization',
        location: {
          templateIndex: 0,
          field: 'deviceIdExpression',
          expression: '$.matchedToken.deviceId',
          pointer: '/template/0/template/deviceIdExpression',
        },
      });
      expect(result.errors[1]!.location).toMatchObject({ templateIndex: 1, field: 'deviceIdExpression' });
      expect(result.errors[0]!.message).toContain('deviceIdExpression');
      expect(result.errors[0]!.message).toContain('$.matchedToken.deviceId');
    });

    it.each([
      ['null', null],
      ['an empty string', ''],
      ['a whitespace string', ' \t'],
      ['a no-break space', '\u00a0'],
      ['an ideographic space', '\u3000'],
      ['an object', { id: 'x' }],
      ['an array', ['x']],
    ])('rejects a required device id that is %s', (_label, deviceId) => {
      const result = normalizeEvent(mappingOf(calculated()), eventOf({ ...reading, deviceId }));

      expect(result.measurements).toEqual([]);
      expect(result.errors.map((e) => [e.name, e.location?.field])).toEqual([
        ['IncompatibleData', 'deviceIdExpression'],
      ]);
    });

    it('rejects a required value that is missing, blank or not a scalar, naming the value', () => {
      const cases = [{}, { heartRate: '' }, { heartRate: null }, { heartRate: { bpm: 1 } }];

      for (const patch of cases) {
        const { heartRate: _drop, ...rest } = reading;
        const result = normalizeEvent(
          mappingOf(calculated({ typeMatch: typeMatchOn('deviceId') })),
          eventOf({ ...rest, ...patch }),
        );

        expect(result.measurements).toEqual([]);
        expect(result.errors[0]!.location).toEqual({
          templateIndex: 0,
          pointer: '/template/0/template/values/0/valueExpression',
          field: 'values[0].valueExpression',
          expression: '$.matchedToken.heartRate',
        });
        expect(result.errors[0]!.message).toContain("'hr'");
      }
    });

    it.each([
      [
        'a missing device id',
        {},
        { deviceId: undefined },
        /required value for deviceIdExpression using expression '\$\.matchedToken\.deviceId'/,
        /matched nothing/,
      ],
      ['a null device id', {}, { deviceId: null }, /required value for deviceIdExpression/, /matched null/],
      ['a blank device id', {}, { deviceId: ' ' }, /required value for deviceIdExpression/, /matched a blank string/],
      // Blank as MedTech's string.IsNullOrWhiteSpace sees it: U+0085 is white space to .NET, not to JavaScript's trim.
      [
        'a device id of .NET white space',
        {},
        { deviceId: '\u0085\u2003\t' },
        /required value for deviceIdExpression/,
        /matched a blank string/,
      ],
      [
        'an object device id',
        {},
        { deviceId: { id: 1 } },
        /required value for deviceIdExpression/,
        /matched an object, not a scalar/,
      ],
      [
        'an array device id',
        {},
        { deviceId: [1] },
        /required value for deviceIdExpression/,
        /matched an array, not a scalar/,
      ],
      [
        'a missing correlation id',
        { correlationId: expr('$.matchedToken.sessionId') },
        {},
        /required value for correlationIdExpression using expression '\$\.matchedToken\.sessionId'/,
        /matched nothing/,
      ],
      [
        'a missing required value',
        {},
        { heartRate: undefined },
        /required value for value 'hr' \(values\[0\]\.valueExpression\) using expression '\$\.matchedToken\.heartRate'/,
        /matched nothing/,
      ],
      ['an object required value', {}, { heartRate: { bpm: 1 } }, /required value for value 'hr'/, /matched an object/],
    ])(
      'says for %s which required value of which template it could not extract, and why',
      (_label, overrides: Partial<ContentTemplate>, patch, what, why) => {
        const body = { ...reading, ...patch, typeMatched: true };
        const template = calculated({ typeMatch: typeMatchOn('typeMatched'), ...overrides });

        const result = normalizeEvent(mappingOf(template), eventOf(body));

        expect(result.measurements).toEqual([]);
        expect(result.errors).toHaveLength(1);
        expect(result.errors[0]!.toRecord()).toMatchObject({ name: 'IncompatibleData', stage: 'Normalization' });
        expect(result.errors[0]!.message).toMatch(/^Unable to extract required value for /);
        expect(result.errors[0]!.message).toMatch(what);
        expect(result.errors[0]!.message).toMatch(/\(template 0 'heartrate'\)/);
        expect(result.errors[0]!.message).toMatch(why);
      },
    );

    it('requires the correlation id when its expression exists', () => {
      const template = calculated({ correlationId: expr('$.matchedToken.sessionId') });

      const missing = normalizeEvent(mappingOf(template), eventOf(reading));
      const present = normalizeEvent(mappingOf(template), eventOf({ ...reading, sessionId: 's-1' }));

      expect(missing.errors.map((e) => e.location?.field)).toEqual(['correlationIdExpression']);
      expect(present.measurements[0]!.correlationId).toBe('s-1');
    });

    it('reports the first failing field in extraction order (device id before timestamp)', () => {
      const result = normalizeEvent(mappingOf(calculated()), eventOf({ heartRate: 1 }));

      expect(result.errors.map((e) => e.location?.field)).toEqual(['deviceIdExpression']);
    });
  });

  describe('single-value expressions', () => {
    it('rejects a value expression matching more than one token, saying so', () => {
      const template = calculated({
        values: [{ valueName: 'hr', required: false, expression: expr('$..heartRate', () => [1, 2]) }],
      });

      const result = normalizeEvent(mappingOf(template), eventOf(reading));

      expect(result.measurements).toEqual([]);
      expect(result.errors[0]!.name).toBe('IncompatibleData');
      expect(result.errors[0]!.message).toContain('multiple tokens');
      expect(result.errors[0]!.message).toMatch(/^Unable to extract value for value 'hr' /);
      expect(result.errors[0]!.location).toMatchObject({
        field: 'values[0].valueExpression',
        expression: '$..heartRate',
      });
    });

    it('rejects a device id expression matching more than one token', () => {
      const template = calculated({ deviceId: expr('$..deviceId', () => ['a', 'b']) });

      const result = normalizeEvent(mappingOf(template), eventOf(reading));

      expect(result.errors.map((e) => e.location?.field)).toEqual(['deviceIdExpression']);
      expect(result.errors[0]!.message).toContain('multiple tokens');
    });
  });

  describe('optional fields', () => {
    it('omits missing optional ids and values and keeps an empty optional value', () => {
      const template = calculated({
        patientId: expr('$.matchedToken.patientId'),
        encounterId: expr('$.matchedToken.encounterId'),
        values: [
          value('hr', '$.matchedToken.heartRate'),
          value('note', '$.matchedToken.note', false),
          value('absent', '$.matchedToken.absent', false),
          value('nothing', '$.matchedToken.nothing', false),
        ],
      });

      const result = normalizeEvent(mappingOf(template), eventOf({ ...reading, note: '', nothing: null }));

      expect(result.errors).toEqual([]);
      expect(result.measurements[0]).toStrictEqual({
        type: 'heartrate',
        occurrenceTimeUtc: '2023-03-13T22:46:01.875Z',
        ingestionTimeUtc: '2024-01-01T00:00:00.000Z',
        deviceId: 'device01',
        properties: [
          { name: 'hr', value: '78' },
          { name: 'note', value: '' },
        ],
      });
      // Missing is not a problem to warn about (unlike an object or array).
      expect(result).not.toHaveProperty('warnings');
    });

    it.each([
      ['patient', { patientId: expr('$..patientId', () => ['p1', 'p2']) }, 'patientIdExpression'],
      ['encounter', { encounterId: expr('$..encounterId', () => ['e1', 'e2']) }, 'encounterIdExpression'],
    ])(
      'rejects an optional %s id matching more than one token, located at its field',
      (_label, overrides: Partial<ContentTemplate>, field) => {
        const result = normalizeEvent(mappingOf(calculated(overrides)), eventOf(reading));

        expect(result.measurements).toEqual([]);
        expect(result.errors).toHaveLength(1);
        expect(result.errors[0]!.location).toEqual({
          templateIndex: 0,
          pointer: `/template/0/template/${field}`,
          field,
          expression: `$..${field.replace('Expression', '')}`,
        });
        expect(result.errors[0]!.message).toMatch(`Unable to extract value for ${field}`);
        expect(result.errors[0]!.message).toMatch(/matched multiple tokens/);
      },
    );

    it.each([
      ['patient', { patientId: expr('$.matchedToken.extra') }, 'patientIdExpression'],
      ['encounter', { encounterId: expr('$.matchedToken.extra') }, 'encounterIdExpression'],
    ])(
      'omits an optional %s id that is an object, with a warning naming its field',
      (_label, overrides: Partial<ContentTemplate>, field) => {
        const result = normalizeEvent(mappingOf(calculated(overrides)), eventOf({ ...reading, extra: { id: 'x' } }));

        expect(result.errors).toEqual([]);
        expect(result.measurements).toHaveLength(1);
        expect(Object.keys(result.measurements[0]!)).not.toContain(field.replace('Expression', ''));
        expect(result.warnings).toEqual([expect.stringMatching(`Optional ${field} using expression`)]);
        expect(result.warnings![0]).toMatch(/matched an object, not a scalar value; it was omitted/);
      },
    );

    it('omits a blank optional patient id', () => {
      const template = calculated({ patientId: expr('$.matchedToken.patientId') });

      const result = normalizeEvent(mappingOf(template), eventOf({ ...reading, patientId: '  ' }));

      expect(result.errors).toEqual([]);
      expect(result.measurements[0]).not.toHaveProperty('patientId');
    });

    it('omits an optional object value with one warning per template value, not per match', () => {
      const template = calculated({
        values: [value('hr', '$.matchedToken.heartRate'), value('extra', '$.matchedToken.extra', false)],
      });
      const body = [
        { ...reading, extra: { secret: 'SECRET-VALUE' } },
        { ...reading, extra: ['SECRET-VALUE'] },
      ];

      const result = normalizeEvent(mappingOf(template), eventOf(body));

      expect(result.errors).toEqual([]);
      expect(result.measurements.map((m) => m.properties.map((p) => p.name))).toEqual([['hr'], ['hr']]);
      expect(result.warnings).toHaveLength(2);
      expect(result.warnings!.join('\n')).toContain("'extra'");
      expect(result.warnings!.join('\n')).not.toContain('SECRET');
    });

    it('has no warnings member when nothing was skipped', () => {
      expect(normalizeEvent(mappingOf(calculated()), eventOf(reading))).not.toHaveProperty('warnings');
    });

    it('keeps the correlation id of a measurement with a patient id and no encounter id', () => {
      const template = calculated({
        patientId: expr('$.matchedToken.patientId'),
        correlationId: expr('$.matchedToken.sessionId'),
      });

      const result = normalizeEvent(mappingOf(template), eventOf({ ...reading, patientId: 'p1', sessionId: 's1' }));

      expect(result.measurements).toStrictEqual([
        {
          type: 'heartrate',
          occurrenceTimeUtc: '2023-03-13T22:46:01.875Z',
          ingestionTimeUtc: '2024-01-01T00:00:00.000Z',
          deviceId: 'device01',
          patientId: 'p1',
          correlationId: 's1',
          properties: [{ name: 'hr', value: '78' }],
        },
      ]);
      expect(Object.keys(result.measurements[0]!)).toEqual([
        'type',
        'occurrenceTimeUtc',
        'ingestionTimeUtc',
        'deviceId',
        'patientId',
        'correlationId',
        'properties',
      ]);
    });

    it('fills patient, encounter and correlation ids in the debugger order', () => {
      const template = calculated({
        patientId: expr('$.matchedToken.patientId'),
        encounterId: expr('$.matchedToken.encounterId'),
        correlationId: expr('$.matchedToken.sessionId'),
      });

      const result = normalizeEvent(
        mappingOf(template),
        eventOf({ ...reading, patientId: 'p1', encounterId: 'e1', sessionId: 's1' }),
      );

      expect(Object.keys(result.measurements[0]!)).toEqual([
        'type',
        'occurrenceTimeUtc',
        'ingestionTimeUtc',
        'deviceId',
        'patientId',
        'encounterId',
        'correlationId',
        'properties',
      ]);
      expect(result.measurements[0]).toMatchObject({ patientId: 'p1', encounterId: 'e1', correlationId: 's1' });
    });
  });

  describe('value conversion', () => {
    it('writes numbers with at most 15 significant digits, booleans in lower case and strings verbatim', () => {
      const template = calculated({
        values: [
          value('a', '$.matchedToken.a'),
          value('b', '$.matchedToken.b'),
          value('c', '$.matchedToken.c'),
          value('d', '$.matchedToken.d'),
          value('e', '$.matchedToken.e'),
          value('f', '$.matchedToken.f'),
        ],
      });
      const body = { ...reading, a: 30.6 / 1.0936, b: 0.1 + 0.2, c: 98.6, d: true, e: false, f: ' 078 ' };

      const result = normalizeEvent(mappingOf(template), eventOf(body));

      expect(result.measurements[0]!.properties.map((p) => p.value)).toEqual([
        '27.9809802487198',
        '0.3',
        '98.6',
        'true',
        'false',
        ' 078 ',
      ]);
    });

    it('turns numeric ids into strings the same way', () => {
      const template = calculated({ patientId: expr('$.matchedToken.patientId') });

      const result = normalizeEvent(
        mappingOf(template),
        eventOf({ ...reading, deviceId: 1234567890123456, patientId: 7.5 }),
      );

      expect(result.measurements[0]).toMatchObject({ deviceId: '1234567890123456', patientId: '7.5' });
    });

    it('still emits a measurement with zero values', () => {
      const result = normalizeEvent(mappingOf(calculated({ values: [] })), eventOf(reading));

      expect(result.measurements).toHaveLength(1);
      expect(result.measurements[0]!.properties).toEqual([]);
    });
  });

  describe('timestamps', () => {
    it('converts an offset to UTC and takes a naive time as UTC', () => {
      const withOffset = normalizeEvent(
        mappingOf(calculated()),
        eventOf({ ...reading, endDate: '2021-07-13T17:29:01.061144+02:00' }),
      );
      const naive = normalizeEvent(mappingOf(calculated()), eventOf({ ...reading, endDate: '2021-07-13T17:29:01' }));

      expect(withOffset.measurements[0]!.occurrenceTimeUtc).toBe('2021-07-13T15:29:01.061Z');
      expect(naive.measurements[0]!.occurrenceTimeUtc).toBe('2021-07-13T17:29:01.000Z');
    });

    it('rejects a number as a timestamp and suggests the Unix-time functions', () => {
      const result = normalizeEvent(mappingOf(calculated()), eventOf({ ...reading, endDate: 1625677200 }));

      expect(result.measurements).toEqual([]);
      expect(result.errors[0]!.location).toMatchObject({
        field: 'timestampExpression',
        expression: '$.matchedToken.endDate',
      });
      expect(result.errors[0]!.message).toContain('fromUnixTimestamp');
      expect(result.errors[0]!.message).toContain('fromUnixTimestampMs');
      expect(result.errors[0]!.message).not.toContain('1625677200');
    });

    it.each([['2023-13-01T00:00:00Z'], ['yesterday'], ['2021-02-01T24:46:01.875Z']])(
      'rejects an unparseable timestamp %s without quoting it',
      (endDate) => {
        const result = normalizeEvent(mappingOf(calculated()), eventOf({ ...reading, endDate }));

        expect(result.errors.map((e) => e.location?.field)).toEqual(['timestampExpression']);
        expect(result.errors[0]!.message).not.toContain(endDate);
      },
    );

    it.each([
      ['missing', undefined, /: matched nothing\.$/],
      ['null', null, /: matched null\.$/],
      ['blank', '  ', /: matched a blank string\.$/],
      [
        'not a timestamp',
        'yesterday',
        /: matched a string that is not a date and time MedTech reads \(ISO 8601, 2026-11-27T10:00:00Z, is safe\)\.$/,
      ],
      ['a number', 1625677200, /: matched a number, which is not a timestamp; convert Unix time/],
      ['an array', ['2023-03-13T22:46:01Z'], /: matched an array, not a timestamp\.$/],
      ['an object', { at: '2023-03-13T22:46:01Z' }, /: matched an object, not a timestamp\.$/],
    ])('says why a required timestamp that is %s was not usable', (_label, endDate, why) => {
      const result = normalizeEvent(mappingOf(calculated()), eventOf({ ...reading, endDate }));

      expect(result.measurements).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.location).toMatchObject({ field: 'timestampExpression' });
      expect(result.errors[0]!.message).toMatch(
        /^Unable to extract required value for timestampExpression using expression '\$\.matchedToken\.endDate' \(template 0 'heartrate'\)/,
      );
      expect(result.errors[0]!.message).toMatch(why);
    });

    it('rejects a timestamp expression matching more than one token', () => {
      const template = calculated({
        timestamp: [expr('$..endDate', () => ['2023-03-13T22:46:01Z', '2023-03-13T22:47:01Z'])],
      });

      const result = normalizeEvent(mappingOf(template), eventOf(reading));

      expect(result.measurements).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.location).toMatchObject({ field: 'timestampExpression', expression: '$..endDate' });
      expect(result.errors[0]!.message).toMatch(/required value for timestampExpression/);
      expect(result.errors[0]!.message).toMatch(/matched multiple tokens where a single value is required/);
    });

    it('keeps an id that is a byte-order mark: white space to JavaScript, not to .NET', () => {
      const result = normalizeEvent(mappingOf(calculated()), eventOf({ ...reading, deviceId: '\ufeff' }));

      expect(result.errors).toEqual([]);
      expect(result.measurements.map((m) => m.deviceId)).toEqual(['\ufeff']);
    });

    it('rejects a boolean timestamp', () => {
      const result = normalizeEvent(mappingOf(calculated()), eventOf({ ...reading, endDate: true }));

      expect(result.errors[0]!.message).toContain('a boolean, not a timestamp');
    });

    /** An IoT Hub heart-rate template: creation time first, then the enqueued time. */
    function iotHubHeartRate(): ContentTemplate {
      return calculated({
        kind: 'IotJsonPathContent',
        scope: 'matchedToken',
        typeMatch: expr('$..[?(@Body.heartRate)]', (envelope) =>
          walk('$.Body.heartRate', envelope).length > 0 ? [envelope] : [],
        ),
        deviceId: expr('$.SystemProperties.iothub-connection-device-id'),
        timestamp: [expr('$.Properties.iothub-creation-time-utc'), expr('$.SystemProperties.iothub-enqueuedtime')],
        values: [value('hr', '$.Body.heartRate')],
      });
    }

    it('tries the timestamp expressions in order, skipping missing and blank ones (IoT Hub fallback)', () => {
      const template = iotHubHeartRate();
      const system = { 'iothub-connection-device-id': 'dev', 'iothub-enqueuedtime': '2023-07-25T20:41:26.046Z' };
      const run = (properties: Record<string, unknown>, systemProperties = system) =>
        normalizeEvent(mappingOf(template), eventOf({ heartRate: 78 }, { properties, systemProperties }));

      expect(run({ 'iothub-creation-time-utc': '2023-07-25T20:41:00Z' }).measurements[0]!.occurrenceTimeUtc).toBe(
        '2023-07-25T20:41:00.000Z',
      );
      expect(run({}).measurements[0]!.occurrenceTimeUtc).toBe('2023-07-25T20:41:26.046Z');
      expect(run({ 'iothub-creation-time-utc': '' }).measurements[0]!.occurrenceTimeUtc).toBe(
        '2023-07-25T20:41:26.046Z',
      );

      const none = run({}, { 'iothub-connection-device-id': 'dev' } as typeof system);
      expect(none.errors[0]!.message).toMatch(/required value for timestampExpression/);
      expect(none.errors[0]!.message).toMatch(/found no value with any of them/);
      expect(none.errors[0]!.location).toEqual({
        templateIndex: 0,
        pointer: '/template/0/template',
        field: 'timestampExpression',
        expression: '$.Properties.iothub-creation-time-utc, $.SystemProperties.iothub-enqueuedtime',
      });
    });

    it('takes an IoT Hub creation time with nanoseconds (Go, Java) instead of falling back to the enqueued time', () => {
      const template = iotHubHeartRate();
      const systemProperties = { 'iothub-connection-device-id': 'dev', 'iothub-enqueuedtime': '2023-07-25T20:41:26Z' };

      const result = normalizeEvent(
        mappingOf(template),
        eventOf(
          { heartRate: 78 },
          { properties: { 'iothub-creation-time-utc': '2023-07-25T20:41:00.123456789Z' }, systemProperties },
        ),
      );

      expect(result.errors).toEqual([]);
      expect(result.measurements[0]!.occurrenceTimeUtc).toBe('2023-07-25T20:41:00.123Z');
    });

    it('gives each event its own ingestion time when consecutive events differ', () => {
      const times = [
        '2024-01-01T00:00:00Z',
        '2024-01-01T00:00:00Z',
        '2024-01-01T00:00:01.5Z',
        'bad',
        '2024-01-01T00:00:00Z',
      ];

      const ingestion = times.map((enqueuedTimeUtc) => {
        const result = normalizeEvent(mappingOf(calculated()), eventOf(reading, { enqueuedTimeUtc }));
        return result.measurements[0]?.ingestionTimeUtc ?? result.errors[0]!.location?.field;
      });

      expect(ingestion).toEqual([
        '2024-01-01T00:00:00.000Z',
        '2024-01-01T00:00:00.000Z',
        '2024-01-01T00:00:01.500Z',
        'enqueuedTimeUtc',
        '2024-01-01T00:00:00.000Z',
      ]);
    });

    it('normalizes the enqueued time into ingestionTimeUtc and rejects an invalid one', () => {
      const ok = normalizeEvent(
        mappingOf(calculated()),
        eventOf(reading, { enqueuedTimeUtc: '2024-01-01T01:00:00+01:00' }),
      );
      const bad = normalizeEvent(mappingOf(calculated()), eventOf(reading, { enqueuedTimeUtc: 'now' }));

      expect(ok.measurements[0]!.ingestionTimeUtc).toBe('2024-01-01T00:00:00.000Z');
      expect(bad.measurements).toEqual([]);
      expect(bad.errors.map((e) => [e.name, e.location?.field])).toEqual([['IncompatibleData', 'enqueuedTimeUtc']]);
    });

    it('reports an invalid enqueued time at the Normalization stage, saying what is wrong without quoting it', () => {
      const result = normalizeEvent(mappingOf(calculated()), eventOf(reading, { enqueuedTimeUtc: 'SECRET-TIME' }));

      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.toRecord()).toMatchObject({
        name: 'IncompatibleData',
        stage: 'Normalization',
        severity: 'non-blocking',
        location: { field: 'enqueuedTimeUtc' },
      });
      expect(result.errors[0]!.message).toMatch(/enqueued time is not an ISO-8601 timestamp/);
      expect(result.errors[0]!.message).not.toContain('SECRET');
    });
  });

  describe('evaluation failures', () => {
    it('reports an expression evaluation error as IncompatibleData with its location and keeps its message', () => {
      const template = calculated({
        values: [
          {
            valueName: 'm',
            required: true,
            expression: {
              language: 'JmesPath',
              source: 'divide(matchedToken.heartRate, `0`)',
              matches: () => {
                throw new ExpressionEvaluationError('divide: division by zero');
              },
            },
          },
        ],
      });

      const result = normalizeEvent(mappingOf(template, calculated()), eventOf(reading));

      expect(result.measurements.map((m) => m.type)).toEqual(['heartrate']);
      expect(result.errors[0]!.toRecord()).toMatchObject({
        name: 'IncompatibleData',
        location: {
          templateIndex: 0,
          field: 'values[0].valueExpression',
          expression: 'divide(matchedToken.heartRate, `0`)',
        },
      });
      expect(result.errors[0]!.message).toContain('divide: division by zero');
    });

    it('drops the message of a foreign error, which might quote data', () => {
      const template = calculated({
        typeMatch: expr('boom', () => {
          throw new Error('value SECRET-VALUE is wrong');
        }),
      });

      const result = normalizeEvent(mappingOf(template, calculated()), eventOf(reading));

      expect(result.measurements).toHaveLength(1);
      expect(result.errors[0]!.location).toMatchObject({ field: 'typeMatchExpression', expression: 'boom' });
      expect(result.errors[0]!.message).toMatch(
        /^Unable to evaluate typeMatchExpression using expression 'boom' \(template 0 'heartrate'\)/,
      );
      expect(result.errors[0]!.message).toMatch(/the expression failed to evaluate/);
      expect(result.errors[0]!.message).not.toContain('SECRET');
    });
  });

  describe('error locations', () => {
    // IoT Hub and IoT Central templates get their device id and timestamp expressions from their kind, not from the
    // file: an error in one points at the template itself. Every other field points at its own member.
    const ofKind = (kind: ContentTemplate['kind'], overrides: Partial<ContentTemplate> = {}): ContentTemplate =>
      calculated({
        kind,
        scope: 'matchedToken',
        deviceId: expr('$.deviceId'),
        timestamp: [expr('$.endDate')],
        values: [value('hr', '$.heartRate')],
        ...overrides,
      });
    const rows: [ContentTemplate['kind'], string, Partial<ContentTemplate>, unknown, string][] = [
      ['IotJsonPathContent', 'deviceIdExpression', {}, { ...reading, deviceId: null }, ''],
      ['IotCentralJsonPathContent', 'deviceIdExpression', {}, { ...reading, deviceId: null }, ''],
      ['IotCentralJsonPathContent', 'timestampExpression', {}, { ...reading, endDate: null }, ''],
      ['JsonPathContent', 'deviceIdExpression', {}, { ...reading, deviceId: null }, '/deviceIdExpression'],
      ['JsonPathContent', 'timestampExpression', {}, { ...reading, endDate: null }, '/timestampExpression'],
      [
        'IotJsonPathContent',
        'correlationIdExpression',
        { correlationId: expr('$.sessionId') },
        reading,
        '/correlationIdExpression',
      ],
      [
        'IotCentralJsonPathContent',
        'patientIdExpression',
        { patientId: expr('$..patientId', () => ['p1', 'p2']) },
        reading,
        '/patientIdExpression',
      ],
      [
        'CalculatedContent',
        'correlationIdExpression',
        { correlationId: expr('$.sessionId') },
        reading,
        '/correlationIdExpression',
      ],
    ];

    it.each(rows)('locates an error of a %s template at %s', (kind, field, overrides, body, pointerTail) => {
      const first = calculated({ typeMatch: typeMatchOn('steps') });

      const result = normalizeEvent(mappingOf(first, ofKind(kind, overrides)), eventOf(body));

      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.location).toMatchObject({
        templateIndex: 1,
        field,
        pointer: `/template/1/template${pointerTail}`,
      });
    });
  });

  describe('error locations in the mapping file', () => {
    /** Parses a mapping written one property a line, as an operator's file would be. */
    function parsed(text: string): DeviceMapping {
      const result = parseDeviceMapping(text);
      if (!result.ok) {
        throw new Error(result.problems.map((p) => p.message).join('; '));
      }
      return result.value;
    }

    it('names the line of the failing expression and the value as the file numbers it', () => {
      // The first value's blank optional expression is never set, so the template holds one value; the error is of
      // the second in the file.
      const mapping = parsed(
        [
          '{',
          '  "templateType": "CollectionContent",',
          '  "template": [',
          '    {',
          '      "templateType": "JsonPathContent",',
          '      "template": {',
          '        "typeName": "hr",',
          '        "typeMatchExpression": "$..[?(@heartRate)]",',
          '        "deviceIdExpression": "$.deviceId",',
          '        "timestampExpression": "$.endDate",',
          '        "values": [',
          '          { "valueName": "note", "valueExpression": " ", "required": false },',
          '          { "valueName": "hr", "valueExpression": "$.pulse", "required": true }',
          '        ]',
          '      }',
          '    }',
          '  ]',
          '}',
        ].join('\n'),
      );

      const result = normalizeEvent(mapping, eventOf({ heartRate: 1, deviceId: 'd', endDate: '2024-01-01T00:00:00Z' }));

      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.location).toEqual({
        templateIndex: 0,
        pointer: '/template/0/template/values/1/valueExpression',
        line: 13,
        column: 32,
        field: 'values[1].valueExpression',
        expression: '$.pulse',
      });
      expect(result.errors[0]!.message).toContain("value 'hr' (values[1].valueExpression)");
    });

    it('gives the pointer as the file spells a property MedTech matches in any case', () => {
      const mapping = parsed(
        [
          '{"templateType": "CollectionContent", "template": [',
          ' {"templateType": "CalculatedContent", "template": {',
          '  "typeName": "hr", "typeMatchExpression": "$..[?(@heartRate)]",',
          '  "DeviceIdExpression": "$.matchedToken.device",',
          '  "timestampExpression": "$.matchedToken.endDate", "values": []}}]}',
        ].join('\n'),
      );

      const result = normalizeEvent(mapping, eventOf({ heartRate: 1, endDate: '2024-01-01T00:00:00Z' }));

      expect(result.errors[0]!.location).toMatchObject({
        pointer: '/template/0/template/DeviceIdExpression',
        line: 4,
        column: 3,
        field: 'deviceIdExpression',
      });
    });

    it('places an error of an expression an IoT template fixes at the template', () => {
      const mapping = parsed(
        [
          '{"templateType": "CollectionContent", "template": [',
          ' {"templateType": "IotJsonPathContent",',
          '  "template": {"typeName": "hr", "typeMatchExpression": "$..[?(@Body.heartRate)]",',
          '   "values": [{"valueName": "hr", "valueExpression": "$.Body.heartRate", "required": true}]}}]}',
        ].join('\n'),
      );

      const result = normalizeEvent(mapping, eventOf({ heartRate: 1 }, { systemProperties: {} }));

      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.location).toMatchObject({
        pointer: '/template/0/template',
        line: 3,
        column: 3,
        field: 'deviceIdExpression',
      });
    });
  });

  describe('limits', () => {
    it('exports generous defaults', () => {
      expect(DEFAULT_NORMALIZE_LIMITS.maxMatchesPerTemplate).toBeGreaterThanOrEqual(1000);
      expect(DEFAULT_NORMALIZE_LIMITS.maxMeasurementsPerEvent).toBeGreaterThanOrEqual(1000);
    });

    it('skips a template whose type match exceeds the per-template limit and keeps the others', () => {
      const body = [reading, reading, { ...reading, steps: 1 }];
      const steps = calculated({ typeName: 'steps', typeMatch: typeMatchOn('steps'), values: [] });

      const result = normalizeEvent(mappingOf(calculated(), steps), eventOf(body), {
        limits: { maxMatchesPerTemplate: 2 },
      });

      expect(result.measurements.map((m) => m.type)).toEqual(['steps']);
      expect(result.errors.map((e) => [e.name, e.location?.templateIndex, e.location?.field])).toEqual([
        ['IncompatibleData', 0, 'typeMatchExpression'],
      ]);
    });

    it('sets the whole message aside when it yields more measurements than the per-event limit', () => {
      const result = normalizeEvent(mappingOf(calculated(), calculated()), eventOf([reading, reading]), {
        limits: { maxMeasurementsPerEvent: 3 },
      });

      expect(result.measurements).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.message).toContain('more than 3 measurements');
      expect(result.errors[0]!.message).toMatch(/limit reached at template 1 'heartrate'/);
      expect(result.errors[0]!.location).toMatchObject({ templateIndex: 1, field: 'typeMatchExpression' });
    });

    it('keeps a message that yields exactly maxMeasurementsPerEvent measurements', () => {
      const result = normalizeEvent(mappingOf(calculated(), calculated()), eventOf([reading, reading]), {
        limits: { maxMeasurementsPerEvent: 4 },
      });

      expect(result.errors).toEqual([]);
      expect(result.measurements).toHaveLength(4);
    });

    it('keeps a template yielding exactly maxMatchesPerTemplate matches and says which one it skips past it', () => {
      const limits = { maxMatchesPerTemplate: 2 };

      const at = normalizeEvent(mappingOf(calculated()), eventOf([reading, reading]), { limits });
      const past = normalizeEvent(mappingOf(calculated()), eventOf([reading, reading, reading]), { limits });

      expect(at.errors).toEqual([]);
      expect(at.measurements).toHaveLength(2);
      expect(past.measurements).toEqual([]);
      expect(past.errors).toHaveLength(1);
      expect(past.errors[0]!.message).toMatch(
        /^Type match of template 0 'heartrate' using expression '\$\.\.\[\?\(@heartRate\)\]' matched more than 2 tokens in one message; the template was skipped/,
      );
    });

    describe('work of expressions that do none of their own, exactly at and just past maxWorkPerEvent', () => {
      // A message costs a unit for each type match and, per match, one for every expression the match evaluates at
      // most: the device id, each timestamp candidate, each id the template has and each value.
      const full = { ...reading, patientId: 'p1', encounterId: 'e1', sessionId: 's1' };
      const rows: [string, Partial<ContentTemplate>, number][] = [
        ['a device id, a timestamp and a value', {}, 3],
        ['two timestamp candidates', { timestamp: [expr('$.matchedToken.endDate'), expr('$.matchedToken.start')] }, 4],
        ['a correlation id', { correlationId: expr('$.matchedToken.sessionId') }, 4],
        ['a patient id', { patientId: expr('$.matchedToken.patientId') }, 4],
        ['an encounter id', { encounterId: expr('$.matchedToken.encounterId') }, 4],
        [
          'three values',
          {
            values: [
              value('hr', '$.matchedToken.heartRate'),
              value('a', '$.matchedToken.a', false),
              value('b', '$.matchedToken.b', false),
            ],
          },
          5,
        ],
        ['no values', { values: [] }, 2],
      ];

      it.each(rows)('charges a template with %s %i units per match', (_label, overrides, perMatch) => {
        const mapping = mappingOf(calculated(overrides));
        const units = 1 + 2 * perMatch;

        const at = normalizeEvent(mapping, eventOf([full, full]), { limits: { maxWorkPerEvent: units } });
        const past = normalizeEvent(mapping, eventOf([full, full]), { limits: { maxWorkPerEvent: units - 1 } });

        expect(at.errors).toEqual([]);
        expect(at.measurements).toHaveLength(2);
        expect(past.measurements).toEqual([]);
        expect(past.errors).toHaveLength(1);
        expect(past.errors[0]!.location).toMatchObject({ templateIndex: 0, field: 'typeMatchExpression' });
        expect(past.errors[0]!.message).toMatch(`more than ${units - 1} units of expression work`);
        expect(past.errors[0]!.message).toMatch(
          /it was set aside \(limit reached at typeMatchExpression of template 0 'heartrate'\)/,
        );
      });
    });

    it('sets the message aside when the work runs out in a type match, dropping what earlier templates yielded', () => {
      // The first template takes 4 units (its type match and three expressions); the scan of the second finds none.
      const scan = calculated({ typeName: 'scan', typeMatch: compileJsonPath('$..[?(@heartRate)]') });
      const mapping = mappingOf(calculated(), scan);

      const result = normalizeEvent(mapping, eventOf(reading), { limits: { maxWorkPerEvent: 5 } });

      expect(result.measurements).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.location).toEqual({
        templateIndex: 1,
        pointer: '/template/1/template/typeMatchExpression',
        field: 'typeMatchExpression',
        expression: '$..[?(@heartRate)]',
      });
      expect(result.errors[0]!.message).toMatch(/more than 5 units of expression work/);
      expect(normalizeEvent(mapping, eventOf(reading), { limits: { maxWorkPerEvent: 100 } }).measurements).toHaveLength(
        2,
      );
    });

    it('sets the message aside when the unit of a type match that selects nothing is one past the limit', () => {
      // The first template takes 4 units; the type match of the second, a plain path that draws nothing more from the
      // work, selects nothing and takes the 5th.
      const none = calculated({ typeName: 'steps', typeMatch: compileJsonPath('$.Body.steps') });
      const mapping = mappingOf(calculated(), none);

      const at = normalizeEvent(mapping, eventOf(reading), { limits: { maxWorkPerEvent: 5 } });
      const past = normalizeEvent(mapping, eventOf(reading), { limits: { maxWorkPerEvent: 4 } });

      expect(at.errors).toEqual([]);
      expect(at.measurements.map((m) => m.type)).toEqual(['heartrate']);
      expect(past.measurements).toEqual([]);
      expect(past.errors).toHaveLength(1);
      expect(past.errors[0]!.location).toMatchObject({
        templateIndex: 1,
        field: 'typeMatchExpression',
        expression: '$.Body.steps',
      });
      expect(past.errors[0]!.message).toMatch('more than 4 units of expression work');
    });

    /** An expression that draws `units` from the message's work, then fails for a reason of its own. */
    function spendsThenFails(source: string, units: number): CompiledExpression {
      return {
        language: 'JmesPath',
        source,
        matches: (_data, _memo, meter) => {
          meter!.remaining -= units;
          throw new ExpressionEvaluationError(`${source}: invalid argument type`);
        },
      };
    }

    it.each([
      // [where, template around the failing expression, its field, units charged before it runs]
      ['a type match', (e: CompiledExpression) => calculated({ typeMatch: e }), 'typeMatchExpression', 1],
      [
        'a value',
        (e: CompiledExpression) => calculated({ values: [{ valueName: 'v', required: true, expression: e }] }),
        'values[0].valueExpression',
        4,
      ],
    ])(
      'reports %s failing after exactly the work left as its own error, and sets the message aside one unit short',
      (_where, build, field, before) => {
        const mapping = mappingOf(calculated(), build(spendsThenFails('f(x)', 10)));
        const units = 4 + before + 10;

        const at = normalizeEvent(mapping, eventOf(reading), { limits: { maxWorkPerEvent: units } });
        const past = normalizeEvent(mapping, eventOf(reading), { limits: { maxWorkPerEvent: units - 1 } });

        expect(at.measurements.map((m) => m.type)).toEqual(['heartrate']);
        expect(at.errors).toHaveLength(1);
        expect(at.errors[0]!.location).toMatchObject({ templateIndex: 1, field });
        expect(at.errors[0]!.message).toMatch(/f\(x\): invalid argument type/);
        expect(past.measurements).toEqual([]);
        expect(past.errors).toHaveLength(1);
        expect(past.errors[0]!.location).toMatchObject({ templateIndex: 1, field });
        expect(past.errors[0]!.message).toMatch(`more than ${units - 1} units of expression work`);
      },
    );

    it('sets the message aside just past maxTextCharsPerEvent, counting the type name, every id and each value', () => {
      const template = calculated({
        patientId: expr('$.matchedToken.patientId'),
        encounterId: expr('$.matchedToken.encounterId'),
        correlationId: expr('$.matchedToken.sessionId'),
      });
      const full = { ...reading, patientId: 'p1', encounterId: 'e1', sessionId: 's1' };
      // Per measurement: 'heartrate' 9 + 'device01' 8 + 'p1', 'e1', 's1' 6 + 'hr' and '78' 4 = 27 characters, and
      // 64 for the measurement and 32 for its one value: 123.
      expect(MEASUREMENT_CHARGE_CHARS + VALUE_CHARGE_CHARS).toBe(96);
      const run = (maxTextCharsPerEvent: number) =>
        normalizeEvent(mappingOf(template), eventOf([full, full]), { limits: { maxTextCharsPerEvent } });

      const at = run(246);
      const past = run(245);

      expect(at.errors).toEqual([]);
      expect(at.measurements).toHaveLength(2);
      expect(past.measurements).toEqual([]);
      expect(past.errors).toHaveLength(1);
      expect(past.errors[0]!.location).toMatchObject({ templateIndex: 0, field: 'typeMatchExpression' });
      expect(past.errors[0]!.message).toMatch(
        /more than 245 characters of ids, values and names \(each measurement counted 64 more, each value 32\); it was set aside/,
      );
    });

    it('counts each value, empty ones too, so that a template of hundreds of values cannot hold millions of objects', () => {
      // 390 optional values, all empty strings, on 10,000 matches: 3.9 million values of no text at all.
      const values = Array.from({ length: 390 }, () => value('a', '$.matchedToken.e', false));
      const template = calculated({ typeName: 't', values });
      const readings = Array.from({ length: 10_000 }, () => ({ ...reading, deviceId: 'd', e: '' }));

      const result = normalizeEvent(mappingOf(template), eventOf(readings));

      expect(result.measurements).toEqual([]);
      expect(result.errors.map((e) => e.message)).toEqual([
        expect.stringContaining(`more than ${DEFAULT_NORMALIZE_LIMITS.maxTextCharsPerEvent} characters`),
      ]);
    });

    it('quotes at most 2,000 characters of an expression in an error message', () => {
      const long = `$.matchedToken.missing${'_'.repeat(5_000)}`;
      const template = calculated({ values: [value('hr', long)] });

      const [error] = normalizeEvent(mappingOf(template), eventOf(reading)).errors;

      expect(error?.message).toContain(`'${long.slice(0, 2_000)}…' (${long.length - 2_000} more characters)`);
      expect(error?.message.length).toBeLessThan(2_400);
      expect(error?.location?.expression).toBe(long);
    });

    it('produces a measurement of exactly maxMeasurementBytes bytes of JSON, and none a byte larger', () => {
      // Twenty values of control characters, which JSON escapes into six bytes each: the measurement takes nearly as
      // many bytes as its characters and properties could, so only its exact size tells the two limits apart.
      const values = Array.from({ length: 20 }, (_, i) => value(String.fromCharCode(97 + i), '$.matchedToken.signal'));
      const mapping = mappingOf(calculated({ typeName: 't', values }));
      const body = { ...reading, deviceId: 'd', signal: '\u0001\u0002\u0003' };
      const unbounded = normalizeEvent(mapping, eventOf(body));
      const bytes = new TextEncoder().encode(JSON.stringify(unbounded.measurements[0])).length;

      const at = normalizeEvent(mapping, eventOf(body), { limits: { maxMeasurementBytes: bytes } });
      const past = normalizeEvent(mapping, eventOf(body), { limits: { maxMeasurementBytes: bytes - 1 } });

      expect(unbounded.measurements).toHaveLength(1);
      expect(at).toStrictEqual(unbounded);
      expect(past.measurements).toEqual([]);
      expect(past.errors).toHaveLength(1);
      expect(past.errors[0]!.location).toMatchObject({ templateIndex: 0, field: 'typeMatchExpression' });
      expect(past.errors[0]!.message).toMatch(`would take ${bytes} bytes, more than the ${bytes - 1}`);
    });

    const failsToEvaluate = expr('boom', () => {
      throw new ExpressionEvaluationError('boom: invalid argument type');
    });
    it.each([
      [
        'type matches that fail to evaluate',
        [calculated({ typeMatch: failsToEvaluate }), calculated({ typeMatch: failsToEvaluate })],
        [reading],
        {},
      ],
      [
        'type matches with too many matches',
        [calculated(), calculated()],
        [reading, reading],
        { maxMatchesPerTemplate: 1 },
      ],
      [
        'values that fail to evaluate',
        [calculated({ values: [{ valueName: 'v', required: true, expression: failsToEvaluate }] })],
        [reading, reading],
        {},
      ],
      ['measurements too large', [calculated()], [reading, reading], { maxMeasurementBytes: 100 }],
    ] as [string, ContentTemplate[], unknown[], Partial<NormalizeLimits>][])(
      'records two errors of %s at maxErrorsPerEvent 2, and one and a count at 1',
      (_label, templates, body, limits) => {
        const at = normalizeEvent(mappingOf(...templates), eventOf(body), {
          limits: { ...limits, maxErrorsPerEvent: 2 },
        });
        const past = normalizeEvent(mappingOf(...templates), eventOf(body), {
          limits: { ...limits, maxErrorsPerEvent: 1 },
        });

        expect(at.errors).toHaveLength(2);
        expect(at.errors.map((e) => e.message)).not.toContainEqual(expect.stringMatching(/more errors/));
        expect(past.errors).toHaveLength(2);
        expect(past.errors[0]!.toRecord()).toEqual(at.errors[0]!.toRecord());
        expect(past.errors[1]!.toRecord()).toStrictEqual({
          name: 'IncompatibleData',
          stage: 'Normalization',
          severity: 'non-blocking',
          message: '1 more errors of this message were not recorded (at most 1 are).',
        });
      },
    );

    it('sets the message aside when its expressions together need more work than maxWorkPerEvent', () => {
      // 1,000 matches, each scanning the whole body again: about 3,000 visits each, far below the bound of one
      // evaluation, 3,000,000 in all.
      const template = calculated({
        typeMatch: compileJsonPath('$.Body.items[*]'),
        deviceId: compileJsonPath('$.Body.deviceId'),
        timestamp: [compileJsonPath('$.Body.endDate')],
        values: [{ valueName: 'serial', required: false, expression: compileJsonPath('$..serial') }],
      });
      const body = (items: number) => ({
        ...reading,
        items: Array<number>(items).fill(1),
        filler: Array(2_000).fill(0),
      });
      const limits = { maxWorkPerEvent: 100_000 };

      const result = normalizeEvent(mappingOf(template, calculated()), eventOf(body(1_000)), { limits });

      expect(result.measurements).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.message).toContain('more than 100000 units of expression work');
      expect(result.errors[0]!.location).toMatchObject({ templateIndex: 0, field: 'values[0].valueExpression' });
      expect(normalizeEvent(mappingOf(template), eventOf(body(10)), { limits }).measurements).toHaveLength(10);
    });

    it('charges the message a unit per character its JMESPath expressions build', () => {
      // `to_string` of the whole body once per match: few steps, but every match builds the body's text again. Each
      // of 100 matches builds about 2,500 characters, 250,000 in all; the steps are about 1,200 per match.
      const template = calculated({
        typeMatch: compileJmesPath('Body.items[*]'),
        deviceId: compileJmesPath('Body.deviceId'),
        timestamp: [compileJmesPath('Body.endDate')],
        values: [{ valueName: 'size', required: true, expression: compileJmesPath('length(to_string(Body))') }],
      });
      const body = { ...reading, items: Array.from({ length: 100 }, (_, i) => ({ serial: `s-${i}`, value: i * 1.5 })) };
      const chars = JSON.stringify(body).length;
      expect(chars).toBeGreaterThan(2_500);

      const within = normalizeEvent(mappingOf(template), eventOf(body), { limits: { maxWorkPerEvent: 1_000_000 } });
      const past = normalizeEvent(mappingOf(template), eventOf(body), { limits: { maxWorkPerEvent: 200_000 } });

      expect(within.errors).toEqual([]);
      expect(within.measurements).toHaveLength(100);
      expect(within.measurements[0]!.properties).toEqual([{ name: 'size', value: String(chars) }]);
      expect(past.measurements).toEqual([]);
      expect(past.errors).toHaveLength(1);
      expect(past.errors[0]!.message).toContain('more than 200000 units of expression work');
      expect(past.errors[0]!.message).toContain('characters built');
      expect(past.errors[0]!.location).toMatchObject({ templateIndex: 0, field: 'values[0].valueExpression' });
    });

    it('charges every match for the expressions it evaluates, so trivial ones add up too', () => {
      // 100 templates × 100 matches failing on a plain path: no evaluation does any work of its own.
      const failing = calculated({ deviceId: expr('$.matchedToken.serial') });
      const body = Array.from({ length: 100 }, () => reading);

      const result = normalizeEvent(mappingOf(...Array.from({ length: 100 }, () => failing)), eventOf(body), {
        limits: { maxWorkPerEvent: 10_000 },
      });

      const setAside = result.errors.find((e) => e.message.includes('more than 10000 units of expression work'));
      expect(result.measurements).toEqual([]);
      expect(setAside?.location).toMatchObject({ field: 'typeMatchExpression' });
      expect(result.errors).toHaveLength(DEFAULT_NORMALIZE_LIMITS.maxErrorsPerEvent + 2);
    });

    it('bounds by default the work of a JMESPath value that filters the whole body once per match', () => {
      // 3,000 matches × a filter over 3,000 items: 36,000,000 steps, each evaluation within its own bound.
      const template = calculated({
        typeMatch: compileJmesPath('Body.items[*]'),
        deviceId: compileJmesPath('Body.deviceId'),
        timestamp: [compileJmesPath('Body.endDate')],
        values: [{ valueName: 'n', required: true, expression: compileJmesPath('length(Body.items[?v == `-1`])') }],
      });
      const items = Array.from({ length: 3_000 }, (_, v) => ({ v }));

      const result = normalizeEvent(mappingOf(template), eventOf({ ...reading, items }));

      expect(result.measurements).toEqual([]);
      expect(result.errors.map((e) => e.message)).toEqual([
        expect.stringContaining(`more than ${DEFAULT_NORMALIZE_LIMITS.maxWorkPerEvent} units of expression work`),
      ]);
    });

    it('sets the message aside when its measurements would stage far more text than it holds', () => {
      // 1,000 matches whose value is the same 5,000-character string: 5,000,000 characters to stage from 5 KB.
      const template = calculated({
        typeMatch: compileJsonPath('$.Body.items[*]'),
        deviceId: compileJsonPath('$.Body.deviceId'),
        timestamp: [compileJsonPath('$.Body.endDate')],
        values: [{ valueName: 'note', required: true, expression: compileJsonPath('$.Body.note') }],
      });
      const body = (items: number) => ({ ...reading, note: 'x'.repeat(5_000), items: Array<number>(items).fill(1) });

      const result = normalizeEvent(mappingOf(template), eventOf(body(1_000)));

      expect(result.measurements).toEqual([]);
      expect(result.errors.map((e) => e.message)).toEqual([
        expect.stringContaining(`more than ${DEFAULT_NORMALIZE_LIMITS.maxTextCharsPerEvent} characters`),
      ]);
      expect(normalizeEvent(mappingOf(template), eventOf(body(100))).measurements).toHaveLength(100);
    });

    it('does not produce a measurement too large to be staged as one document', () => {
      // Ten values copying the same 150,000-character string: a 1.5 MB measurement from a 150 KB message.
      const copies = (count: number): ValueTemplate[] =>
        Array.from({ length: count }, (_, i) => ({
          valueName: `note${i}`,
          required: true,
          expression: compileJsonPath('$.matchedToken.note'),
        }));
      const big = (count: number): ContentTemplate =>
        calculated({ typeName: 'notes', typeMatch: compileJsonPath('$.Body'), values: copies(count) });
      const body = { ...reading, note: 'x'.repeat(150_000) };

      const result = normalizeEvent(mappingOf(big(10), calculated()), eventOf(body));

      expect(result.measurements.map((m) => m.type)).toEqual(['heartrate']);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.message).toContain(`more than the ${DEFAULT_NORMALIZE_LIMITS.maxMeasurementBytes}`);
      expect(result.errors[0]!.location).toMatchObject({ templateIndex: 0, field: 'typeMatchExpression' });
      expect(normalizeEvent(mappingOf(big(5)), eventOf(body)).measurements).toHaveLength(1);
    });

    it('records at most maxErrorsPerEvent errors and counts the others in one last error', () => {
      const failing = calculated({ deviceId: expr('$.matchedToken.serial') });
      const body = Array.from({ length: 30 }, () => reading);

      const result = normalizeEvent(mappingOf(failing, failing, calculated()), eventOf(body), {
        limits: { maxErrorsPerEvent: 5 },
      });

      expect(result.measurements).toHaveLength(30);
      expect(result.errors).toHaveLength(6);
      expect(result.errors[4]!.location).toMatchObject({ templateIndex: 0, field: 'deviceIdExpression' });
      expect(result.errors[5]!.message).toBe('55 more errors of this message were not recorded (at most 5 are).');
    });

    it('keeps the errors of a message that fails in every match of many templates bounded by default', () => {
      // 200 templates × 1,000 matches: 200,000 errors (2.7 GB of heap for 2,000,000) before the bound.
      const failing = calculated({ deviceId: expr('$.matchedToken.serial') });
      const body = Array.from({ length: 1_000 }, () => reading);

      const result = normalizeEvent(mappingOf(...Array.from({ length: 200 }, () => failing)), eventOf(body));

      expect(result.errors).toHaveLength(DEFAULT_NORMALIZE_LIMITS.maxErrorsPerEvent + 1);
      expect(result.errors.at(-1)!.message).toContain(`${200_000 - DEFAULT_NORMALIZE_LIMITS.maxErrorsPerEvent} more`);
    });
  });

  it('never puts payload values into error messages or locations', () => {
    const secret = 'SECRET-7731';
    const template = calculated({
      patientId: expr('$.matchedToken.patientId'),
      values: [value('hr', '$.matchedToken.heartRate'), value('x', '$.matchedToken.x')],
    });
    const body = [
      { deviceId: secret, endDate: secret, heartRate: secret, patientId: secret },
      { deviceId: secret, endDate: '2023-01-01T00:00:00Z', heartRate: secret, patientId: secret, x: { secret } },
    ];

    const result = normalizeEvent(mappingOf(template), eventOf(body));

    expect(result.errors).toHaveLength(2);
    expect(JSON.stringify(result.errors.map((e) => e.toRecord()))).not.toContain(secret);
  });

  describe('with the real JSONPath compiler', () => {
    const jsonPathTemplate = (overrides: Partial<ContentTemplate> = {}): ContentTemplate =>
      calculated({
        typeMatch: compileJsonPath('$..[?(@heartRate)]'),
        deviceId: compileJsonPath('$.matchedToken.deviceId'),
        timestamp: [compileJsonPath('$.matchedToken.endDate')],
        values: [{ valueName: 'hr', required: true, expression: compileJsonPath('$.matchedToken.heartRate') }],
        ...overrides,
      });

    it('matches the body through the envelope and reads the matched token', () => {
      const result = normalizeEvent(mappingOf(jsonPathTemplate()), eventOf(reading));

      expect(result.errors).toEqual([]);
      expect(result.measurements.map((m) => [m.deviceId, m.occurrenceTimeUtc, m.properties])).toEqual([
        ['device01', '2023-03-13T22:46:01.875Z', [{ name: 'hr', value: '78' }]],
      ]);
    });

    it('sees $..heartRate twice (under Body and under matchedToken) and reports multiple tokens', () => {
      const template = jsonPathTemplate({
        values: [{ valueName: 'hr', required: true, expression: compileJsonPath('$..heartRate') }],
      });

      const result = normalizeEvent(mappingOf(template), eventOf(reading));

      expect(result.measurements).toEqual([]);
      expect(result.errors[0]!.message).toContain('multiple tokens');
    });

    it.each([
      ['$.matchedToken.pulse', compileJsonPath('$.matchedToken.pulse')],
      ['$.Nope.heartRate', compileJsonPath('$.Nope.heartRate')],
      ["$[''].heartRate", compileJsonPath("$[''].heartRate")],
      ['matchedToken.pulse', compileJmesPath('matchedToken.pulse')],
      ['Nope.heartRate', compileJmesPath('Nope.heartRate')],
    ])('reports a required value at %s, which selects nothing, as matching nothing', (source, expression) => {
      const template = jsonPathTemplate({ values: [{ valueName: 'hr', required: true, expression }] });

      const result = normalizeEvent(mappingOf(template), eventOf(reading));

      expect(result.measurements).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.location).toMatchObject({ field: 'values[0].valueExpression', expression: source });
      expect(result.errors[0]!.message).toMatch(/: matched nothing\.$/);
    });

    it('does not take an already-parsed body for JSON.parse output: members it inherits are not data', () => {
      const inherited = Object.create({ reading }) as object;
      const event = eventOf(null, { body: { kind: 'json', value: { own: inherited } } });

      expect(normalizeEvent(mappingOf(jsonPathTemplate()), event)).toStrictEqual({ measurements: [], errors: [] });
    });

    it('reads IoT Hub properties whose names contain dashes', () => {
      const template = jsonPathTemplate({
        deviceId: compileJsonPath('$.SystemProperties.iothub-connection-device-id'),
        timestamp: [compileJsonPath('$.Properties.iothub-creation-time-utc')],
      });

      const result = normalizeEvent(
        mappingOf(template),
        eventOf(
          { heartRate: 60 },
          {
            properties: { 'iothub-creation-time-utc': '2023-07-25T20:41:26.046Z' },
            systemProperties: { 'iothub-connection-device-id': 'hub-device' },
          },
        ),
      );

      expect(result.measurements[0]).toMatchObject({
        deviceId: 'hub-device',
        occurrenceTimeUtc: '2023-07-25T20:41:26.046Z',
      });
    });
  });

  describe('with the real JMESPath compiler', () => {
    const body = {
      deviceId: 'd1',
      data: [
        { v: 1, at: '2023-01-01T00:00:00Z' },
        { v: 2, at: '2023-01-01T00:01:00Z' },
      ],
    };
    const jmesPathTemplate = (overrides: Partial<ContentTemplate> = {}): ContentTemplate =>
      calculated({
        typeMatch: compileJmesPath('Body.data[*]'),
        deviceId: compileJmesPath('Body.deviceId'),
        timestamp: [compileJmesPath('matchedToken.at')],
        values: [{ valueName: 'v', required: true, expression: compileJmesPath('multiply(matchedToken.v, `1.5`)') }],
        ...overrides,
      });

    it('yields one measurement per projection element', () => {
      const result = normalizeEvent(mappingOf(jmesPathTemplate()), eventOf(body));

      expect(result.errors).toEqual([]);
      expect(result.measurements.map((m) => [m.occurrenceTimeUtc, m.properties[0]!.value])).toEqual([
        ['2023-01-01T00:00:00.000Z', '1.5'],
        ['2023-01-01T00:01:00.000Z', '3'],
      ]);
    });

    it('rejects a projection of several elements where a single value is required', () => {
      const result = normalizeEvent(
        mappingOf(jmesPathTemplate({ deviceId: compileJmesPath('Body.data[*].v') })),
        eventOf(body),
      );

      expect(result.measurements).toEqual([]);
      expect(result.errors.map((e) => e.location?.expression)).toEqual(['Body.data[*].v', 'Body.data[*].v']);
    });

    it('gives a null element of a projected type match an IncompatibleData error for that match, as MedTech does', () => {
      // JmesPath.Net keeps the `null` reading in `Body.data[*].reading` (and drops the element that has none);
      // MedTech's SelectTokens yields it as a match, whose `matchedToken.at` then has no value.
      const readings = {
        deviceId: 'd1',
        data: [
          { reading: { v: 1, at: '2023-01-01T00:00:00Z' } },
          { reading: null },
          { other: true },
          { reading: { v: 2, at: '2023-01-01T00:01:00Z' } },
        ],
      };

      const result = normalizeEvent(
        mappingOf(jmesPathTemplate({ typeMatch: compileJmesPath('Body.data[*].reading') })),
        eventOf(readings),
      );

      expect(result.measurements.map((m) => [m.occurrenceTimeUtc, m.properties[0]!.value])).toEqual([
        ['2023-01-01T00:00:00.000Z', '1.5'],
        ['2023-01-01T00:01:00.000Z', '3'],
      ]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.toRecord()).toMatchObject({
        name: 'IncompatibleData',
        stage: 'Normalization',
        location: { templateIndex: 0, field: 'timestampExpression', expression: 'matchedToken.at' },
      });
      expect(result.errors[0]!.message).toMatch(/^Unable to extract required value for timestampExpression /);
    });

    it('counts a null element of a projection where a single value is required, as MedTech does', () => {
      const withNull = { ...body, ids: [{ id: 'd1' }, { id: null }, {}] };
      const onlyNull = { ...body, ids: [{ id: null }, {}] };
      const template = jmesPathTemplate({ deviceId: compileJmesPath('Body.ids[*].id') });

      const several = normalizeEvent(mappingOf(template), eventOf(withNull));
      const one = normalizeEvent(mappingOf(template), eventOf(onlyNull));

      // Two elements (`d1` and the null; the missing id is dropped): several tokens, for each match.
      expect(several.measurements).toEqual([]);
      expect(several.errors.map((e) => e.message)).toEqual([
        expect.stringContaining('matched multiple tokens'),
        expect.stringContaining('matched multiple tokens'),
      ]);
      // One element, the null: a value that is null.
      expect(one.measurements).toEqual([]);
      expect(one.errors.map((e) => e.message)).toEqual([
        expect.stringMatching(/deviceIdExpression .*: matched null\.$/),
        expect.stringMatching(/deviceIdExpression .*: matched null\.$/),
      ]);
    });

    it('turns a timestamp made with fromUnixTimestamp into occurrenceTimeUtc', () => {
      const result = normalizeEvent(
        mappingOf(jmesPathTemplate({ timestamp: [compileJmesPath('fromUnixTimestamp(`1625677200`)')] })),
        eventOf(body),
      );

      expect(result.measurements.map((m) => m.occurrenceTimeUtc)).toEqual([
        '2021-07-07T17:00:00.000Z',
        '2021-07-07T17:00:00.000Z',
      ]);
    });
  });
});

describe('event properties are not message text', () => {
  // MedTech adds Properties and SystemProperties to the envelope with JToken.FromObject: their numbers never had a
  // literal in the message, so the body's literals (`1e15` is a double, "1E+15") must not decide their text.
  const template = calculated({
    typeMatch: compileJsonPath('$..[?(@heartRate)]'),
    deviceId: compileJsonPath('$.matchedToken.deviceId'),
    timestamp: [compileJsonPath('$.matchedToken.endDate')],
    values: [
      { valueName: 'fromBody', expression: compileJsonPath('$.matchedToken.big'), required: true },
      { valueName: 'fromProperties', expression: compileJsonPath('$.Properties.big'), required: true },
      { valueName: 'fromSystemProperties', expression: compileJsonPath('$.SystemProperties.big'), required: true },
    ],
  });
  const text = '{"heartRate": 1, "deviceId": "d1", "endDate": "2023-03-13T22:46:01Z", "big": 1e15}';

  it('a number of Properties or SystemProperties gets its own text, whatever literal the body has for it', () => {
    const result = normalizeEvent(mappingOf(template), {
      body: { kind: 'text', text },
      properties: { big: 1e15 },
      systemProperties: { big: 1e15 },
      enqueuedTimeUtc: ENQUEUED,
    });
    expect(result.errors).toEqual([]);
    expect(result.measurements[0]?.properties).toEqual([
      { name: 'fromBody', value: '1E+15' },
      { name: 'fromProperties', value: '1000000000000000' },
      { name: 'fromSystemProperties', value: '1000000000000000' },
    ]);
  });

  it('a body that writes one value both ways makes only the body value ambiguous', () => {
    const both = text.replace('"big": 1e15', '"big": 1e15, "again": 1000000000000000');
    const result = normalizeEvent(mappingOf({ ...template, values: template.values.slice(1) }), {
      body: { kind: 'text', text: both },
      properties: { big: 1e15 },
      systemProperties: { big: 1e15 },
      enqueuedTimeUtc: ENQUEUED,
    });
    expect(result.errors).toEqual([]);
    expect(result.measurements[0]?.properties.map((p) => p.value)).toEqual(['1000000000000000', '1000000000000000']);
  });
});
