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
 * Writes a finite number with at most 15 significant digits and no trailing zeros (`0.1 + 0.2` → `"0.3"`,
 * `98.60` → `"98.6"`), so binary float noise never reaches FHIR. Safe integers are written exactly (a 16-digit
 * integer id keeps its digits, as .NET's `long` does).
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
  // The shortest round-trip form already has at most 15 significant digits when it has at most 15 characters
  // and no exponent: rounding to 15 digits would give back the same number.
  const text = String(value);
  if (text.length <= SIGNIFICANT_DIGITS && !text.includes('e')) {
    return text;
  }
  // A 15-digit decimal round-trips through a double, so the shortest round-trip form of the rounded number
  // has at most 15 significant digits and no trailing zeros: the rounded digits without their trailing zeros.
  const rounded = value.toPrecision(SIGNIFICANT_DIGITS);
  if (rounded.includes('e')) {
    return String(Number(rounded));
  }
  if (!rounded.includes('.')) {
    // Fifteen digits before the point: nothing to strip.
    return rounded;
  }
  let end = rounded.length;
  while (rounded.charCodeAt(end - 1) === CH_0) {
    end--;
  }
  if (rounded.charCodeAt(end - 1) === CH_DOT) {
    end--;
  }
  return rounded.slice(0, end);
}
