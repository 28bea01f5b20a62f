/**
 * Converts extracted JSON tokens to the string values a measurement carries (reference-behaviour §1.9).
 */

/** Significant digits a non-integer number keeps, as MedTech's own output shows (`"27.9809802487198"`). */
const SIGNIFICANT_DIGITS = 15;
const CH_0 = 48;
const CH_DOT = 46;
/** Non-negative integers below this have their text made once (device readings mostly are such integers). */
const SMALL_INTEGERS = 1024;
const smallIntegerTexts: readonly string[] = Array.from({ length: SMALL_INTEGERS }, (_, i) => String(i));

/**
 * Converts a scalar JSON value to a measurement value string: numbers with at most 15 significant digits and no
 * trailing zeros (safe integers exactly), booleans as `"true"`/`"false"`, strings verbatim.
 * @param value - an extracted token
 * @returns the string, or `undefined` when the token is not a scalar value (`null`, an object, an array, a
 *   non-finite number)
 */
export function toMeasurementValue(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? toNumberText(value) : undefined;
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  return undefined;
}

/**
 * Writes a finite number as .NET writes a double rounded to 15 significant digits, which is what MedTech's output
 * shows: no trailing zeros (`0.1 + 0.2` → `"0.3"`, `98.60` → `"98.6"`), so binary float noise never reaches FHIR,
 * and scientific notation below 0.0001 and from 10^15 up (`0.000025` → `"2.5E-05"`, `1.5e20` → `"1.5E+20"`). Safe
 * integers are written exactly, as .NET writes a `long` (a 16-digit integer id keeps its digits).
 * @param value - a finite number
 */
export function toNumberText(value: number): string {
  if (Number.isSafeInteger(value)) {
    if (value >= 0 && value < SMALL_INTEGERS) {
      // `-0` lands here too, and `String(-0)` is "0" as well.
      return smallIntegerTexts[value] as string;
    }
    return String(value);
  }
  return toDoubleText(value);
}

/**
 * Writes a finite number as .NET writes a double rounded to 15 significant digits, what MedTech makes of a number
 * the message wrote with a fraction or an exponent (Newtonsoft reads it as a double, not an integer): as
 * {@link toNumberText}, except that an integer value is a double too (`1.5e15` → `"1.5E+15"`, `-0.0` → `"-0"`).
 * @param value - a finite number
 */
export function toDoubleText(value: number): string {
  if (value === 0) {
    // .NET Core 3.0 and later keep the sign of a negative zero double.
    return Object.is(value, -0) ? '-0' : '0';
  }
  const short = toShortDecimalText(value);
  if (short !== undefined) {
    return short;
  }
  // No `String(value)` first: it costs as much as the rounding below, which gives the same digits when they are few.
  // A 15-digit decimal round-trips through a double, so the shortest round-trip form of the rounded number
  // has at most 15 significant digits and no trailing zeros: the rounded digits without their trailing zeros.
  const rounded = value.toPrecision(SIGNIFICANT_DIGITS);
  // JavaScript writes an exponent below 10^-6 and from 10^15 up; .NET from below 10^-4 (`0.0000…` here).
  if (rounded.includes('e') || rounded.startsWith('0.0000') || rounded.startsWith('-0.0000')) {
    return toScientificText(value);
  }
  if (!rounded.includes('.')) {
    // Fifteen digits before the point: nothing to strip.
    return rounded;
  }
  return rounded.slice(0, endOfDigits(rounded, rounded.length));
}

/** Below this magnitude .NET writes a double in scientific notation (the exponent would be -5 or less). */
const MIN_FIXED = 1e-4;

/** 10^1 to 10^7: the scales at which {@link toShortDecimalText} looks for a number's digits. */
const SCALES: readonly number[] = [1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7];

/** An integer below this has at most {@link SIGNIFICANT_DIGITS} digits. */
const FIFTEEN_DIGITS = 10 ** SIGNIFICANT_DIGITS;

/**
 * The text of a number that is a decimal of one to seven fraction digits and at most 15 significant digits from
 * 0.0001 up (`98.6`, `-0.25`, `1.9812`): what a device reading with a fraction usually is. Found with integer
 * arithmetic, about twice as fast as `String(value)` (which costs some 100 ns for any fraction), and then exact:
 * `n / 10^k` is the double nearest to the decimal n·10^-k, so when it equals the value, that decimal reads back as
 * the value; two decimals of at most 15 significant digits are never nearest to the same double, so the decimal is
 * the value's shortest round-trip form and its 15-digit rounding alike, fixed notation at this magnitude, and the
 * smallest such k leaves no trailing zero. Undefined for any other number (an integer among them), which the general
 * path writes.
 * @param value - a finite number other than 0
 */
function toShortDecimalText(value: number): string | undefined {
  const magnitude = value < 0 ? -value : value;
  if (!(magnitude >= MIN_FIXED)) {
    return undefined;
  }
  for (let k = 0; k < SCALES.length; k++) {
    const scale = SCALES[k] as number;
    const scaled = Math.round(magnitude * scale);
    if (scaled >= FIFTEEN_DIGITS) {
      // More than 15 significant digits at this scale, and at every larger one.
      return undefined;
    }
    if (scaled / scale === magnitude) {
      if (scaled % 10 === 0) {
        // An integer (a float kind's `4` is `4` too), which the first scale finds with a zero after its digits.
        return undefined;
      }
      const digits = String(scaled);
      const point = digits.length - (k + 1);
      const text = point > 0 ? `${digits.slice(0, point)}.${digits.slice(point)}` : `0.${'0'.repeat(-point)}${digits}`;
      return value < 0 ? `-${text}` : text;
    }
  }
  return undefined;
}

/** .NET's scientific notation of a double rounded to 15 digits: `2.5E-05`, `-1.23456789012346E+20`. */
function toScientificText(value: number): string {
  const exponential = value.toExponential(SIGNIFICANT_DIGITS - 1);
  const e = exponential.indexOf('e');
  const exponent = Number(exponential.slice(e + 1));
  const magnitude = Math.abs(exponent);
  return (
    `${exponential.slice(0, endOfDigits(exponential, e))}E${exponent < 0 ? '-' : '+'}` +
    `${magnitude < 10 ? '0' : ''}${magnitude}`
  );
}

/** Where the digits of `text[0, end)`, which hold a decimal point, end once trailing zeros (and the point) go. */
function endOfDigits(text: string, end: number): number {
  while (text.charCodeAt(end - 1) === CH_0) {
    end--;
  }
  if (text.charCodeAt(end - 1) === CH_DOT) {
    end--;
  }
  return end;
}
