/**
 * .NET's number parsing (invariant culture), as MedTech's libraries reach it: Newtonsoft's filter comparisons
 * (`Convert.ToInt64`, `Convert.ToDouble`) and JmesPath.Net's `to_number` and `max_by`/`min_by` keys. Its rules
 * differ from JavaScript's `Number()`: only ASCII white space around the digits, group separators where allowed,
 * trailing NUL characters, and the invariant symbols `Infinity`/`NaN` matched case-insensitively. Also .NET's
 * default number text ({@link formatDotNetNumber}), which JmesPath.Net's `to_string` and `contains` produce.
 */
import { trimDotNet } from './dotNetWhiteSpace.js';

/** .NET's `long` (Int64) range, exactly. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Whether an integer fits .NET's `long` (Int64): Newtonsoft.Json holds an integer literal past it as a BigInteger,
 * and MedTech's integer arithmetic and enumeration reads are done in `long`.
 * @param integer - the exact integer
 */
export function isInt64(integer: bigint): boolean {
  return integer >= INT64_MIN && integer <= INT64_MAX;
}

/** The largest .NET decimal, 79228162514264337593543950335 (2^96 - 1), exactly; the smallest is its negative. */
export const DECIMAL_MAX_INTEGER = 79228162514264337593543950335n;
/**
 * The largest .NET decimal as the nearest double, 2^96: a double of this magnitude may stand for the largest decimal
 * or for an integer just past it (its literal tells), a larger one is past the range.
 */
export const DECIMAL_MAX_DOUBLE = 2 ** 96;

/** Digits of Int64.MaxValue and of -Int64.MinValue, checked as text: a double cannot tell 2^63 - 1 from 2^63. */
const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';

/**
 * .NET's `Int64.Parse` with `NumberStyles.Integer` (invariant culture): ASCII white space around, an optional sign,
 * ASCII digits, within the 64-bit range; trailing NUL characters are allowed after the white space, as .NET allows
 * them "for compatibility".
 * @param text - the text
 * @returns the value (rounded to a double beyond 2^53), or `undefined` where .NET fails (format or overflow)
 */
export function parseDotNetInt64(text: string): number | undefined {
  const digits = integerDigits(text, true);
  if (digits === undefined) {
    return undefined;
  }
  const value = Number(digits.digits);
  return digits.negative ? -value : value;
}

/**
 * .NET's `Int64.Parse` (`int64` true) or `BigInteger.Parse` (false, no range), both with `NumberStyles.Integer` in the
 * invariant culture, as {@link parseDotNetInt64} reads its text, giving the exact value.
 * @param text - the text
 * @param int64 - whether the value must be within the 64-bit range
 * @returns the exact value, or `undefined` where .NET fails (format or overflow)
 */
export function parseDotNetInteger(text: string, int64: boolean): bigint | undefined {
  const digits = integerDigits(text, int64);
  if (digits === undefined) {
    return undefined;
  }
  const value = BigInt(digits.digits);
  return digits.negative ? -value : value;
}

/**
 * The sign and the digits (no leading zeros) of an integer text, as .NET's `NumberStyles.Integer` reads it.
 * @param text - the text
 * @param int64 - whether the value must be within the 64-bit range
 * @returns `undefined` where .NET fails (format or overflow)
 */
export function integerDigits(text: string, int64: boolean): { negative: boolean; digits: string } | undefined {
  let i = 0;
  const end = numberEnd(text);
  while (i < end && isNumberWhiteSpace(text.charCodeAt(i))) {
    i++;
  }
  let negative = false;
  if (text[i] === '-' || text[i] === '+') {
    negative = text[i] === '-';
    i++;
  }
  if (i >= end) {
    return undefined;
  }
  for (let j = i; j < end; j++) {
    const code = text.charCodeAt(j);
    if (code < 48 || code > 57) {
      return undefined;
    }
  }
  while (i < end - 1 && text.charCodeAt(i) === 48) {
    i++; // leading zeros
  }
  const digits = text.slice(i, end);
  const limit = negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS;
  if (int64 && (digits.length > limit.length || (digits.length === limit.length && digits > limit))) {
    return undefined; // Newtonsoft fails with an OverflowException
  }
  return { negative, digits };
}

/**
 * A reader of numbers framed as .NET's `NumberStyles.Number` (invariant culture) frames them, as `decimal.Parse` reads
 * them: ASCII white space around; one sign, right before the number or among the white space after it (`5 -`); NUL
 * characters at the very end. What the number itself may be (group separators, an exponent) is the caller's pattern.
 * @param number - a regular expression source for the number, without capturing groups, linear to match
 * @returns a function giving the sign and the number's text, or `undefined` when the text is not so framed
 */
export function numberStyleReader(number: string): (text: string) => { negative: boolean; number: string } | undefined {
  const pattern = new RegExp(`^[\\t-\\r ]*([+-]?)(${number})[\\t-\\r ]*(?:([+-])[\\t-\\r ]*)?\\0*$`);
  return (text) => {
    const match = pattern.exec(text);
    if (match === null) {
      return undefined;
    }
    const [, leading, digits, trailing] = match as unknown as [string, string, string, string | undefined];
    if (leading !== '' && trailing !== undefined) {
      return undefined;
    }
    return { negative: (leading || trailing) === '-', number: digits };
  };
}

/**
 * .NET's `Double.Parse` (.NET Core 3.0 and later, invariant culture) with `NumberStyles.Float`, plus `AllowThousands`
 * when asked (as `Convert.ToDouble` parses): ASCII white space around, an optional sign, digits (with `,` group
 * separators after the first digit, when allowed), an optional fraction and exponent, trailing NUL characters after
 * the white space; a number beyond the double range is ±Infinity. Failing that, the invariant culture's symbols
 * `Infinity`, `-Infinity`, `NaN`, also `+Infinity`, `+NaN` and `-NaN`, in any case, once trimmed of white space
 * (Unicode's, not only ASCII's). Not `∞`.
 * @param text - the text
 * @param allowThousands - whether `,` group separators are allowed
 * @returns the value, or `undefined` where .NET fails
 */
export function parseDotNetDouble(text: string, allowThousands: boolean): number | undefined {
  const number = parseDoubleDigits(text, allowThousands);
  if (number !== undefined) {
    return number;
  }
  switch (trimDotNet(text).toLowerCase()) {
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-infinity':
      return -Infinity;
    case 'nan':
    case '+nan':
    case '-nan':
      return NaN;
    default:
      return undefined;
  }
}

/** The number part of {@link parseDotNetDouble}. */
function parseDoubleDigits(text: string, allowThousands: boolean): number | undefined {
  let i = 0;
  const end = numberEnd(text);
  while (i < end && isNumberWhiteSpace(text.charCodeAt(i))) {
    i++;
  }
  let sign = '';
  if (text[i] === '-' || text[i] === '+') {
    sign = text[i] === '-' ? '-' : '';
    i++;
  }
  const rest = text.slice(i, end);
  let cleaned = sign;
  let digits = 0;
  let j = 0;
  for (; j < rest.length; j++) {
    const code = rest.charCodeAt(j);
    if (code >= 48 && code <= 57) {
      cleaned += rest[j];
      digits++;
    } else if (code !== 44 /* , */ || digits === 0 || !allowThousands) {
      break;
    }
  }
  if (rest[j] === '.') {
    cleaned += '.';
    for (j++; j < rest.length; j++) {
      const code = rest.charCodeAt(j);
      if (code < 48 || code > 57) {
        break;
      }
      cleaned += rest[j];
      digits++;
    }
  }
  if (digits === 0) {
    return undefined;
  }
  if (rest[j] === 'e' || rest[j] === 'E') {
    cleaned += 'e';
    j++;
    if (rest[j] === '-' || rest[j] === '+') {
      cleaned += rest[j];
      j++;
    }
    const expStart = j;
    for (; j < rest.length; j++) {
      const code = rest.charCodeAt(j);
      if (code < 48 || code > 57) {
        break;
      }
      cleaned += rest[j];
    }
    if (j === expStart) {
      return undefined;
    }
  }
  if (j !== rest.length) {
    return undefined;
  }
  return Number(cleaned);
}

/**
 * Where a number's text ends, before its trailing white space and NUL characters: .NET's number parsing skips white
 * space after the number and then accepts any run of `\0` to the end ("for compatibility"), in that order only.
 */
function numberEnd(text: string): number {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) {
    end--;
  }
  while (end > 0 && isNumberWhiteSpace(text.charCodeAt(end - 1))) {
    end--;
  }
  return end;
}

/** The white space .NET's number parsing skips: ASCII's only. */
function isNumberWhiteSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/** Integers below this magnitude are taken for JSON integer tokens (a .NET `long`), written with all their digits. */
const INT64_LIMIT = 2 ** 63;
/** The digit count below which .NET's shortest form of a double never switches to scientific notation upwards. */
const DOUBLE_PRECISION = 15;

/**
 * The text .NET (Core 3.0 and later, invariant culture) writes for a JSON number with `ToString()` — what
 * Newtonsoft's `Value<string>()` and its JSON writer give JmesPath.Net's `contains` and `to_string`. An integer within
 * the 64-bit range is a `long` to Newtonsoft: its digits. Any other number is a double: its shortest round-trip
 * digits, in scientific notation when the point would fall more than 3 places before the first digit or beyond the
 * 15th digit (or the last, when there are more), as `d.dddE±XX`: `0.0001`, `1E-05`, `1.5E+300`.
 * @param value - a finite number
 */
export function formatDotNetNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < INT64_LIMIT) {
    // `String(-0)` is "0", as a long zero is.
    return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
  return formatDotNetDouble(value);
}

/**
 * The text .NET (Core 3.0 and later, invariant culture) writes for a double with `ToString()`: its shortest
 * round-trip digits, in scientific notation when the point would fall more than 3 places before the first digit or
 * beyond the 15th digit (or the last, when there are more): `60`, `-0`, `0.0001`, `1E-05`, `1E+15`, `1.5E+300`. What
 * Newtonsoft makes of a number written with a fraction or exponent (`60.0`, `1e15`), which it reads as a double.
 * @param value - a number (an infinity or NaN is written with the invariant culture's symbols)
 */
export function formatDotNetDouble(value: number): string {
  if (Object.is(value, -0)) {
    return '-0'; // .NET Core 3.0 and later keep the sign of a negative zero double
  }
  if (!Number.isFinite(value)) {
    // The invariant culture's symbols; .NET Core 3.0 and later read `1e400` as an infinity, not as an error.
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  const exponential = value.toExponential();
  const e = exponential.indexOf('e');
  const mantissa = exponential.slice(0, e);
  const exponent = Number(exponential.slice(e + 1));
  const digits = mantissa.length - (mantissa.startsWith('-') ? 1 : 0) - (mantissa.includes('.') ? 1 : 0);
  // .NET's "scale": where the decimal point falls relative to the first digit.
  const scale = exponent + 1;
  if (scale > Math.max(digits, DOUBLE_PRECISION) || scale < -3) {
    const magnitude = Math.abs(exponent);
    return `${mantissa}E${exponent < 0 ? '-' : '+'}${magnitude < 10 ? '0' : ''}${magnitude}`;
  }
  // Within that range JavaScript writes the same digits in fixed notation.
  return String(value);
}

/**
 * Work units for reading a string as a number, beside the unit of the operation that reads it: one for every 4
 * characters past the first 64 (reading digits costs tens of ns each, and a message may hold a string of 900,000 of
 * them that a template reads for every match).
 * @param text - the string read
 */
export function numberReadingCost(text: string): number {
  return text.length <= 64 ? 0 : (text.length - 64) >>> 2;
}
