import { describe, expect, it } from 'vitest';
import schema from '../../../schemas/devicecontent.schema.json' with { type: 'json' };
import { Ajv } from 'ajv';
import { knownProperties, validateDeviceMappingSchema } from '../../../shared/core/mapping/deviceMappingSchema.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';
import { isCollectionContentType, toContentTemplateKind } from '../../../shared/core/mapping/templateType.js';

const heartRate = {
  typeName: 'heartrate',
  typeMatchExpression: '$..[?(@heartRate)]',
  deviceIdExpression: '$.deviceId',
  timestampExpression: '$.endDate',
};

/** Every `properties` entry of the schema, with its path, found by walking the whole document. */
function propertySchemas(node: unknown, path: string[] = []): [string, Record<string, unknown>][] {
  if (typeof node !== 'object' || node === null) {
    return [];
  }
  const found: [string, Record<string, unknown>][] = [];
  for (const [key, child] of Object.entries(node)) {
    if (key === 'properties' && typeof child === 'object' && child !== null) {
      for (const [name, propertySchema] of Object.entries(child)) {
        found.push([[...path, name].join('/'), propertySchema as Record<string, unknown>]);
      }
    }
    found.push(...propertySchemas(child, [...path, key]));
  }
  return found;
}

/** True when a property schema has a description itself or through its `$ref` (`#/definitions/name`). */
function hasDescription(propertySchema: Record<string, unknown>): boolean {
  if (typeof propertySchema.description === 'string' && propertySchema.description !== '') {
    return true;
  }
  const ref = propertySchema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/definitions/')) {
    return false;
  }
  const definitions = schema.definitions as Record<string, Record<string, unknown>>;
  const target = definitions[ref.slice('#/definitions/'.length)];
  return target !== undefined && hasDescription(target);
}

describe('devicecontent.schema.json', () => {
  it('describes every property, so editors can offer completion with documentation', () => {
    const undocumented = propertySchemas(schema)
      .filter(([, propertySchema]) => !hasDescription(propertySchema))
      .map(([path]) => path)
      // `if`/`then` only dispatch on the type name; what an author writes is documented where it is defined.
      .filter((path) => !path.includes('/if/') && !path.includes('/then/'));

    expect(undocumented).toEqual([]);
  });

  it.each([
    'CalculatedContent',
    'calculatedcontentTEMPLATE',
    'JsonPathContentTemplate',
    'iotjsonpathcontent',
    'IotCentralJsonPathContentTemplate',
    'CalculatedContentTemplateTemplate',
    'CollectionContent',
    'Calculated',
  ])('agrees with toContentTemplateKind on the content type %s', (templateType) => {
    const document = { templateType: 'CollectionContent', template: [{ templateType, template: { typeName: 'x' } }] };

    const typeProblems = validateDeviceMappingSchema(document).filter((v) => v.field === 'templateType');

    expect(typeProblems.length === 0).toBe(toContentTemplateKind(templateType) !== undefined);
  });

  it.each(['CollectionContent', 'collectionContentTemplate', 'CollectionFhir', 'Collection'])(
    'agrees with isCollectionContentType on the root type %s',
    (templateType) => {
      const violations = validateDeviceMappingSchema({ templateType, template: [] });

      expect(violations.length === 0).toBe(isCollectionContentType(templateType));
    },
  );
});

describe('devicecontent.schema.json in an editor', () => {
  // As an editor reads it: plain Ajv, the message keywords only annotations.
  const editor = new Ajv({ allErrors: true, allowUnionTypes: true });
  editor.addVocabulary(['errorMessage', 'patternErrorMessage', 'deprecationMessage']);
  const validate = editor.compile(schema);
  const mappingOf = (templateType: string, template: Record<string, unknown>) => ({
    templateType: 'CollectionContent',
    template: [{ templateType, template }],
  });
  const jsonPath = (changes: Record<string, unknown>) => mappingOf('JsonPathContent', { ...heartRate, ...changes });
  const calculated = (changes: Record<string, unknown>) => mappingOf('CalculatedContent', { ...heartRate, ...changes });
  const value = (changes: Record<string, unknown>) => ({
    values: [{ valueName: 'hr', valueExpression: '$.hr', required: true, ...changes }],
  });

  it.each([
    ['a blank valueName', jsonPath(value({ valueName: ' ' }))],
    ['a blank CalculatedContent valueName', calculated(value({ valueName: '' }))],
    ['a blank type match', jsonPath({ typeMatchExpression: '' })],
    ['a blank device id expression', jsonPath({ deviceIdExpression: '\u00a0' })],
    [
      'a blank IotJsonPathContent type match',
      mappingOf('IotJsonPathContent', { typeName: 'hr', typeMatchExpression: '' }),
    ],
    [
      'a blank CalculatedContent expression',
      calculated({ timestampExpression: { value: '\t', language: 'JmesPath' } }),
    ],
    ['a blank optional CalculatedContent expression', calculated({ patientIdExpression: '' })],
  ])('refuses %s, as the validator does', (_what, document) => {
    expect(validate(document)).toBe(false);
    // The blank itself (and the template kind's branch it fails).
    expect(validate.errors?.map((e) => e.message)).toContainEqual(expect.stringMatching(/^must match pattern/));
    expect(parseDeviceMapping(JSON.stringify(document)).ok).toBe(false);
  });

  it.each([
    ['a blank optional JSONPath expression', jsonPath({ patientIdExpression: ' ' })],
    ['a blank expression of a value that is not required', jsonPath(value({ valueExpression: '', required: false }))],
    ['a name of non-breaking space and text', jsonPath(value({ valueName: '\u00a0hr' }))],
  ])('accepts %s, as the validator does', (_what, document) => {
    expect(validate(document)).toBe(true);
    expect(parseDeviceMapping(JSON.stringify(document)).ok).toBe(true);
  });

  it('leaves a blank to the validator, which reports it once with its own name', () => {
    const result = parseDeviceMapping(JSON.stringify(jsonPath(value({ valueName: '' }))));

    expect(result.ok ? [] : result.problems.map((p) => [p.name, p.location.field])).toEqual([
      ['InvalidTemplate', 'valueName'],
    ]);
  });
});

describe('validateDeviceMappingSchema', () => {
  it('accepts a valid JsonPathContent mapping', () => {
    const document = {
      templateType: 'CollectionContent',
      template: [{ templateType: 'JsonPathContent', template: heartRate }],
    };

    expect(validateDeviceMappingSchema(document)).toEqual([]);
  });

  it('checks a content template against its own kind: IotJsonPathContent needs no device id expression', () => {
    const document = {
      templateType: 'CollectionContent',
      template: [
        { templateType: 'IotJsonPathContent', template: { typeName: 'hr', typeMatchExpression: '$..[?(@Body.hr)]' } },
        { templateType: 'JsonPathContent', template: { typeName: 'hr', typeMatchExpression: '$..[?(@hr)]' } },
      ],
    };

    expect(validateDeviceMappingSchema(document)).toEqual([
      {
        segments: ['template', 1, 'template'],
        field: 'deviceIdExpression',
        message: "missing required property 'deviceIdExpression'",
      },
      {
        segments: ['template', 1, 'template'],
        field: 'timestampExpression',
        message: "missing required property 'timestampExpression'",
      },
    ]);
  });

  it('points an unknown property at the property itself', () => {
    const document = {
      templateType: 'CollectionContent',
      template: [{ templateType: 'JsonPathContent', template: { ...heartRate, language: 'JsonPath' } }],
    };

    expect(validateDeviceMappingSchema(document)).toEqual([
      {
        segments: ['template', 0, 'template', 'language'],
        field: 'language',
        message: "unknown property 'language' (not a JsonPathContent field)",
      },
    ]);
  });

  it('lists the property names of every object kind from the schema', () => {
    expect(knownProperties.expression).toEqual(['value', 'language']);
    expect(knownProperties.node).toEqual(['templateType', 'template']);
    expect(knownProperties.content.CalculatedContent).toContain('defaultExpressionLanguage');
    expect(knownProperties.content.JsonPathContent).not.toContain('defaultExpressionLanguage');
  });
});
