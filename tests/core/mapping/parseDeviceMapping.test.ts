import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContentTemplate, DeviceMapping } from '../../../shared/core/mapping/deviceMapping.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';
import type { MappingProblem } from '../../../shared/core/mapping/problems.js';

const fixtureDir = join(import.meta.dirname, '../../fixtures/device-mapping-invalid');

/** The fields of a minimal valid JsonPathContent template, for tests that add or change one. */
const HR_FIELDS = {
  typeName: 'hr',
  typeMatchExpression: '$..[?(@hr)]',
  deviceIdExpression: '$.d',
  timestampExpression: '$.t',
};

/** A device mapping document from a list of `[templateType, template]` pairs. */
function collection(...templates: [string, unknown][]): string {
  return JSON.stringify(
    {
      templateType: 'CollectionContent',
      template: templates.map(([templateType, template]) => ({ templateType, template })),
    },
    null,
    2,
  );
}

const calculated = {
  typeName: 'heartrate',
  typeMatchExpression: '$..[?(@heartRate)]',
  deviceIdExpression: '$.matchedToken.deviceId',
  timestampExpression: '$.matchedToken.endDate',
  values: [{ valueName: 'hr', valueExpression: '$.matchedToken.heartRate', required: true }],
};

function parseValid(text: string): { mapping: DeviceMapping; warnings: MappingProblem[] } {
  const result = parseDeviceMapping(text);
  if (!result.ok) {
    throw new Error(`expected a valid mapping, got:\n${JSON.stringify(result.problems, null, 2)}`);
  }
  return { mapping: result.value, warnings: result.warnings };
}

function parseInvalid(text: string): MappingProblem[] {
  const result = parseDeviceMapping(text);
  if (result.ok) {
    throw new Error('expected an invalid mapping');
  }
  return result.problems;
}

function only(mapping: DeviceMapping): ContentTemplate {
  expect(mapping.templates).toHaveLength(1);
  return mapping.templates[0]!;
}

/** The parts of a problem the fixture table asserts. */
function summary(p: MappingProblem): Record<string, unknown> {
  return {
    severity: p.severity,
    name: p.name,
    pointer: p.location.pointer,
    line: p.location.line,
    column: p.location.column,
  };
}

function err(name: MappingProblem['name'], pointer: string | undefined, line: number, column: number) {
  return { severity: 'error', name, pointer, line, column };
}

describe('parseDeviceMapping', () => {
  it('compiles the bundled sample mapping: CalculatedContent templates scoped to the envelope, languages resolved', () => {
    const { mapping, warnings } = parseValid(
      readFileSync(join(import.meta.dirname, '../../../samples/devicecontent.json'), 'utf8'),
    );

    expect(warnings).toEqual([]);
    expect(mapping.templates.map((t) => [t.kind, t.index, t.typeName, t.scope])).toEqual([
      ['CalculatedContent', 0, 'heartrate', 'envelopeWithMatch'],
      ['CalculatedContent', 1, 'bloodpressure', 'envelopeWithMatch'],
      ['CalculatedContent', 2, 'bodytemperature', 'envelopeWithMatch'],
      ['CalculatedContent', 3, 'stepcount', 'envelopeWithMatch'],
    ]);
    const temperature = mapping.templates[2]!;
    expect(temperature.typeMatch).toMatchObject({
      language: 'JmesPath',
      source: "Body.readings[?kind=='temperature']",
    });
    expect(temperature.timestamp.map((e) => e.language)).toEqual(['JmesPath']);
    expect(temperature.patientId?.source).toBe('Body.patientId');
    expect(mapping.templates[1]!.values.map((v) => [v.valueName, v.expression.source, v.required])).toEqual([
      ['systolic', '$.matchedToken.systolic', true],
      ['diastolic', '$.matchedToken.diastolic', true],
    ]);
  });

  it('returns expressions that evaluate: a CalculatedContent type match runs over the envelope', () => {
    const template = only(parseValid(collection(['CalculatedContent', calculated])).mapping);

    const envelope = {
      Body: { readings: [{ heartRate: 60 }, { heartRate: 61 }] },
      Properties: {},
      SystemProperties: {},
    };
    expect(template.typeMatch.matches(envelope)).toEqual([{ heartRate: 60 }, { heartRate: 61 }]);
    expect(template.deviceId.matches({ matchedToken: { deviceId: 'd1' } })).toEqual(['d1']);
  });

  it.each(['CalculatedContent', 'CalculatedContentTemplate', 'calculatedcontent', 'CALCULATEDCONTENTTEMPLATE'])(
    'accepts the content type %s (case-insensitive, Template suffix optional)',
    (templateType) => {
      const text = JSON.stringify({
        templateType: 'collectionContentTemplate',
        template: [{ templateType, template: calculated }],
      });

      const result = parseValid(text);
      expect(only(result.mapping).kind).toBe('CalculatedContent');
      // MedTech's factory takes this kind without the suffix only (tools/dotnet-oracle): a warning says so.
      expect(result.warnings.map((w) => [w.location.pointer, w.message])).toEqual(
        /template$/i.test(templateType)
          ? [
              [
                '/template/0/templateType',
                `MedTech does not know the template type '${templateType}' (it takes 'CalculatedContent' only); it is read as CalculatedContent here; write 'CalculatedContent'`,
              ],
            ]
          : [],
      );
    },
  );

  it.each([
    ['IotCentralJsonPathContentTemplate', true],
    ['JsonPathContentTemplate', false],
    ['IotJsonPathContentTemplate', false],
  ])('warns of the type %s when MedTech does not know it: %s', (templateType, warns) => {
    const result = parseValid(
      JSON.stringify({ templateType: 'CollectionContent', template: [{ templateType, template: calculated }] }),
    );
    expect(result.warnings.some((w) => w.location.pointer === '/template/0/templateType')).toBe(warns);
  });

  it('reads every CalculatedContent field, an expression object overriding the default language', () => {
    const template = only(
      parseValid(
        collection([
          'CalculatedContent',
          {
            typeName: 'bp',
            defaultExpressionLanguage: 'jmespath',
            typeMatchExpression: { value: '$..[?(@systolic)]', language: 'JsonPath' },
            deviceIdExpression: 'Body.deviceId',
            timestampExpression: 'matchedToken.ts',
            patientIdExpression: 'Body.patientId',
            encounterIdExpression: { value: 'Body.encounterId' },
            correlationIdExpression: { value: 'Body.session', language: null },
            values: [
              { valueName: 'systolic', valueExpression: 'matchedToken.systolic', required: 'True' },
              { valueName: 'diastolic', valueExpression: { value: '$.matchedToken.diastolic', language: 'jsonpath' } },
              { valueName: 'pulse', valueExpression: 'matchedToken.pulse', required: ' false ' },
              { valueName: 'spo2', valueExpression: 'matchedToken.spo2', required: 1 },
              { valueName: 'temp', valueExpression: 'matchedToken.temp', required: 0 },
            ],
          },
        ]),
      ).mapping,
    );

    expect(template.typeMatch.language).toBe('JsonPath');
    expect(
      [template.deviceId, template.timestamp[0], template.patientId, template.encounterId, template.correlationId].map(
        (e) => [e?.source, e?.language],
      ),
    ).toEqual([
      ['Body.deviceId', 'JmesPath'],
      ['matchedToken.ts', 'JmesPath'],
      ['Body.patientId', 'JmesPath'],
      ['Body.encounterId', 'JmesPath'],
      ['Body.session', 'JmesPath'],
    ]);
    expect(template.values.map((v) => [v.valueName, v.expression.language, v.required])).toEqual([
      ['systolic', 'JmesPath', true],
      ['diastolic', 'JsonPath', false],
      ['pulse', 'JmesPath', false],
      ['spo2', 'JmesPath', true],
      ['temp', 'JmesPath', false],
    ]);
  });

  it('accepts a CalculatedContent without values, and leaves absent optional expressions undefined', () => {
    const { values: _omitted, ...withoutValues } = calculated;

    const result = parseValid(collection(['CalculatedContent', { ...withoutValues, patientIdExpression: null }]));
    const template = only(result.mapping);

    expect(template.values).toEqual([]);
    // The reference contract allows it; MedTech's loader fails on it (tools/dotnet-oracle), so the author hears of it.
    expect(result.warnings.map((w) => [w.location.pointer, w.message])).toEqual([
      ['/template/0/template', expect.stringContaining('MedTech cannot load a CalculatedContent template without')],
    ]);
    const withNull = parseValid(collection(['CalculatedContent', { ...withoutValues, values: null }]));
    expect(withNull.warnings.map((w) => w.location.pointer)).toEqual(['/template/0/template/values']);
    expect(parseValid(collection(['CalculatedContent', { ...withoutValues, values: [] }])).warnings).toEqual([]);
    expect(template.patientId).toBeUndefined();
    expect(template.encounterId).toBeUndefined();
    expect(template.correlationId).toBeUndefined();
  });

  it('compiles JsonPathContent expressions as JSONPath evaluated against the matched token', () => {
    const template = only(
      parseValid(
        collection([
          'JsonPathContent',
          {
            typeName: 'heartrate',
            typeMatchExpression: '$..[?(@heartRate)]',
            deviceIdExpression: '$.deviceId',
            timestampExpression: '$.endDate',
            patientIdExpression: '$.patientId',
            values: [{ valueName: 'hr', valueExpression: '$.heartRate', required: 'true' }],
          },
        ]),
      ).mapping,
    );

    expect(template).toMatchObject({ kind: 'JsonPathContent', scope: 'matchedToken', typeName: 'heartrate' });
    expect(template.deviceId.matches({ deviceId: 'd1' })).toEqual(['d1']);
    expect(template.patientId?.language).toBe('JsonPath');
    expect(template.values.map((v) => [v.valueName, v.required])).toEqual([['hr', true]]);
  });

  it('treats a blank optional JsonPathContent expression as absent, with a warning', () => {
    const result = parseValid(
      collection([
        'JsonPathContent',
        {
          ...HR_FIELDS,
          encounterIdExpression: ' ',
        },
      ]),
    );

    expect(only(result.mapping).encounterId).toBeUndefined();
    expect(result.warnings.map(summary)).toEqual([
      {
        severity: 'warning',
        name: 'TemplateExpression',
        pointer: '/template/0/template/encounterIdExpression',
        line: 11,
        column: 9,
      },
    ]);
    expect(result.warnings[0]!.location.field).toBe('encounterIdExpression');
    expect(result.warnings[0]!.message).toMatch(/encounterIdExpression.*blank.*ignored/);
  });

  it.each([
    ['JsonPathContent', 'typeMatchExpression'],
    ['JsonPathContent', 'deviceIdExpression'],
    ['JsonPathContent', 'timestampExpression'],
    ['IotJsonPathContent', 'typeMatchExpression'],
  ])('refuses a blank required %s %s with a TemplateExpression error at it', (kind, field) => {
    const template = {
      ...HR_FIELDS,
    };
    const fields = kind === 'JsonPathContent' ? template : { typeName: 'hr', typeMatchExpression: '$..[?(@hr)]' };

    const problems = parseInvalid(collection([kind, { ...fields, [field]: ' ' }]));

    expect(
      problems.map((p) => [p.severity, p.name, p.location.templateIndex, p.location.pointer, p.location.field]),
    ).toEqual([['error', 'TemplateExpression', 0, `/template/0/template/${field}`, field]]);
    expect(problems[0]!.message).toMatch(new RegExp(`${field}.*must not be blank`));
  });

  it('calls blank what .NET calls white space: U+0085 is, U+FEFF is not', () => {
    const template = (deviceIdExpression: string): string =>
      collection([
        'JsonPathContent',
        { typeName: 'hr', typeMatchExpression: '$..[?(@hr)]', deviceIdExpression, timestampExpression: '$.t' },
      ]);

    expect(parseInvalid(template('\u0085\u3000')).map((p) => p.message)).toEqual([
      expect.stringMatching(/deviceIdExpression.*must not be blank/),
    ]);
    // Not blank: a JSONPath that names the member "\ufeff", as Newtonsoft reads a path without a leading '$'.
    expect(only(parseValid(template('\ufeff')).mapping).deviceId.source).toBe('\ufeff');
  });

  it('reads a required flag written as text the way Boolean.Parse does, NULs and .NET white space trimmed', () => {
    const template = only(
      parseValid(
        collection([
          'JsonPathContent',
          {
            ...HR_FIELDS,
            values: [
              { valueName: 'a', valueExpression: '$.a', required: '\0true\u0085' },
              { valueName: 'b', valueExpression: '$.b', required: '\u2003FALSE\0' },
            ],
          },
        ]),
      ).mapping,
    );

    expect(template.values.map((v) => v.required)).toEqual([true, false]);
  });

  it('refuses a blank JsonPathContent expression of a required value with a TemplateExpression error at it', () => {
    const problems = parseInvalid(
      collection([
        'JsonPathContent',
        {
          ...HR_FIELDS,
          values: [{ valueName: 'hr', valueExpression: '', required: true }],
        },
      ]),
    );

    expect(problems.map((p) => [p.severity, p.name, p.location.pointer, p.location.field])).toEqual([
      ['error', 'TemplateExpression', '/template/0/template/values/0/valueExpression', 'valueExpression'],
    ]);
  });

  it('accepts null optional expressions and null values in a JsonPathContent, as absent', () => {
    const template = only(
      parseValid(
        collection([
          'JsonPathContent',
          {
            ...HR_FIELDS,
            patientIdExpression: null,
            encounterIdExpression: null,
            correlationIdExpression: null,
            values: null,
          },
        ]),
      ).mapping,
    );

    expect([template.patientId, template.encounterId, template.correlationId, template.values]).toEqual([
      undefined,
      undefined,
      undefined,
      [],
    ]);
  });

  it('warns that a blank typeName can bind to no FHIR template, and still loads the template', () => {
    const result = parseValid(collection(['CalculatedContent', { ...calculated, typeName: ' \t' }]));

    expect(only(result.mapping).typeName).toBe(' \t');
    expect(result.warnings.map(summary)).toEqual([
      { severity: 'warning', name: 'InvalidTemplate', pointer: '/template/0/template/typeName', line: 7, column: 9 },
    ]);
    expect(result.warnings[0]!.message).toMatch(/typeName.*blank.*FHIR template/);
  });

  it('gives IotJsonPathContent the IoT Hub device id and timestamps, ignoring user-supplied ones with a warning', () => {
    const result = parseValid(
      collection([
        'IotJsonPathContent',
        {
          typeName: 'heartrate',
          typeMatchExpression: '$..[?(@Body.heartRate)]',
          deviceIdExpression: '$.Body.deviceId',
          values: [{ valueName: 'hr', valueExpression: '$.Body.heartRate', required: true }],
        },
      ]),
    );
    const template = only(result.mapping);

    expect(template.scope).toBe('matchedToken');
    expect(template.deviceId.source).toBe('$.SystemProperties.iothub-connection-device-id');
    expect(template.timestamp.map((e) => e.source)).toEqual([
      '$.Properties.iothub-creation-time-utc',
      '$.SystemProperties.iothub-enqueuedtime',
    ]);
    const envelope = { Body: {}, Properties: {}, SystemProperties: { 'iothub-connection-device-id': 'dev-7' } };
    expect(template.deviceId.matches(envelope)).toEqual(['dev-7']);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({
      severity: 'warning',
      location: { templateIndex: 0, pointer: '/template/0/template/deviceIdExpression', field: 'deviceIdExpression' },
    });
    expect(result.warnings[0]!.message).toContain('$.SystemProperties.iothub-connection-device-id');
  });

  it.each([
    ['IotJsonPathContent', 'deviceIdExpression', /ignored.*\$\.SystemProperties\.iothub-connection-device-id$/],
    [
      'IotJsonPathContent',
      'timestampExpression',
      /ignored.*\$\.Properties\.iothub-creation-time-utc, then \$\.SystemProperties\.iothub-enqueuedtime$/,
    ],
    ['IotCentralJsonPathContent', 'deviceIdExpression', /ignored.*\$\.deviceId$/],
    ['IotCentralJsonPathContent', 'timestampExpression', /ignored.*\$\.enqueuedTime$/],
  ])('warns that a %s %s is ignored, naming the expression used instead', (kind, field, message) => {
    const result = parseValid(
      collection([kind, { typeName: 'hr', typeMatchExpression: '$..[?(@Body.hr)]', [field]: '$.x' }]),
    );

    expect(
      result.warnings.map((w) => [w.severity, w.name, w.location.templateIndex, w.location.pointer, w.location.field]),
    ).toEqual([['warning', 'InvalidTemplate', 0, `/template/0/template/${field}`, field]]);
    expect(result.warnings[0]!.message).toMatch(message);
  });

  it('gives IotCentralJsonPathContent the device id $.deviceId and the timestamp $.enqueuedTime', () => {
    const template = only(
      parseValid(
        collection([
          'IotCentralJsonPathContent',
          {
            typeName: 'heartrate',
            typeMatchExpression: '$..[?(@telemetry.HeartRate)]',
            values: [{ valueName: 'hr', valueExpression: '$.telemetry.HeartRate', required: 'true' }],
          },
        ]),
      ).mapping,
    );

    expect(template).toMatchObject({ kind: 'IotCentralJsonPathContent', scope: 'matchedToken' });
    expect(template.deviceId.source).toBe('$.deviceId');
    expect(template.timestamp.map((e) => e.source)).toEqual(['$.enqueuedTime']);
  });

  it('matches property names case-insensitively, as MedTech does, and warns about the spelling', () => {
    const text = JSON.stringify(
      {
        TemplateType: 'CollectionContent',
        Template: [
          { TemplateType: 'CalculatedContent', template: { ...calculated, TypeName: 'hr2', typeName: undefined } },
        ],
      },
      null,
      2,
    );

    const result = parseValid(text);

    expect(only(result.mapping).typeName).toBe('hr2');
    expect(result.warnings.map((w) => [w.location.pointer, w.location.field])).toEqual([
      ['/TemplateType', 'templateType'],
      ['/Template', 'template'],
      ['/Template/0/TemplateType', 'templateType'],
      ['/Template/0/template/TypeName', 'typeName'],
    ]);
  });

  it('matches the keys of values and expression objects case-insensitively too, warning at each spelling', () => {
    const result = parseValid(
      collection([
        'CalculatedContent',
        {
          typeName: 'hr',
          typeMatchExpression: { Value: '$..[?(@hr)]', Language: 'JsonPath' },
          deviceIdExpression: '$.matchedToken.d',
          timestampExpression: '$.matchedToken.t',
          values: [
            { ValueName: 'hr', ValueExpression: { VALUE: 'matchedToken.hr', language: 'JmesPath' }, Required: 'true' },
          ],
        },
      ]),
    );

    const template = only(result.mapping);
    expect([template.typeMatch.source, template.typeMatch.language]).toEqual(['$..[?(@hr)]', 'JsonPath']);
    expect(template.values.map((v) => [v.valueName, v.expression.source, v.expression.language, v.required])).toEqual([
      ['hr', 'matchedToken.hr', 'JmesPath', true],
    ]);
    expect(
      result.warnings.map((w) => [w.name, w.location.templateIndex, w.location.pointer, w.location.field]),
    ).toEqual([
      ['InvalidTemplate', 0, '/template/0/template/typeMatchExpression/Value', 'value'],
      ['InvalidTemplate', 0, '/template/0/template/typeMatchExpression/Language', 'language'],
      ['InvalidTemplate', 0, '/template/0/template/values/0/ValueName', 'valueName'],
      ['InvalidTemplate', 0, '/template/0/template/values/0/ValueExpression', 'valueExpression'],
      ['InvalidTemplate', 0, '/template/0/template/values/0/ValueExpression/VALUE', 'value'],
      ['InvalidTemplate', 0, '/template/0/template/values/0/Required', 'required'],
    ]);
    expect(result.warnings[0]!.message).toMatch(/'Value'.*case-insensitively.*'value'/);
  });

  it('does not rename keys inside expression objects of JSONPath kinds, which take no expression objects', () => {
    const problems = parseInvalid(
      collection([
        'JsonPathContent',
        {
          typeName: 'hr',
          typeMatchExpression: { Value: '$..[?(@hr)]' },
          deviceIdExpression: '$.d',
          timestampExpression: '$.t',
          values: [{ valueName: 'hr', valueExpression: { Value: '$.hr' } }],
        },
      ]),
    );

    expect(problems.map((p) => [p.severity, p.location.pointer])).toEqual([
      ['error', '/template/0/template/typeMatchExpression'],
      ['error', '/template/0/template/values/0/valueExpression'],
    ]);
  });

  it.each([
    ['a template node that is no object', [5], [['/template/0', 'template', /^'template\[0\]' must be an object/]]],
    [
      'a content template that is null',
      [{ templateType: 'CalculatedContent', template: null }],
      [['/template/0/template', 'template', /^'template' must be an object with the CalculatedContent fields/]],
    ],
    [
      'values that are no objects',
      [{ templateType: 'CalculatedContent', template: { ...calculated, values: [null, 5] } }],
      [
        ['/template/0/template/values/0', 'values', /^'values\[0\]' must be an object/],
        ['/template/0/template/values/1', 'values', /^'values\[1\]' must be an object/],
      ],
    ],
  ])('reports %s as an error at its place instead of failing', (_label, template, expected) => {
    const problems = parseInvalid(JSON.stringify({ templateType: 'CollectionContent', template }));

    expect(problems.map((p) => [p.location.pointer, p.location.field, p.message])).toEqual(
      expected.map(([pointer, field, message]): unknown[] => [
        pointer,
        field,
        expect.stringMatching(message as RegExp) as unknown,
      ]),
    );
    expect(problems.every((p) => p.severity === 'error' && p.location.templateIndex === 0)).toBe(true);
  });

  it('reports a schema problem at the pointer spelled as in the file when keys were matched case-insensitively', () => {
    const problems = parseInvalid(
      JSON.stringify({
        Template: [{ templateType: 'JsonPathContent', Template: { TypeName: ['hr'] } }],
        templateType: 'CollectionContent',
      }),
    );

    expect(problems.filter((p) => p.severity === 'error').map((p) => p.location.pointer)).toEqual([
      '/Template/0/Template',
      '/Template/0/Template',
      '/Template/0/Template',
      '/Template/0/Template/TypeName',
    ]);
  });

  it('gives the template index of a problem in a collection whose template key is spelled Template', () => {
    const problems = parseInvalid(
      JSON.stringify({
        templateType: 'CollectionContent',
        TEMPLATE: [
          { templateType: 'CalculatedContent', template: calculated },
          {
            templateType: 'CalculatedContent',
            template: { ...calculated, typeName: ['hr'], TimestampExpression: '$.matchedToken.t' },
          },
        ],
      }),
    );

    expect(problems.map((p) => [p.severity, p.location.templateIndex, p.location.pointer])).toEqual([
      ['warning', undefined, '/TEMPLATE'],
      ['error', 1, '/TEMPLATE/1/template/typeName'],
      ['warning', 1, '/TEMPLATE/1/template/TimestampExpression'],
    ]);
  });

  it('accepts an empty collection with a warning (valid, but no message will produce a measurement)', () => {
    const result = parseValid('{ "templateType": "CollectionContent", "template": [] }');

    expect(result.mapping.templates).toEqual([]);
    expect(result.warnings.map(summary)).toEqual([
      { severity: 'warning', name: 'InvalidTemplate', pointer: '/template', line: 1, column: 40 },
    ]);
  });

  it('points the empty-collection warning at the template key as spelled in the file', () => {
    const result = parseValid('{ "templateType": "CollectionContent", "Template": [] }');

    expect(result.warnings.map((w) => [w.location.pointer, w.location.field, w.message])).toEqual([
      ['/Template', 'template', expect.stringMatching(/'Template'.*case-insensitively/)],
      ['/Template', undefined, expect.stringMatching(/no content templates/)],
    ]);
  });

  it('lists the problems of one line in column order, whatever found them', () => {
    const problems = parseInvalid(
      JSON.stringify({
        templateType: 'CollectionContent',
        template: [
          {
            templateType: 'CalculatedContent',
            template: {
              TypeName: 'hr',
              typeMatchExpression: '$..[?(@hr',
              deviceIdExpression: '$.matchedToken.d',
              timestampExpression: '$.matchedToken.t',
              values: [],
              unit: 1,
            },
          },
        ],
      }),
    );

    expect(problems.map((p) => [p.severity, p.location.pointer, p.location.line])).toEqual([
      ['warning', '/template/0/template/TypeName', 1],
      ['error', '/template/0/template/typeMatchExpression', 1],
      ['error', '/template/0/template/unit', 1],
    ]);
    const columns = problems.map((p) => p.location.column ?? 0);
    expect(columns).toEqual([...columns].sort((a, b) => a - b));
  });

  it('allows duplicate typeNames', () => {
    const { mapping } = parseValid(collection(['CalculatedContent', calculated], ['CalculatedContent', calculated]));

    expect(mapping.templates.map((t) => [t.index, t.typeName])).toEqual([
      [0, 'heartrate'],
      [1, 'heartrate'],
    ]);
  });

  it('accepts comments and trailing commas, which MedTech reads, with a warning at the first one', () => {
    const text = [
      '{',
      '  // device mapping',
      '  "templateType": "CollectionContent",',
      '  "template": [',
      `    { "templateType": "CalculatedContent", "template": ${JSON.stringify(calculated)} },`,
      '  ],',
      '}',
    ].join('\n');

    const result = parseValid(text);

    expect(only(result.mapping).typeName).toBe('heartrate');
    expect(result.warnings.map(summary)).toEqual([
      { severity: 'warning', name: 'InvalidTemplate', pointer: undefined, line: 2, column: 3 },
    ]);
  });

  it('reports only the real syntax error of a file that also has comments', () => {
    const problems = parseInvalid('{\n  // mapping\n  "templateType": "CollectionContent"\n  "template": []\n}');

    expect(problems.map(summary)).toEqual([err('InvalidTemplate', undefined, 4, 3)]);
    expect(problems[0]!.message).toBe('JSON syntax error: CommaExpected');
  });

  it('ignores a leading byte-order mark without shifting columns', () => {
    const problems = parseInvalid('\uFEFF{ "templateType": "CollectionContent", "template": 1 }');

    expect(problems.map(summary)).toEqual([err('InvalidTemplate', '/template', 1, 40)]);
  });

  it('ignores unknown properties of template nodes with a warning, and a root $schema silently', () => {
    const text = JSON.stringify(
      {
        $schema: './schemas/devicecontent.schema.json',
        templateType: 'CollectionContent',
        comment: 'v2',
        template: [{ templateType: 'CalculatedContent', template: calculated, enabled: true }],
      },
      null,
      2,
    );

    const result = parseValid(text);

    expect(result.warnings.map((w) => [w.location.pointer, w.message])).toEqual([
      ['/comment', "unknown property 'comment' is ignored"],
      ['/template/0/enabled', "unknown property 'enabled' is ignored"],
    ]);
    expect(result.warnings.map((w) => [w.name, w.location.field])).toEqual([
      ['InvalidTemplate', 'comment'],
      ['InvalidTemplate', 'enabled'],
    ]);
  });

  it('keeps a __proto__ key as data and rejects it as an unknown property', () => {
    const text = `{"templateType":"CollectionContent","template":[{"templateType":"CalculatedContent","template":${JSON.stringify(
      calculated,
    ).replace(/}$/, ',"__proto__":{"polluted":true}}')}}]}`;

    const problems = parseInvalid(text);

    expect(problems.map((p) => [p.location.pointer, p.message])).toEqual([
      ['/template/0/template/__proto__', "unknown property '__proto__' (not a CalculatedContent field)"],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('collects the problems of every template, schema and expression alike, before rejecting', () => {
    const problems = parseInvalid(
      collection(
        ['CalculatedContent', { ...calculated, deviceIdExpression: '$.matchedToken[' }],
        ['JsonPathContent', { typeName: 'x', typeMatchExpression: '$..[?(@x', deviceIdExpression: '$.d' }],
        [
          'CalculatedContent',
          {
            ...calculated,
            defaultExpressionLanguage: 'JmesPath',
            typeMatchExpression: 'Body.readings',
            deviceIdExpression: 'Body.deviceId',
            timestampExpression: 'matchedToken.[',
            values: [],
          },
        ],
      ),
    );

    expect(problems.map((p) => [p.name, p.location.templateIndex, p.location.pointer, p.location.field])).toEqual([
      ['TemplateExpression', 0, '/template/0/template/deviceIdExpression', 'deviceIdExpression'],
      ['InvalidTemplate', 1, '/template/1/template', 'timestampExpression'],
      ['TemplateExpression', 1, '/template/1/template/typeMatchExpression', 'typeMatchExpression'],
      ['TemplateExpression', 2, '/template/2/template/timestampExpression', 'timestampExpression'],
    ]);
    expect(problems[0]!.location.expression).toBe('$.matchedToken[');
    expect(problems[0]!.message).toMatch(/^deviceIdExpression: /);
  });
});

describe('parseDeviceMapping expression errors', () => {
  it.each([
    ['CalculatedContent', 'typeMatchExpression', { ...calculated, typeMatchExpression: '$..[?(@hr' }],
    [
      'CalculatedContent',
      'values/0/valueExpression',
      { ...calculated, values: [{ valueName: 'hr', valueExpression: '$.[' }] },
    ],
    [
      'JsonPathContent',
      'values/0/valueExpression',
      {
        ...HR_FIELDS,
        values: [{ valueName: 'hr', valueExpression: '$.[' }],
      },
    ],
  ])('reports an invalid %s %s at its pointer and field', (kind, path, template) => {
    const field = path.split('/').at(-1)!;

    const problems = parseInvalid(collection([kind, template]));

    expect(problems.map((p) => [p.name, p.location.templateIndex, p.location.pointer, p.location.field])).toEqual([
      ['TemplateExpression', 0, `/template/0/template/${path}`, field],
    ]);
    expect(problems[0]!.message).toMatch(new RegExp(`^${field}: `));
  });

  it('reads a leading $id and a values list wrapped in $values as MedTech does, and points inside the wrapper', () => {
    const problems = parseInvalid(
      collection([
        'CalculatedContent',
        {
          $id: 't',
          ...calculated,
          values: { $values: [{ $id: 'v', valueName: 'a', valueExpression: '$.[' }] },
        },
      ]),
    );
    expect(problems.map((p) => [p.severity, p.location.pointer, p.message.slice(0, 40)])).toEqual([
      ['warning', '/template/0/template/$id', "property '$id' is ignored: MedTech's rea"],
      ['warning', '/template/0/template/values', "'values' is an object of $values: it is "],
      ['warning', '/template/0/template/values/$values/0/$id', "property '$id' is ignored: MedTech's rea"],
      ['error', '/template/0/template/values/$values/0/valueExpression', 'valueExpression: Invalid JSONPath expres'],
    ]);
  });

  it('points into a values list written under two spellings where each item is written', () => {
    const problems = parseInvalid(
      collection([
        'CalculatedContent',
        {
          ...calculated,
          values: [{ valueName: 'a', valueExpression: '$.matchedToken.a' }],
          Values: [
            { valueName: 'b', valueExpression: '$.matchedToken.b' },
            { valueName: 'c', valueExpression: '$.[' },
          ],
        },
      ]),
    );
    expect(problems.map((p) => [p.severity, p.location.pointer, p.message.slice(0, 40)])).toEqual([
      ['warning', '/template/0/template/Values', "property 'Values' is matched case-insens"],
      ['warning', '/template/0/template/Values', "'Values' repeats 'values' (names are cas"],
      ['error', '/template/0/template/Values/1/valueExpression', 'valueExpression: Invalid JSONPath expres'],
    ]);
  });
});

/** Expected problems of each fixture in tests/fixtures/device-mapping-invalid (all errors unless stated). */
const expectedByFixture: Record<string, ReturnType<typeof err>[]> = {
  'CollectionContent_jsonSyntaxError.txt': [err('InvalidTemplate', undefined, 6, 45)],
  'CollectionContent_rootNotObject.json': [err('InvalidTemplate', '', 1, 1)],
  'CollectionContent_wrongRootType.json': [err('InvalidTemplate', '/templateType', 2, 3)],
  'CollectionContent_templateNotArray.json': [err('InvalidTemplate', '/template', 3, 3)],
  'CollectionContent_unknownTemplateType.json': [
    err('InvalidTemplate', '/template/0/templateType', 5, 7),
    err('InvalidTemplate', '/template/1', 8, 5),
  ],
  'CalculatedContent_unknownProperty.json': [
    err('InvalidTemplate', '/template/0/template', 6, 7),
    err('InvalidTemplate', '/template/0/template/typeMatchExpresion', 8, 9),
    err('InvalidTemplate', '/template/0/template/values/0/unit', 11, 88),
  ],
  'CalculatedContent_missingRequiredFields.json': [
    err('InvalidTemplate', '/template/0/template', 6, 7),
    err('InvalidTemplate', '/template/0/template', 6, 7),
    err('InvalidTemplate', '/template/0/template', 6, 7),
    err('InvalidTemplate', '/template/0/template/values/0', 8, 20),
    err('InvalidTemplate', '/template/0/template/values/1', 8, 43),
  ],
  'CalculatedContent_badJsonPathExpression.json': [
    err('TemplateExpression', '/template/0/template/deviceIdExpression', 9, 9),
    err('TemplateExpression', '/template/0/template/timestampExpression/value', 10, 34),
  ],
  'CalculatedContent_badJmesPathExpression.json': [
    err('TemplateExpression', '/template/0/template/timestampExpression', 11, 9),
    err('TemplateExpression', '/template/0/template/values/0/valueExpression/value', 12, 62),
  ],
  'CalculatedContent_badLanguage.json': [
    err('InvalidTemplate', '/template/0/template/defaultExpressionLanguage', 8, 9),
    err('InvalidTemplate', '/template/0/template/deviceIdExpression/language', 10, 69),
    err('InvalidTemplate', '/template/0/template/timestampExpression/language', 11, 69),
  ],
  'CalculatedContent_badRequiredFlag.json': [
    err('InvalidTemplate', '/template/0/template/values/0/required', 12, 84),
    err('InvalidTemplate', '/template/0/template/values/1/required', 13, 86),
  ],
  'CalculatedContent_blankExpression.json': [
    err('TemplateExpression', '/template/0/template/deviceIdExpression', 9, 9),
    err('TemplateExpression', '/template/0/template/patientIdExpression/value', 11, 34),
  ],
  'CalculatedContent_wrongFieldTypes.json': [
    err('InvalidTemplate', '/template/0/template/typeName', 7, 9),
    err('InvalidTemplate', '/template/0/template/typeMatchExpression', 8, 9),
    err('InvalidTemplate', '/template/0/template/deviceIdExpression', 9, 9),
    err('InvalidTemplate', '/template/0/template/timestampExpression', 10, 9),
    err('InvalidTemplate', '/template/0/template/values', 11, 9),
  ],
  'JsonPathContent_missingRequiredFields.json': [
    err('InvalidTemplate', '/template/0/template', 6, 7),
    err('InvalidTemplate', '/template/0/template', 6, 7),
  ],
  'JsonPathContent_badExpression.json': [
    err('TemplateExpression', '/template/0/template/typeMatchExpression', 8, 9),
    err('InvalidTemplate', '/template/0/template/values/0/valueExpression', 12, 32),
  ],
  'IotJsonPathContent_missingTypeMatchExpression.json': [err('InvalidTemplate', '/template/0/template', 6, 7)],
  'JsonPathContent_blankValueName.json': [
    err('InvalidTemplate', '/template/0/template/values/0/valueName', 12, 13),
    err('InvalidTemplate', '/template/0/template/values/1/valueName', 13, 13),
  ],
  'IotCentralJsonPathContent_unknownProperty.json': [
    err('InvalidTemplate', '/template/0/template/defaultExpressionLanguage', 9, 9),
  ],
};

describe('parseDeviceMapping on the invalid fixtures', () => {
  it('has an expectation for every fixture file', () => {
    expect(readdirSync(fixtureDir).sort()).toEqual(Object.keys(expectedByFixture).sort());
  });

  it.each(Object.entries(expectedByFixture))('reports exactly the expected problems for %s', (file, expected) => {
    const problems = parseInvalid(readFileSync(join(fixtureDir, file), 'utf8'));

    expect(problems.map(summary)).toEqual(expected);
    for (const problem of problems) {
      expect(problem.message.length).toBeGreaterThan(10);
    }
  });

  it('names the blank expression fields', () => {
    const problems = parseInvalid(readFileSync(join(fixtureDir, 'CalculatedContent_blankExpression.json'), 'utf8'));

    expect(problems.map((p) => [p.location.field, p.message])).toEqual([
      ['deviceIdExpression', expect.stringMatching(/deviceIdExpression.*must not be blank/)],
      ['patientIdExpression', expect.stringMatching(/patientIdExpression.*must not be blank/)],
    ]);
  });

  it('names the missing and unknown properties in readable messages', () => {
    const problems = parseInvalid(readFileSync(join(fixtureDir, 'CalculatedContent_unknownProperty.json'), 'utf8'));

    expect(problems.map((p) => [p.message, p.location.field, p.location.templateIndex])).toEqual([
      ["missing required property 'typeMatchExpression'", 'typeMatchExpression', 0],
      ["unknown property 'typeMatchExpresion' (not a CalculatedContent field)", 'typeMatchExpresion', 0],
      ["unknown property 'unit'", 'unit', 0],
    ]);
  });

  it('tells where a language may be chosen when a JSONPath-only template names one', () => {
    const template = (templateType: string, language: string): unknown => ({
      templateType,
      template: {
        typeName: 'heartrate',
        [language]: 'JmesPath',
        typeMatchExpression: '$..[?(@Body.heartRate)]',
        deviceIdExpression: '$.deviceId',
        timestampExpression: '$.endDate',
        values: [{ valueName: 'hr', valueExpression: '$.Body.heartRate', required: true }],
      },
    });
    const problems = parseInvalid(
      JSON.stringify({
        templateType: 'CollectionContent',
        template: [
          template('JsonPathContent', 'defaultExpressionLanguage'),
          template('IotJsonPathContent', 'DefaultExpressionLanguage'),
          template('IotCentralJsonPathContent', 'defaultExpressionLanguage'),
          template('JsonPathContent', 'expressionLanguage'),
        ],
      }),
    ).filter((p) => p.message.startsWith('unknown property'));
    const hint =
      '; only CalculatedContent templates choose an expression language, the others read JSONPath alone: make the ' +
      'template a CalculatedContent one to use JMESPath';

    expect(problems.map((p) => [p.location.templateIndex, p.message])).toEqual([
      [0, `unknown property 'defaultExpressionLanguage' (not a JsonPathContent field)${hint}`],
      [1, `unknown property 'DefaultExpressionLanguage' (not an IotJsonPathContent field)${hint}`],
      [2, `unknown property 'defaultExpressionLanguage' (not an IotCentralJsonPathContent field)${hint}`],
      [3, "unknown property 'expressionLanguage' (not a JsonPathContent field)"],
    ]);
  });

  it('explains a bad language, a bad required flag and an unknown template type in words', () => {
    const read = (file: string): string[] =>
      parseInvalid(readFileSync(join(fixtureDir, file), 'utf8')).map((p) => p.message);

    expect(read('CalculatedContent_badLanguage.json')).toEqual([
      "'defaultExpressionLanguage' must be JsonPath or JmesPath",
      "'language' must be JsonPath or JmesPath",
      "'language' must be JsonPath or JmesPath",
    ]);
    expect(read('CalculatedContent_badRequiredFlag.json')).toEqual([
      "'required' must be true or false",
      "'required' must be true or false",
    ]);
    expect(read('CollectionContent_unknownTemplateType.json')[0]).toBe(
      '\'templateType\' is not a known content template type (expected CalculatedContent, JsonPathContent, IotJsonPathContent or IotCentralJsonPathContent) (found "HeartRateContent")',
    );
  });

  it('names the expected type of a root $schema that is no string', () => {
    const problems = parseInvalid('{"$schema": 5, "templateType": "CollectionContent", "template": []}');

    expect(problems.map((p) => [p.severity, p.location.pointer, p.location.field])).toEqual([
      ['error', '/$schema', '$schema'],
      ['warning', '/template', undefined],
    ]);
    expect(problems[0]!.message).toMatch(/^'\$schema' must be of type string$/);
  });

  it.each([
    ['CollectionFhir', true],
    ['collectionfhirtemplate', true],
    ['MyCollectionFhir', false],
    ['CollectionFhirTemplates', false],
  ])('says a root templateType %s is a FHIR destination mapping: %s', (templateType, fhir) => {
    const problems = parseInvalid(JSON.stringify({ templateType, template: [] }));

    expect(problems[0]!.message).toContain(`(found "${templateType}"`);
    expect(problems[0]!.message.includes('FHIR destination mapping')).toBe(fhir);
  });

  it('quotes at most 64 characters of a wrong templateType', () => {
    const problems = parseInvalid(JSON.stringify({ templateType: 'X'.repeat(100), template: [] }));

    expect(problems[0]!.message).toContain(`(found "${'X'.repeat(64)}")`);
  });

  it('says what the document is when it is no object, and when it is a FHIR destination mapping', () => {
    expect(parseInvalid('null').map((p) => p.message)).toEqual([
      'The device mapping must be a JSON object {"templateType": "CollectionContent", "template": [...]}.',
    ]);
    expect(parseInvalid('{"templateType": "CollectionFhirTemplate", "template": []}')[0]?.message).toBe(
      "'templateType' must be CollectionContent: the root of a device mapping is a CollectionContent node " +
        '(found "CollectionFhirTemplate": this is a FHIR destination mapping)',
    );
  });
});

describe('parseDeviceMapping reads values as MedTech (Newtonsoft.Json) converts them', () => {
  /** A CalculatedContent whose expressions are valid in both languages, so the language read shows. */
  const bilingual = {
    typeName: 'hr',
    typeMatchExpression: 'Body',
    deviceIdExpression: 'matchedToken.deviceId',
    timestampExpression: 'matchedToken.endDate',
    values: [{ valueName: 'hr', valueExpression: 'matchedToken.heartRate' }],
  };

  function languages(template: ContentTemplate): string[] {
    return [
      template.typeMatch,
      template.deviceId,
      ...template.timestamp,
      ...template.values.map((v) => v.expression),
    ].map((e) => e.language);
  }

  it.each([
    [1, 'JmesPath'],
    [0, 'JsonPath'],
    ['1', 'JmesPath'],
    [' +0 ', 'JsonPath'],
    [' JmesPath\t', 'JmesPath'],
    ['jsonpath ,JMESPATH', 'JmesPath'],
    ['JsonPath,JsonPath', 'JsonPath'],
  ])('reads defaultExpressionLanguage %j as %s, with a warning', (raw, language) => {
    const result = parseValid(collection(['CalculatedContent', { ...bilingual, defaultExpressionLanguage: raw }]));

    expect(languages(only(result.mapping))).toEqual(Array(4).fill(language));
    expect(result.warnings.map((w) => [w.name, w.location.pointer, w.location.field])).toEqual([
      ['InvalidTemplate', '/template/0/template/defaultExpressionLanguage', 'defaultExpressionLanguage'],
    ]);
    expect(result.warnings[0]!.message).toContain(`'${language}'`);
  });

  it.each([
    [1, 'JmesPath'],
    ['1', 'JmesPath'],
    [0, 'JsonPath'],
    [' jmespath ', 'JmesPath'],
    ['JsonPath, JmesPath', 'JmesPath'],
  ])('reads an expression language %j as %s, with a warning', (raw, language) => {
    const result = parseValid(
      collection(['CalculatedContent', { ...bilingual, typeMatchExpression: { value: 'Body', language: raw } }]),
    );

    expect(only(result.mapping).typeMatch.language).toBe(language);
    expect(result.warnings.map((w) => w.location.pointer)).toEqual([
      '/template/0/template/typeMatchExpression/language',
    ]);
  });

  it('reads an empty expression language as none, so the template default applies', () => {
    const result = parseValid(
      collection([
        'CalculatedContent',
        {
          ...bilingual,
          defaultExpressionLanguage: 'JmesPath',
          typeMatchExpression: { value: 'Body', language: '' },
        },
      ]),
    );

    expect(only(result.mapping).typeMatch.language).toBe('JmesPath');
    expect(result.warnings.map((w) => w.location.pointer)).toEqual([
      '/template/0/template/typeMatchExpression/language',
    ]);
  });

  it.each([
    [5, '5'],
    [true, 'True'],
    [1.5, '1.5'],
    [1e21, '1E+21'],
    [0.00001, '1E-05'],
  ])('reads a typeName %j as the string %s, as MedTech does, with a warning', (raw, typeName) => {
    const result = parseValid(collection(['CalculatedContent', { ...calculated, typeName: raw }]));

    expect(only(result.mapping).typeName).toBe(typeName);
    expect(result.warnings.map((w) => [w.location.pointer, w.location.field])).toEqual([
      ['/template/0/template/typeName', 'typeName'],
    ]);
    expect(result.warnings[0]!.message).toContain(JSON.stringify(typeName));
  });

  it('reads numbers as strings in value names, JSONPath expressions and expression object values', () => {
    const result = parseValid(
      collection(
        [
          'CalculatedContent',
          {
            ...bilingual,
            typeMatchExpression: { value: 5 },
            values: [{ valueName: 7, valueExpression: 'matchedToken.x' }],
          },
        ],
        [
          'JsonPathContent',
          {
            typeName: 'hr',
            typeMatchExpression: 5,
            deviceIdExpression: '$.d',
            timestampExpression: '$.t',
            patientIdExpression: false,
            values: [{ valueName: 'hr', valueExpression: 3 }],
          },
        ],
      ),
    );

    const [calc, jsonPath] = result.mapping.templates;
    expect([calc!.typeMatch.source, calc!.values[0]!.valueName]).toEqual(['5', '7']);
    expect([jsonPath!.typeMatch.source, jsonPath!.patientId?.source, jsonPath!.values[0]!.expression.source]).toEqual([
      '5',
      'False',
      '3',
    ]);
    // Conversion warnings, and for the number 5 as a type match (the member "5" of the envelope) one that it cannot
    // select anything.
    expect(result.warnings.map((w) => [w.location.pointer, w.name])).toEqual([
      ['/template/0/template/typeMatchExpression/value', 'InvalidTemplate'],
      ['/template/0/template/typeMatchExpression/value', 'TemplateExpression'],
      ['/template/0/template/values/0/valueName', 'InvalidTemplate'],
      ['/template/1/template/typeMatchExpression', 'InvalidTemplate'],
      ['/template/1/template/typeMatchExpression', 'TemplateExpression'],
      ['/template/1/template/patientIdExpression', 'InvalidTemplate'],
      ['/template/1/template/values/0/valueExpression', 'InvalidTemplate'],
    ]);
  });

  it.each([
    ['98765432109876543210', '98765432109876543210'],
    ['-12345678901234567890123', '-12345678901234567890123'],
    ['1000000000000000', '1000000000000000'],
    ['-0', '0'],
    ['-0.0', '-0'],
    ['1e15', '1E+15'],
    ['1000000000000000.0', '1E+15'],
    ['60.0', '60'],
    ['6E1', '60'],
    ['1E400', 'Infinity'],
    ['-1e400', '-Infinity'],
  ])('reads the number literal %s where text is expected as MedTech does: %s', (literal, text) => {
    // Newtonsoft reads an integer literal as a 64-bit or big integer (its digits), anything else as a double.
    // Renamed keys and both nesting kinds check that the literal is found under the key as written.
    const mapping = collection(
      [
        'CalculatedContent',
        {
          ...bilingual,
          TypeName: '@',
          typeMatchExpression: { Value: '@', language: 'JsonPath' },
          // The only values list: two spellings would join their items, as in MedTech.
          values: undefined,
          Values: [{ ValueName: '@', valueExpression: 'x' }],
        },
      ],
      ['JsonPathContent', { ...calculated, typeName: '@', values: [{ valueName: 'hr', VALUEEXPRESSION: '@' }] }],
    ).replaceAll('"@"', literal);
    const result = parseValid(mapping);

    const [calc, jsonPath] = result.mapping.templates;
    expect([calc!.typeName, calc!.typeMatch.source, calc!.values[0]!.valueName]).toEqual([text, text, text]);
    expect([jsonPath!.typeName, jsonPath!.values[0]!.expression.source]).toEqual([text, text]);
    const conversions = result.warnings.filter((w) => w.message.includes('MedTech reads it as the string'));
    expect(conversions.map((w) => w.message.includes(JSON.stringify(text)))).toEqual(Array(5).fill(true));
  });

  it('reads the last of a number written twice under one name', () => {
    const mapping = collection(['CalculatedContent', { ...calculated, typeName: '@' }]).replace(
      '"typeName": "@"',
      '"typeName": 12345678901234567890, "typeName": 98765432109876543210',
    );

    expect(only(parseValid(mapping).mapping).typeName).toBe('98765432109876543210');
  });

  it('ignores, with a warning, members an expression object does not have, as MedTech does', () => {
    const result = parseValid(
      collection([
        'CalculatedContent',
        {
          ...calculated,
          typeMatchExpression: { value: '$..[?(@heartRate)]', comment: 'heart rate', language: 'JsonPath' },
          values: [{ valueName: 'hr', valueExpression: { value: '$.matchedToken.heartRate', $comment: { a: 1 } } }],
        },
      ]),
    );

    expect(only(result.mapping).typeMatch.source).toBe('$..[?(@heartRate)]');
    expect(result.warnings.map((w) => [w.location.pointer, w.message])).toEqual([
      [
        '/template/0/template/typeMatchExpression/comment',
        "property 'comment' is ignored: MedTech ignores members an expression object does not have",
      ],
      [
        '/template/0/template/values/0/valueExpression/$comment',
        "property '$comment' is ignored: MedTech ignores members an expression object does not have",
      ],
    ]);
  });

  it('still refuses line information in an expression object that is no 32-bit integer, as MedTech does', () => {
    const problems = parseInvalid(
      collection(['CalculatedContent', { ...calculated, typeMatchExpression: { value: 'x', lineNumber: 'x' } }]),
    );

    expect(problems.filter((p) => p.severity === 'error').map((p) => p.location.pointer)).toEqual([
      '/template/0/template/typeMatchExpression/lineNumber',
    ]);
  });

  it.each(['JsonPathContent', 'IotJsonPathContent', 'IotCentralJsonPathContent'])(
    'leaves out a %s value whose expression is blank and that is not required: MedTech never sets it',
    (kind) => {
      const template = {
        ...calculated,
        values: [
          { valueName: 'hr', valueExpression: '$.hr' },
          { valueName: 'spare', valueExpression: ' ', required: false },
          { valueName: 'other', valueExpression: '' },
        ],
      };
      const result = parseValid(collection([kind, template]));

      expect(only(result.mapping).values.map((v) => v.valueName)).toEqual(['hr']);
      expect(result.warnings.filter((w) => w.message.includes('blank')).map((w) => w.location.pointer)).toEqual([
        '/template/0/template/values/1/valueExpression',
        '/template/0/template/values/2/valueExpression',
      ]);
      const required = parseInvalid(
        collection([kind, { ...calculated, values: [{ valueName: 'hr', valueExpression: '', required: true }] }]),
      );
      expect(required.map((p) => p.name)).toContain('TemplateExpression');
    },
  );

  it.each(['JsonPathContent', 'IotJsonPathContent', 'IotCentralJsonPathContent', 'CalculatedContent'])(
    'reads a %s whose values are an empty string as one without values, with a warning (MedTech fails a CalculatedContent)',
    (kind) => {
      const result = parseValid(collection([kind, { ...calculated, values: '' }]));

      expect(only(result.mapping).values).toEqual([]);
      const aboutValues = result.warnings.filter((w) => w.location.pointer?.endsWith('/values'));
      expect(aboutValues.map((w) => [w.location.pointer, w.message])).toEqual([
        ['/template/0/template/values', expect.stringContaining("'values' is an empty string")],
      ]);
      // Only the empty string: Newtonsoft fails on any other text where it expects a list.
      const errors = parseInvalid(collection([kind, { ...calculated, values: ' ' }])).filter(
        (p) => p.severity === 'error',
      );
      expect(errors.map((p) => p.location.pointer)).toEqual(['/template/0/template/values']);
    },
  );

  it('reads `template` spelled exactly, else its first spelling, and warns of the others, as MedTech does', () => {
    const node = (...keys: string[]): string =>
      `{"templateType":"JsonPathContent",${keys
        .map((key, i) => `"${key}":${JSON.stringify({ ...HR_FIELDS, values: [], typeName: `t${i}` })}`)
        .join(',')}}`;
    const read = (text: string): [string, (string | undefined)[]] => {
      const result = parseValid(text);
      return [only(result.mapping).typeName, result.warnings.map((w) => w.location.pointer)];
    };

    expect(read(`{"templateType":"CollectionContent","template":[${node('Template', 'template')}]}`)).toEqual([
      't1',
      ['/template/0/Template'],
    ]);
    expect(read(`{"templateType":"CollectionContent","template":[${node('TEMPLATE', 'Template')}]}`)).toEqual([
      't0',
      ['/template/0/TEMPLATE', '/template/0/Template'],
    ]);
    const root = read(`{"templateType":"CollectionContent","Template":[],"template":[${node('template')}]}`);
    expect(root).toEqual(['t0', ['/Template']]);
  });

  it.each([2, '-1', ' 7 '])(
    'ignores a defaultExpressionLanguage %j that names no language when every expression names its own',
    (raw) => {
      const own = { ...bilingual, typeMatchExpression: { value: 'Body', language: 'JmesPath' } };
      const named = {
        ...own,
        deviceIdExpression: { value: 'matchedToken.deviceId', language: 'JsonPath' },
        timestampExpression: { value: 'matchedToken.endDate', language: 'JmesPath' },
        values: [{ valueName: 'hr', valueExpression: { value: 'matchedToken.heartRate', language: 'JmesPath' } }],
      };
      const result = parseValid(collection(['CalculatedContent', { ...named, defaultExpressionLanguage: raw }]));

      expect(languages(only(result.mapping))).toEqual(['JmesPath', 'JsonPath', 'JmesPath', 'JmesPath']);
      expect(result.warnings.map((w) => w.location.pointer)).toEqual([
        '/template/0/template/defaultExpressionLanguage',
      ]);
      // One expression taking the default: MedTech fails to load it, and so do we.
      const problems = parseInvalid(collection(['CalculatedContent', { ...own, defaultExpressionLanguage: raw }]));
      expect(problems.filter((p) => p.severity === 'error').map((p) => p.location.pointer)).toEqual([
        '/template/0/template/defaultExpressionLanguage',
      ]);
    },
  );

  it('still rejects a number as a CalculatedContent expression string, as MedTech does', () => {
    const problems = parseInvalid(collection(['CalculatedContent', { ...calculated, deviceIdExpression: 5 }]));

    expect(problems.map((p) => p.location.pointer)).toEqual(['/template/0/template/deviceIdExpression']);
  });

  it('ignores, with a warning, the line information properties MedTech template classes have', () => {
    const result = parseValid(
      collection(
        [
          'CalculatedContent',
          {
            ...calculated,
            LineNumber: 3,
            linePosition: '4',
            lineInfoForProperties: { a: [1] },
            typeMatchExpression: { value: '$..[?(@heartRate)]', lineNumber: 1.5 },
            values: [{ valueName: 'hr', valueExpression: '$.matchedToken.heartRate', linePosition: -2 }],
          },
        ],
        [
          'IotJsonPathContent',
          { typeName: 'hr', typeMatchExpression: '$..[?(@Body.hr)]', alternateTimestampExpression: 1 },
        ],
      ),
    );

    expect(result.mapping.templates).toHaveLength(2);
    expect(result.warnings.map((w) => [w.location.pointer, w.message])).toEqual([
      ['/template/0/template/typeMatchExpression/lineNumber', expect.stringMatching(/is ignored/)],
      ['/template/0/template/values/0/linePosition', expect.stringMatching(/is ignored/)],
      ['/template/0/template/LineNumber', expect.stringMatching(/^property 'LineNumber' is ignored: MedTech/)],
      ['/template/0/template/linePosition', expect.stringMatching(/is ignored/)],
      ['/template/0/template/lineInfoForProperties', expect.stringMatching(/is ignored/)],
      ['/template/1/template/alternateTimestampExpression', expect.stringMatching(/is ignored/)],
    ]);
  });

  it.each([null, '', true, 'x', 1e12])(
    'still rejects a lineNumber %j, which MedTech cannot read as an integer',
    (raw) => {
      const problems = parseInvalid(collection(['CalculatedContent', { ...calculated, lineNumber: raw }]));

      expect(problems.map((p) => p.message)).toEqual(["unknown property 'lineNumber' (not a CalculatedContent field)"]);
    },
  );

  it.each([
    ['defaultExpressionLanguage', ''],
    ['defaultExpressionLanguage', null],
    ['defaultExpressionLanguage', 2],
    ['defaultExpressionLanguage', 'JsonPath,'],
    ['defaultExpressionLanguage', ' '],
    ['defaultExpressionLanguage', true],
    ['language', ' '],
    ['language', 5],
    ['language', '1a'],
    ['language', 'Jmes'],
  ])('still rejects %s %j, as MedTech does', (field, raw) => {
    const template =
      field === 'language'
        ? { ...bilingual, typeMatchExpression: { value: 'Body', language: raw } }
        : { ...bilingual, defaultExpressionLanguage: raw };

    const problems = parseInvalid(collection(['CalculatedContent', template]));

    expect(problems.filter((p) => p.severity === 'error').map((p) => p.location.field)).toEqual([field]);
  });
});
