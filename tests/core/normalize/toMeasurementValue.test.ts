import { describe, expect, it } from 'vitest';
import { toDoubleText, toMeasurementValue, toNumberText } from '../../../shared/core/normalize/toMeasurementValue.js';
import { seededRandom } from '../../support/seededRandom.js';

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
    // .NET writes a double in scientific notation below 0.0001 and from 10^15 up; safe integers exactly.
    [1e-7, '1E-07'],
    [0.000025, '2.5E-05'],
    [-0.00001, '-1E-05'],
    [0.0001, '0.0001'],
    [1234567890123456, '1234567890123456'],
    // An integer beyond 2^53 whose literal digits are unknown (normalizeEvent restores them from the body text).
    [2 ** 53 + 2, '9.00719925474099E+15'],
    [1.5e20, '1.5E+20'],
    [1e21, '1E+21'],
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
  it('writes integers around the small-integer table exactly, and -0 as 0', () => {
    for (const value of [0, 1, 7, 1023, 1024, 1025, 123456, -1, -1023, 2 ** 53 - 1]) {
      expect(toNumberText(value)).toBe(String(value));
    }
    expect(toNumberText(-0)).toBe('0');
  });

  it('never writes more than 15 significant digits for a fraction', () => {
    for (let i = 1; i < 2000; i++) {
      const text = toNumberText(i / 7.3);
      const digits = text
        .replace(/^-?0?\.?0*/, '')
        .replace(/[.-]/g, '')
        .replace(/E.*$/, '');
      expect(digits.length).toBeLessThanOrEqual(15);
      expect(text).not.toMatch(/\.\d*0$/);
    }
  });
});

describe('toNumberText for numbers with a fraction', () => {
  /**
   * The definition, on digit strings: round to 15 significant digits and drop trailing zeros; write the digits in
   * fixed notation when the decimal exponent is from -4 to 14, else as `d.dddE±XX` (.NET's G15). Safe integers exactly.
   */
  function reference(value: number): string {
    if (Number.isSafeInteger(value)) {
      return String(value);
    }
    const sign = value < 0 ? '-' : '';
    const rounded = Math.abs(value).toPrecision(15);
    let digits: string;
    let exponent: number;
    if (rounded.includes('e')) {
      const [mantissa = '', power = ''] = rounded.split('e');
      digits = mantissa.replace('.', '');
      exponent = Number(power);
    } else {
      const [whole = '', fraction = ''] = rounded.split('.');
      if (whole !== '0') {
        digits = whole + fraction;
        exponent = whole.length - 1;
      } else {
        const zeros = fraction.length - fraction.replace(/^0+/, '').length;
        digits = fraction.slice(zeros);
        exponent = -(zeros + 1);
      }
    }
    digits = digits.replace(/0+$/, '');
    if (exponent > -5 && exponent < 15) {
      if (exponent < 0) {
        return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
      }
      const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
      const fraction = digits.slice(exponent + 1);
      return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
    }
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}E${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }

  it.each([
    [36.388888888888886, '36.3888888888889'],
    [100000000000000.5, '100000000000001'],
    [123456789012345.6, '123456789012346'],
    [999999999999999.9, '1E+15'],
    [1234567890123456.5, '1.23456789012346E+15'],
    [1 / 8100, '0.000123456790123457'],
    [1.5e-7, '1.5E-07'],
    [0.0000999999999999999, '9.99999999999999E-05'],
    [0.00009999999999999999, '0.0001'],
    [-2.675, '-2.675'],
    // .NET Framework writes double.Epsilon so too.
    [5e-324, '4.94065645841247E-324'],
    [1.7976931348623157e308, '1.79769313486232E+308'],
  ])('writes %d as %s', (input, expected) => {
    expect(toNumberText(input)).toBe(expected);
    expect(toNumberText(input)).toBe(reference(input));
  });

  it.each([
    // Short decimals, written from their digits (toShortDecimalText) and by the general path alike.
    [0.0001, '0.0001'],
    [0.00012, '0.00012'],
    [0.0001234567, '0.0001234567'],
    [-0.25, '-0.25'],
    [1.9812, '1.9812'],
    [1000.0463616, '1000.0463616'],
    [99999999.9999999, '99999999.9999999'],
    [9999999.99999999, '9999999.99999999'],
    [99999999999999.9, '99999999999999.9'],
    [12345678.12345678, '12345678.1234568'],
    [5.5, '5.5'],
    [1e-4 * 3, '0.0003'],
    [2.0000001, '2.0000001'],
  ])('writes the decimal %d as %s', (input, expected) => {
    expect(toNumberText(input)).toBe(expected);
    expect(toNumberText(input)).toBe(reference(input));
  });

  it('writes a double that is an integer without a fraction', () => {
    for (const [value, text] of [
      [4, '4'],
      [-70, '-70'],
      [100, '100'],
      [123456789012345, '123456789012345'],
      [1.5e15, '1.5E+15'],
      [-0, '-0'],
    ] as const) {
      expect(toDoubleText(value)).toBe(text);
    }
  });

  it('agrees with the definition on decimals of up to 16 digits and 9 fraction digits', () => {
    const below = seededRandom(11);
    for (let i = 0; i < 40_000; i++) {
      const digits = 1 + below(16);
      const integer = (below(1e8) * 1e8 + below(1e8)) % 10 ** digits;
      const value = (integer / 10 ** below(10)) * (below(2) === 0 ? -1 : 1);
      expect(toNumberText(value)).toBe(reference(value));
      // A double or two above it in magnitude, which is no short decimal.
      const next = value * (1 + Number.EPSILON);
      expect(toNumberText(next)).toBe(reference(next));
    }
  });

  it('agrees with the definition across magnitudes and digit counts', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 20_000; i++) {
      const value = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
      expect(toNumberText(value)).toBe(reference(value));
      const short = Math.round(value * 1000) / 1000;
      expect(toNumberText(short)).toBe(reference(short));
    }
  });
});
