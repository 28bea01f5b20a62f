import { describe, expect, it } from 'vitest';
import { parseFhirMapping } from '../../../shared/core/fhir/fhirMapping.js';
import { crossCheckMappings } from '../../../shared/core/mapping/crossCheckMappings.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';

function content(typeName: string, valueNames: string[]): unknown {
  return {
    templateType: 'CalculatedContent',
    template: {
      typeName,
      typeMatchExpression: '$..[?(@deviceId)]',
      deviceIdExpression: '$.matchedToken.deviceId',
      timestampExpression: '$.matchedToken.time',
      values: valueNames.map((valueName) => ({
        valueName,
        valueExpression: `$.matchedToken.${valueName}`,
        required: false,
      })),
    },
  };
}

const device = parseDeviceMapping(
  JSON.stringify({
    templateType: 'CollectionContent',
    template: [
      content('HeartRate', ['hr']),
      content('bodyweight', ['weight']),
      content('bloodpressure', ['systolic', 'diastolic', 'pulse']),
    ],
  }),
);

const fhir = parseFhirMapping(
  JSON.stringify({
    templateType: 'CollectionFhir',
    template: [
      {
        templateType: 'CodeValueFhir',
        template: { typeName: 'heartrate', codes: [], value: { valueType: 'Quantity', valueName: 'hr' } },
      },
      {
        templateType: 'CodeValueFhir',
        template: {
          typeName: 'bloodpressure',
          codes: [],
          components: [
            { codes: [], value: { valueType: 'Quantity', valueName: 'Systolic' } },
            { codes: [], value: { valueType: 'Quantity', valueName: 'diastolic' } },
          ],
        },
      },
    ],
  }),
);

describe('crossCheckMappings', () => {
  it('warns about device types without a FHIR template and values the FHIR template does not use', () => {
    if (!device.ok || !fhir.ok) {
      throw new Error('fixture mappings must be valid');
    }
    const problems = crossCheckMappings(device.value, fhir.value);
    expect(problems.map((p) => [p.severity, p.name, p.location])).toEqual([
      [
        'warning',
        'TemplateNotFound',
        { templateIndex: 1, pointer: '/template/1/template/typeName', field: 'typeName' },
      ],
      [
        'warning',
        'InvalidTemplate',
        { templateIndex: 2, pointer: '/template/2/template/values/0/valueName', field: 'valueName' },
      ],
      [
        'warning',
        'InvalidTemplate',
        { templateIndex: 2, pointer: '/template/2/template/values/2/valueName', field: 'valueName' },
      ],
    ]);
    expect(problems[0]?.message).toContain("No FHIR template has typeName 'bodyweight'");
    expect(problems[0]?.message).toContain("'heartrate', 'bloodpressure'");
    expect(problems[1]?.message).toContain("Value 'systolic' of type 'bloodpressure' is not used");
    expect(problems[1]?.message).toContain("did you mean 'Systolic'?");
    expect(problems[2]?.message).not.toContain('did you mean');
  });

  it('finds the FHIR template case-insensitively, as at run time', () => {
    if (!device.ok || !fhir.ok) {
      throw new Error('fixture mappings must be valid');
    }
    const problems = crossCheckMappings(device.value, fhir.value);
    expect(problems.some((p) => p.location.templateIndex === 0)).toBe(false);
  });

  it('reports nothing when the mappings agree', () => {
    const agreeingDevice = parseDeviceMapping(
      JSON.stringify({ templateType: 'CollectionContent', template: [content('heartrate', ['hr'])] }),
    );
    if (!agreeingDevice.ok || !fhir.ok) {
      throw new Error('fixture mappings must be valid');
    }
    expect(crossCheckMappings(agreeingDevice.value, fhir.value)).toEqual([]);
  });

  it('lists the value names the FHIR template uses and says the value is lost', () => {
    if (!device.ok || !fhir.ok) {
      throw new Error('fixture mappings must be valid');
    }

    const messages = crossCheckMappings(device.value, fhir.value).map((p) => p.message);

    expect(messages[1]).toMatch(
      /\(its values: 'Systolic', 'diastolic'\); .*did you mean 'Systolic'\?; it will not appear in Observations$/,
    );
    expect(messages[2]).toMatch(
      /'pulse'.*\(its values: 'Systolic', 'diastolic'\); it will not appear in Observations$/,
    );
  });

  it('says so when the FHIR mapping has no templates at all', () => {
    const empty = parseFhirMapping(JSON.stringify({ templateType: 'CollectionFhir', template: [] }));
    if (!device.ok || !empty.ok) {
      throw new Error('fixture mappings must be valid');
    }

    const problems = crossCheckMappings(device.value, empty.value);

    expect(problems.map((p) => p.name)).toEqual(['TemplateNotFound', 'TemplateNotFound', 'TemplateNotFound']);
    expect(problems[0]?.message).toMatch(/FHIR templates: \(none\)$/);
  });
});
