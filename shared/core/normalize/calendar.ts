/**
 * Proleptic Gregorian calendar arithmetic for timestamp parsing (no `Date.UTC`: it maps years 0–99 to 1900–1999), and
 * the digit and offset readers both timestamp parsers share.
 */

const CH_0 = 48;
const CH_9 = 57;
const CH_COLON = 58;
const MAX_OFFSET_MINUTES = 14 * 60;

/** Milliseconds in a day. */
export const MS_PER_DAY = 86_400_000;

/** 0001-01-01T00:00:00.000Z, the earliest instant .NET's DateTime (and so MedTech) can hold. */
export const MIN_DATETIME_MS = -62_135_596_800_000;
/** 9999-12-31T23:59:59.999Z, the latest. */
export const MAX_DATETIME_MS = 253_402_300_799_999;

/**
 * An instant in epoch milliseconds if .NET's DateTime (and so MedTech) can hold it.
 * @param ms - epoch milliseconds
 * @returns `ms`, or `undefined` when it is no safe integer or lies outside 0001-01-01 to 9999-12-31
 */
export function inDateTimeRange(ms: number): number | undefined {
  return Number.isSafeInteger(ms) && ms >= MIN_DATETIME_MS && ms <= MAX_DATETIME_MS ? ms : undefined;
}

/**
 * Days in a month, leap years counted.
 * @param year - the year
 * @param month - 1–12
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days since 1970-01-01 of a date.
 * @param year - the year
 * @param month - 1–12
 * @param day - 1–31
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The minutes of an offset after its sign, to the end of the text, as .NET's `DateTime.Parse` reads one: one or two
 * digits of hours, optionally followed by `:` and one or two digits of minutes (`+5`, `+05`, `+1:00`, `+05:3`), or
 * three or four digits of hours and minutes (`+100`, `+0530`); undefined beyond ±14:00 or 59 minutes, or for any
 * other form.
 * @param text - the text
 * @param start - where the offset starts (after the sign)
 */
export function readOffsetMinutes(text: string, start: number): number | undefined {
  const n = text.length;
  let end = start;
  while (end < n && isDigit(text.charCodeAt(end))) {
    end++;
  }
  const digits = end - start;
  let hours: number;
  let minutes = 0;
  if (digits === 3 || digits === 4) {
    if (end !== n) {
      return undefined;
    }
    hours = readDigits(text, start, digits - 2);
    minutes = readDigits(text, end - 2, 2);
  } else if (digits === 1 || digits === 2) {
    hours = readDigits(text, start, digits);
    if (end !== n) {
      const minuteDigits = n - end - 1;
      if (text.charCodeAt(end) !== CH_COLON || minuteDigits < 1 || minuteDigits > 2) {
        return undefined;
      }
      minutes = readDigits(text, end + 1, minuteDigits);
    }
  } else {
    return undefined;
  }
  if (hours < 0 || minutes < 0 || minutes > 59) {
    return undefined;
  }
  const total = hours * 60 + minutes;
  return total > MAX_OFFSET_MINUTES ? undefined : total;
}

/**
 * The decimal number in `count` digits at `start`, or -1 when any of them is not a digit (or missing).
 * @param text - the text
 * @param start - the first digit's offset
 * @param count - how many digits
 */
export function readDigits(text: string, start: number, count: number): number {
  if (start + count > text.length) {
    return -1;
  }
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) {
      return -1;
    }
    value = value * 10 + (c - CH_0);
  }
  return value;
}

/**
 * Whether a UTF-16 code is an ASCII digit.
 * @param c - the code
 */
export function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

/** 100-ns ticks per second: .NET's DateTime resolution. */
const TICKS_PER_SECOND = 10_000_000;
const TICKS_PER_MS = 10_000;

/**
 * The milliseconds of a fraction's digits (`text[start, end)`) as `DateTime.Parse` reads them: every digit, summed as
 * doubles one decimal place at a time, then rounded to whole ticks (half to even). The same double operations here
 * give the same ticks, truncated to milliseconds; 1000 when the fraction rounds up to the next second. (Up to seven
 * digits the ticks are exact, so this is their truncation.)
 * @param text - the text
 * @param start - the first fraction digit
 * @param end - after the last
 */
export function roundedFractionMs(text: string, start: number, end: number): number {
  let fraction = 0;
  let place = 0.1;
  for (let i = start; i < end; i++) {
    fraction += (text.charCodeAt(i) - CH_0) * place;
    place *= 0.1;
  }
  const ticks = roundHalfToEven(fraction * TICKS_PER_SECOND);
  return Math.floor(ticks / TICKS_PER_MS);
}

/** .NET's `Math.Round(double)`: to the nearest integer, a tie to the even one. */
function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const rest = value - floor;
  if (rest > 0.5) {
    return floor + 1;
  }
  if (rest < 0.5) {
    return floor;
  }
  return floor % 2 === 0 ? floor : floor + 1;
}
