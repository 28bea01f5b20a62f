/**
 * An independent oracle for `toUtcTimestamp` (shared/core/normalize/toUtcTimestamp.ts with dotNetDateTimes.ts and
 * calendar.ts): the instant MedTech gives a device's timestamp text, restated here from the two .NET readers it goes
 * through, and compared with `toUtcTimestamp` on seeded random texts and on grids.
 *
 * How MedTech reads a timestamp. Newtonsoft.Json 13.0.3 reads the body with DateParseHandling.DateTime and
 * DateTimeZoneHandling.RoundtripKind (JsonReader.cs:329-330); a string token is offered to its own ISO-8601 reader
 * when it is 19 to 40 characters long, starts with a digit and has `T` at index 10 (DateTimeUtils.cs:359,
 * JsonTextReader.cs:202-226), and becomes a DateTime when that reader accepts it. Any other string stays a string and
 * MedTech's `Value<DateTime?>()` reads it with `DateTime.Parse(s, CultureInfo.InvariantCulture)`. The servers run in
 * UTC, so a local time is the UTC instant, and a time without zone is taken as UTC.
 *
 * Sources (restated, never copied):
 * - NS = Newtonsoft.Json tag 13.0.3, Src/Newtonsoft.Json/Utilities/DateTimeParser.cs and DateTimeUtils.cs, with line
 *   numbers of that tag.
 * - DTP = dotnet/runtime src/libraries/System.Private.CoreLib/src/System/Globalization/DateTimeParse.cs (the stored
 *   version, commit 02377c5e). That file could only be read through a paging tool that gives character offsets, not
 *   lines, so it is cited by method and by the statement quoted; DTFI = DateTimeFormatInfo.cs of the same tree
 *   (CreateTokenHashTable and Tokenize).
 *
 * While this file was written, the DateTime.Parse restatement was run against Mono 6.8's DateTime.Parse (whose
 * DateTimeParse has the same SEP_DateOrOffset and ISO-8601 handling) on 38,183 generated texts, and the Newtonsoft
 * restatement against DateTimeParser.cs of tag 13.0.3 compiled on its own: they agreed on every text but 29 that Mono's
 * older AddTicks throws on (a fraction past 9999-12-31T23:59:59) where today's TryAddTicks refuses. When
 * dotNetDateTimes.ts took more forms (other date separators, `T` after a year-first date, an hour alone with AM/PM, a
 * zone before AM/PM, a year and a month alone, years of three digits), toUtcTimestamp was run against Mono 6.8's
 * DateTime.Parse directly on 60,000 generated texts of those shapes: it read 11,609 as Mono does and none differently;
 * both refused 37,803; it refused 10,588 that Mono reads (commas or doubled dots between the numbers, years of one or
 * two digits, a year and a month with more after them).
 *
 * Deliberate refusals (README: "two-digit years, month names in other orders are errors here"): two-digit years are
 * compared as deliberate; month names are out of scope. Every other text MedTech reads and toUtcTimestamp refuses is
 * pinned in 'differences from MedTech'.
 *
 * Scope: the numeric forms. Month and day names (dotNetDateTimes.test.ts pins those, checked against Mono), eras, `#` and NUL punctuation, Microsoft's `/Date(ms)/`, times
 * without a full date (.NET fills them in from today's date) and a 60th second (allowed only where the OS has leap
 * seconds) are declared out of scope: the oracle says so rather than guess, and such texts are not compared.
 */
import { describe, expect, it } from 'vitest';
import { toUtcTimestamp, type TokenSource } from '../../../shared/core/normalize/toUtcTimestamp.js';
import { SeededRandom } from '../../support/seededRandom.js';

// ---------------------------------------------------------------------------------------------------------------
// Ticks: .NET's DateTime counts 100 ns ticks from 0001-01-01T00:00:00.
// ---------------------------------------------------------------------------------------------------------------

const TICKS_PER_SECOND = 10_000_000n;
const TICKS_PER_MINUTE = 60n * TICKS_PER_SECOND;
const TICKS_PER_DAY = 86_400n * TICKS_PER_SECOND;
/** DateTime.MaxValue.Ticks: 9999-12-31T23:59:59.9999999. */
const MAX_TICKS = 3_155_378_975_999_999_999n;
/** Ticks of 1970-01-01 (NS DateTimeUtils.cs:35). */
const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;
/** DateTimeOffset.MinOffset/MaxOffset: ±14 hours (DTP DetermineTimeZoneAdjustments). */
const MAX_OFFSET_MINUTES = 14 * 60;

const CUMULATIVE_DAYS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

function leapYear(year: number): boolean {
  return year % 400 === 0 || (year % 4 === 0 && year % 100 !== 0);
}

function monthLength(year: number, month: number): number {
  if (month === 2) {
    return leapYear(year) ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Whether a date is one .NET's Gregorian calendar holds (DateTime.TryCreate / GregorianCalendar.IsValidDay). */
function validDate(year: number, month: number, day: number): boolean {
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= monthLength(year, month);
}

/** Ticks at the start of a valid date. */
function ticksOfDate(year: number, month: number, day: number): bigint {
  const before = year - 1;
  const days =
    before * 365 +
    Math.floor(before / 4) -
    Math.floor(before / 100) +
    Math.floor(before / 400) +
    (CUMULATIVE_DAYS[month - 1] ?? 0) +
    (month > 2 && leapYear(year) ? 1 : 0) +
    day -
    1;
  return BigInt(days) * TICKS_PER_DAY;
}

function ticksOfTime(hour: number, minute: number, second: number): bigint {
  return BigInt((hour * 60 + minute) * 60 + second) * TICKS_PER_SECOND;
}

/** .NET's `Math.Round(double)`: the nearest integer, a tie to the even one (x ≥ 0 here). */
function roundTiesToEven(x: number): number {
  const up = Math.round(x); // ties go up
  return up - x === 0.5 && up % 2 !== 0 ? up - 1 : up;
}

/** The fraction as DTP ParseFraction sums it: each digit times 0.1, 0.01, … in doubles. */
function dotNetFraction(digits: string): number {
  let sum = 0;
  let place = 0.1;
  for (const c of digits) {
    sum += (c.charCodeAt(0) - 48) * place;
    place *= 0.1;
  }
  return sum;
}

/** Ticks of a DTP fraction: `(long)Math.Round(fraction * TicksPerSecond)`. */
function fractionTicks(fraction: number): bigint {
  return BigInt(roundTiesToEven(fraction * 10_000_000));
}

/** The project's output form of an instant: milliseconds since 1970 (floored), as `toISOString`. */
function isoOfTicks(ticks: bigint): string {
  const sinceEpoch = ticks - UNIX_EPOCH_TICKS;
  let ms = sinceEpoch / 10_000n;
  if (sinceEpoch % 10_000n !== 0n && sinceEpoch < 0n) {
    ms -= 1n;
  }
  return new Date(Number(ms)).toISOString();
}

// ---------------------------------------------------------------------------------------------------------------
// Characters as .NET sees them.
// ---------------------------------------------------------------------------------------------------------------

/** `char.IsWhiteSpace`: U+0009–U+000D, U+0020, U+0085, U+00A0 and the Unicode Zs, Zl and Zp characters. */
function isNetWhiteSpace(c: string): boolean {
  const code = c.charCodeAt(0);
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

function isAsciiDigit(c: string): boolean {
  return c.length === 1 && c >= '0' && c <= '9';
}

function isAsciiLetter(c: string): boolean {
  return c.length === 1 && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

/**
 * Month names, day names and the era (DTFI CreateTokenHashTable inserts the invariant culture's names, their
 * abbreviations and "A.D."/"AD"): tokens this oracle does not restate.
 */
const NAME_TOKENS = new Set([
  ...['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER'],
  ...['NOVEMBER', 'DECEMBER', 'JAN', 'FEB', 'MAR', 'APR', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  ...['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'],
  ...['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'AD'],
]);

class Refused extends Error {}
class OutOfScope extends Error {}

function refuse(why: string): never {
  throw new Refused(why);
}

function outOfScope(why: string): never {
  throw new OutOfScope(why);
}

// ---------------------------------------------------------------------------------------------------------------
// Newtonsoft.Json 13.0.3's own ISO-8601 reader.
// ---------------------------------------------------------------------------------------------------------------

type NewtonsoftReading = { kind: 'date'; ticks: bigint } | { kind: 'string' } | { kind: 'throws' };

/**
 * What Newtonsoft's JSON reader makes of a string token: a DateTime (its ticks as the UTC instant on a UTC server),
 * a string left for DateTime.Parse, or an exception (DateTime.AddDays past the end of the range).
 */
function newtonsoftReads(s: string): NewtonsoftReading {
  // DateTimeUtils.cs:359: only texts of 19 to 40 characters starting with a digit with 'T' at index 10 are tried.
  // (char.IsDigit also admits other Unicode digits, which Parse4Digit then refuses: the same outcome.)
  if (s.length < 19 || s.length > 40 || !isAsciiDigit(s.charAt(0)) || s.charAt(10) !== 'T') {
    return { kind: 'string' };
  }
  const end = s.length;
  const twoDigits = (at: number): number =>
    at + 1 < end && isAsciiDigit(s.charAt(at)) && isAsciiDigit(s.charAt(at + 1)) ? Number(s.slice(at, at + 2)) : -1;
  const fourDigits = (at: number): number =>
    at + 3 < end && /^\d{4}$/.test(s.slice(at, at + 4)) ? Number(s.slice(at, at + 4)) : -1;

  // DateTimeParser.cs:104-116: yyyy-MM-dd, a real calendar day, year from 1.
  const year = fourDigits(0);
  const month = twoDigits(5);
  const day = twoDigits(8);
  if (year < 1 || s.charAt(4) !== '-' || month < 1 || month > 12 || s.charAt(7) !== '-' || day < 1) {
    return { kind: 'string' };
  }
  if (day > monthLength(year, month)) {
    return { kind: 'string' };
  }
  // DateTimeParser.cs:123-137: HH:mm:ss, all three required, hour up to 24 when minute and second are 0.
  const hour = twoDigits(11);
  const minute = twoDigits(14);
  const second = twoDigits(17);
  if (hour < 0 || hour > 24 || s.charAt(13) !== ':' || minute < 0 || minute >= 60 || s.charAt(16) !== ':') {
    return { kind: 'string' };
  }
  if (second < 0 || second >= 60 || (hour === 24 && (minute !== 0 || second !== 0))) {
    return { kind: 'string' };
  }
  let at = 19;
  let fraction = 0;
  // DateTimeParser.cs:139-171: after '.', at least one and at most 7 digits are read (the scan stops after the
  // seventh, leaving any further digit to the zone reader); fewer than 7 are scaled to 100 ns ticks.
  if (s.charAt(at) === '.') {
    let digits = 0;
    while (++at < end && digits < 7) {
      const c = s.charAt(at);
      if (!isAsciiDigit(c)) {
        break;
      }
      fraction = fraction * 10 + Number(c);
      digits++;
    }
    if (digits === 0) {
      return { kind: 'string' };
    }
    fraction *= 10 ** (7 - digits);
    if (hour === 24 && fraction !== 0) {
      return { kind: 'string' };
    }
  }
  // DateTimeParser.cs:175-232: 'Z'/'z'; or a sign and two digits of hour (any 00–99), then optionally ':' and
  // optionally two digits of minute (00–99), or two digits of minute; whatever it read must end the text. A text
  // without a sign can still end here: the "minute" digits are read and ignored (the zone stays unspecified).
  let zone: 'none' | 'utc' | 'west' | 'east' = 'none';
  let zoneHour = 0;
  let zoneMinute = 0;
  if (at < end) {
    const c = s.charAt(at);
    if (c === 'Z' || c === 'z') {
      zone = 'utc';
      at++;
    } else {
      if (at + 2 < end && twoDigits(at + 1) >= 0) {
        if (c === '-' || c === '+') {
          zoneHour = twoDigits(at + 1);
          zone = c === '-' ? 'west' : 'east';
          at += 3;
        }
      }
      if (at < end) {
        if (s.charAt(at) === ':') {
          at++;
        }
        if (at + 1 < end && twoDigits(at) >= 0) {
          zoneMinute = twoDigits(at);
          at += 2;
        }
      }
    }
  }
  if (at !== end) {
    return { kind: 'string' };
  }
  // DateTimeUtils.cs:321-342: hour 24 is midnight of the next day (AddDays, which throws past 9999-12-31).
  let ticks = ticksOfDate(year, month, day) + ticksOfTime(hour % 24, minute, second) + BigInt(fraction);
  if (hour === 24) {
    ticks += TICKS_PER_DAY;
    if (ticks > MAX_TICKS) {
      return { kind: 'throws' };
    }
  }
  // DateTimeUtils.cs:227-272: an offset is applied; past either end of the range the value is clamped to
  // DateTime.MinValue/MaxValue (after adding the local offset, 0 here) instead of failing.
  const offset = BigInt(zoneHour * 60 + zoneMinute) * TICKS_PER_MINUTE;
  if (zone === 'west') {
    ticks += offset;
    if (ticks > MAX_TICKS) {
      ticks = MAX_TICKS;
    }
  } else if (zone === 'east') {
    ticks -= offset;
    if (ticks < 0n) {
      ticks = 0n;
    }
  }
  return { kind: 'date', ticks };
}

// ---------------------------------------------------------------------------------------------------------------
// DateTime.Parse(s, CultureInfo.InvariantCulture), numeric forms.
// ---------------------------------------------------------------------------------------------------------------

/** The DTT token kinds of DTP's lexer that numeric texts produce. */
type Dtt =
  | 'End'
  | 'NumEnd'
  | 'NumAmpm'
  | 'NumSpace'
  | 'NumDatesep'
  | 'NumTimesep'
  | 'YearSpace'
  | 'YearDateSep'
  | 'YearEnd'
  | 'TimeZone'
  | 'NumLocalTimeMark'
  | 'Unk';

type TableColumn = Exclude<Dtt, 'NumLocalTimeMark' | 'Unk'>;
const COLUMNS: TableColumn[] = [
  'End',
  'NumEnd',
  'NumAmpm',
  'NumSpace',
  'NumDatesep',
  'NumTimesep',
  'YearSpace',
  'YearDateSep',
  'YearEnd',
  'TimeZone',
];

/**
 * DTP s_dateParsingStates, restated for the states numeric texts reach and the columns above (the month-name,
 * suffix, day-of-week, era and UTC-mark columns lead to states only names and CJK suffixes reach). Terminal states
 * (DX_*, TX_*) are "> DS.ERROR" in DTP.
 */
const TRANSITIONS: Record<string, string> = {
  BEGIN: 'BEGIN ERROR TX_N N D_Nd T_Nt D_Y D_Y ERROR BEGIN',
  N: 'ERROR DX_NN TX_NN NN D_NNd ERROR D_YN D_YNd DX_YN N',
  NN: 'DX_NN DX_NNN TX_NNN DX_NNN ERROR T_Nt DX_NNY ERROR DX_NNY NN',
  D_Nd: 'ERROR DX_NN ERROR D_NN D_NNd ERROR D_YN D_YNd DX_YN ERROR',
  D_NN: 'DX_NN DX_NNN TX_N DX_NNN ERROR T_Nt DX_NNY ERROR DX_NNY ERROR',
  D_NNd: 'ERROR DX_NNN DX_NNN DX_NNN ERROR ERROR DX_NNY ERROR DX_NNY ERROR',
  D_Y: 'ERROR DX_YN ERROR D_YN D_YNd ERROR ERROR ERROR ERROR ERROR',
  D_YN: 'DX_YN DX_YNN DX_YNN DX_YNN ERROR ERROR ERROR ERROR ERROR ERROR',
  D_YNd: 'ERROR DX_YNN DX_YNN DX_YNN ERROR ERROR ERROR ERROR ERROR ERROR',
  T_Nt: 'ERROR TX_NN TX_NN TX_NN ERROR T_NNt ERROR ERROR ERROR T_Nt',
  T_NNt: 'ERROR TX_NNN TX_NNN TX_NNN ERROR ERROR ERROR ERROR ERROR T_NNt',
};

function transition(state: string, column: TableColumn): string {
  const row = TRANSITIONS[state];
  if (row === undefined) {
    return outOfScope(`state ${state}`);
  }
  return row.split(' ')[COLUMNS.indexOf(column)] ?? 'ERROR';
}

function isTerminal(state: string): boolean {
  return state.startsWith('DX_') || state.startsWith('TX_');
}

type Separator = 'End' | 'Space' | 'Am' | 'Pm' | 'Date' | 'Time' | 'DateOrOffset' | 'LocalTimeMark';
type Regular =
  { kind: 'number' | 'year'; value: number } | { kind: 'end' | 'ignorable' | 'am' | 'pm' | 'zone' | 'unknown' };

/**
 * `+h`, `+hh`, `+hhmm`, `+hmm`, `+h:m`, `+hh:mm` from `start` (the sign), as DTP ParseTimeZone reads them with
 * __DTString.GetSubString (runs of digits, anything else one character at a time; more than 8 digits is invalid).
 * @returns the minutes east of UTC and where the offset ends, or undefined (DTP returns false)
 */
function readDotNetOffset(s: string, start: number): { minutes: number; next: number } | undefined {
  const sign = s.charAt(start);
  if (sign !== '+' && sign !== '-') {
    return undefined;
  }
  const digitsFrom = (at: number): string => /^\d*/.exec(s.slice(at))?.[0] ?? '';
  let at = start + 1;
  const hourDigits = digitsFrom(at);
  let hours: number;
  let minutes = 0;
  if (hourDigits.length === 1 || hourDigits.length === 2) {
    hours = Number(hourDigits);
    at += hourDigits.length;
    if (s.charAt(at) === ':') {
      at++;
      const minuteDigits = digitsFrom(at);
      if (minuteDigits.length < 1 || minuteDigits.length > 2) {
        return undefined;
      }
      minutes = Number(minuteDigits);
      at += minuteDigits.length;
    }
  } else if (hourDigits.length === 3 || hourDigits.length === 4) {
    hours = Math.floor(Number(hourDigits) / 100);
    minutes = Number(hourDigits) % 100;
    at += hourDigits.length;
  } else {
    return undefined;
  }
  if (minutes >= 60) {
    return undefined;
  }
  const total = hours * 60 + minutes;
  return { minutes: sign === '-' ? -total : total, next: at };
}

/**
 * DateTime.Parse with the invariant culture and DateTimeStyles.None (DTP TryParse), on a UTC server. The invariant
 * culture's tokens (DTFI CreateTokenHashTable): ',' and '.' are ignorable symbols; ':' the time separator; '/' the
 * date separator; '-' a date separator or the start of an offset (SEP_DateOrOffset); "AM"/"PM" both regular and
 * separator tokens; 'T' the ISO-8601 time mark (a separator only); "GMT" and "Z" time zone tokens (regular only).
 * Letters are matched ignoring case, and only as whole words: the next character must not be a letter (DTFI
 * Tokenize). The short date pattern is MM/dd/yyyy, so three numbers are month/day/year.
 */
class InvariantDateTimeParse {
  private i = 0;
  private readonly n: number;
  private state = 'BEGIN';
  private readonly numbers: number[] = [];
  private rawYear = -1;
  private timeMark: 'none' | 'am' | 'pm' = 'none';
  private rawFraction = -1;
  private year = -1;
  private month = -1;
  private day = -1;
  private hour = 0;
  private minute = 0;
  private second = 0;
  private haveDate = false;
  private haveTime = false;
  private zoneUsed = false;
  private offsetMinutes = 0;
  /** A year read from one or two digits, which .NET maps to a century (TryAdjustYear). */
  twoDigitYear = false;

  constructor(private readonly s: string) {
    this.n = s.length;
  }

  /** DTP TryParse. @returns the UTC ticks */
  parse(): bigint {
    if (this.n === 0) {
      refuse('empty');
    }
    let reachedTerminal = false;
    for (;;) {
      const dtt = this.lex();
      if (dtt !== 'Unk') {
        if (dtt === 'NumLocalTimeMark') {
          // TryParse: "Consider this as ISO 8601 format" only after year-number or year-number-date-separator.
          if (this.state === 'D_YNd' || this.state === 'D_YN') {
            return this.parseIso8601();
          }
          refuse('T after something other than a year and a number');
        }
        const next = transition(this.state, dtt);
        if (next === 'ERROR') {
          refuse(`${dtt} in state ${this.state}`);
        }
        if (isTerminal(next)) {
          this.terminal(next);
          reachedTerminal = true;
          this.state = 'BEGIN';
        } else {
          this.state = next;
        }
      }
      if (dtt === 'End' || dtt === 'NumEnd') {
        break;
      }
    }
    if (!reachedTerminal) {
      refuse('no terminal state');
    }
    // DTP AdjustHour: AM takes hours 0–12 (12 is 0), PM hours 0–23 (below 12 add 12).
    if (this.timeMark === 'am') {
      if (this.hour > 12) {
        refuse('AM hour past 12');
      }
      this.hour = this.hour === 12 ? 0 : this.hour;
    } else if (this.timeMark === 'pm') {
      if (this.hour > 23) {
        refuse('PM hour past 23');
      }
      this.hour = this.hour < 12 ? this.hour + 12 : this.hour;
    }
    // DTP CheckDefaultDateTime fills a missing year, month or day from today's date.
    if (this.year === -1 || this.month === -1 || this.day === -1) {
      outOfScope('date filled in from today');
    }
    let ticks = this.ticksOf(this.year, this.month, this.day, this.hour, this.minute, this.second);
    if (this.rawFraction > 0) {
      ticks += fractionTicks(this.rawFraction);
      if (ticks > MAX_TICKS) {
        refuse('fraction past the end of the range');
      }
    }
    return this.zoned(ticks);
  }

  /** GregorianCalendar.TryToDateTime → DateTime.TryCreate. */
  private ticksOf(year: number, month: number, day: number, hour: number, minute: number, second: number): bigint {
    if (!validDate(year, month, day)) {
      refuse('no such date');
    }
    if (hour >= 24 || minute >= 60 || second > 60) {
      refuse('time out of range');
    }
    if (second === 60) {
      outOfScope('second 60 is accepted only where the OS supports leap seconds');
    }
    return ticksOfDate(year, month, day) + ticksOfTime(hour, minute, second);
  }

  /** DTP DetermineTimeZoneAdjustments (styles None) and AdjustTimeZoneToLocal with a UTC local zone. */
  private zoned(ticks: bigint): bigint {
    if (Math.abs(this.offsetMinutes) > MAX_OFFSET_MINUTES) {
      refuse('offset beyond ±14:00');
    }
    if (!this.zoneUsed) {
      return ticks; // DateTimeKind.Unspecified: MedTech takes it as UTC
    }
    const offset = BigInt(this.offsetMinutes) * TICKS_PER_MINUTE;
    let local = ticks - offset;
    // "This is time of day": a value on 0001-01-01 wraps within the day instead of failing.
    if (ticks < TICKS_PER_DAY && local < 0n) {
      local += TICKS_PER_DAY;
    }
    if (local < 0n || local > MAX_TICKS) {
      refuse('out of range after the offset');
    }
    return local;
  }

  private at(index: number): string {
    return this.s.charAt(index);
  }

  /** __DTString.GetRegularToken with DTFI Tokenize(RegularTokenMask). */
  private regularToken(): Regular {
    while (this.i < this.n && isNetWhiteSpace(this.at(this.i))) {
      this.i++;
    }
    if (this.i >= this.n) {
      return { kind: 'end' };
    }
    const c = this.at(this.i);
    if (isAsciiDigit(c)) {
      const start = this.i;
      while (this.i < this.n && isAsciiDigit(this.at(this.i))) {
        this.i++;
      }
      const length = this.i - start;
      if (length > 8) {
        return { kind: 'number', value: -1 }; // MaxDateTimeNumberDigits
      }
      return { kind: length < 3 ? 'number' : 'year', value: Number(this.s.slice(start, this.i)) };
    }
    if (c === '.' || c === ',') {
      this.i++;
      return { kind: 'ignorable' };
    }
    if (isAsciiLetter(c)) {
      const word = this.word();
      if (word === 'AM' || word === 'PM') {
        this.i += 2;
        return { kind: word === 'AM' ? 'am' : 'pm' };
      }
      if (word === 'Z' || word === 'GMT') {
        this.i += word.length;
        return { kind: 'zone' };
      }
      this.rejectNames(word);
    }
    return { kind: 'unknown' };
  }

  /** The letters from the current index, upper-cased (tokens match whole words, ignoring case). */
  private word(): string {
    let end = this.i;
    while (end < this.n && isAsciiLetter(this.at(end))) {
      end++;
    }
    return this.s.slice(this.i, end).toUpperCase();
  }

  private rejectNames(word: string): void {
    if (NAME_TOKENS.has(word) || (word === 'A' && this.at(this.i + 1) === '.')) {
      outOfScope(`name token ${word}`);
    }
  }

  /** __DTString.GetSeparatorToken with DTFI Tokenize(SeparatorTokenMask). */
  private separatorToken(): { kind: Separator; before: number } {
    const before = this.i;
    while (this.i < this.n && isNetWhiteSpace(this.at(this.i))) {
      this.i++;
    }
    if (this.i >= this.n) {
      return { kind: 'End', before };
    }
    const c = this.at(this.i);
    const single: Record<string, Separator> = { ':': 'Time', '/': 'Date', '-': 'DateOrOffset' };
    const kind = single[c];
    if (kind !== undefined) {
      this.i++;
      return { kind, before };
    }
    if (isAsciiLetter(c)) {
      const word = this.word();
      if (word === 'T') {
        this.i++;
        return { kind: 'LocalTimeMark', before };
      }
      if (word === 'AM' || word === 'PM') {
        this.i += 2;
        return { kind: word === 'AM' ? 'Am' : 'Pm', before };
      }
    }
    return { kind: 'Space', before }; // not a separator token (digits and anything else): left for the next token
  }

  /** DTP Lex. */
  private lex(): Dtt {
    const token = this.regularToken();
    switch (token.kind) {
      case 'number':
      case 'year':
        return this.lexNumber(token.kind, token.value);
      case 'zone':
        if (this.zoneUsed) {
          refuse('two zones');
        }
        this.zoneUsed = true;
        this.offsetMinutes = 0;
        return 'TimeZone';
      case 'end':
        return 'End';
      case 'ignorable':
        return 'Unk';
      case 'am':
      case 'pm':
        if (this.timeMark !== 'none') {
          refuse('two time marks');
        }
        this.timeMark = token.kind;
        return 'Unk';
      case 'unknown': {
        const c = this.at(this.i);
        if (isAsciiLetter(c)) {
          refuse('unknown word');
        }
        if ((c === '+' || c === '-') && !this.zoneUsed) {
          const offset = readDotNetOffset(this.s, this.i);
          if (offset !== undefined) {
            this.zoneUsed = true;
            this.offsetMinutes = offset.minutes;
            this.i = offset.next;
            return 'Unk';
          }
        }
        return refuse(`unexpected ${JSON.stringify(c)}`); // VerifyValidPunctuation: only '#' and NUL pass
      }
    }
  }

  private lexNumber(kind: 'number' | 'year', value: number): Dtt {
    if (this.numbers.length === 3 || value === -1) {
      refuse('too many numbers, or too many digits');
    }
    // Lex: after hh:mm: the seconds may carry a fraction ("11:22:33.1234"); only with two characters left.
    if (this.state === 'T_NNt' && this.i < this.n - 1 && this.at(this.i) === '.') {
      this.lexFraction();
    }
    // Lex: after hh: or hh:mm: a time zone offset may follow ("11:22:33-08").
    if (this.state === 'T_NNt' || this.state === 'T_Nt') {
      this.handleTimeZone();
    }
    if (kind === 'year') {
      if (this.rawYear !== -1) {
        refuse('two year numbers');
      }
      this.rawYear = value;
      const separator = this.separatorToken();
      switch (separator.kind) {
        case 'End':
          return 'YearEnd';
        case 'Am':
        case 'Pm':
          if (this.timeMark !== 'none') {
            outOfScope('a second time mark: .NET notes a failure and reads on');
          }
          this.timeMark = separator.kind === 'Am' ? 'am' : 'pm';
          return 'YearSpace';
        case 'Space':
          return 'YearSpace';
        case 'Date':
          return 'YearDateSep';
        case 'DateOrOffset':
          // "If the token will complete the date then process just the number and roll back the index so that the
          // outer loop can attempt to parse the time zone offset."
          if (transition(this.state, 'YearDateSep') === 'ERROR' && isTerminal(transition(this.state, 'YearSpace'))) {
            this.i = separator.before;
            return 'YearSpace';
          }
          return 'YearDateSep';
        case 'Time':
        case 'LocalTimeMark':
          return refuse('invalid separator after a year');
      }
    }
    const separator = this.separatorToken();
    switch (separator.kind) {
      case 'End':
        this.numbers.push(value);
        return 'NumEnd';
      case 'Am':
      case 'Pm':
        if (this.timeMark !== 'none') {
          outOfScope('a second time mark: .NET notes a failure and reads on');
        }
        this.timeMark = separator.kind === 'Am' ? 'am' : 'pm';
        if (this.state === 'D_NN') {
          this.terminal('DX_NN'); // "Fix AM/PM parsing case, e.g. "1/10 5 AM""
        }
        this.numbers.push(value);
        if (this.state === 'T_NNt' || this.state === 'T_Nt') {
          this.handleTimeZone();
        }
        return 'NumAmpm';
      case 'Space':
        this.numbers.push(value);
        return 'NumSpace';
      case 'Date':
        this.numbers.push(value);
        return 'NumDatesep';
      case 'DateOrOffset':
        this.numbers.push(value);
        if (transition(this.state, 'NumDatesep') === 'ERROR' && isTerminal(transition(this.state, 'NumSpace'))) {
          this.i = separator.before;
          return 'NumSpace';
        }
        return 'NumDatesep';
      case 'Time':
        this.numbers.push(value);
        return 'NumTimesep';
      case 'LocalTimeMark':
        this.numbers.push(value);
        return 'NumLocalTimeMark';
    }
  }

  /** DTP ParseFraction from the '.': every digit, possibly none (the dot is then just skipped). */
  private lexFraction(): void {
    let end = this.i + 1;
    while (end < this.n && isAsciiDigit(this.at(end))) {
      end++;
    }
    this.rawFraction = dotNetFraction(this.s.slice(this.i + 1, end));
    this.i = end;
  }

  /** DTP HandleTimeZone: white space, then a sign, is an offset that must parse; looks no further than n - 1. */
  private handleTimeZone(): void {
    if (this.i >= this.n - 1) {
      return;
    }
    let skip = 0;
    let c = this.at(this.i);
    while (isNetWhiteSpace(c) && this.i + skip < this.n - 1) {
      skip++;
      c = this.at(this.i + skip);
    }
    if (c !== '+' && c !== '-') {
      return;
    }
    this.i += skip;
    if (this.zoneUsed) {
      refuse('two zones');
    }
    this.zoneUsed = true;
    const offset = readDotNetOffset(this.s, this.i) ?? refuse('bad offset');
    this.offsetMinutes = offset.minutes;
    this.i = offset.next;
  }

  private number(index: number): number {
    return this.numbers[index] ?? refuse('missing number');
  }

  /** DTP ProcessTerminalState for the numeric terminal states (MM/dd/yyyy order). */
  private terminal(state: string): void {
    const dateOnce = (): void => {
      if (this.haveDate) {
        refuse('two dates');
      }
    };
    const timeOnce = (): void => {
      if (this.haveTime) {
        refuse('two times');
      }
    };
    switch (state) {
      case 'DX_NN':
        outOfScope('month and day without year: the year is taken from today');
        break;
      case 'DX_NNN': {
        // GetDayOfNNN, ORDER_MDY: the third number is the year, adjusted to a century when below 100.
        dateOnce();
        let year = this.number(2);
        if (year < 100) {
          this.twoDigitYear = true;
          // Calendar.ToFourDigitYear with TwoDigitYearMax 2029 (GregorianCalendar's default; the value a .NET
          // version or host uses is not certain, which is one reason two-digit years are not compared).
          year += year > 29 ? 1900 : 2000;
        }
        this.setDate(year, this.number(0), this.number(1));
        break;
      }
      case 'DX_YNN': // GetDayOfYNN: year + month + day (the order is not YDM)
      case 'DX_NNY': // GetDayOfNNY, ORDER_MDY: month + day + year
        dateOnce();
        this.setDate(this.rawYear, this.number(0), this.number(1));
        break;
      case 'DX_YN': // GetDayOfYN: year + month, day 1
        dateOnce();
        this.setDate(this.rawYear, this.number(0), 1);
        break;
      case 'TX_N': // GetTimeOfN: an hour alone needs AM/PM
        timeOnce();
        if (this.timeMark === 'none') {
          refuse('hour without AM/PM');
        }
        this.hour = this.number(0);
        this.haveTime = true;
        break;
      case 'TX_NN':
        timeOnce();
        this.hour = this.number(0);
        this.minute = this.number(1);
        this.haveTime = true;
        break;
      case 'TX_NNN':
        timeOnce();
        this.hour = this.number(0);
        this.minute = this.number(1);
        this.second = this.number(2);
        this.haveTime = true;
        break;
      default:
        outOfScope(`terminal state ${state}`);
    }
    this.numbers.length = 0;
  }

  private setDate(year: number, month: number, day: number): void {
    if (!validDate(year, month, day)) {
      refuse('no such date');
    }
    this.year = year;
    this.month = month;
    this.day = day;
    this.haveDate = true;
  }

  /**
   * DTP ParseISO8601, entered after a year, a number and 'T' with a second number: hh:mm[:ss[.f…]] exactly two
   * digits each, white space allowed between every part, then optionally an offset or 'Z'/'z', then only white space.
   */
  private parseIso8601(): bigint {
    const s = this.s;
    const n = this.n;
    let index = this.i - 1; // __DTString index semantics: the last character consumed (the 'T')
    const skipWhiteSpace = (): void => {
      while (index + 1 < n && isNetWhiteSpace(s.charAt(index + 1))) {
        index++;
      }
    };
    const twoDigits = (): number => {
      if (index + 2 < n && isAsciiDigit(s.charAt(index + 1)) && isAsciiDigit(s.charAt(index + 2))) {
        index += 2;
        return Number(s.slice(index - 1, index + 1));
      }
      return refuse('two digits expected');
    };
    const match = (c: string): boolean => {
      index++;
      if (index >= n) {
        return false; // __DTString.Match leaves the index past the end
      }
      if (s.charAt(index) === c) {
        return true;
      }
      index--;
      return false;
    };
    const next = (): boolean => ++index < n;

    skipWhiteSpace();
    const hour = twoDigits();
    skipWhiteSpace();
    if (!match(':')) {
      refuse('hh: expected');
    }
    skipWhiteSpace();
    const minute = twoDigits();
    skipWhiteSpace();
    let second = 0;
    let fraction = 0;
    if (match(':')) {
      skipWhiteSpace();
      second = twoDigits();
      if (match('.')) {
        let end = index + 1;
        while (end < n && isAsciiDigit(s.charAt(end))) {
          end++;
        }
        if (end === index + 1) {
          refuse('no digit after the dot');
        }
        fraction = dotNetFraction(s.slice(index + 1, end));
        index = end - 1;
      }
      skipWhiteSpace();
    }
    if (next()) {
      const c = s.charAt(index);
      if (c === '+' || c === '-') {
        this.zoneUsed = true;
        const offset = readDotNetOffset(s, index) ?? refuse('bad offset');
        this.offsetMinutes = offset.minutes;
        index = offset.next - 1;
      } else if (c === 'Z' || c === 'z') {
        this.zoneUsed = true;
        this.offsetMinutes = 0;
      } else {
        index--;
      }
      skipWhiteSpace();
      if (next()) {
        refuse('characters after the time');
      }
    }
    let ticks = this.ticksOf(this.rawYear, this.number(0), this.number(1), hour, minute, second);
    ticks += fractionTicks(fraction);
    if (ticks > MAX_TICKS) {
      refuse('fraction past the end of the range');
    }
    return this.zoned(ticks);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// MedTech's reading: Newtonsoft first, then DateTime.Parse.
// ---------------------------------------------------------------------------------------------------------------

type MedTechReading =
  | { kind: 'accepted'; iso: string; ticks: bigint; via: 'Newtonsoft' | 'DateTime.Parse'; twoDigitYear: boolean }
  | { kind: 'refused'; why: string }
  | { kind: 'outOfScope'; why: string };

/** Characters whose handling this oracle restates: printable ASCII but '#', and .NET white space. */
function inCharacterScope(text: string): boolean {
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (!((code >= 0x20 && code < 0x7f && c !== '#') || isNetWhiteSpace(c))) {
      return false;
    }
  }
  return true;
}

/**
 * MedTech's reading of a timestamp text. A body string goes through Newtonsoft's reader first; a string of the
 * event's Properties or SystemProperties does not (EventMessageJObjectConverter.cs builds those members with
 * `JToken.FromObject`, which leaves a string a string), so only DateTime.Parse reads it.
 */
function medTechReads(text: string, source: TokenSource = 'body'): MedTechReading {
  if (text.startsWith('/Date(')) {
    return { kind: 'outOfScope', why: "Microsoft's JSON date is not restated" };
  }
  const newtonsoft: NewtonsoftReading = source === 'body' ? newtonsoftReads(text) : { kind: 'string' };
  if (newtonsoft.kind === 'date') {
    const ticks = newtonsoft.ticks;
    return { kind: 'accepted', iso: isoOfTicks(ticks), ticks, via: 'Newtonsoft', twoDigitYear: false };
  }
  if (newtonsoft.kind === 'throws') {
    return { kind: 'outOfScope', why: 'Newtonsoft throws while reading the body' };
  }
  if (!inCharacterScope(text)) {
    return { kind: 'outOfScope', why: 'characters outside the restated token set' };
  }
  const parser = new InvariantDateTimeParse(text);
  try {
    const ticks = parser.parse();
    return {
      kind: 'accepted',
      iso: isoOfTicks(ticks),
      ticks,
      via: 'DateTime.Parse',
      twoDigitYear: parser.twoDigitYear,
    };
  } catch (error) {
    if (error instanceof Refused) {
      return { kind: 'refused', why: error.message };
    }
    if (error instanceof OutOfScope) {
      return { kind: 'outOfScope', why: error.message };
    }
    throw error;
  }
}

/** The oracle's answer in the project's terms: its output text, `undefined` for refused, or 'out of scope'. */
function medTech(text: string, source: TokenSource = 'body'): string | undefined {
  const reading = medTechReads(text, source);
  if (reading.kind === 'outOfScope') {
    return 'out of scope';
  }
  return reading.kind === 'accepted' ? reading.iso : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. The oracle against facts cited from the sources and from dotnet/runtime's and Newtonsoft's own tests.
// ---------------------------------------------------------------------------------------------------------------

describe('the oracle itself', () => {
  // dotnet/runtime src/libraries/System.Runtime/tests/System.Runtime.Tests/System/DateTimeTests.cs,
  // Parse_ValidInput_Succeeds_MemberData (DateTime.Parse(input, CultureInfo.InvariantCulture)).
  it.each([
    ['1234 12', '1234-12-01T00:00:00.000Z'],
    ['12 1234', '1234-12-01T00:00:00.000Z'],
    ['12 1234 11', '1234-12-11T00:00:00.000Z'],
    ['1234 12 13', '1234-12-13T00:00:00.000Z'],
    ['12 13 1234', '1234-12-13T00:00:00.000Z'],
    ['1 1 1', '2001-01-01T00:00:00.000Z'],
    ['2 2 2Z', '2002-02-02T00:00:00.000Z'],
  ])('reads %j as dotnet/runtime DateTimeTests.cs expects: %s', (text, expected) => {
    expect(medTech(text)).toBe(expected);
  });

  it('reads hour 24 as Newtonsoft DateTimeUtilsTests.cs:70-79 (Parse24HourDateTime) expects', () => {
    expect(newtonsoftReads('2000-12-15T24:00:00Z')).toEqual({ kind: 'date', ticks: ticksOfDate(2000, 12, 16) });
    expect(newtonsoftReads('2000-12-15T24:01:00Z')).toEqual({ kind: 'string' });
    expect(newtonsoftReads('2000-12-15T24:00:01Z')).toEqual({ kind: 'string' });
    expect(newtonsoftReads('2000-12-15T24:00:00.0000001Z')).toEqual({ kind: 'string' });
    // …and DateTime.Parse, which then reads the strings, has no hour 24 (DateTime.TryCreate: hour < 24).
    expect(medTech('2000-12-15T24:01:00Z')).toBeUndefined();
    expect(medTech('2000-12-15T24:00:00.0000001Z')).toBeUndefined();
  });

  // Newtonsoft DateTimeUtilsTests.cs:114-136 (NewDateTimeParse): its reader gives what
  // DateTime.TryParseExact("yyyy-MM-ddTHH:mm:ss.FFFFFFFK", RoundtripKind) gives.
  it.each([
    ['2000-12-15T22:11:03.055Z', '2000-12-15T22:11:03.055Z'],
    ['2000-12-15T22:11:03.055', '2000-12-15T22:11:03.055Z'],
    ['2000-12-15T22:11:03.055+11:30', '2000-12-15T10:41:03.055Z'],
    ['2000-12-15T22:11:03-11:30', '2000-12-16T09:41:03.000Z'],
    ['0001-01-01T00:00:00', '0001-01-01T00:00:00.000Z'],
    ['0001-01-01T00:00:00-12:00', '0001-01-01T12:00:00.000Z'],
    ['9999-12-31T23:59:59.9999999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s as Newtonsoft DateTimeUtilsTests.cs expects: %s', (text, expected) => {
    expect(medTechReads(text)).toMatchObject({ kind: 'accepted', iso: expected, via: 'Newtonsoft' });
  });

  it('clamps to DateTime.MaxValue as Newtonsoft DateTimeUtilsTests.cs:136 expects', () => {
    expect(medTechReads('9999-12-31T23:59:59.9999999-11:30')).toMatchObject({ ticks: MAX_TICKS, via: 'Newtonsoft' });
  });

  it('follows the examples in DateTimeParse.cs comments', () => {
    // AdjustTimeZoneToUniversal: "when parsing "2001/06/08 14:00-07:00" … The result will be "2001/06/08 21:00"".
    expect(medTech('2001/06/08 14:00-07:00')).toBe('2001-06-08T21:00:00.000Z');
    // TryParse: "when we parsed "1999-12-23 13:30", we will reach a terminal state at "1999-12-23"".
    expect(medTech('1999-12-23 13:30')).toBe('1999-12-23T13:30:00.000Z');
    // TryParse: ISO 8601 ""yyyy-MM-dd'T'HH:mm:ss" 1999-10-31T02:00:00" (16 characters: not Newtonsoft's).
    expect(medTechReads('1999-10-31T02:00')).toMatchObject({ iso: '1999-10-31T02:00:00.000Z', via: 'DateTime.Parse' });
    // Lex: ""11:22:33.1234" or "11:22:33-08"".
    expect(medTech('2000-01-01 11:22:33.1234')).toBe('2000-01-01T11:22:33.123Z');
    expect(medTech('2000-01-01 11:22:33-08')).toBe('2000-01-01T19:22:33.000Z');
    // ParseTimeZone: "+8", "+08", "+0800".
    expect(medTech('2000-01-01 11:22:33+8')).toBe('2000-01-01T03:22:33.000Z');
    expect(medTech('2000-01-01 11:22:33+0800')).toBe('2000-01-01T03:22:33.000Z');
    // Lex: "Fix AM/PM parsing case, e.g. "1/10 5 AM"": no year, so it depends on today.
    expect(medTech('1/10 5 AM')).toBe('out of scope');
  });

  it('follows the rules of DateTimeParse.cs', () => {
    // AdjustHour: 12 AM is midnight, 12 PM noon; AM up to 12, PM up to 23.
    expect(medTech('1/1/2000 12:00 AM')).toBe('2000-01-01T00:00:00.000Z');
    expect(medTech('1/1/2000 12:00 PM')).toBe('2000-01-01T12:00:00.000Z');
    expect(medTech('1/1/2000 13:00 PM')).toBe('2000-01-01T13:00:00.000Z');
    expect(medTech('1/1/2000 13:00 AM')).toBeUndefined();
    // DetermineTimeZoneAdjustments: the offset within ±14:00; ParseTimeZone: minutes below 60.
    expect(medTech('2000-01-01 00:00+14:00')).toBe('1999-12-31T10:00:00.000Z');
    expect(medTech('2000-01-01 00:00+14:01')).toBeUndefined();
    expect(medTech('2000-01-01 00:00-05:60')).toBeUndefined();
    // GetRegularToken: at most 8 digits in a number (MaxDateTimeNumberDigits).
    expect(medTech('1/2/00002000')).toBe('2000-01-02T00:00:00.000Z');
    expect(medTech('1/2/000002000')).toBeUndefined();
    // ParseISO8601: a dot needs a digit after it; in the general path the dot is ignorable.
    expect(medTech('2000-01-01T10:00:00.')).toBeUndefined();
    expect(medTech('2000-01-01 10:00:00.')).toBe('2000-01-01T10:00:00.000Z');
    // DTFI Tokenize: names match whole words only; 'UTC' is no token; 'T' is no regular token.
    expect(medTech('2000-01-01 10:00:00 UTC')).toBeUndefined();
    expect(medTech('2000-01-01 10:00:00 Tx')).toBeUndefined();
    // GetDayOfNNN: the invariant short date pattern is MM/dd/yyyy.
    expect(medTech('13/01/2000')).toBeUndefined();
    expect(medTech('01/13/2000')).toBe('2000-01-13T00:00:00.000Z');
    // ParseFraction sums the digits in doubles, then Math.Round to 100 ns ticks: 0.00000005 s sums to a little more
    // than half a tick (5 × 0.1⁸ with 0.1⁸ ≈ 1.0000000000000005e-8), so it is 1 tick, not 0 as a tie to even would be.
    expect(medTechReads('2000-01-01 00:00:00.00000005')).toMatchObject({ ticks: ticksOfDate(2000, 1, 1) + 1n });
    expect(medTechReads('2000-01-01 00:00:00.00000025')).toMatchObject({ ticks: ticksOfDate(2000, 1, 1) + 3n });
    expect(medTechReads('2000-01-01 00:00:00.12345665')).toMatchObject({ ticks: ticksOfDate(2000, 1, 1) + 1234567n });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. The comparison. Texts are built from a shape; `deviations` names each way a shape leaves the forms the project
//    reads (README: ISO-8601 with white space around the text, between date and time or before the zone; M/d/yyyy and
//    yyyy/M/d with h:mm[:ss[.fffffff]] [AM|PM] [Z|GMT|±hh[[:]mm]]; RFC 1123; /Date(ms)/). A text without deviation
//    must get the oracle's answer exactly; a text with one may be refused where MedTech reads it, and each such
//    deviation is pinned below in 'differences from MedTech'. Whatever the project accepts must be MedTech's instant.
// ---------------------------------------------------------------------------------------------------------------

type Deviation =
  | 'two-digit-year'
  | 'date-separator'
  | 'other-date-punctuation'
  | 'year-month-only'
  | 'year-month-with-more'
  | 'unpadded-iso-date'
  | 'unpadded-iso-time'
  | 'comma-after-date'
  | 'whitespace-around-slash-form'
  | 'whitespace-around-T'
  | 'T-after-slash-date'
  | 'other-white-space-inside'
  | 'hour-only'
  | 'slash-unpadded-minute-or-second'
  | 'slash-long-fraction'
  | 'dot-without-digits'
  | 'ampm-after-iso-date'
  | 'ampm-hour-outside-1-12'
  | 'zone-before-ampm'
  | 'zone-without-time'
  | 'gmt-after-iso-time'
  | 'zone-letter-case'
  | 'offset-form'
  | 'offset-out-of-range'
  | 'hour-24'
  | 'nine-digit-fraction'
  | 'newtonsoft-zone-quirk'
  | 'range-edge'
  | 'long-padded-text'
  | 'ampm-joined-to-zone-letters';

/** Refusals the README documents as deliberate ("two-digit years … are errors here"). */
const DELIBERATE: ReadonlySet<Deviation> = new Set(['two-digit-year']);

/** Deviations with which the project reads a text MedTech refuses (pinned below too). */
const OVER_ACCEPTED: ReadonlySet<Deviation> = new Set(['ampm-joined-to-zone-letters']);

type ZoneForm = 'Z' | 'z' | 'GMT' | 'gmt' | 'hh:mm' | 'hhmm' | 'hh' | 'h' | 'h:mm' | 'hmm' | 'hh:';

interface ZoneShape {
  before: string;
  form: ZoneForm;
  sign: '+' | '-';
  hours: number;
  minutes: number;
}

interface TimeShape {
  separator: string;
  hour: number;
  hourWidth: number;
  minute: number | undefined;
  minuteWidth: number;
  second: number | undefined;
  secondWidth: number;
  fraction: string | undefined;
  ampm: string | undefined;
  ampmBefore: string;
  zoneBeforeAmpm: boolean;
  quirk: string;
}

interface Shape {
  lead: string;
  trail: string;
  order: 'ymd' | 'mdy';
  separator1: string;
  separator2: string;
  year: number;
  yearWidth: number;
  month: number;
  monthWidth: number;
  day: number | undefined;
  dayWidth: number;
  comma: boolean;
  time: TimeShape | undefined;
  zone: ZoneShape | undefined;
}

function padded(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function zoneText(zone: ZoneShape): string {
  const { sign, hours, minutes } = zone;
  switch (zone.form) {
    case 'Z':
    case 'z':
    case 'GMT':
    case 'gmt':
      return zone.form;
    case 'hh:mm':
      return `${sign}${padded(hours, 2)}:${padded(minutes, 2)}`;
    case 'hhmm':
      return `${sign}${padded(hours, 2)}${padded(minutes, 2)}`;
    case 'hh':
      return `${sign}${padded(hours, 2)}`;
    case 'h':
      return `${sign}${hours}`;
    case 'h:mm':
      return `${sign}${hours}:${padded(minutes, 2)}`;
    case 'hmm':
      return `${sign}${hours}${padded(minutes, 2)}`;
    case 'hh:':
      return `${sign}${padded(hours, 2)}:`;
  }
}

function textOf(shape: Shape): string {
  const year = padded(shape.year, shape.yearWidth);
  const month = padded(shape.month, shape.monthWidth);
  const day = shape.day === undefined ? undefined : padded(shape.day, shape.dayWidth);
  let date: string;
  if (shape.order === 'ymd') {
    date =
      day === undefined
        ? `${year}${shape.separator1}${month}`
        : `${year}${shape.separator1}${month}${shape.separator2}${day}`;
  } else {
    date = `${month}${shape.separator1}${day ?? ''}${shape.separator2}${year}`;
  }
  let text = shape.lead + date + (shape.comma ? ',' : '');
  const zone = shape.zone === undefined ? '' : shape.zone.before + zoneText(shape.zone);
  const time = shape.time;
  if (time === undefined) {
    text += zone;
  } else {
    text += time.separator + padded(time.hour, time.hourWidth);
    if (time.minute !== undefined) {
      text += ':' + padded(time.minute, time.minuteWidth);
      if (time.second !== undefined) {
        text += ':' + padded(time.second, time.secondWidth);
        if (time.fraction !== undefined) {
          text += '.' + time.fraction;
        }
        text += time.quirk;
      }
    }
    const ampm = time.ampm === undefined ? '' : time.ampmBefore + time.ampm;
    text += time.zoneBeforeAmpm ? zone + ampm : ampm + zone;
  }
  return text + shape.trail;
}

/** What may stand between a date's numbers in the forms the project reads. */
const DATE_SEPARATORS = ['/', '-', '.', ' ', ' / ', '/ ', ' /', ' - ', '- ', ' -', ' . ', '. ', ' .'];

/** The ways a shape leaves the forms the project reads (see the comment above `Deviation`). */
function deviations(shape: Shape): Set<Deviation> {
  const found = new Set<Deviation>();
  const text = textOf(shape);
  if (newtonsoftReads(text).kind !== 'string') {
    // Newtonsoft.Json's reader decides it while reading the body, and the project reads such texts first too.
    return found;
  }
  const hasDay = shape.day !== undefined;
  const iso = shape.order === 'ymd' && shape.separator1 === '-' && (!hasDay || shape.separator2 === '-');
  // The project reads `/`, `-`, `.` and a space between a date's numbers in any mix as it reads `/`.
  const numericSeparators = [shape.separator1, shape.separator2].every((s) => DATE_SEPARATORS.includes(s));
  const slash = numericSeparators && !iso;
  const printedMonth = padded(shape.month, shape.monthWidth);
  const printedDay = padded(shape.day ?? 0, shape.dayWidth);
  if (!numericSeparators) {
    found.add(/,|\.\./.test(shape.separator1 + shape.separator2) ? 'other-date-punctuation' : 'date-separator');
  }
  if (!hasDay) {
    found.add('year-month-only');
  }
  if (shape.yearWidth < 3) {
    found.add('two-digit-year');
  }
  if (iso && (printedMonth.length !== 2 || printedDay.length !== 2)) {
    found.add('unpadded-iso-date');
  }
  if (shape.comma) {
    found.add('comma-after-date');
  }
  if (slash && (shape.lead !== '' || shape.trail !== '')) {
    found.add('whitespace-around-slash-form');
  }
  if (text.length > 64 && /\s/.test(text)) {
    found.add('long-padded-text');
  }
  const time = shape.time;
  const zone = shape.zone;
  if (time !== undefined) {
    const separator = time.separator;
    const plain = /^[Tt]$/.test(separator) || /^ +$/.test(separator);
    if (/[Tt]/.test(separator)) {
      if (shape.order === 'mdy') {
        found.add('T-after-slash-date');
      } else if (!plain) {
        found.add('whitespace-around-T');
      }
    } else if (!plain) {
      found.add('other-white-space-inside');
    }
    if (/[^ ]/.test(time.ampmBefore) || (zone !== undefined && /[^ ]/.test(zone.before))) {
      found.add('other-white-space-inside');
    }
    if (time.minute === undefined) {
      found.add('hour-only');
    }
    const widths = [padded(time.hour, time.hourWidth), padded(time.minute ?? 0, time.minuteWidth)];
    if (time.second !== undefined) {
      widths.push(padded(time.second, time.secondWidth));
    }
    if (iso && widths.some((w) => w.length !== 2)) {
      found.add('unpadded-iso-time');
    }
    if (slash && widths.slice(1).some((w) => w.length !== 2)) {
      found.add('slash-unpadded-minute-or-second');
    }
    if (time.fraction === '') {
      found.add('dot-without-digits');
    }
    if (slash && time.fraction !== undefined && time.fraction.length > 7) {
      found.add('slash-long-fraction');
    }
    if (time.ampm !== undefined) {
      if (!slash) {
        found.add('ampm-after-iso-date');
      }
      if (time.hour === 0 || time.hour > 12) {
        found.add('ampm-hour-outside-1-12');
      }
      if (time.zoneBeforeAmpm && zone !== undefined) {
        found.add('zone-before-ampm');
      }
      const letters = zone !== undefined && ['Z', 'z', 'GMT', 'gmt'].includes(zone.form);
      if (letters && !time.zoneBeforeAmpm && zone.before === '') {
        found.add('ampm-joined-to-zone-letters');
      }
    }
    if (time.hour === 24) {
      found.add('hour-24');
    }
    if (time.quirk !== '') {
      found.add('newtonsoft-zone-quirk');
    }
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}$/.test(text)) {
      found.add('nine-digit-fraction');
    }
  }
  if (zone !== undefined) {
    if (time === undefined) {
      found.add('zone-without-time');
    }
    const letters = ['Z', 'z', 'GMT', 'gmt'].includes(zone.form);
    if (!slash && (zone.form === 'GMT' || zone.form === 'gmt')) {
      found.add('gmt-after-iso-time');
    }
    if (slash && (zone.form === 'z' || zone.form === 'gmt')) {
      found.add('zone-letter-case');
    }
    if (['h:mm', 'hmm', 'hh:'].includes(zone.form) || (slash && zone.form === 'h')) {
      found.add('offset-form');
    }
    // The minutes a form prints ('hh', 'h' and 'hh:' print none).
    const minutes = ['hh:mm', 'hhmm', 'h:mm', 'hmm'].includes(zone.form) ? zone.minutes : 0;
    if (!letters && (zone.hours * 60 + minutes > MAX_OFFSET_MINUTES || minutes >= 60)) {
      found.add('offset-out-of-range');
    }
    const firstDay = shape.year === 1 && shape.month === 1 && shape.day === 1;
    const lastDay = shape.year === 9999 && shape.month === 12 && shape.day === 31;
    if ((firstDay || lastDay) && !letters && zone.hours + minutes > 0) {
      found.add('range-edge');
    }
  }
  return found;
}

// --- Random shapes -------------------------------------------------------------------------------------------

const WHITE_SPACE = [' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2003', '\u3000', '\u0085', ' \t '];
const ODD_WHITE_SPACE = ['\t', '\u00a0', '\u3000', ' \t', '\u2009'];

/** Fraction digits, with the patterns rounding cares about (all nines, a 5 past the seventh digit). */
function randomFraction(r: SeededRandom, length: number): string {
  switch (r.below(5)) {
    case 0:
      return '9'.repeat(length);
    case 1:
      return length > 7 ? '9'.repeat(7 - r.below(3)).padEnd(7, '0') + '5' + '0'.repeat(length - 8) : '9'.repeat(length);
    case 2:
      return Array.from({ length }, () => r.pick(['0', '4', '5', '9'])).join('');
    default:
      return Array.from({ length }, () => String(r.below(10))).join('');
  }
}

function randomYear(r: SeededRandom): number {
  if (r.chance(0.12)) {
    return r.pick([1, 2, 99, 100, 999, 1000, 1582, 1600, 1900, 2000, 2100, 9998, 9999]);
  }
  return 1950 + r.below(100);
}

function randomZone(r: SeededRandom, slash: boolean, hasTime: boolean): ZoneShape {
  const form: ZoneForm = slash
    ? r.pick(['Z', 'GMT', 'hh:mm', 'hh:mm', 'hhmm', 'hh'] as const)
    : r.pick(['Z', 'z', 'hh:mm', 'hh:mm', 'hh:mm', 'hhmm', 'hh', 'h'] as const);
  const single = form === 'h';
  return {
    before: hasTime ? r.pick(['', '', '', ' ', '  ']) : '',
    form,
    sign: r.pick(['+', '-'] as const),
    hours: single ? r.below(10) : r.chance(0.06) ? r.pick([15, 23, 24, 99]) : r.below(15),
    minutes: r.chance(0.06) ? r.pick([60, 75, 99]) : r.pick([0, 0, 0, 0, 15, 30, 30, 45, 59]),
  };
}

function randomShape(r: SeededRandom): Shape {
  const family = r.pick(['iso', 'iso', 'iso', 'iso', 'slash-mdy', 'slash-mdy', 'slash-ymd', 'mixed'] as const);
  const iso = family === 'iso';
  const mixed = family === 'mixed';
  const year = randomYear(r);
  const month = r.chance(0.04) ? r.pick([0, 13, 99]) : 1 + r.below(12);
  const length = month >= 1 && month <= 12 ? monthLength(year, month) : 31;
  const day = r.chance(0.06) ? r.pick([0, 29, 30, 31, 32, length, length + 1]) : 1 + r.below(length);
  const shape: Shape = {
    lead: r.chance(iso ? 0.08 : 0) ? r.pick(WHITE_SPACE) : '',
    trail: r.chance(iso ? 0.08 : 0) ? r.pick(WHITE_SPACE) : '',
    order: family === 'slash-mdy' || (mixed && r.chance(0.5)) ? 'mdy' : 'ymd',
    separator1: iso ? '-' : mixed ? r.pick(DATE_SEPARATORS) : '/',
    separator2: iso ? '-' : mixed ? r.pick(DATE_SEPARATORS) : '/',
    year,
    yearWidth: 4,
    month,
    monthWidth: iso ? 2 : r.pick([1, 2]),
    day,
    dayWidth: iso ? 2 : r.pick([1, 2]),
    comma: false,
    time: undefined,
    zone: undefined,
  };
  if (r.chance(0.88)) {
    const ampm = !iso && r.chance(0.35) ? r.pick(['AM', 'PM', 'am', 'pm', 'Am', 'pM']) : undefined;
    const hasSecond = r.chance(0.8);
    const hour = r.chance(0.03)
      ? r.pick([24, 25, 99])
      : ampm === undefined || r.chance(0.05)
        ? r.below(24)
        : 1 + r.below(12);
    shape.time = {
      separator: iso ? r.pick(['T', 'T', 'T', 'T', 't', ' ', ' ', '  ']) : r.pick([' ', ' ', ' ', '  ']),
      hour,
      hourWidth: iso ? 2 : r.pick([1, 2]),
      minute: r.chance(0.03) ? r.pick([60, 99]) : r.below(60),
      minuteWidth: 2,
      second: hasSecond ? (r.chance(0.03) ? r.pick([60, 61, 99]) : r.below(60)) : undefined,
      secondWidth: 2,
      fraction:
        hasSecond && r.chance(0.5)
          ? randomFraction(r, r.pick([1, 2, 3, 3, 3, 4, 5, 6, 6, 7, 7, 7, 8, 9, 9, 9, 10, 12]))
          : undefined,
      ampm,
      ampmBefore: r.pick([' ', ' ', '', '  ']),
      zoneBeforeAmpm: false,
      quirk: '',
    };
    if (!iso && shape.time.fraction !== undefined && shape.time.fraction.length > 7) {
      shape.time.fraction = shape.time.fraction.slice(0, 1 + r.below(7));
    }
  }
  if (shape.time !== undefined && r.chance(0.55)) {
    shape.zone = randomZone(r, !iso, true);
  }
  if (r.chance(0.45)) {
    deviate(r, shape);
  }
  return shape;
}

/** Moves a shape out of the project's forms in one way (the way `deviations` then names). */
function deviate(r: SeededRandom, shape: Shape): void {
  const iso = shape.separator1 === '-';
  const time = shape.time;
  switch (r.below(25)) {
    case 0:
      if (r.chance(0.4)) {
        // Three digits: that year as written, however small (`023` is the year 23).
        shape.yearWidth = 3;
        shape.year %= 1000;
        break;
      }
      shape.yearWidth = 2;
      shape.year %= 100;
      if (iso) {
        shape.order = 'mdy';
        shape.separator1 = '/';
        shape.separator2 = '/';
      }
      break;
    case 1:
      if (iso) {
        shape.separator1 = r.pick(['.', '/', ' ', ' - ', '. ']);
        shape.separator2 = r.pick(['.', '-', ' ', ' -', ' / ']);
      } else {
        shape.separator1 = r.pick(['-', '.', ' ', '- ', ' . ', ',', '..']);
        shape.separator2 = r.pick(['-', '.', '/', ' ', ' /', ' .', ', ']);
      }
      break;
    case 2:
      shape.day = undefined;
      shape.order = 'ymd';
      if (r.chance(0.7)) {
        shape.time = undefined;
        shape.zone = undefined;
      }
      break;
    case 3:
      if (iso) {
        shape.month = 1 + r.below(9);
        shape.day = 1 + r.below(9);
        shape.monthWidth = r.pick([1, 2]);
        shape.dayWidth = shape.monthWidth === 2 ? 1 : r.pick([1, 2]);
      }
      break;
    case 4:
      if (time !== undefined) {
        time.hour = r.below(10);
        time.hourWidth = 1;
        if (iso) {
          time.separator = r.pick([' ', 'T']);
        }
      }
      break;
    case 5:
      shape.comma = true;
      break;
    case 6:
      shape.lead = r.pick(WHITE_SPACE);
      shape.trail = r.chance(0.5) ? r.pick(WHITE_SPACE) : '';
      break;
    case 7:
      if (time !== undefined) {
        time.separator = iso ? r.pick([' T', 'T ', '  T  ', '\tT', 't ']) : r.pick(['T', ' T']);
      }
      break;
    case 8:
      if (time !== undefined) {
        time.separator = r.pick(ODD_WHITE_SPACE);
        if (shape.zone !== undefined && r.chance(0.5)) {
          shape.zone.before = r.pick(ODD_WHITE_SPACE);
        }
      }
      break;
    case 9:
      if (time !== undefined) {
        time.minute = undefined;
        time.second = undefined;
        time.fraction = undefined;
        if (!iso && time.ampm === undefined) {
          time.ampm = r.pick(['AM', 'PM']);
          time.hour = 1 + r.below(12);
        }
      }
      break;
    case 10:
      if (time !== undefined && !iso) {
        time.minute = r.below(10);
        time.minuteWidth = 1;
        if (time.second !== undefined && r.chance(0.5)) {
          time.second = r.below(10);
          time.secondWidth = 1;
        }
      }
      break;
    case 11:
      if (time !== undefined) {
        time.second ??= r.below(60);
        time.fraction = randomFraction(r, 8 + r.below(5));
      }
      break;
    case 12:
      if (time !== undefined) {
        time.second ??= r.below(60);
        time.fraction = '';
      }
      break;
    case 13:
      if (time !== undefined && iso) {
        time.separator = r.pick([' ', '  ']);
        time.ampm = r.pick(['AM', 'PM', 'pm']);
        time.ampmBefore = r.pick([' ', '']);
        time.hour = 1 + r.below(12);
      }
      break;
    case 14:
      if (time !== undefined && !iso) {
        time.ampm = r.pick(['AM', 'PM', 'am', 'pm']);
        time.hour = r.chance(0.3) ? 0 : 13 + r.below(11);
      }
      break;
    case 15:
      if (time !== undefined && !iso) {
        time.ampm ??= r.pick(['AM', 'PM']);
        time.zoneBeforeAmpm = true;
        if (r.chance(0.3)) {
          // An hour alone, then the zone, then AM/PM: .NET wants AM/PM right after the hour.
          time.minute = undefined;
          time.second = undefined;
          time.fraction = undefined;
        }
        shape.zone ??= randomZone(r, true, true);
        shape.zone.before = ' ';
      }
      break;
    case 16:
      shape.time = undefined;
      shape.zone = randomZone(r, !iso, false);
      shape.zone.before = r.pick(['', ' ']);
      break;
    case 17:
      if (time !== undefined) {
        shape.zone = randomZone(r, !iso, true);
        shape.zone.form = iso ? r.pick(['GMT', 'gmt'] as const) : r.pick(['z', 'gmt'] as const);
        if (iso && time.separator !== ' ') {
          time.separator = ' ';
        }
      }
      break;
    case 18:
      if (time !== undefined) {
        shape.zone = randomZone(r, !iso, true);
        shape.zone.form = r.pick(['h:mm', 'hmm', 'hh:'] as const);
        shape.zone.hours = r.below(10);
      }
      break;
    case 19:
      if (time !== undefined) {
        shape.zone = randomZone(r, !iso, true);
        shape.zone.form = 'hh:mm';
        shape.zone.hours = 14 + r.below(86);
        shape.zone.minutes = r.below(100);
      }
      break;
    case 20:
      if (time !== undefined && iso) {
        time.separator = 'T';
        time.hour = 24;
        time.minute = 0;
        time.second = 0;
        time.fraction = r.chance(0.5) ? undefined : '0'.repeat(1 + r.below(7));
      }
      break;
    case 21:
      if (time !== undefined && iso) {
        shape.lead = '';
        shape.trail = '';
        shape.zone = undefined;
        time.separator = 'T';
        time.second ??= r.below(60);
        time.fraction = randomFraction(r, 9);
      }
      break;
    case 22:
      if (time !== undefined && iso) {
        time.separator = 'T';
        time.second ??= r.below(60);
        time.quirk = r.pick([':30', '12', ':']);
        shape.zone = undefined;
        shape.lead = '';
        shape.trail = '';
      }
      break;
    case 23:
      // Commas, dots and white space between the date and what follows it.
      if (time !== undefined && !iso) {
        time.separator = r.pick(['.', ' .', '. ', ',', ' , ', ',,', '.,. ']);
      } else if (time === undefined) {
        shape.zone ??= randomZone(r, !iso, false);
        shape.zone.before = r.pick([',', '.', ' , ', '. ']);
      }
      break;
    default:
      shape.year = r.pick([1, 9999]);
      shape.month = shape.year === 1 ? 1 : 12;
      shape.day = shape.year === 1 ? 1 : 31;
      shape.zone ??= randomZone(r, !iso, shape.time !== undefined);
      break;
  }
}

// --- Grids --------------------------------------------------------------------------------------------------

function baseShape(overrides: Partial<Shape>): Shape {
  return {
    lead: '',
    trail: '',
    order: 'ymd',
    separator1: '-',
    separator2: '-',
    year: 2023,
    yearWidth: 4,
    month: 3,
    monthWidth: 2,
    day: 13,
    dayWidth: 2,
    comma: false,
    time: undefined,
    zone: undefined,
    ...overrides,
  };
}

function timeShape(overrides: Partial<TimeShape>): TimeShape {
  return {
    separator: 'T',
    hour: 22,
    hourWidth: 2,
    minute: 46,
    minuteWidth: 2,
    second: 1,
    secondWidth: 2,
    fraction: undefined,
    ampm: undefined,
    ampmBefore: ' ',
    zoneBeforeAmpm: false,
    quirk: '',
    ...overrides,
  };
}

const UTC: ZoneShape = { before: '', form: 'Z', sign: '+', hours: 0, minutes: 0 };

function gridShapes(): Shape[] {
  const shapes: Shape[] = [];
  // Calendar: every month 0–13 and day 0–32 of common, leap and edge years, in the three date families.
  for (const year of [1, 4, 100, 1900, 2000, 2023, 2024, 9999]) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) {
        shapes.push(baseShape({ year, month, day }));
        // The output form itself (toUtcTimestamp returns it unchanged once it has checked it).
        shapes.push(
          baseShape({
            year,
            month,
            day,
            time: timeShape({ hour: 12, minute: 0, second: 0, fraction: '000' }),
            zone: UTC,
          }),
        );
        shapes.push(
          baseShape({ year, month, day, order: 'mdy', separator1: '/', separator2: '/', monthWidth: 1, dayWidth: 1 }),
        );
        if (day % 4 === 0) {
          shapes.push(
            baseShape({
              year,
              month,
              day,
              separator1: '/',
              separator2: '/',
              time: timeShape({ separator: ' ', hour: 23, minute: 59 }),
            }),
          );
          shapes.push(
            baseShape({ year, month, day, time: timeShape({ hour: 23, minute: 59, second: 59, fraction: '9999999' }) }),
          );
        }
      }
    }
  }
  // A 12-hour clock: hours 0–25 with AM/PM in either case, and without.
  for (let hour = 0; hour <= 25; hour++) {
    for (const ampm of ['AM', 'PM', 'am', 'pm', undefined]) {
      for (const minute of [0, 59]) {
        const time = timeShape({ separator: ' ', hour, hourWidth: 1, minute, second: undefined, ampm });
        shapes.push(baseShape({ order: 'mdy', separator1: '/', separator2: '/', monthWidth: 1, time }));
        shapes.push(baseShape({ separator1: '/', separator2: '/', time: { ...time, second: 30 } }));
      }
    }
  }
  // Offsets: hours 0–16 and 99, minutes 0–99 at steps, in every form, both signs, after a 'T' time and a spaced one.
  for (const form of ['hh:mm', 'hhmm', 'hh', 'h', 'h:mm', 'hmm', 'hh:'] as const) {
    for (const hours of [0, 1, 5, 9, 10, 12, 13, 14, 15, 16, 99]) {
      for (const minutes of [0, 1, 30, 59, 60, 99]) {
        for (const sign of ['+', '-'] as const) {
          const zone: ZoneShape = { before: '', form, sign, hours, minutes };
          if ((form === 'h' || form === 'h:mm' || form === 'hmm') && hours > 9) {
            continue;
          }
          shapes.push(baseShape({ time: timeShape({}), zone }));
          shapes.push(
            baseShape({ time: timeShape({ separator: ' ', second: undefined }), zone: { ...zone, before: ' ' } }),
          );
          shapes.push(baseShape({ separator1: '/', separator2: '/', time: timeShape({ separator: ' ' }), zone }));
        }
      }
    }
  }
  // Fractions: 0–12 digits of each rounding pattern, with and without a zone, after 'T', 't' and a space.
  for (let length = 0; length <= 12; length++) {
    for (const digits of [
      '9',
      '5',
      '0',
      '1',
      '49',
      '95',
      '9995',
      '12345678901',
      '99999994',
      '12399994',
      '1239999649',
    ]) {
      const fraction = digits.repeat(12).slice(0, length);
      for (const separator of ['T', 't', ' ']) {
        for (const zone of [undefined, { before: '', form: 'Z', sign: '+', hours: 0, minutes: 0 } as ZoneShape]) {
          shapes.push(
            baseShape({
              year: 2021,
              month: 12,
              day: 31,
              time: timeShape({ separator, hour: 23, minute: 59, second: 59, fraction }),
              zone,
            }),
          );
          shapes.push(
            baseShape({
              year: 9999,
              month: 12,
              day: 31,
              time: timeShape({ separator, hour: 23, minute: 59, second: 59, fraction }),
              zone,
            }),
          );
        }
      }
    }
  }
  // White space around the text and inside it.
  for (const space of [...WHITE_SPACE, '\ufeff', '\u200b', '\u180e']) {
    const time = timeShape({ separator: 'T' });
    const zone: ZoneShape = { before: '', form: 'Z', sign: '+', hours: 0, minutes: 0 };
    shapes.push(baseShape({ lead: space, time, zone }));
    shapes.push(baseShape({ trail: space, time, zone }));
    shapes.push(baseShape({ lead: space, trail: space }));
    shapes.push(baseShape({ time: { ...time, separator: space }, zone }));
    shapes.push(baseShape({ time, zone: { ...zone, before: space } }));
    shapes.push(
      baseShape({ lead: space, order: 'mdy', separator1: '/', separator2: '/', time: timeShape({ separator: ' ' }) }),
    );
  }
  return shapes;
}

// --- The comparison itself ----------------------------------------------------------------------------------

interface Tally {
  compared: number;
  bothAccepted: number;
  bothRefused: number;
  outOfScope: number;
  deliberate: Map<string, string[]>;
  differences: Map<string, string[]>;
  failures: string[];
}

function compare(shapes: Shape[], source: TokenSource = 'body'): Tally {
  const tally: Tally = {
    compared: 0,
    bothAccepted: 0,
    bothRefused: 0,
    outOfScope: 0,
    deliberate: new Map(),
    differences: new Map(),
    failures: [],
  };
  const note = (map: Map<string, string[]>, key: string, text: string): void => {
    const list = map.get(key) ?? [];
    list.push(text);
    map.set(key, list);
  };
  for (const shape of shapes) {
    const text = textOf(shape);
    const found = deviations(shape);
    const reading = medTechReads(text, source);
    const ours = toUtcTimestamp(text, source);
    if (reading.kind === 'outOfScope') {
      tally.outOfScope++;
      continue;
    }
    tally.compared++;
    const theirs = reading.kind === 'accepted' ? reading.iso : undefined;
    const label = `${JSON.stringify(text)}: toUtcTimestamp ${String(ours)}, MedTech ${String(theirs)} (${reading.kind === 'accepted' ? reading.via : reading.why})`;
    if (ours === theirs) {
      if (ours === undefined) {
        tally.bothRefused++;
      } else {
        tally.bothAccepted++;
      }
      continue;
    }
    if (ours !== undefined) {
      // The project reads a time: it must be MedTech's.
      if (theirs === undefined && [...found].some((d) => OVER_ACCEPTED.has(d))) {
        note(tally.differences, [...found].filter((d) => OVER_ACCEPTED.has(d)).join('+'), text);
      } else {
        tally.failures.push(label);
      }
      continue;
    }
    // The project refuses a text MedTech reads.
    const deliberate = [...found].filter((d) => DELIBERATE.has(d));
    if (deliberate.length > 0) {
      note(tally.deliberate, deliberate.join('+'), text);
    } else if (found.size > 0) {
      note(tally.differences, [...found].sort().join('+'), text);
    } else {
      tally.failures.push(label);
    }
  }
  return tally;
}

// ---------------------------------------------------------------------------------------------------------------
// Known differences: MedTech reads these, toUtcTimestamp refuses them (or reads another instant). Each case asserts
// toUtcTimestamp's current behaviour and what MedTech gives, with the .NET or Newtonsoft rule that decides it.
// ---------------------------------------------------------------------------------------------------------------

interface Difference {
  deviation: Deviation;
  text: string;
  ours: string | undefined;
  medTech: string | undefined;
  source: string;
}

const DIFFERENCES: Difference[] = [
  {
    deviation: 'year-month-with-more',
    text: '2023-03 +01:00',
    ours: undefined,
    medTech: '2023-02-28T23:00:00.000Z',
    source:
      'DTP: D_YN then an offset (a zone letter there fails: "2023-03Z"); the project reads a year and month alone',
  },
  {
    deviation: 'year-month-with-more',
    text: '2023/09.',
    ours: undefined,
    medTech: '2023-09-01T00:00:00.000Z',
    source: "DTFI CreateTokenHashTable: '.' is an IgnorableSymbol",
  },
  {
    deviation: 'other-date-punctuation',
    text: '2023,3,13',
    ours: undefined,
    medTech: '2023-03-13T00:00:00.000Z',
    source: "DTFI CreateTokenHashTable: ',' is an IgnorableSymbol; the project takes commas only after the date",
  },
  {
    deviation: 'other-date-punctuation',
    text: '3, 13, 2023 10:00',
    ours: undefined,
    medTech: '2023-03-13T10:00:00.000Z',
    source: 'as above',
  },
  {
    deviation: 'other-date-punctuation',
    text: '2023..3..13',
    ours: undefined,
    medTech: '2023-03-13T00:00:00.000Z',
    source: "as above for '.': the project takes one between the date's numbers",
  },
  {
    deviation: 'range-edge',
    text: '0001-01-01 00:30:00+01:00',
    ours: undefined,
    medTech: '0001-01-01T23:30:00.000Z',
    source: 'DTP AdjustTimeZoneToLocal: a value below one day ("time of day") wraps within the day',
  },
  {
    deviation: 'long-padded-text',
    text: '2021-07-13' + ' '.repeat(60) + '10:00',
    ours: undefined,
    medTech: '2021-07-13T10:00:00.000Z',
    source: 'DateTime.Parse has no length limit (toUtcTimestamp stops at 64 characters inside the padding)',
  },
];

/**
 * Former differences: texts Newtonsoft.Json's own reader turns into dates while it reads the body, which the project
 * now reads first, as MedTech does (shared/core/normalize/newtonsoftDateTimes.ts); year-first dates with unpadded
 * fields, AM/PM or GMT, commas, dots and white space after the date, AM/PM with a 24-hour time, offsets of one to four
 * digits, white space around month/day/year texts, zones in lower case, one-digit minutes and seconds, fractions of
 * any length, a date with a zone and no time, tabs and other white space inside, white space around `T`, `.`, `-` or
 * a space between the date's numbers in any mix, `T` after any year-first date, a dot with no digits, an hour alone
 * with AM/PM, a zone before AM/PM, a year and a month alone, which DateTime.Parse reads
 * (shared/core/normalize/dotNetDateTimes.ts); and texts the project read and MedTech refuses.
 */
const FORMER_DIFFERENCES: Omit<Difference, 'ours'>[] = [
  {
    deviation: 'long-padded-text',
    text: ' '.repeat(60) + '2021-07-13',
    medTech: '2021-07-13T00:00:00.000Z',
    source: 'DateTime.Parse has no length limit; padding around the text is trimmed before the 64-character bound',
  },
  {
    deviation: 'date-separator',
    text: '2023 - 3 - 13T10:00',
    medTech: '2023-03-13T10:00:00.000Z',
    source: 'DTP Lex skips white space around a separator; T after year/number/number → ParseISO8601',
  },
  {
    deviation: 'date-separator',
    text: '3 -13 -2023 10:00',
    medTech: '2023-03-13T10:00:00.000Z',
    source: "as above ('-' before a number is a date separator there, not a sign)",
  },
  {
    deviation: 'dot-without-digits',
    text: '2021-07-13 17:29.',
    medTech: '2021-07-13T17:29:00.000Z',
    source: "DTP Lex: a '.' after the minutes with no digit after it is an IgnorableSymbol",
  },
  {
    deviation: 'dot-without-digits',
    text: '3/13/2023 10:46. PM',
    medTech: '2023-03-13T22:46:00.000Z',
    source: 'as above',
  },
  {
    deviation: 'comma-after-date',
    text: '3/13/2023.10:00',
    medTech: '2023-03-13T10:00:00.000Z',
    source: "DTFI CreateTokenHashTable: '.' and ',' are IgnorableSymbols between the date and the time",
  },
  {
    deviation: 'comma-after-date',
    text: '2023/3/13 .,. 10:00 PM',
    medTech: '2023-03-13T22:00:00.000Z',
    source: 'as above',
  },
  {
    deviation: 'zone-without-time',
    text: '3/13/2023 ,Z',
    medTech: '2023-03-13T00:00:00.000Z',
    source: 'as above, before a zone',
  },
  {
    deviation: 'comma-after-date',
    text: '2013-06-30,',
    medTech: '2013-06-30T00:00:00.000Z',
    source: 'DTFI CreateTokenHashTable: a comma is ignorable anywhere; the project takes one only before the time',
  },
  {
    deviation: 'unpadded-iso-date',
    text: '1977-7-03t11:44 Z',
    medTech: '1977-07-03T11:44:00.000Z',
    source: 'the unpadded date now read (dotNetDateTimes.ts) takes only `T` and no space before the zone',
  },
  {
    deviation: 'date-separator',
    text: '2023.03.13 10:00:00',
    medTech: '2023-03-13T10:00:00.000Z',
    source:
      "DTFI CreateTokenHashTable: '.' is an IgnorableSymbol, so the numbers are space-separated (D_Y → D_YN → DX_YNN)",
  },
  {
    deviation: 'date-separator',
    text: '03.13.2023',
    medTech: '2023-03-13T00:00:00.000Z',
    source: 'as above; three numbers are month/day/year (GetDayOfNNY, ORDER_MDY)',
  },
  {
    deviation: 'date-separator',
    text: '3-13-2023 22:46',
    medTech: '2023-03-13T22:46:00.000Z',
    source: "'-' is SEP_DateOrOffset, a date separator where the state table allows one (D_Nd → D_NNd → DX_NNY)",
  },
  {
    deviation: 'date-separator',
    text: '2023/03-13',
    medTech: '2023-03-13T00:00:00.000Z',
    source: "DTP Lex: '/' (SEP_Date) and '-' (SEP_DateOrOffset) are both NumDatesep after a year",
  },
  {
    deviation: 'T-after-slash-date',
    text: '2021/07/13T17:29:01',
    medTech: '2021-07-13T17:29:01.000Z',
    source: "DTP TryParse: 'T' after year/number/number in D_YNd → ParseISO8601, whatever the date separator",
  },
  {
    deviation: 'zone-without-time',
    text: '3/13/2023Z',
    medTech: '2023-03-13T00:00:00.000Z',
    source: 'as above (YearSpace → DX_NNY, then TimeZone)',
  },
  {
    deviation: 'dot-without-digits',
    text: '2021-07-13 17:29:01.',
    medTech: '2021-07-13T17:29:01.000Z',
    source: "DTP Lex reads a fraction only with two characters left; '.' is then an IgnorableSymbol",
  },
  {
    deviation: 'dot-without-digits',
    text: '3/13/2023 22:46:01.Z',
    medTech: '2023-03-13T22:46:01.000Z',
    source: 'DTP Lex: "ParseFraction just removes the dot"',
  },
  {
    deviation: 'year-month-only',
    text: '2023-03',
    medTech: '2023-03-01T00:00:00.000Z',
    source: 'DTP GetDayOfYN: a year and one number is that month, day 1',
  },
  {
    deviation: 'hour-only',
    text: '3/13/2023 10 PM',
    medTech: '2023-03-13T22:00:00.000Z',
    source: 'DTP GetTimeOfN: an hour alone with AM/PM (BEGIN + NumAmpm → TX_N)',
  },
  {
    deviation: 'zone-before-ampm',
    text: '3/13/2023 10:46:01 -0800 PM',
    medTech: '2023-03-14T06:46:01.000Z',
    source: 'DTP Lex: HandleTimeZone after the seconds, then SEP_Pm',
  },
  {
    deviation: 'whitespace-around-T',
    text: '2021-07-13 T17:29:01',
    medTech: '2021-07-13T17:29:01.000Z',
    source: "__DTString.GetSeparatorToken skips white space before the 'T' (SEP_LocalTimeMark)",
  },
  {
    deviation: 'whitespace-around-T',
    text: '2021-07-13T 17:29',
    medTech: '2021-07-13T17:29:00.000Z',
    source: 'DTP ParseISO8601: str.SkipWhiteSpaces() before the hour (and between every part)',
  },
  {
    deviation: 'other-white-space-inside',
    text: '2021-07-13\t17:29:01',
    medTech: '2021-07-13T17:29:01.000Z',
    source: 'char.IsWhiteSpace separates tokens (GetSeparatorToken); toUtcTimestamp collapses only spaces',
  },
  {
    deviation: 'other-white-space-inside',
    text: '2021-07-13T17:29:01\tZ',
    medTech: '2021-07-13T17:29:01.000Z',
    source: 'DTP ParseISO8601: SkipWhiteSpaces before the zone',
  },
  {
    deviation: 'zone-without-time',
    text: '2021-07-13Z',
    medTech: '2021-07-13T00:00:00.000Z',
    source: "DTP Lex: 'Z' is no separator (NumSpace → DX_YNN), then a TimeZoneToken (BEGIN + TimeZone → BEGIN)",
  },
  {
    deviation: 'zone-without-time',
    text: '2021-07-13 +02:00',
    medTech: '2021-07-12T22:00:00.000Z',
    source: "DTP Lex, UnknownToken: '+' or '-' starts ParseTimeZone",
  },
  {
    deviation: 'zone-without-time',
    text: '2021-07-13-05:00',
    medTech: '2021-07-13T05:00:00.000Z',
    source:
      'DTP Lex, SEP_DateOrOffset: "roll back the index so that the outer loop can attempt to parse the time zone offset"',
  },
  {
    deviation: 'unpadded-iso-time',
    text: '1999-12-08 1:10:15.9999999999',
    medTech: '1999-12-08T01:10:16.000Z',
    source: 'DTP ParseFraction reads every digit; the unpadded form read here (dotNetDateTimes.ts) takes up to seven',
  },
  {
    deviation: 'slash-long-fraction',
    text: '3/13/2023 22:46:01.12345678',
    medTech: '2023-03-13T22:46:01.123Z',
    source: 'DTP ParseFraction reads every digit (dotNetDateTimes.ts stops at 7)',
  },
  {
    deviation: 'ampm-after-iso-date',
    text: '2031-11-27  12:25:22AM ',
    medTech: '2031-11-27T00:25:22.000Z',
    source: 'as above: white space after the text',
  },
  {
    deviation: 'gmt-after-iso-time',
    text: '2014-12-24 21:15:59.5 gmt',
    medTech: '2014-12-24T21:15:59.500Z',
    source: 'as above: gmt in lower case',
  },
  {
    deviation: 'whitespace-around-slash-form',
    text: ' 3/13/2023',
    medTech: '2023-03-13T00:00:00.000Z',
    source: '__DTString.GetRegularToken skips white space before every token',
  },
  {
    deviation: 'whitespace-around-slash-form',
    text: '3/13/2023 10:46:01 PM ',
    medTech: '2023-03-13T22:46:01.000Z',
    source: '__DTString.GetSeparatorToken: white space then the end is SEP_End',
  },
  {
    deviation: 'zone-letter-case',
    text: '3/13/2023 22:46:01z',
    medTech: '2023-03-13T22:46:01.000Z',
    source: 'DTFI Tokenize: tokens compare with CompareOptions.IgnoreCase',
  },
  {
    deviation: 'zone-letter-case',
    text: '3/13/2023 22:46:01 gmt',
    medTech: '2023-03-13T22:46:01.000Z',
    source: 'as above',
  },
  {
    deviation: 'slash-unpadded-minute-or-second',
    text: '3/13/2023 10:5:7',
    medTech: '2023-03-13T10:05:07.000Z',
    source: 'DTP GetRegularToken: minutes and seconds are 1–2 digit numbers too',
  },
  {
    deviation: 'unpadded-iso-time',
    text: '2046-07-17 8:26:21-9',
    medTech: '2046-07-17T17:26:21.000Z',
    source: 'as above: a one-digit offset hour after a year-first date',
  },
  {
    deviation: 'offset-form',
    text: '2021-07-13T17:29:01+1:00',
    medTech: '2021-07-13T16:29:01.000Z',
    source: 'DTP ParseTimeZone: 1 or 2 digits of hour, then ":" and 1 or 2 digits of minute',
  },
  {
    deviation: 'offset-form',
    text: '2021-07-13T17:29:01+05:3',
    medTech: '2021-07-13T12:26:01.000Z',
    source: 'as above: one digit of minute',
  },
  {
    deviation: 'offset-form',
    text: '2021-07-13T17:29:01+100',
    medTech: '2021-07-13T16:29:01.000Z',
    source: 'DTP ParseTimeZone: "Parsing "+800" or "+0800"": three digits are hmm',
  },
  {
    deviation: 'offset-form',
    text: '3/13/2023 22:46:01 +5',
    medTech: '2023-03-13T17:46:01.000Z',
    source: 'DTP HandleTimeZone → ParseTimeZone: "+8"',
  },
  {
    deviation: 'comma-after-date',
    text: '3/13/2023, 10:46:01 PM',
    medTech: '2023-03-13T22:46:01.000Z',
    source:
      "DTFI CreateTokenHashTable: ',' is an IgnorableSymbol; DTP Lex skips it (JavaScript's toLocaleString('en-US') form)",
  },
  {
    deviation: 'comma-after-date',
    text: '3/13/2023, 10:46:01\u202fPM',
    medTech: '2023-03-13T22:46:01.000Z',
    source: "as above; U+202F (ICU 72's toLocaleString) is white space to char.IsWhiteSpace",
  },
  {
    deviation: 'ampm-hour-outside-1-12',
    text: '3/13/2023 13:00 PM',
    medTech: '2023-03-13T13:00:00.000Z',
    source: 'DTP AdjustHour: PM takes hours 0–23',
  },
  {
    deviation: 'ampm-hour-outside-1-12',
    text: '3/13/2023 0:30 AM',
    medTech: '2023-03-13T00:30:00.000Z',
    source: 'DTP AdjustHour: AM takes hours 0–12',
  },
  {
    deviation: 'ampm-hour-outside-1-12',
    text: '3/13/2023 00:00 PM',
    medTech: '2023-03-13T12:00:00.000Z',
    source: 'DTP AdjustHour: PM below 12 adds 12',
  },
  {
    deviation: 'ampm-after-iso-date',
    text: '2023-03-13 10:46:01 PM',
    medTech: '2023-03-13T22:46:01.000Z',
    source: 'DTP Lex: SEP_Pm after the seconds (NumAmpm → TX_NNN), then AdjustHour',
  },
  {
    deviation: 'unpadded-iso-date',
    text: '2023-3-13',
    medTech: '2023-03-13T00:00:00.000Z',
    source: "DTP GetRegularToken: a 1–2 digit number; '-' is SEP_DateOrOffset (D_Y → D_YNd → DX_YNN, GetDayOfYNN)",
  },
  {
    deviation: 'unpadded-iso-date',
    text: '2021-7-3T17:29:01',
    medTech: '2021-07-03T17:29:01.000Z',
    source: 'DTP TryParse: NumLocalTimeMark in D_YNd → ParseISO8601 (17 characters: not tried by Newtonsoft)',
  },
  {
    deviation: 'unpadded-iso-time',
    text: '2021-07-13 7:29:01',
    medTech: '2021-07-13T07:29:01.000Z',
    source: 'DTP Lex: hour, minute and second are 1–2 digit numbers (T_Nt → T_NNt → TX_NNN)',
  },
  {
    deviation: 'gmt-after-iso-time',
    text: '2021-07-13 17:29:01 GMT',
    medTech: '2021-07-13T17:29:01.000Z',
    source: 'DTFI CreateTokenHashTable: "GMT" is a TimeZoneToken (not in the ISO8601 path, which takes only Z/z)',
  },
  {
    deviation: 'ampm-joined-to-zone-letters',
    text: '3/13/2023 10:46 amGMT',
    medTech: undefined,
    source: 'as above',
  },
  {
    deviation: 'ampm-joined-to-zone-letters',
    text: '3/13/2023 10:46:01 PMZ',
    medTech: undefined,
    source:
      'DTFI Tokenize: a token that starts with a letter matches only if the next character is no letter, so "PMZ" is ' +
      'one unknown word and DTP Lex fails on it (dotNetDateTimes.ts read AM/PM and Z/GMT with no space between)',
  },
  {
    deviation: 'offset-form',
    text: '2021-07-13T17:29:01+05:',
    medTech: '2021-07-13T12:29:01.000Z',
    source: "NS DateTimeParser.cs:205-217: after '+hh' a ':' may end the text (the minute is optional)",
  },
  {
    deviation: 'offset-out-of-range',
    text: '2021-07-13T17:29:01+15:00',
    medTech: '2021-07-13T02:29:01.000Z',
    source:
      'NS DateTimeParser.cs:187-189 reads any zone hour 00–99 and DateTimeUtils.cs:253-259 applies it (no ±14:00 limit)',
  },
  {
    deviation: 'offset-out-of-range',
    text: '2021-07-13T17:29:01+05:60',
    medTech: '2021-07-13T11:29:01.000Z',
    source: 'NS DateTimeParser.cs:211-215: zone minute 00–99, applied as TimeSpan(5, 60, 0)',
  },
  {
    deviation: 'hour-24',
    text: '2021-07-13T24:00:00',
    medTech: '2021-07-14T00:00:00.000Z',
    source: 'NS DateTimeParser.cs:126,133 (hour 24 with :00:00) and DateTimeUtils.cs:324-340 (AddDays(1))',
  },
  {
    deviation: 'hour-24',
    text: '2021-12-31T24:00:00.000Z',
    medTech: '2022-01-01T00:00:00.000Z',
    source: 'as above; NS DateTimeParser.cs:167 allows a zero fraction',
  },
  {
    deviation: 'nine-digit-fraction',
    text: '2021-12-31T23:59:59.999999999',
    medTech: '2021-12-31T23:59:59.999Z',
    source:
      'NS DateTimeParser.cs:144 stops after 7 digits and ParseZone (:220-225) takes the last two as an ignored "zone minute": ' +
      'truncated, not rounded (Java LocalDateTime.toString writes 9 digits without zone)',
  },
  {
    deviation: 'nine-digit-fraction',
    text: '2021-07-13T17:29:01.123999999',
    medTech: '2021-07-13T17:29:01.123Z',
    source: 'as above',
  },
  {
    deviation: 'newtonsoft-zone-quirk',
    text: '2021-07-13T17:29:01:30',
    medTech: '2021-07-13T17:29:01.000Z',
    source:
      "NS DateTimeParser.cs:205-216: a ':' and two digits after the seconds are read as a zone minute and ignored",
  },
  {
    deviation: 'newtonsoft-zone-quirk',
    text: '2021-07-13T17:29:0112',
    medTech: '2021-07-13T17:29:01.000Z',
    source: 'NS DateTimeParser.cs:220-225: two digits after the seconds, likewise',
  },
  {
    deviation: 'range-edge',
    text: '0001-01-01T00:00:00+01:00',
    medTech: '0001-01-01T00:00:00.000Z',
    source: 'NS DateTimeUtils.cs:256-270: before DateTime.MinValue the value is clamped to it',
  },
  {
    deviation: 'range-edge',
    text: '9999-12-31T23:30:00-01:00',
    medTech: '9999-12-31T23:59:59.999Z',
    source: 'NS DateTimeUtils.cs:236-250: past DateTime.MaxValue the value is clamped to it',
  },
];

/** Forms the README documents as deliberately refused. */
const DELIBERATE_REFUSALS: Difference[] = [
  {
    deviation: 'two-digit-year',
    text: '3/13/23',
    ours: undefined,
    medTech: '2023-03-13T00:00:00.000Z',
    source: 'DTP GetDayOfNNN → TryAdjustYear → Calendar.ToFourDigitYear (README: two-digit years are errors here)',
  },
];

describe('former differences from MedTech', () => {
  it.each(FORMER_DIFFERENCES.map((d) => [d.deviation, d.text, d] as const))('%s: %j', (_deviation, text, former) => {
    expect(medTech(text)).toBe(former.medTech);
    expect(toUtcTimestamp(text)).toBe(former.medTech);
  });
});

describe('differences from MedTech', () => {
  it.each(DIFFERENCES.map((d) => [d.deviation, d.text, d] as const))('%s: %j', (_deviation, text, difference) => {
    // Current behaviour of toUtcTimestamp…
    expect(toUtcTimestamp(text)).toBe(difference.ours);
    // …and what MedTech gives (difference.source names the rule).
    expect(medTech(text)).toBe(difference.medTech);
  });

  it.each(DELIBERATE_REFUSALS.map((d) => [d.deviation, d.text, d] as const))(
    'deliberately refused (README) %s: %j',
    (_deviation, text, difference) => {
      expect(toUtcTimestamp(text)).toBe(difference.ours);
      expect(medTech(text)).toBe(difference.medTech);
    },
  );
});

describe('toUtcTimestamp against the oracle', () => {
  const pinned = new Set<string>(DIFFERENCES.map((d) => d.deviation));

  function check(tally: Tally, minimumCompared: number): void {
    expect(tally.failures.slice(0, 20)).toEqual([]);
    expect(tally.compared).toBeGreaterThanOrEqual(minimumCompared);
    // Every deviation that made a difference is pinned above with the rule that decides it.
    const unpinned = [...tally.differences.entries()].filter(([key]) => !key.split('+').some((d) => pinned.has(d)));
    expect(unpinned.map(([key, texts]) => `${key}: ${JSON.stringify(texts.slice(0, 3))}`)).toEqual([]);
  }

  it('agrees on grids of dates, 12-hour clocks, offsets, fractions and white space', () => {
    const tally = compare(gridShapes());
    check(tally, 8000);
    expect(tally.bothAccepted).toBeGreaterThan(3000);
  });

  it('agrees on seeded random texts', () => {
    const r = new SeededRandom(0x5eed_d47e);
    const shapes = Array.from({ length: 6000 }, () => randomShape(r));
    const tally = compare(shapes);
    check(tally, 5000);
    expect(tally.bothAccepted).toBeGreaterThan(1500);
    expect(tally.bothRefused).toBeGreaterThan(300);
  });

  it('agrees on event property texts, which only DateTime.Parse reads (grids and seeded random texts)', () => {
    const r = new SeededRandom(0x9e0_7e57);
    const shapes = [...gridShapes(), ...Array.from({ length: 6000 }, () => randomShape(r))];
    const tally = compare(shapes, 'eventProperties');
    check(tally, 20000);
    expect(tally.bothAccepted).toBeGreaterThan(15000);
    // The texts the two sources read differently are among them (hour 24, wide offsets, long fractions).
    const readDifferently = shapes
      .map(textOf)
      .filter((text) => medTechReads(text).kind !== 'outOfScope')
      .filter((text) => medTech(text) !== medTech(text, 'eventProperties'));
    expect(readDifferently.length).toBeGreaterThan(100);
  });

  it.each([
    // Newtonsoft reads seven fraction digits and skips two more (as an offset's minutes without a sign);
    // DateTime.Parse rounds to ticks.
    ['2021-12-31T23:59:59.999999999', '2021-12-31T23:59:59.999Z', '2022-01-01T00:00:00.000Z'],
    ['2023-03-13T22:46:01.123999990', '2023-03-13T22:46:01.123Z', '2023-03-13T22:46:01.124Z'],
    // Hour 24 and offsets past ±14:00 are Newtonsoft's alone.
    ['2023-01-01T24:00:00Z', '2023-01-02T00:00:00.000Z', undefined],
    ['2023-03-13T10:00:00+15:00', '2023-03-12T19:00:00.000Z', undefined],
    // Only Newtonsoft clamps at the end of the range.
    ['9999-12-31T23:30:00-01:00', '9999-12-31T23:59:59.999Z', undefined],
    // The same reading either way.
    ['2023-03-13T22:46:01.8750000+02:00', '2023-03-13T20:46:01.875Z', '2023-03-13T20:46:01.875Z'],
    ['3/13/2023 10:46:01 PM', '2023-03-13T22:46:01.000Z', '2023-03-13T22:46:01.000Z'],
  ])('reads %j from the body as %s and from event properties as %s', (text, fromBody, fromProperties) => {
    expect(medTech(text)).toBe(fromBody);
    expect(toUtcTimestamp(text)).toBe(fromBody);
    expect(medTech(text, 'eventProperties')).toBe(fromProperties);
    expect(toUtcTimestamp(text, 'eventProperties')).toBe(fromProperties);
  });

  it('agrees on texts within the project forms only (no deviation): none may differ', () => {
    const r = new SeededRandom(20230313);
    const shapes: Shape[] = [];
    while (shapes.length < 4000) {
      const shape = randomShape(r);
      if (deviations(shape).size === 0) {
        shapes.push(shape);
      }
    }
    const tally = compare(shapes);
    expect(tally.failures.slice(0, 20)).toEqual([]);
    expect([...tally.differences.keys()]).toEqual([]);
    expect(tally.bothAccepted).toBeGreaterThan(2500);
  });
});
