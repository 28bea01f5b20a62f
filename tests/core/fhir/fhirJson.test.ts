import { describe, expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import {
  DECIMAL_TEXT,
  cloneFhirJson,
  setDecimalValue,
  stringifyFhirJson,
  toDecimalText,
  type DecimalQuantity,
} from '../../../shared/core/fhir/fhirJson.js';
import { isDeepEqual } from '../../../shared/core/fhir/mergeObservation.js';
import { toFhirValue } from '../../../shared/core/fhir/toFhirValue.js';
import { SeededRandom } from '../../support/seededRandom.js';

/** The valueQuantity toFhirValue builds from one measurement value. */
function quantityOf(text: string): DecimalQuantity {
  const element = toFhirValue(
    { valueType: 'Quantity', valueName: 'v', unit: 'Cel' },
    [{ time: 0, value: text }],
    0,
    0,
    't',
  );
  if (!('valueQuantity' in element)) {
    throw new Error('not a Quantity');
  }
  return element.valueQuantity;
}

describe('toDecimalText', () => {
  it('writes a plain decimal as .NET decimal prints it: scale kept, leading zeros dropped', () => {
    expect(toDecimalText(false, '37.0')).toBe('37.0');
    expect(toDecimalText(false, '37.50')).toBe('37.50');
    expect(toDecimalText(false, '007.50')).toBe('7.50');
    expect(toDecimalText(false, '.5')).toBe('0.5');
    expect(toDecimalText(false, '5.')).toBe('5');
    expect(toDecimalText(false, '000')).toBe('0');
    expect(toDecimalText(false, '0.000')).toBe('0.000');
    expect(toDecimalText(true, '5')).toBe('-5');
    expect(toDecimalText(true, '0.010')).toBe('-0.010');
    expect(toDecimalText(false, '12345678901234567890')).toBe('12345678901234567890');
    expect(toDecimalText(false, `0.${'0'.repeat(27)}1`)).toBe(`0.${'0'.repeat(27)}1`);
  });

  it('writes no sign on zero, as JSON.stringify writes -0', () => {
    expect(toDecimalText(true, '0.00')).toBe('0.00');
    expect(toDecimalText(true, '0')).toBe('0');
  });

  it('gives nothing for an exponent, a scale past 28 or an integer past 96 bits (.NET rounds those)', () => {
    expect(toDecimalText(false, '1e3')).toBeUndefined();
    expect(toDecimalText(false, '1.5E-2')).toBeUndefined();
    // 29 digits while the integer they make fits 96 bits (decimal.MaxValue is 79228162514264337593543950335).
    expect(toDecimalText(false, '79228162514264337593543950335')).toBe('79228162514264337593543950335');
    expect(toDecimalText(false, '1.5000000000000000000000000000')).toBe('1.5000000000000000000000000000');
    expect(toDecimalText(false, '79228162514264337593543950336')).toBeUndefined();
    expect(toDecimalText(false, '8.0000000000000000000000000000')).toBeUndefined();
    expect(toDecimalText(false, '1'.repeat(30))).toBeUndefined();
    expect(toDecimalText(false, `0.${'0'.repeat(28)}1`)).toBeUndefined();
    expect(toDecimalText(false, `1.${'0'.repeat(27)}`)).toBe(`1.${'0'.repeat(27)}`);
    expect(toDecimalText(false, `1.${'0'.repeat(28)}`)).toBe(`1.${'0'.repeat(28)}`);
    expect(toDecimalText(false, '')).toBeUndefined();
    expect(toDecimalText(false, '.')).toBeUndefined();
  });
});

describe('Quantity values keep their decimal text', () => {
  it('writes "37.50" as 37.50 and "12345678901234567890" whole, the number staying in value', () => {
    const quantity = quantityOf(' +37.50 ');
    expect(quantity.value).toBe(37.5);
    expect(stringifyFhirJson(quantity)).toBe('{"value":37.50,"unit":"Cel"}');
    expect(stringifyFhirJson(quantityOf('12345678901234567890'))).toBe('{"value":12345678901234567890,"unit":"Cel"}');
    expect(stringifyFhirJson(quantityOf('0.0000001'))).toBe('{"value":0.0000001,"unit":"Cel"}');
    expect(stringifyFhirJson(quantityOf('37.50-'))).toBe('{"value":-37.50,"unit":"Cel"}');
  });

  it('carries no text where the number writes the same, or where the value has an exponent', () => {
    for (const [text, json] of [
      ['98.6', '98.6'],
      ['5-', '-5'],
      ['1e3', '1000'],
      ['-0', '0'],
    ] as const) {
      const quantity = quantityOf(text);
      expect(DECIMAL_TEXT in quantity, text).toBe(false);
      expect(stringifyFhirJson(quantity), text).toBe(`{"value":${json},"unit":"Cel"}`);
    }
  });

  it("is the same value to the merge's deep comparison and to JSON.stringify, which writes the number", () => {
    const quantity = quantityOf('37.0');
    expect(isDeepEqual(quantity, { value: 37, unit: 'Cel' })).toBe(true);
    expect(JSON.stringify(quantity)).toBe('{"value":37,"unit":"Cel"}');
  });

  it('writes the number once the value was set anew on a copy that kept an older text', () => {
    const copy = cloneFhirJson(quantityOf('37.50'));
    copy.value = 38;
    expect(stringifyFhirJson(copy)).toBe('{"value":38,"unit":"Cel"}');
    setDecimalValue(copy, 38, '38.00');
    expect(stringifyFhirJson(copy)).toBe('{"value":38.00,"unit":"Cel"}');
    setDecimalValue(copy, 39, undefined);
    expect(stringifyFhirJson(copy)).toBe('{"value":39,"unit":"Cel"}');
  });

  it('cloneFhirJson copies a member named __proto__ as a member, as structuredClone does', () => {
    const parsed = JSON.parse('{"resourceType":"Observation","__proto__":{"status":"x"}}') as Record<string, unknown>;
    const copy = cloneFhirJson(parsed);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(structuredClone(parsed)));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it('survives cloneFhirJson in an Observation and its components, where structuredClone drops it', () => {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 't' },
      valueQuantity: quantityOf('37.0'),
      component: [{ code: { text: 'c' }, valueQuantity: quantityOf('1.10') }],
    };
    const expected =
      '{"resourceType":"Observation","status":"final","code":{"text":"t"},"valueQuantity":{"value":37.0,"unit":"Cel"},' +
      '"component":[{"code":{"text":"c"},"valueQuantity":{"value":1.10,"unit":"Cel"}}]}';
    expect(stringifyFhirJson(observation)).toBe(expected);
    expect(stringifyFhirJson(cloneFhirJson(observation))).toBe(expected);
    expect(stringifyFhirJson(structuredClone(observation))).toBe(JSON.stringify(observation));
    expect(JSON.stringify(observation)).not.toBe(expected);
  });
});

describe('stringifyFhirJson', () => {
  it('writes what JSON.stringify writes for values without decimal text, with and without indentation', () => {
    const random = new SeededRandom(20261128);
    const scalars: unknown[] = [
      0,
      -0,
      1.5,
      -2e-7,
      1e21,
      NaN,
      Infinity,
      'text',
      'line\nbreak "quoted" \u2028 \ud800',
      '',
      true,
      false,
      null,
      undefined,
      () => 1,
      Symbol('s'),
    ];
    const make = (depth: number): unknown => {
      if (depth === 0 || random.chance(0.3)) {
        // Now and then a Quantity with a decimal text: the parts holding one are walked, the others written by
        // JSON.stringify, and the whole must read as JSON.stringify writes it but for those values.
        return random.chance(0.05) ? { unit: 'u', value: 2.5, [DECIMAL_TEXT]: '2.50' } : random.pick(scalars);
      }
      if (random.chance(0.5)) {
        return Array.from({ length: random.below(4) }, () => make(depth - 1));
      }
      const object: Record<string, unknown> = {};
      for (let i = random.below(4); i > 0; i--) {
        object[random.pick(['a', 'b', '1', '0', 'value', 'x y', '"'])] = make(depth - 1);
      }
      return object;
    };
    // A decimal text that writes as the number does: the value is written by the walk, not by JSON.stringify.
    const carrier: DecimalQuantity = { value: 2, [DECIMAL_TEXT]: '2' };
    for (let i = 0; i < 3000; i++) {
      const value = make(4);
      const walked = [value, carrier, value];
      for (const indent of [0, 2, 4]) {
        // Only those Quantities write "value": 2.5 (no other value is 2.5), and each must write 2.50.
        const expected = (json: string | undefined): string | undefined =>
          json?.replace(/"value": ?2\.5(?=[,\n}])/g, (found) => `${found}0`);
        expect(stringifyFhirJson(value, indent)).toBe(expected(JSON.stringify(value, null, indent)));
        expect(stringifyFhirJson(walked, indent)).toBe(expected(JSON.stringify(walked, null, indent)));
      }
    }
  });

  it('calls toJSON and unboxes primitives as JSON.stringify does', () => {
    const value = {
      at: new Date(Date.UTC(2026, 10, 28)),
      custom: { toJSON: (key: string) => `from ${key}` },
      boxed: [Object(1), Object('s'), Object(false)] as unknown[],
      nested: { empty: {}, list: [] },
    };
    const walked = { ...value, carrier: { value: 2, [DECIMAL_TEXT]: '2' } };
    for (const indent of [0, 2]) {
      expect(stringifyFhirJson(value, indent)).toBe(JSON.stringify(value, null, indent));
      expect(stringifyFhirJson(walked, indent)).toBe(JSON.stringify(walked, null, indent));
    }
    expect(stringifyFhirJson(undefined)).toBeUndefined();
  });
});
