/**
 * Timestamp texts that are not ISO-8601 but that MedTech reads as times: it turns a timestamp token into a .NET
 * `DateTime`, either while reading the body (Newtonsoft.Json's date handling, which also knows Microsoft's JSON
 * form `/Date(ms)/`) or with `DateTime.Parse` and the invariant culture (month/day/year dates, year/month/day dates,
 * 12-hour times with AM/PM, RFC 1123). Only those forms whose reading is certain are accepted here; anything else
 * stays an error, as before. Written by hand on purpose: `Date.parse` reads many forms differently and takes a time
 * without offset as local time.
 */
import {
  inDateTimeRange,
  MS_PER_DAY,
  daysFromCivil,
  daysInMonth,
  readOffsetMinutes,
  roundedFractionMs,
} from './calendar.js';

/** Longer texts are no timestamp of these forms (and are not scanned). */
const MAX_LENGTH = 64;

// Each pattern is anchored and linear: no nested or overlapping quantifiers.
/**
 * An optional time after the date: hour, minute, optional second and fraction, optional AM/PM, optional zone. A comma
 * may follow the date, and a no-break space may come before AM/PM, as JavaScript's `toLocaleString('en-US')` writes
 * (`3/13/2023, 10:46:01 PM`, U+202F from Node 20): .NET skips the comma and takes those spaces for white space. A zone
 * in letters needs a space after AM/PM: .NET reads `PMZ` as one word it does not know, and refuses the text.
 */
const TIME = String.raw`(?:(?:,? +|,)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?(?:[ \u00a0\u202f]*([AaPp][Mm])(?![A-Za-z]))?(?: *([Zz]|[Gg][Mm][Tt]|[+-]\d{1,4}(?::\d{1,2})?))?)?`;
/** `M/d/yyyy`, the invariant culture's date order. */
const MONTH_DAY_YEAR = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${TIME}$`);
/** `yyyy/M/d`: a four-digit first number is the year. */
const YEAR_MONTH_DAY = new RegExp(String.raw`^(\d{4})/(\d{1,2})/(\d{1,2})${TIME}$`);
/**
 * `yyyy-M-d` where the ISO-8601 reader (`toUtcMillis`) stops: a field of one digit, as firmware writes without
 * zero padding (`2023-3-5`), alone or before `T` and a time of two-digit fields (.NET's ISO-8601 branch), or before
 * spaces and a time whose fields may be one digit; and any such date before a time with AM/PM or GMT
 * (`2023-03-05 9:4:1 PM`).
 */
const UNPADDED_DATE = String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})`;
const UNPADDED_YEAR_MONTH_DAY_T = new RegExp(
  String.raw`${UNPADDED_DATE}T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{1,4}(?::\d{1,2})?)?$`,
);
const UNPADDED_YEAR_MONTH_DAY = new RegExp(`${UNPADDED_DATE}${TIME}$`);
/** RFC 1123, as HTTP and .NET's `R` format write it: `Mon, 13 Mar 2023 22:46:01 GMT`. */
const RFC_1123 = /^([A-Za-z]{3}), (\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** Microsoft's JSON date: milliseconds since 1970, optionally followed by the writer's offset (display only). */
const MICROSOFT_JSON = /^\/Date\((-?\d{1,15})(?:[+-]\d{4})?\)\/$/;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * Reads a timestamp text that MedTech reads as a time although it is not ISO-8601: `3/13/2023 10:46:01 PM`,
 * `2023/03/13 22:46`, `Mon, 13 Mar 2023 22:46:01 GMT`, `/Date(1678747561000)/`. A time without zone is taken as
 * UTC, as for ISO-8601 texts; an offset or `Z`/`GMT` is applied.
 * @param text - the timestamp text
 * @returns epoch milliseconds, or `undefined` when the text is none of these forms or names no valid time
 */
export function parseDotNetDateTime(text: string): number | undefined {
  if (text.length > MAX_LENGTH) {
    return undefined;
  }
  const microsoft = MICROSOFT_JSON.exec(text);
  if (microsoft !== null) {
    return inDateTimeRange(Number(microsoft[1]));
  }
  const monthFirst = MONTH_DAY_YEAR.exec(text);
  if (monthFirst !== null) {
    return fromParts(Number(monthFirst[3]), Number(monthFirst[1]), Number(monthFirst[2]), monthFirst.slice(4));
  }
  const isoLike = UNPADDED_YEAR_MONTH_DAY_T.exec(text);
  if (isoLike !== null) {
    const [, year, month, day, hour, minute, second, fraction, zone] = isoLike;
    return fromParts(Number(year), Number(month), Number(day), [hour, minute, second, fraction, undefined, zone]);
  }
  const yearFirst = YEAR_MONTH_DAY.exec(text) ?? UNPADDED_YEAR_MONTH_DAY.exec(text);
  if (yearFirst !== null) {
    return fromParts(Number(yearFirst[1]), Number(yearFirst[2]), Number(yearFirst[3]), yearFirst.slice(4));
  }
  const rfc = RFC_1123.exec(text);
  if (rfc !== null) {
    const [, weekday = '', day = '', monthName = '', year = '', hour = '', minute = '', second = ''] = rfc;
    const month = MONTHS.indexOf(monthName.toLowerCase()) + 1;
    const ms = fromParts(Number(year), month, Number(day), [hour, minute, second, undefined, undefined, 'GMT']);
    // .NET refuses a day of the week that is not the date's.
    if (ms === undefined || WEEKDAYS[new Date(ms).getUTCDay()] !== weekday.toLowerCase()) {
      return undefined;
    }
    return ms;
  }
  return undefined;
}

/**
 * The instant of a date, an optional time and an optional zone, or undefined when a part is out of range.
 * @param time - hour, minute, second, fraction, AM/PM, zone (each undefined when absent)
 */
function fromParts(year: number, month: number, day: number, time: (string | undefined)[]): number | undefined {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  const [hourText, minuteText, secondText, fraction, meridiem, zone] = time;
  let hour = hourText === undefined ? 0 : Number(hourText);
  const minute = minuteText === undefined ? 0 : Number(minuteText);
  const second = secondText === undefined ? 0 : Number(secondText);
  if (meridiem !== undefined) {
    // As .NET adjusts the hour: AM takes 0 to 12 (12 AM is midnight), PM 0 to 23 (a 24-hour time stays as it is).
    if (meridiem.toLowerCase() === 'am') {
      if (hour > 12) {
        return undefined;
      }
      hour %= 12;
    } else if (hour < 12) {
      hour += 12;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  // Milliseconds of the fraction rounded to ticks, truncated (as for ISO-8601 texts).
  const milliseconds = fraction === undefined ? 0 : roundedFractionMs(fraction, 0, fraction.length);
  const offsetMinutes = zone === undefined ? 0 : zoneMinutes(zone);
  if (offsetMinutes === undefined) {
    return undefined;
  }
  const ms =
    daysFromCivil(year, month, day) * MS_PER_DAY +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    milliseconds;
  return inDateTimeRange(ms);
}

/** Minutes east of UTC of `Z`, `GMT` (either case) or an offset (`readOffsetMinutes`); undefined beyond ±14:00. */
function zoneMinutes(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z' || zone.toUpperCase() === 'GMT') {
    return 0;
  }
  const minutes = readOffsetMinutes(zone, 1);
  return minutes === undefined || !zone.startsWith('-') ? minutes : -minutes;
}
