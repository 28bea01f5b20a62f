/**
 * Time helpers of the transform: parse the ISO-8601 UTC times of measurements and Observations into epoch
 * milliseconds, and format boundaries the way MedTech writes them (reference-behaviour §3.2–§3.3).
 */

/** Milliseconds in one UTC hour. */
export const MS_PER_HOUR = 3_600_000;
/** Milliseconds in one UTC day. */
export const MS_PER_DAY = 86_400_000;

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses an ISO-8601 date or date-time into epoch milliseconds (UTC). Fraction digits beyond milliseconds are
 * truncated; a time without offset is UTC; a date alone is midnight UTC (FHIR `dateTime` may be partial).
 * @param text - e.g. `2023-03-13T22:46:01.875Z`, `2023-03-13T22:46:01.8750000Z`, `2019-01-01T00:00:00+01:00`
 * @returns epoch milliseconds, or `undefined` when the text is not such a time
 */
export function toEpochMs(text: string): number | undefined {
  const m = ISO_INSTANT.exec(text);
  if (m === null) {
    return undefined;
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0-99 to 1900-1999; FHIR years are four digits, so set the year explicitly.
  if (year < 100) {
    const date = new Date(ms);
    date.setUTCFullYear(year);
    ms = date.getTime();
  }
  if (new Date(ms).getUTCDate() !== day) {
    return undefined; // e.g. 2023-02-30
  }
  if (offset !== 'Z' && offset !== 'z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    ms -= sign * offsetMinutes * 60_000;
  }
  return ms;
}

/**
 * Formats an instant the way MedTech writes `effectivePeriod` times: .NET's round-trip form with seven
 * fraction digits, e.g. `2023-03-13T22:46:01.8750000Z` (a valid FHIR `dateTime`).
 * @param ms - epoch milliseconds
 */
export function toFhirInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '0000Z');
}

/**
 * Formats the inclusive end of an hour or day period as MedTech does: the last 100 ns tick of the period,
 * e.g. `2019-01-01T00:59:59.9999999Z` for the millisecond `…59.999`.
 * @param ms - epoch milliseconds of the period's last millisecond
 */
export function toFhirPeriodEnd(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '9999Z');
}

/**
 * Formats a group boundary for the Observation identifier: `yyyyMMddHHmmss` + literal `Z`, UTC, seconds
 * resolution (e.g. `20190101005959Z`).
 * @param ms - epoch milliseconds
 */
export function toIdentifierTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2019-01-01T00:59:59.999Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}
