/**
 * Strict ISO-8601 timestamp parsing for measurement times (reference-behaviour §1.9), and the non-ISO forms MedTech
 * also reads ({@link parseDotNetDateTime}). Hand-written on purpose: `Date.parse` accepts many other forms and reads
 * offset-less date-times as local time.
 */
import {
  roundedFractionMs,
  inDateTimeRange,
  MS_PER_DAY,
  daysFromCivil,
  daysInMonth,
  isDigit,
  readDigits,
  readOffsetMinutes,
} from './calendar.js';
import { collapseDotNetWhiteSpace, trimDotNet } from '../dotNetWhiteSpace.js';
import { parseDotNetDateTime } from './dotNetDateTimes.js';
import { readNewtonsoftDateTime } from './newtonsoftDateTimes.js';

/**
 * Up to this many fraction digits, `DateTime.Parse`'s ticks are exact, so the milliseconds are the first three digits;
 * a longer fraction is rounded to ticks first, as it rounds one.
 */
const MAX_FRACTION_DIGITS = 7;

const CH_0 = 48;
const CH_DASH = 45;
const CH_PLUS = 43;
const CH_COLON = 58;
const CH_DOT = 46;
const CH_SPACE = 32;
const CH_T = 84;
const CH_t = 116;
const CH_Z = 90;
const CH_z = 122;

/**
 * Where a token comes from: the message body, which MedTech reads as JSON text with Newtonsoft.Json, or the event's
 * properties, which it never reads as text. For a timestamp text this decides the reader MedTech gives it:
 * - `body`: a string of the message body. Newtonsoft.Json reads the body with its own ISO-8601 reader first, and a
 *   text that reader takes is a date before any template runs (`2021-12-31T23:59:59.999999999` is truncated to
 *   ticks, `T24:00:00` is the next midnight, offsets past ±14:00 are applied, results past the range are clamped);
 *   it also reads Microsoft's JSON date `/Date(ms)/`.
 * - `eventProperties`: a string of the event's `Properties` or `SystemProperties` (IoT Hub's
 *   `iothub-creation-time-utc`). MedTech turns those dictionaries into tokens with `JToken.FromObject`, which keeps a
 *   string a string, so only `DateTime.Parse` reads it (`.999999999` is rounded to ticks; hour 24, offsets past
 *   ±14:00 and `/Date(ms)/` are refused).
 */
export type TokenSource = 'body' | 'eventProperties';

/**
 * Converts an ISO-8601 date or date-time text to UTC in `Date#toISOString()` form (millisecond precision, extra
 * fraction digits truncated; past seven digits, rounded to .NET's 100-ns ticks first). An offset is applied; a
 * date-time without offset is taken as UTC; a date alone is midnight UTC. The non-ISO forms MedTech reads as times
 * are converted too ({@link parseDotNetDateTime}).
 * @param text - e.g. `2023-03-13T22:46:01.8750000`, `2021-07-13T17:29:01.061144+02:00`, `2023-05-13`,
 *   `3/13/2023 10:46:01 PM`
 * @param source - where the text was read from (default `body`); see {@link TokenSource}
 * @returns the UTC timestamp, or `undefined` when the text is not a valid timestamp
 */
export function toUtcTimestamp(text: string, source: TokenSource = 'body'): string | undefined {
  // Already in the output form (what JavaScript devices send): valid, so returned without formatting it again.
  if (isCanonical(text)) {
    return text;
  }
  // What Newtonsoft.Json reads as a date while it reads the body (ISO-8601 in its way, `/Date(ms)/`) never reaches
  // DateTime.Parse; then ISO-8601 as DateTime.Parse reads it; then the other forms it reads (`3/13/2023 10:46 PM`…).
  const ms =
    (source === 'body' ? readNewtonsoftDateTime(text) : undefined) ??
    toUtcMillis(text) ??
    parseDotNetDateTime(text) ??
    withDotNetWhiteSpace(text);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** Longer texts, once trimmed, are no timestamp with white space around its parts (and are not rewritten). */
const MAX_SPACED_LENGTH = 64;

/**
 * A timestamp text with white space where `DateTime.Parse` allows it and the forms above do not: around the text
 * (`3/13/2023 10:46:01 PM `, as a fixed-width field pads it), several spaces or a tab between date and time, around
 * `T`, before the zone (`2023-03-13 22:46:01 +02:00`). Newtonsoft.Json leaves such a text a string and MedTech
 * reads it with `DateTime.Parse`, which skips white space between the parts.
 * @returns epoch milliseconds, or `undefined` when the text without that white space is no timestamp either
 */
function withDotNetWhiteSpace(text: string): number | undefined {
  // A fixed-width field may pad a timestamp to any length: the limit is on what is inside the padding.
  const trimmed = trimDotNet(text);
  if (trimmed.length > MAX_SPACED_LENGTH) {
    return undefined;
  }
  // Each run of white space inside is one space to DateTime.Parse, whatever its characters (a tab, U+202F…).
  const spaced = collapseDotNetWhiteSpace(trimmed);
  const compact = spaced
    .replace(/^(\d{4}-\d{2}-\d{2}) ?([Tt]) ?(?=\d)/, '$1$2')
    .replace(/(\d) (?=(?:[Zz]|[+-]\d{1,4}(?::\d{1,2})?)$)/, '$1');
  if (compact === text) {
    return undefined;
  }
  return toUtcMillis(compact) ?? (spaced === text ? undefined : parseDotNetDateTime(spaced));
}

/**
 * The output form `YYYY-MM-DDTHH:mm:ss.sssZ` with every field in range except the day against its month (days up to
 * 31). Linear: no nested or overlapping quantifiers.
 */
const CANONICAL = /^(?!0000)\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * Whether the text is a valid timestamp already in the output form `YYYY-MM-DDTHH:mm:ss.sssZ` (what JavaScript devices
 * send), checked without computing the instant: such a text is its own conversion.
 */
function isCanonical(text: string): boolean {
  if (text.length !== 24 || !CANONICAL.test(text)) {
    return false;
  }
  const day = readDigits(text, 8, 2);
  return day <= 28 || day <= daysInMonth(readDigits(text, 0, 4), readDigits(text, 5, 2));
}

/**
 * Parses an ISO-8601 date or date-time text strictly into epoch milliseconds (see {@link toUtcTimestamp}).
 *
 * Accepted: `YYYY-MM-DD`, optionally followed by `T` (or `t`, or a space) and `hh:mm`, `hh:mm:ss` or
 * `hh:mm:ss.f` with 1 or more fraction digits (past seven, rounded to ticks as .NET does), optionally followed by
 * `Z` or an offset as `DateTime.Parse` reads it: `±hh:mm`, `±hhmm`, `±hh`, `±h` (as MedTech's `fromUnixTimestamp`
 * prints it, e.g. `+0`), `±h:mm`, `±hh:m`, `±hmm`. Calendar dates are validated (leap years);
 * years 0001–9999; hours 00–23; offsets up to ±14:00.
 * @param text - the timestamp text
 * @returns epoch milliseconds, or `undefined` when the text is not a valid timestamp
 */
export function toUtcMillis(text: string): number | undefined {
  const n = text.length;
  if (n < 10 || text.charCodeAt(4) !== CH_DASH || text.charCodeAt(7) !== CH_DASH) {
    return undefined;
  }
  const year = readDigits(text, 0, 4);
  const month = readDigits(text, 5, 2);
  const day = readDigits(text, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  let ms = daysFromCivil(year, month, day) * MS_PER_DAY;
  if (n === 10) {
    return ms;
  }

  const separator = text.charCodeAt(10);
  if (separator !== CH_T && separator !== CH_t && separator !== CH_SPACE) {
    // A date and a zone, as XML Schema's `xs:date` writes it (`2021-07-13Z`, `2021-07-13+02:00`): its midnight there.
    return inZone(text, 10, ms);
  }
  if (n < 16 || text.charCodeAt(13) !== CH_COLON) {
    return undefined;
  }
  const hour = readDigits(text, 11, 2);
  const minute = readDigits(text, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return undefined;
  }
  let i = 16;
  let second = 0;
  let fractionMs = 0;
  if (i < n && text.charCodeAt(i) === CH_COLON) {
    second = readDigits(text, i + 1, 2);
    if (second < 0 || second > 59) {
      return undefined;
    }
    i += 3;
    if (i < n && text.charCodeAt(i) === CH_DOT) {
      i++;
      const start = i;
      while (i < n && isDigit(text.charCodeAt(i))) {
        // Only the first three digits matter: milliseconds, truncated.
        if (i - start < 3) {
          fractionMs = fractionMs * 10 + (text.charCodeAt(i) - CH_0);
        }
        i++;
      }
      const digits = i - start;
      if (digits === 0) {
        return undefined;
      }
      if (digits > MAX_FRACTION_DIGITS) {
        fractionMs = roundedFractionMs(text, start, i);
      }
      for (let d = digits; d < 3; d++) {
        fractionMs *= 10;
      }
    }
  }
  ms += ((hour * 60 + minute) * 60 + second) * 1000 + fractionMs;
  return i < n ? inZone(text, i, ms) : inDateTimeRange(ms);
}

/**
 * The instant of a local time `ms` with the zone that ends the text from `start`: `Z` or an offset.
 * @returns epoch milliseconds, or `undefined` when no zone ends the text there or the instant is out of range
 */
function inZone(text: string, start: number, ms: number): number | undefined {
  const c = text.charCodeAt(start);
  if (c === CH_Z || c === CH_z) {
    return start + 1 === text.length ? inDateTimeRange(ms) : undefined;
  }
  if (c !== CH_PLUS && c !== CH_DASH) {
    return undefined;
  }
  const offsetMinutes = readOffsetMinutes(text, start + 1);
  return offsetMinutes === undefined
    ? undefined
    : inDateTimeRange(ms - (c === CH_PLUS ? offsetMinutes : -offsetMinutes) * 60_000);
}
