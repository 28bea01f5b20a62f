/**
 * Proleptic Gregorian calendar arithmetic for timestamp parsing (no `Date.UTC`: it maps years 0–99 to 1900–1999).
 */

/** Milliseconds in a day. */
export const MS_PER_DAY = 86_400_000;

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
