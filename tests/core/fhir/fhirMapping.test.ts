import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { FhirMapping } from '../../../shared/core/fhir/contract.js';
import { Ajv } from 'ajv';
import schema from '../../../schemas/fhirmapping.schema.json' with { type: 'json' };
import { findFhirTemplate, parseFhirMapping } from '../../../shared/core/fhir/fhirMapping.js';
import type { MappingProblem } from '../../../shared/core/mapping/problems.js';

const FIXTURES = new URL('../../fixtures/fhir/', import.meta.url);

function mapping(templates: unknown[]): string {
  return JSON.stringify({
    templateType: 'CollectionFhir',
    template: templates.map((template) => ({ templateType: 'CodeValueFhir', template })),
  });
}

/** Parses a mapping the test expects to be valid; the test fails if it is not. */
function parseValid(text: string): { value: FhirMapping; warnings: MappingProblem[] } {
  const result = parseFhirMapping(text);
  expect(result.ok).toBe(true);
  if (!result.ok) {
    throw new Error('expected a valid mapping');
  }
  return result;
}

function problemsOf(text: string): { severity: string; message: string; pointer: string | undefined }[] {
  const result = parseFhirMapping(text);
  const problems = result.ok ? result.warnings : result.problems;
  return problems.map((p) => ({ severity: p.severity, message: p.message, pointer: p.location.pointer }));
}

describe('parseFhirMapping (fixtures)', () => {
  const dirs = readdirSync(FIXTURES).filter((d) => d.startsWith('invalid_') || d.startsWith('valid_'));

  it('has validation fixtures', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(9);
  });

  for (const dir of dirs) {
    it(`reports exactly the expected problems and locations for ${dir}`, () => {
      const base = new URL(`${dir}/fhirmapping`, FIXTURES);
      const file = existsSync(new URL(`${base.href}.json`)) ? `${base.href}.json` : `${base.href}.txt`;
      const expected = JSON.parse(readFileSync(new URL(`${dir}/expected.json`, FIXTURES), 'utf8'));
      const result = parseFhirMapping(readFileSync(new URL(file), 'utf8'));
      expect(result.ok).toBe(expected.ok);
      expect(result.ok ? result.warnings : result.problems).toEqual(result.ok ? expected.warnings : expected.problems);
    });
  }
});

describe('parseFhirMapping', () => {
  it('builds typed templates with defaults (periodInterval 0, no category, no components)', () => {
    const { value, warnings } = parseValid(
      mapping([
        {
          typeName: 'heartrate',
          codes: [{ code: '8867-4', system: 'http://loinc.org', display: 'Heart rate' }],
          value: {
            valueType: 'Quantity',
            valueName: 'hr',
            unit: 'count/min',
            system: 'http://unitsofmeasure.org',
            code: 'count/min',
          },
        },
      ]),
    );
    expect(warnings).toEqual([]);
    expect(value.templates.get('heartrate')).toEqual({
      typeName: 'heartrate',
      periodInterval: 0,
      category: [],
      codes: [{ code: '8867-4', system: 'http://loinc.org', display: 'Heart rate' }],
      value: {
        valueType: 'Quantity',
        valueName: 'hr',
        unit: 'count/min',
        system: 'http://unitsofmeasure.org',
        code: 'count/min',
      },
      components: [],
    });
  });

  it('reads category, components and every value type', () => {
    const { value } = parseValid(
      mapping([
        {
          typeName: 'bp',
          periodInterval: 1440,
          category: [{ text: 'Vital Signs', codes: [{ code: 'vital-signs' }] }, { codes: [] }],
          codes: [{ code: '85354-9' }],
          components: [
            {
              codes: [{ code: '8480-6' }],
              value: { valueType: 'SampledData', valueName: 'systolic', defaultPeriod: 1000, unit: 'mmHg' },
            },
            { codes: [], value: { valueType: 'String', valueName: 'note' } },
            {
              codes: [],
              value: {
                valueType: 'CodeableConcept',
                valueName: 'flag',
                text: 'Flag',
                codes: [{ code: 'f', system: 's' }],
              },
            },
          ],
        },
      ]),
    );
    const template = findFhirTemplate(value, 'BP');
    expect(template?.periodInterval).toBe(1440);
    expect(template?.category).toEqual([{ text: 'Vital Signs', codes: [{ code: 'vital-signs' }] }, { codes: [] }]);
    expect(template?.components.map((c) => c.value)).toEqual([
      { valueType: 'SampledData', valueName: 'systolic', defaultPeriod: 1000, unit: 'mmHg' },
      { valueType: 'String', valueName: 'note' },
      { valueType: 'CodeableConcept', valueName: 'flag', text: 'Flag', codes: [{ code: 'f', system: 's' }] },
    ]);
  });

  it('finds templates case-insensitively and keys them by lower-cased typeName', () => {
    const { value } = parseValid(
      mapping([{ typeName: 'HeartRate', codes: [], value: { valueType: 'String', valueName: 'hr' } }]),
    );
    expect([...value.templates.keys()]).toEqual(['heartrate']);
    expect(findFhirTemplate(value, 'HEARTRATE')?.typeName).toBe('HeartRate');
    expect(findFhirTemplate(value, 'steps')).toBeUndefined();
  });

  it('names the template of a problem under a root key written in another case', () => {
    const text = mapping([
      { typeName: 'a', codes: [], value: { valueType: 'String', valueName: 'x' } },
      { typeName: 'b', codes: [], periodInterval: 30, value: { valueType: 'String', valueName: 'y' } },
    ]).replace('"template":[', '"Template":[');

    const result = parseFhirMapping(text);

    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.filter((p) => p.severity === 'error').map((p) => p.location)).toEqual([
      expect.objectContaining({ pointer: '/Template/1/template/periodInterval', templateIndex: 1 }),
    ]);
  });

  it('allows unknown properties inside value only', () => {
    expect(
      parseFhirMapping(
        mapping([
          {
            typeName: 'a',
            codes: [],
            value: { valueType: 'String', valueName: 'x', note: 1, codes: [{ code: 'c', extra: true }] },
          },
        ]),
      ).ok,
    ).toBe(true);
    expect(
      problemsOf(
        mapping([
          {
            typeName: 'a',
            codes: [],
            components: [{ codes: [], value: { valueType: 'String', valueName: 'x' }, note: 1 }],
          },
        ]),
      ),
    ).toEqual([
      {
        severity: 'error',
        message: "Unknown property 'note' in components[0]",
        pointer: '/template/0/template/components/0/note',
      },
    ]);
    expect(problemsOf(mapping([{ typeName: 'a', codes: [], category: [{ text: 't', coding: [] }] }]))).toContainEqual({
      severity: 'error',
      message: "Unknown property 'coding' in category[0]",
      pointer: '/template/0/template/category/0/coding',
    });
  });

  it('ignores a member of value named like an Object member, as any other unknown one', () => {
    const withMember = (name: string): string =>
      mapping([{ typeName: 'a', codes: [], value: { valueType: 'String', valueName: 'x' } }]).replace(
        '"valueName":"x"',
        `"valueName":"x",${JSON.stringify(name)}:"y"`,
      );
    const plain = parseFhirMapping(withMember('note'));
    expect(plain.ok).toBe(true);
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
      expect(parseFhirMapping(withMember(name)), name).toEqual(plain);
    }
  });

  it('rejects a "__proto__" key as an unknown property', () => {
    const text =
      '{"templateType":"CollectionFhir","template":[{"templateType":"CodeValueFhir","template":{"typeName":"a","codes":[],"__proto__":{"x":1}}}]}';
    expect(problemsOf(text)).toEqual([
      {
        severity: 'error',
        message: "Unknown property '__proto__' in template",
        pointer: '/template/0/template/__proto__',
      },
    ]);
  });

  it("requires a component value's valueName and a CodeableConcept's codes, as MedTech fails without them", () => {
    const messages = problemsOf(
      mapping([
        {
          typeName: 'a',
          codes: [],
          components: [{ codes: [], value: { valueType: 'Quantity' } }],
        },
        { typeName: 'c', codes: [], value: { valueType: 'CodeableConcept', valueName: 'x' } },
      ]),
    ).map((p) => `${p.pointer}: ${p.message}`);
    expect(messages).toEqual([
      "/template/0/template/components/0/value: components[0].value is missing required property 'valueName'",
      "/template/1/template/value: value is missing required property 'codes'",
    ]);
  });

  it('loads a main value without valueName, as MedTech does, warning that it is never set', () => {
    const { warnings } = parseValid(
      mapping([
        { typeName: 'a', codes: [], value: { valueType: 'Quantity' } },
        { typeName: 'b', codes: [], value: { valueType: 'String', valueName: '' } },
      ]),
    );
    expect(warnings.map((w) => [w.message, w.location.pointer])).toEqual([
      ['A value without valueName is never set', '/template/0/template/value'],
      ['A value without valueName is never set', '/template/1/template/value'],
    ]);
  });

  it('warns of a blank main valueName, which MedTech never sets, but not of a component named so', () => {
    const { warnings } = parseValid(
      mapping([
        {
          typeName: 'blank',
          codes: [],
          value: { valueType: 'String', valueName: ' \t' },
          components: [{ codes: [], value: { valueType: 'String', valueName: ' ' } }],
        },
      ]),
    );
    expect(warnings.map((w) => [w.message, w.location.pointer])).toEqual([
      ['A value without valueName is never set', '/template/0/template/value'],
    ]);
  });

  it('reads the value type from ValueType, else valueType, warns of the other spellings and points at the one read', () => {
    expect(
      problemsOf(
        mapping([
          { typeName: 'a', codes: [], value: { valuetype: 'String', valueType: 'Quantity', valueName: 'v' } },
          { typeName: 'b', codes: [], value: { valueType: 'String', ValueType: 'Integer', valueName: 'v' } },
        ]),
      ),
    ).toEqual([
      {
        severity: 'warning',
        message: "Property 'valuetype' is ignored: 'valueType' is used (MedTech reads 'ValueType', else 'valueType')",
        pointer: '/template/0/template/value/valuetype',
      },
      {
        severity: 'warning',
        message: "Property 'valueType' is ignored: 'ValueType' is used (MedTech reads 'ValueType', else 'valueType')",
        pointer: '/template/1/template/value/valueType',
      },
      {
        severity: 'warning',
        message: "Property 'ValueType' is matched case-insensitively to 'valueType'; spell it 'valueType'",
        pointer: '/template/1/template/value/ValueType',
      },
      {
        severity: 'error',
        message: expect.stringContaining('value.ValueType must be one of') as string,
        pointer: '/template/1/template/value/ValueType',
      },
    ]);
  });

  it('joins a list written under two spellings, as MedTech does, and points into it where each item is written', () => {
    const text = mapping([
      {
        typeName: 'a',
        codes: [{ code: '1' }],
        Codes: [{ code: '2' }, { code: '3', bogus: 1 }],
        components: [
          { codes: [], value: { valueType: 'String', valueName: 's', codes: [{ code: 'x' }], CODES: [{}] } },
        ],
      },
    ]);
    const problems = problemsOf(text);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([
      {
        severity: 'error',
        message: "Unknown property 'bogus' in Codes[1]",
        pointer: '/template/0/template/Codes/1/bogus',
      },
    ]);
    expect(problems.filter((p) => p.message.includes('added to the list')).map((p) => p.pointer)).toEqual([
      '/template/0/template/Codes',
      '/template/0/template/components/0/value/CODES',
    ]);
    const valid = parseValid(text.replace(',"bogus":1', ''));
    const template = findFhirTemplate(valid.value, 'a');
    expect(template?.codes.map((c) => c.code)).toEqual(['1', '2', '3']);
  });

  it('reads Newtonsoft metadata: a leading $id is ignored, a list wrapped in $values is read, problems point inside', () => {
    const text = JSON.stringify({
      templateType: 'CollectionFhir',
      template: [
        {
          templateType: 'CodeValueFhir',
          template: {
            $id: 't',
            typeName: 'a',
            codes: { $id: 'c', $values: [{ code: '1' }, { $id: 'x', code: '2', bogus: 1 }] },
          },
        },
      ],
    });
    expect(problemsOf(text)).toEqual([
      {
        severity: 'warning',
        message: "Property '$id' is ignored: MedTech's reader (Newtonsoft.Json) takes a leading $id for a reference id",
        pointer: '/template/0/template/$id',
      },
      {
        severity: 'warning',
        message:
          "Property 'codes' is an object of $values: it is read as its $values list, as MedTech's reader (Newtonsoft.Json) reads it",
        pointer: '/template/0/template/codes',
      },
      {
        severity: 'warning',
        message: "Property '$id' is ignored: MedTech's reader (Newtonsoft.Json) takes a leading $id for a reference id",
        pointer: '/template/0/template/codes/$values/1/$id',
      },
      {
        severity: 'error',
        message: "Unknown property 'bogus' in $values[1]",
        pointer: '/template/0/template/codes/$values/1/bogus',
      },
    ]);
    const valid = parseValid(text.replace(',"bogus":1', ''));
    expect(findFhirTemplate(valid.value, 'a')?.codes).toEqual([{ code: '1' }, { code: '2' }]);
  });

  it('accepts a CodeableConcept without valueName with a warning that it is never set', () => {
    const { value, warnings } = parseValid(
      mapping([{ typeName: 'removed', codes: [], value: { valueType: 'CodeableConcept', codes: [] } }]),
    );
    expect(warnings.map((w) => w.message)).toEqual(['A value without valueName is never set']);
    expect(findFhirTemplate(value, 'removed')?.value).toEqual({
      valueType: 'CodeableConcept',
      valueName: '',
      codes: [],
    });
  });

  it('warns when periodInterval has no effect because nothing is SampledData', () => {
    expect(
      problemsOf(
        mapping([{ typeName: 'hr', periodInterval: 60, codes: [], value: { valueType: 'Quantity', valueName: 'hr' } }]),
      ),
    ).toEqual([
      {
        severity: 'warning',
        message:
          'periodInterval 60 has no effect without a SampledData value: one Observation is written per timestamp',
        pointer: '/template/0/template/periodInterval',
      },
    ]);
  });

  it('reads a periodInterval written with a fraction or exponent, warning that MedTech refuses it', () => {
    const withPeriod = (raw: string): string =>
      mapping([
        {
          typeName: 'hr',
          periodInterval: 0,
          codes: [],
          value: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: 5000 },
        },
      ]).replace('"periodInterval":0', `"periodInterval":${raw}`);
    for (const [raw, read] of [
      ['60.0', 60],
      ['6e1', 60],
      ['1440.00', 1440],
      ['-1.0', -1],
      ['0.0', 0],
    ] as const) {
      const { value, warnings } = parseValid(withPeriod(raw));
      expect(findFhirTemplate(value, 'hr')?.periodInterval, raw).toBe(read);
      expect(
        warnings.map((w) => [w.message, w.location.pointer]),
        raw,
      ).toEqual([
        [
          `'periodInterval' ${raw} has a fraction or an exponent: it is read as ${read} here, but MedTech refuses the mapping; write ${read}`,
          '/template/0/template/periodInterval',
        ],
      ]);
    }
    expect(parseValid(withPeriod('60')).warnings).toEqual([]);
    expect(parseValid(withPeriod(' 1440 ')).warnings).toEqual([]);
  });

  it('warns about a template with neither value nor components', () => {
    expect(problemsOf(mapping([{ typeName: 'hr', codes: [] }]))).toEqual([
      {
        severity: 'warning',
        message: "Template 'hr' has neither value nor components",
        pointer: '/template/0/template',
      },
    ]);
  });

  it('warns when a SampledData period makes more than a million slots', () => {
    const warnings = problemsOf(
      mapping([
        {
          typeName: 'ecg',
          periodInterval: 1440,
          codes: [],
          value: { valueType: 'SampledData', valueName: 'v', defaultPeriod: 1 },
        },
      ]),
    );
    expect(warnings.map((w) => [w.severity, w.pointer])).toEqual([
      ['warning', '/template/0/template/value/defaultPeriod'],
    ]);
  });

  it('uses the last of several spellings of one property, as Newtonsoft.Json does, with a warning', () => {
    const text =
      '{"templateType":"CollectionFhir","template":[{"templateType":"CodeValueFhir","template":{"typeName":"first","TYPENAME":"second","codes":[]}}]}';
    const { value, warnings } = parseValid(text);
    expect([...value.templates.keys()]).toEqual(['second']);
    expect(warnings.map((w) => w.location.pointer)).toContain('/template/0/template/TYPENAME');
  });

  it('accepts a byte-order mark and counts columns as editors do (the mark is not one)', () => {
    const { warnings } = parseValid('\uFEFF{"templateType":"CollectionFhir","template":[], "x": 1}');
    expect(warnings[0]?.location).toMatchObject({ line: 1, column: 49 });
  });

  it('reads comments and trailing commas, which MedTech accepts, with a warning where the first one is', () => {
    const text = [
      '{',
      '  // heart rate only for now',
      '  "templateType": "CollectionFhir",',
      '  "template": [',
      '    {',
      '      "templateType": "CodeValueFhir",',
      '      "template": {',
      '        "typeName": "heartrate", /* matches the device mapping */',
      '        "value": { "valueType": "Quantity", "valueName": "hr", "unit": "count/min", },',
      '        "codes": [{ "code": "8867-4", "system": "http://loinc.org" },],',
      '      },',
      '    },',
      '  ],',
      '}',
    ].join('\n');

    const { value, warnings } = parseValid(text);

    expect(value.templates.get('heartrate')?.value).toMatchObject({ valueType: 'Quantity', valueName: 'hr' });
    expect(warnings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringContaining('not strict JSON') as unknown,
        location: { line: 2, column: 3 },
      }),
    ]);
  });

  it('still rejects what is not JSON even with comments allowed, with line and column', () => {
    expect(parseFhirMapping('{ "templateType": "CollectionFhir", "template": [ } ').ok).toBe(false);
  });

  it('publishes a schema that refuses, in an editor, the blank type name and nameless component the parser refuses', () => {
    const editor = new Ajv({ allErrors: true });
    editor.addVocabulary(['patternErrorMessage']);
    const validate = editor.compile(schema);
    const refused = [
      mapping([{ typeName: ' ', codes: [] }]),
      mapping([{ typeName: 'a', codes: [], components: [{ codes: [], value: { valueType: 'String' } }] }]),
    ];

    for (const text of refused) {
      expect(validate(JSON.parse(text))).toBe(false);
      expect(parseFhirMapping(text).ok).toBe(false);
    }
    // Each said once, by the parser's own check or the schema.
    expect(problemsOf(refused[0] ?? '').map((p) => p.message)).toEqual(['typeName must not be blank']);
    expect(problemsOf(refused[1] ?? '').map((p) => p.message)).toEqual([
      "components[0].value is missing required property 'valueName'",
    ]);
    expect(validate(JSON.parse(mapping([{ typeName: 'a b', codes: [] }])))).toBe(true);
  });

  it('compiles the published schemas without a word on the console (Ajv strict mode warns there)', async () => {
    vi.resetModules();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const fhir = await import('../../../shared/core/fhir/fhirMapping.js');
      const device = await import('../../../shared/core/mapping/parseDeviceMapping.js');
      expect(fhir.parseFhirMapping(mapping([])).ok).toBe(true);
      expect(device.parseDeviceMapping('{"templateType": "CollectionContent", "template": []}').ok).toBe(true);
      expect([...warn.mock.calls, ...log.mock.calls]).toEqual([]);
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });

  it('advises writing the number a periodInterval name is read as, only when that number is a period interval', () => {
    const template = (periodInterval: string) => ({
      typeName: 'a',
      codes: [],
      periodInterval,
      value: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: 1000 },
    });
    const messages = (periodInterval: string) =>
      problemsOf(mapping([template(periodInterval)])).map((p) => `${p.severity}: ${p.message}`);

    expect(messages('hourly')).toEqual([
      `warning: 'periodInterval' "hourly" is read as 60, as MedTech reads it; write 60`,
    ]);
    expect(messages('Hourly, Daily')).toEqual([
      `warning: 'periodInterval' "Hourly, Daily" is read as 1468, as MedTech reads it`,
      'error: periodInterval must be one of 0, 60, 1440, -1 (found 1468)',
    ]);
  });

  it('ignores a root $schema silently (editors use it) and still warns about other unknown root properties', () => {
    const text = JSON.stringify({
      $schema: './schemas/fhirmapping.schema.json',
      templateType: 'CollectionFhir',
      comment: 'v2',
      template: [],
    });

    expect(problemsOf(text)).toEqual([
      { severity: 'warning', message: "Unknown property 'comment' is ignored", pointer: '/comment' },
    ]);
  });

  it('accepts an empty collection', () => {
    const { value } = parseValid('{"templateType":"CollectionFhir","template":[]}');
    expect(value.templates.size).toBe(0);
  });

  it('rejects a root that is not an object', () => {
    expect(problemsOf('[]')).toEqual([{ severity: 'error', message: 'The mapping must be an object', pointer: '' }]);
  });
});

describe('parseFhirMapping, which spelling of template', () => {
  it('reads `template` spelled exactly, else its first spelling, and warns of the others, as MedTech does', () => {
    const body = (name: string): string => `{"typeName":"${name}","codes":[]}`;
    const text = `{"templateType":"CollectionFhir","Template":[],"template":[{"templateType":"CodeValueFhir","TEMPLATE":${body('first')},"Template":${body('second')}}]}`;

    const result = parseFhirMapping(text);

    expect(result.ok && [...result.value.templates.keys()]).toEqual(['first']);
    expect(result.ok && result.warnings.map((w) => w.location.pointer)).toEqual(
      expect.arrayContaining(['/Template', '/template/0/Template']),
    );
  });
});

describe('parseFhirMapping, values MedTech converts', () => {
  it('keeps the digits of an integer code beyond 2^53, and reads the last of a code written twice', () => {
    const text = (codes: string): string =>
      JSON.stringify({ templateType: 'CollectionFhir', template: [] }).replace(
        '[]',
        `[{"templateType":"CodeValueFhir","template":{"typeName":"t","codes":[${codes}]}}]`,
      );
    const big = parseFhirMapping(text('{"code":98765432109876543210}'));
    const twice = parseFhirMapping(text('{"code":1,"code":2}'));
    expect(big.ok && big.value.templates.get('t')?.codes).toEqual([{ code: '98765432109876543210' }]);
    expect(twice.ok && twice.value.templates.get('t')?.codes).toEqual([{ code: '2' }]);
    const bigTwice = parseFhirMapping(text('{"code":12345678901234567890,"code":98765432109876543210}'));
    expect(bigTwice.ok && bigTwice.value.templates.get('t')?.codes).toEqual([{ code: '98765432109876543210' }]);
  });

  it.each([
    ['1000000000000000', '1000000000000000', '1000000000000000'],
    ['1e15', '1E+15', '1E+15'],
    ['60.0', '60', '60.0'],
    ['6E1', '60', '60.0'],
    ['1e400', 'Infinity', 'Infinity'],
  ])('reads the number %s as %s in the body and %s inside value, as a double or an integer', (literal, body, value) => {
    const text = JSON.stringify({
      templateType: 'CollectionFhir',
      template: [
        {
          templateType: 'CodeValueFhir',
          template: {
            typeName: 't',
            codes: [{ code: '@' }],
            value: { valueType: 'Quantity', valueName: 'v', code: '@' },
          },
        },
      ],
    }).replaceAll('"@"', literal);
    const parsed = parseFhirMapping(text);
    const template = parsed.ok ? parsed.value.templates.get('t') : undefined;
    expect(template?.codes).toEqual([{ code: body }]);
    expect(template?.value).toEqual({ valueType: 'Quantity', valueName: 'v', code: value });
  });
});
