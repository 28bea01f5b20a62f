import { describe, expect, it } from 'vitest';
import { formatDotNetDouble, formatDotNetNumber } from '../../shared/core/dotNetNumbers.js';

/**
 * The definition, on the digits of JavaScript's shortest form (the same shortest round-trip digits .NET Core finds):
 * .NET writes them in fixed notation when the decimal point falls at most 3 places before the first digit and at
 * most max(15, digit count) places after it, else as `d.dddE±XX`. An integer below 2^63 is a long: its digits.
 */
function reference(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) {
    return BigInt(value).toString();
  }
  const sign = value < 0 ? '-' : '';
  const text = String(Math.abs(value));
  let digits: string;
  let scale: number;
  const [base = '', power] = text.split('e');
  const [whole = '', fraction = ''] = base.split('.');
  if (whole !== '0') {
    digits = whole + fraction;
    scale = whole.length;
  } else {
    const zeros = fraction.length - fraction.replace(/^0+/, '').length;
    digits = fraction.slice(zeros);
    scale = -zeros;
  }
  scale += power === undefined ? 0 : Number(power);
  digits = digits.replace(/0+$/, '');
  if (scale > Math.max(digits.length, 15) || scale < -3) {
    const exponent = scale - 1;
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}E${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (scale <= 0) {
    return `${sign}0.${'0'.repeat(-scale)}${digits}`;
  }
  const integer = digits.slice(0, scale).padEnd(scale, '0');
  const rest = digits.slice(scale);
  return `${sign}${integer}${rest === '' ? '' : `.${rest}`}`;
}

describe('formatDotNetNumber', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [65, '65'],
    [-40, '-40'],
    [0.5, '0.5'],
    [0.0001, '0.0001'],
    [0.00001, '1E-05'],
    [-0.000025, '-2.5E-05'],
    [0.1 + 0.2, '0.30000000000000004'],
    [12345678.125, '12345678.125'],
    [1e15, '1000000000000000'],
    [2 ** 60, '1152921504606846976'],
    [1234567890123456.5, '1234567890123456.5'],
    [2 ** 64, '1.8446744073709552E+19'],
    [1e20, '1E+20'],
    [1.5e300, '1.5E+300'],
    [5e-324, '5E-324'],
    [1.7976931348623157e308, '1.7976931348623157E+308'],
  ])('writes %d as %s', (value, expected) => {
    expect(formatDotNetNumber(value)).toBe(expected);
    expect(reference(value)).toBe(expected);
  });

  it('agrees with the definition across magnitudes and digit counts', () => {
    let seed = 11;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 20_000; i++) {
      const value = (random() - 0.5) * 10 ** Math.floor(random() * 60 - 30);
      expect(formatDotNetNumber(value)).toBe(reference(value));
      const short = Number(value.toPrecision(1 + Math.floor(random() * 17)));
      expect(formatDotNetNumber(short)).toBe(reference(short));
    }
  });
});

describe('formatDotNetDouble', () => {
  it.each([
    [60, '60'],
    [-0, '-0'],
    [123456789012345, '123456789012345'],
    [1e15, '1E+15'],
    [1234567890123456, '1234567890123456'],
    [2 ** 60, '1.152921504606847E+18'],
    [0.00001, '1E-05'],
  ])('writes the double %d as %s, integers of 15 digits and more in scientific notation', (value, expected) => {
    expect(formatDotNetDouble(value)).toBe(expected);
  });
});
