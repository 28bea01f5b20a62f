import { describe, expect, it } from 'vitest';
import { toCoding, toDecimal, toFhirValue } from '../../../shared/core/fhir/toFhirValue.js';
import { isMedTechError } from '../../../shared/core/errors.js';
import { thrownBy } from './support.js';

describe('toDecimal', () => {
  it('reads integers, decimals, signs, exponents and surrounding spaces', () => {
    expect(toDecimal('78')).toBe(78);
    expect(toDecimal('98.60')).toBe(98.6);
    expect(toDecimal('-0.5')).toBe(-0.5);
    expect(toDecimal('+.5')).toBe(0.5);
    expect(toDecimal('5.')).toBe(5);
    expect(toDecimal('1e-7')).toBe(1e-7);
    expect(toDecimal(' 42 ')).toBe(42);
  });

  it('reads what .NET decimal.Parse reads: a sign after the digits, ASCII white space, NULs at the end', () => {
    expect(toDecimal('5-')).toBe(-5);
    expect(toDecimal(' 5 - ')).toBe(-5);
    expect(toDecimal('5+')).toBe(5);
    expect(toDecimal('\t78\r\n')).toBe(78);
    expect(toDecimal('78\0\0')).toBe(78);
    expect(toDecimal(`${'7'.repeat(28)}`)).toBe(7.777777777777778e27);
    // Not two signs, not white space between a sign and its digits, not white space .NET does not skip, not past
    // a decimal's range (2^96).
    for (const text of [
      '-5-',
      '+5+',
      '- 5',
      '78\u00a0',
      '\u00a078',
      '\ufeff78',
      '78\0 ',
      `1${'0'.repeat(29)}`,
      '1e29',
    ]) {
      expect(toDecimal(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('rejects text, empty strings, decimal commas, thousands separators and non-finite numbers', () => {
    for (const text of ['', ' ', 'abc', '1,5', '1,000', '0x10', 'NaN', 'Infinity', '1e999', '12 34']) {
      expect(toDecimal(text), text).toBeUndefined();
    }
  });

  it('rejects a long run of digits that is not a number in time linear in its length', () => {
    // The former pattern backtracked over every split of the digits: about 30 s for these 100,000 digits.
    const digits = '1'.repeat(100_000);
    expect(toDecimal(`${digits}x`)).toBeUndefined();
    expect(toDecimal(`0.${digits}`)).toBeCloseTo(0.1111111111, 10);
    const spaces = ' '.repeat(100_000);
    expect(toDecimal(`1${spaces}x`)).toBeUndefined();
    expect(toDecimal(`1${spaces}-${spaces}`)).toBe(-1);
    // A hang guard, not a speed check: the old pattern never finished within it.
  }, 10_000);
});

describe('toFhirValue', () => {
  const values = [
    { time: 0, value: '60' },
    { time: 1000, value: '61' },
  ];

  it('builds a Quantity from the latest value with unit, system and code', () => {
    expect(
      toFhirValue(
        {
          valueType: 'Quantity',
          valueName: 'hr',
          unit: 'count/min',
          system: 'http://unitsofmeasure.org',
          code: '/min',
        },
        values,
        0,
        1000,
        'heartrate',
      ),
    ).toEqual({ valueQuantity: { value: 61, unit: 'count/min', system: 'http://unitsofmeasure.org', code: '/min' } });
  });

  it('throws InvalidQuantityFhirValue for a non-numeric Quantity without quoting the value', () => {
    const caught = thrownBy(() =>
      toFhirValue({ valueType: 'Quantity', valueName: 'hr' }, [{ time: 0, value: 'SECRET-42x' }], 0, 0, 'heartrate'),
    );
    expect(isMedTechError(caught)).toBe(true);
    if (isMedTechError(caught)) {
      expect(caught.name).toBe('InvalidQuantityFhirValue');
      expect(caught.stage).toBe('FHIRConversion');
      expect(caught.message).toContain("'hr'");
      expect(caught.message).not.toContain('SECRET');
    }
  });

  it('builds a String from the value without white space at either end, as MedTech wrote every string', () => {
    expect(
      toFhirValue({ valueType: 'String', valueName: 's' }, [{ time: 0, value: ' x y\u3000\r\n' }], 0, 0, 't'),
    ).toEqual({
      valueString: 'x y',
    });
  });

  it('writes the texts of the mapping without white space at either end, and leaves out one of white space only', () => {
    expect(
      toFhirValue(
        {
          valueType: 'CodeableConcept',
          valueName: 'c',
          text: ' Device Removed ',
          codes: [{ code: ' x ', system: ' urn:s ', display: ' ' }],
        },
        [{ time: 0, value: '1' }],
        0,
        0,
        't',
      ),
    ).toEqual({ valueCodeableConcept: { text: 'Device Removed', coding: [{ code: 'x', system: 'urn:s' }] } });
    expect(
      toFhirValue(
        { valueType: 'Quantity', valueName: 'q', unit: ' mmHg ', system: '\t', code: 'mm[Hg] ' },
        [{ time: 0, value: '1' }],
        0,
        0,
        't',
      ),
    ).toEqual({ valueQuantity: { value: 1, unit: 'mmHg', code: 'mm[Hg]' } });
  });

  it('builds a CodeableConcept from the template, ignoring the measured value', () => {
    expect(
      toFhirValue(
        {
          valueType: 'CodeableConcept',
          valueName: 'removed',
          text: 'Device Removed',
          codes: [{ code: 'x', system: 's' }],
        },
        [{ time: 0, value: 'anything' }],
        0,
        0,
        't',
      ),
    ).toEqual({ valueCodeableConcept: { text: 'Device Removed', coding: [{ system: 's', code: 'x' }] } });
  });

  it('builds SampledData over the boundaries with origin 0 and the template unit and period', () => {
    expect(
      toFhirValue(
        { valueType: 'SampledData', valueName: 'hr', defaultPeriod: 500, unit: 'count/min' },
        values,
        0,
        1499,
        't',
      ),
    ).toEqual({
      valueSampledData: { origin: { value: 0, unit: 'count/min' }, period: 500, dimensions: 1, data: '60 E 61' },
    });
  });

  it('omits an empty unit (FHIR strings may not be empty)', () => {
    expect(
      toFhirValue({ valueType: 'SampledData', valueName: 'steps', defaultPeriod: 5000, unit: '' }, values, 0, 0, 't'),
    ).toMatchObject({ valueSampledData: { origin: { value: 0 } } });
  });
});

describe('toCoding', () => {
  it('writes system, code and display, omitting absent ones', () => {
    expect(toCoding({ code: '8867-4', system: 'http://loinc.org', display: 'Heart rate' })).toEqual({
      system: 'http://loinc.org',
      code: '8867-4',
      display: 'Heart rate',
    });
    expect(toCoding({ code: 'x' })).toEqual({ code: 'x' });
  });
});
