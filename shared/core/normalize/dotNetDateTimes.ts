/**
 * Timestamp texts that are not ISO-8601 but that MedTech reads as times: it turns a timestamp token into a .NET
 * `DateTime`, either while reading the body (Newtonsoft.Json's date handling: newtonsoftDateTimes.ts, which also reads
 * Microsoft's JSON form `/Date(ms)/`) or with `DateTime.Parse` and the invariant culture (month/day/year and
 * year/month/day dates with `/`, `-`, `.` or a space between the numbers, dates with an English month name and an
 * optional day name, as RFC 1123 writes them among others, a year and a month alone, 12-hour times with AM/PM). Only
 * those forms whose reading is certain are accepted here (tests/core/normalize/dotNetDateTimeParseOracle.test.ts
 * compares the numeric ones with a restatement of .NET's parser; dotNetDateTimes.test.ts pins the others, each checked
 * against Mono's DateTime.Parse); anything else stays an error. Written by hand on purpose: `Date.parse` reads many
 * forms differently and takes a time without offset as local time.
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

// Each pattern is anchored and linear: no nested quantifiers, and the few optional parts that can take the same
// characters (a zone before or after AM/PM) are tried a bounded number of ways.
/**
 * What `DateTime.Parse` takes between the numbers of a date: `/`, `-` or `.`, a space on either side of it, or a
 * space alone, in any mix (`2023.03.13`, `3-13-2023`, `2023/03-13`, `2023 - 3 - 13`). The invariant culture's date
 * separator is `/`; `-` is read as one between numbers, and `.` and white space are skipped, so the numbers alone
 * decide: a first number of three or four digits is the year, else the date is month/day/year.
 */
const SEP = '(?: ?[-/.] ?| )';
/** What `DateTime.Parse` skips between a date and what follows it: white space, commas and dots. */
const GAP = '[ ,.]';
/** A zone: `Z`, `GMT` (either case) or an offset of one to four digits with optional minutes after a colon. */
const ZONE = String.raw`[Zz]|[Gg][Mm][Tt]|[+-]\d{1,4}(?::\d{1,2})?`;
/** A zone before AM/PM (`10:46:01 -0800 PM`): a zone in letters must not run into it (`ZPM` is one unknown word). */
const ZONE_BEFORE_MERIDIEM = String.raw`[Zz](?![A-Za-z])|[Gg][Mm][Tt](?![A-Za-z])|[+-]\d{1,4}(?::\d{1,2})?`;
/**
 * A time after the date: hour, optional minute, second and fraction (a dot with no digits after the minutes or the
 * seconds is skipped), optional AM/PM, a zone before or after it. An hour alone needs AM/PM right after it (`10 PM`),
 * checked after the match. A no-break space may come before AM/PM, as JavaScript's `toLocaleString('en-US')` writes
 * (`3/13/2023, 10:46:01 PM`, U+202F from Node 20): .NET takes it for white space. A zone in letters needs a space
 * after AM/PM: .NET reads `PMZ` as one word it does not know, and refuses the text.
 */
const CLOCK =
  String.raw`(\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?|\.(?!\d))?)?` +
  `(?: *(${ZONE_BEFORE_MERIDIEM}))?` +
  String.raw`(?:[ \u00a0\u202f]*([AaPp][Mm])(?![A-Za-z]))?` +
  `(?: *(${ZONE}))?`;
/**
 * What may follow a date: a time, a zone alone (its midnight there), or nothing, after white space, commas and dots
 * (`3/13/2023, 10:46:01 PM`, `2013-06-30,`), which .NET skips.
 */
const AFTER_DATE = `(?:${GAP}+${CLOCK}|${GAP}*(${ZONE})|${GAP}*)`;
/** An English day name, whole or in three letters, and a comma or space after it, if any (`Mon, `, `Monday `). */
const DAY_NAME =
  '(sun(?:day)?|mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|sat(?:urday)?)(?![a-z])' +
  '\\.?(?:, ?| )?';
/** An optional {@link DAY_NAME}. */
const DAY_NAME_BEFORE = `(?:${DAY_NAME})?`;
/**
 * `M/d/yyyy`, the invariant culture's date order, with any of the separators. A year of three digits is that year
 * (`100` and `099` are the years 100 and 99, as .NET reads them); two-digit years stay errors, as .NET's century for
 * them is a setting.
 */
const MONTH_DAY_YEAR = new RegExp(
  String.raw`^${DAY_NAME_BEFORE}(\d{1,2})${SEP}(\d{1,2})${SEP}(\d{3,4})${AFTER_DATE}$`,
  'i',
);
/** `yyyy/M/d`: a first number of three or four digits is the year. */
const YEAR_MONTH_DAY = new RegExp(
  String.raw`^${DAY_NAME_BEFORE}(\d{3,4})${SEP}(\d{1,2})${SEP}(\d{1,2})${AFTER_DATE}$`,
  'i',
);
/**
 * A year-first date followed by `T` (white space around it) and a time of two-digit fields: .NET's ISO-8601 branch,
 * which takes it whatever the date's separators or padding (`2021/07/13T17:29:01`, `2023-3-5T10:00`) but no AM/PM
 * and no `GMT`. The ISO-8601 reader (`toUtcMillis`) takes the padded `yyyy-MM-dd` dates first.
 */
const YEAR_MONTH_DAY_T = new RegExp(
  String.raw`^${DAY_NAME_BEFORE}(\d{3,4})${SEP}(\d{1,2})${SEP}(\d{1,2}) ?[Tt] ?(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)? ?([Zz]|[+-]\d{1,4}(?::\d{1,2})?)?$`,
  'i',
);
/** A year and a month alone, either order (`2023-03`, `03/2023`): the first of that month. */
const YEAR_MONTH = new RegExp(String.raw`^(\d{3,4})${SEP}(\d{1,2})$`);
/** {@link YEAR_MONTH} with the month first. */
const MONTH_YEAR = new RegExp(String.raw`^(\d{1,2})${SEP}(\d{3,4})$`);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** An English month name, whole or in three letters, in any case (`Mar`, `MARCH`; not `Sept`). */
const MONTH_NAME =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:tember)?|oct(?:ober)?|' +
  'nov(?:ember)?|dec(?:ember)?)(?![a-z])';
/** Between a month name and a number: nothing (`13Mar2023`), a space, a comma, or `-`, `/`, `.` with spaces. */
const NAME_SEP = '(?:, ?| ?[-/.] ?| )?';
/** Between the day and the year: as {@link NAME_SEP}, but something. */
const NUMBER_SEP = '(?:, ?| ?[-/.] ?| )';

/**
 * The orders of a date with a month name, as `DateTime.Parse` takes all of them (`Mar 13, 2023`, `13 Mar 2023`,
 * `2023-Mar-13`, even `2023 13 Mar`): the month name, the day (one or two digits) and the year (four digits).
 */
const MONTH_NAME_DATES: readonly { pattern: RegExp; order: readonly ('m' | 'd' | 'y')[] }[] = (
  [
    ['m', 'd', 'y'],
    ['d', 'm', 'y'],
    ['y', 'm', 'd'],
    ['y', 'd', 'm'],
    ['m', 'y', 'd'],
    ['d', 'y', 'm'],
  ] as const
).map((order) => {
  const token = { m: MONTH_NAME, d: '(\\d{1,2})', y: '(\\d{4})' };
  const sep = (a: string, b: string): string => (a === 'm' || b === 'm' ? NAME_SEP : NUMBER_SEP);
  const [first, second, third] = order;
  const date = token[first] + sep(first, second) + token[second] + sep(second, third) + token[third];
  return { pattern: new RegExp(`^${DAY_NAME_BEFORE}${date}${AFTER_DATE}$`, 'i'), order };
});
/** A month name and a year alone, either order (`Mar 2023`): the first of that month. */
const MONTH_NAME_YEAR = new RegExp(`^(?:${MONTH_NAME}${NAME_SEP}(\\d{4})|(\\d{4})${NAME_SEP}${MONTH_NAME})$`, 'i');

/**
 * Reads a timestamp text that MedTech reads as a time although it is not ISO-8601: `3/13/2023 10:46:01 PM`,
 * `2023/03/13 22:46`, `2023.03.13 10:00`, `2021/07/13T17:29:01`, `2023-03`, `Mon, 13 Mar 2023 22:46:01 GMT`, as
 * `DateTime.Parse` reads them. A time without zone is taken as UTC, as for ISO-8601 texts; an offset or `Z`/`GMT` is
 * applied.
 * @param text - the timestamp text
 * @returns epoch milliseconds, or `undefined` when the text is none of these forms or names no valid time
 */
export function parseDotNetDateTime(text: string): number | undefined {
  if (text.length > MAX_LENGTH) {
    return undefined;
  }
  const monthFirst = MONTH_DAY_YEAR.exec(text);
  if (monthFirst !== null) {
    const [, dayName, month, day, year] = monthFirst;
    return onDate(Number(year), Number(month), Number(day), afterDate(monthFirst), dayName);
  }
  const isoLike = YEAR_MONTH_DAY_T.exec(text);
  if (isoLike !== null) {
    const [, dayName, year, month, day, hour, minute, second, fraction, zone] = isoLike;
    return onDate(Number(year), Number(month), Number(day), { hour, minute, second, fraction, zone }, dayName);
  }
  const yearFirst = YEAR_MONTH_DAY.exec(text);
  if (yearFirst !== null) {
    const [, dayName, year, month, day] = yearFirst;
    return onDate(Number(year), Number(month), Number(day), afterDate(yearFirst), dayName);
  }
  const yearMonth = YEAR_MONTH.exec(text);
  if (yearMonth !== null) {
    return fromParts(Number(yearMonth[1]), Number(yearMonth[2]), 1, {});
  }
  const monthYear = MONTH_YEAR.exec(text);
  if (monthYear !== null) {
    return fromParts(Number(monthYear[2]), Number(monthYear[1]), 1, {});
  }
  return /[A-Za-z]{3}/.test(text) ? fromMonthName(text) : undefined;
}

/**
 * A date with a month name (see {@link MONTH_NAME_DATES}), an optional day name before it, which must be the date's,
 * and what may follow a numeric date; or a month name and a year alone.
 * @returns epoch milliseconds, or undefined when the text is no such date or names no valid time
 */
function fromMonthName(text: string): number | undefined {
  const monthYear = MONTH_NAME_YEAR.exec(text);
  if (monthYear !== null) {
    const [, nameFirst, yearSecond, yearFirst, nameSecond] = monthYear;
    return fromParts(Number(yearSecond ?? yearFirst), monthOf(nameFirst ?? nameSecond), 1, {});
  }
  for (const { pattern, order } of MONTH_NAME_DATES) {
    const match = pattern.exec(text);
    if (match === null) {
      continue;
    }
    const part = (which: 'm' | 'd' | 'y'): string => match[2 + order.indexOf(which)] ?? '';
    return onDate(Number(part('y')), monthOf(part('m')), Number(part('d')), afterDate(match), match[1]);
  }
  return undefined;
}

/** The month (1–12) of a month name {@link MONTH_NAME} matched. */
function monthOf(name: string | undefined): number {
  return MONTHS.indexOf((name ?? '').slice(0, 3).toLowerCase()) + 1;
}

/**
 * {@link fromParts}, refused when a day name is given that is not the date's day, as .NET refuses it (the day of the
 * date as written, before any zone moves the instant to another day).
 * @param dayName - the day name before the date, if any
 */
function onDate(
  year: number,
  month: number,
  day: number,
  clock: Clock | undefined,
  dayName: string | undefined,
): number | undefined {
  const ms = fromParts(year, month, day, clock);
  if (ms === undefined || dayName === undefined) {
    return ms;
  }
  return WEEKDAYS[dayOfWeek(year, month, day)] === dayName.slice(0, 3).toLowerCase() ? ms : undefined;
}

/** The day of the week (0 is Sunday) of a valid date, as written (before any zone is applied). */
function dayOfWeek(year: number, month: number, day: number): number {
  // 1970-01-01 was a Thursday.
  return (((daysFromCivil(year, month, day) + 4) % 7) + 7) % 7;
}

/** The parts of a time and zone after a date, each undefined when absent. */
interface Clock {
  hour?: string | undefined;
  minute?: string | undefined;
  second?: string | undefined;
  /** Fraction digits; empty for a dot with none. */
  fraction?: string | undefined;
  meridiem?: string | undefined;
  zone?: string | undefined;
}

/**
 * The time and zone of a date pattern's match (the groups of `AFTER_DATE`, from group 5: a day name and the date's
 * three come first), or undefined when they name none: two zones, or an hour alone without AM/PM right after it.
 */
function afterDate(match: RegExpExecArray): Clock | undefined {
  const [hour, minute, second, fraction, zoneBefore, meridiem, zoneAfter, zoneAlone] = match.slice(5);
  if (zoneBefore !== undefined && zoneAfter !== undefined) {
    return undefined;
  }
  if (hour !== undefined && minute === undefined && (meridiem === undefined || zoneBefore !== undefined)) {
    // An hour alone needs AM/PM right after it: `10 PM`, not `10`, nor `10 Z PM`.
    return undefined;
  }
  return { hour, minute, second, fraction, meridiem, zone: zoneBefore ?? zoneAfter ?? zoneAlone };
}

/**
 * The instant of a date, an optional time and an optional zone, or undefined when a part is out of range or the
 * time is none.
 */
function fromParts(year: number, month: number, day: number, clock: Clock | undefined): number | undefined {
  if (clock === undefined || year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  const { hour: hourText, minute: minuteText, second: secondText, fraction, meridiem, zone } = clock;
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
