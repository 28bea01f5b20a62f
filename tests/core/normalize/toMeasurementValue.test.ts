import { describe, expect, it } from 'vitest';
import { toMeasurementValue, toNumberText } from '../../../shared/core/normalize/toMeasurementValue.js';

describe('toMeasurementValue', () => {
  it.each([
    [30.6 / 1.0936, '27.9809802487198'],
    [78 * 0.0254, '1.9812'],
    [72 * 0.0254, '1.8288'],
    [0.6214 * 1609.344, '1000.0463616'],
    [65, '65'],
    [98.6, '98.6'],
    [0.1 + 0.2, '0.3'],
    [-0, '0'],
    [-12.5, '-12.5'],
    [1e-7, '1e-7'],
    [1234567890123456, '1234567890123456'],
    [2 ** 53 + 2, '9007199254740990'],
    [1e21, '1e+21'],
    [98.73447010562934, '98.7344701056293'],
  ])('writes the number %d as %s', (input, expected) => {
    expect(toMeasurementValue(input)).toBe(expected);
  });

  it('writes booleans in lower case and strings verbatim', () => {
    expect(toMeasurementValue(true)).toBe('true');
    expect(toMeasurementValue(false)).toBe('false');
    expect(toMeasurementValue(' 98.60 ')).toBe(' 98.60 ');
    expect(toMeasurementValue('')).toBe('');
  });

  it('returns undefined for what is not a scalar value', () => {
    expect(toMeasurementValue(null)).toBeUndefined();
    expect(toMeasurementValue(undefined)).toBeUndefined();
    expect(toMeasurementValue({ a: 1 })).toBeUndefined();
    expect(toMeasurementValue([1])).toBeUndefined();
    expect(toMeasurementValue(Number.NaN)).toBeUndefined();
    expect(toMeasurementValue(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe('toNumberText', () => {
  it('never writes more than 15 significant digits for a fraction', () => {
    for (let i = 1; i < 2000; i++) {
      const text = toNumberText(i / 7.3);
      const digits = text
        .replace(/^-?0?\.?0*/, '')
        .replace(/[.-]/g, '')
        .replace(/e.*$/, '');
      expect(digits.length).toBeLessThanOrEqual(15);
      expect(text).not.toMatch(/\.\d*0$/);
    }
  });
});
