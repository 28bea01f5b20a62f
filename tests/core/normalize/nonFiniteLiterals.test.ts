import { describe, expect, it } from 'vitest';
import { parseEventBody } from '../../../shared/core/normalize/parseEventBody.js';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';

function valueOf(text: string): unknown {
  const parsed = parseEventBody({ kind: 'text', text });
  if (!parsed.ok) {
    throw new Error(parsed.error.message);
  }
  return parsed.value;
}

describe('bodies with NaN, Infinity and -Infinity as values (Python writes them; MedTech reads them)', () => {
  it('reads the literals as the numbers they name, and leaves strings that spell them alone', () => {
    expect(valueOf('{"hr":78,"spo2":NaN}')).toEqual({ hr: 78, spo2: Number.NaN });
    expect(valueOf('[Infinity, -Infinity,NaN ]')).toEqual([
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
    ]);
    expect(valueOf('{"a":"NaN","b":"-Infinity","c":NaN}')).toEqual({ a: 'NaN', b: '-Infinity', c: Number.NaN });
    expect(valueOf('{"a":"x\\"NaN","b":NaN}')).toEqual({ a: 'x"NaN', b: Number.NaN });
    expect(valueOf('NaN')).toBeNaN();
  });

  it('keeps the body text, so integers beyond 2^53 keep their digits', () => {
    const parsed = parseEventBody({ kind: 'text', text: '{"id":12345678901234567890,"v":NaN}' });
    expect(parsed.ok && parsed.text).toBe('{"id":12345678901234567890,"v":NaN}');
  });

  it.each([
    ['{"a":nan}', 'lower case'],
    ['{"a":NaNx}', 'part of a longer word'],
    ['{"a":NaN.5}', 'part of a number'],
    ['{"a":+Infinity}', 'a plus sign'],
    ['{"a":NaN,}', 'otherwise not JSON'],
    ['{"a":"\\u0000NaN","b":NaN}', 'a body that escapes a NUL itself (its strings could be taken for the literals)'],
  ])('still refuses %s (%s), with the position of the first problem', (text) => {
    const parsed = parseEventBody({ kind: 'text', text });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.toRecord()).toMatchObject({ name: 'InvalidDataFormat' });
    expect(!parsed.ok && parsed.error.message).toMatch(/at line 1, column \d+\.$/);
  });

  it('normalizes the other fields of the message; a field holding one is no value', () => {
    const template = (typeName: string, value: string) => ({
      templateType: 'JsonPathContent',
      template: {
        typeName,
        typeMatchExpression: `$..[?(@${value})]`,
        deviceIdExpression: '$.deviceId',
        timestampExpression: '$.endDate',
        values: [{ valueName: value, valueExpression: `$.${value}`, required: true }],
      },
    });
    const mapping = parseDeviceMapping(
      JSON.stringify({
        templateType: 'CollectionContent',
        template: [template('heartrate', 'hr'), template('spo2', 'spo2')],
      }),
    );
    if (!mapping.ok) {
      throw new Error('the mapping is valid');
    }

    const result = normalizeEvent(mapping.value, {
      body: {
        kind: 'bytes',
        bytes: Buffer.from('{"deviceId":"d1","endDate":"2023-03-13T22:46:01Z","hr":78,"spo2":NaN}'),
      },
      properties: {},
      systemProperties: {},
      enqueuedTimeUtc: '2023-03-13T22:50:00Z',
    });

    expect(result.measurements.map((m) => [m.type, m.properties])).toEqual([
      ['heartrate', [{ name: 'hr', value: '78' }]],
    ]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toContain('matched a non-finite number');
    expect(result.errors[0]?.location).toMatchObject({ templateIndex: 1 });
  });
});
