/**
 * The timestamp texts Newtonsoft.Json turns into dates while it reads a message body (its date handling is on in
 * MedTech), before any expression sees them: those go no further, and `DateTime.Parse` reads only the texts it
 * leaves strings. Its own ISO-8601 reader differs from `DateTime.Parse` on a few texts devices do send, and
 * `DateTime.Parse` does not read Microsoft's JSON date (`/Date(1678747561000)/`) at all, so both readers are restated
 * here, from Newtonsoft.Json 13.0.3's DateTimeParser and DateTimeUtils (TryParseDateTimeIso, TryParseMicrosoftDate).
 */
import {
  MAX_DATETIME_MS,
  MIN_DATETIME_MS,
  MS_PER_DAY,
  daysFromCivil,
  daysInMonth,
  inDateTimeRange,
  readDigits,
} from './calendar.js';

/** The fraction digits the reader takes; the rest of the text must then read as a zone. */
const MAX_FRACTION_DIGITS = 7;
const TICKS_PER_MS = 10_000;
const MS_PER_MINUTE = 60_000;

const CH_0 = 48;
const CH_DASH = 45;
const CH_PLUS = 43;
const CH_COLON = 58;
const CH_DOT = 46;
const CH_T = 84;
const CH_Z = 90;
const CH_z = 122;

/**
 * Reads a text as Newtonsoft.Json's ISO-8601 reader does: 19 to 40 characters, `yyyy-MM-ddTHH:mm:ss` (a capital
 * `T`), then an optional fraction and zone. Where it differs from `DateTime.Parse`:
 * - it takes seven fraction digits at most and reads what follows as the zone, in which two digits alone are a zone
 *   minute it ignores: Java's nine-digit `2021-12-31T23:59:59.999999999` is 23:59:59.9999999 (truncated, where
 *   `DateTime.Parse` would round it to the next day), and so are `…:01:30` and `…:0112` read as `…:01`;
 * - hour 24 with zero minutes and seconds is midnight of the next day;
 * - an offset is any two digits of hours and of minutes (`+15:00`, `+05:60`), and `+05:` is `+05`;
 * - an instant an offset moves out of .NET's range is clamped to its first or last instant.
 * A text without a zone is taken as UTC, as everywhere in MedTech.
 * @param text - a string of the message
 * @returns epoch milliseconds (ticks truncated), or `undefined` when the reader leaves the text a string (or, for
 *   hour 24 on 9999-12-31, fails: the message then fails in MedTech)
 */
export function readNewtonsoftIsoDateTime(text: string): number | undefined {
  const n = text.length;
  // DateTimeUtils.TryParseDateTime tries its ISO reader only on such texts.
  if (n < 19 || n > 40 || text.charCodeAt(10) !== CH_T) {
    return undefined;
  }
  const year = readDigits(text, 0, 4);
  const month = readDigits(text, 5, 2);
  const day = readDigits(text, 8, 2);
  if (text.charCodeAt(4) !== CH_DASH || text.charCodeAt(7) !== CH_DASH || year < 1 || month < 1 || month > 12) {
    return undefined;
  }
  if (day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  const hour = readDigits(text, 11, 2);
  const minute = readDigits(text, 14, 2);
  const second = readDigits(text, 17, 2);
  if (text.charCodeAt(13) !== CH_COLON || text.charCodeAt(16) !== CH_COLON) {
    return undefined;
  }
  if (hour < 0 || hour > 24 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return undefined;
  }
  if (hour === 24 && (minute !== 0 || second !== 0)) {
    return undefined;
  }
  let i = 19;
  let fractionTicks = 0;
  if (i < n && text.charCodeAt(i) === CH_DOT) {
    let digits = 0;
    // The reader steps past each character before it counts: it stops on the eighth digit, not after it.
    while (++i < n && digits < MAX_FRACTION_DIGITS) {
      const digit = text.charCodeAt(i) - CH_0;
      if (digit < 0 || digit > 9) {
        break;
      }
      fractionTicks = fractionTicks * 10 + digit;
      digits++;
    }
    if (digits === 0) {
      return undefined;
    }
    fractionTicks *= 10 ** (MAX_FRACTION_DIGITS - digits);
    if (hour === 24 && fractionTicks !== 0) {
      return undefined;
    }
  }
  const zone = readZone(text, i);
  if (zone === undefined) {
    return undefined;
  }
  let ms =
    daysFromCivil(year, month, day) * MS_PER_DAY +
    ((hour * 60 + minute) * 60 + second) * 1000 +
    Math.floor(fractionTicks / TICKS_PER_MS);
  if (ms > MAX_DATETIME_MS) {
    // Hour 24 of the last day: DateTime.AddDays throws, and MedTech cannot read the message.
    return undefined;
  }
  ms -= zone * MS_PER_MINUTE;
  // DateTimeUtils.TryParseDateTimeIso clamps an instant an offset moves out of range (the servers run in UTC).
  return Math.min(MAX_DATETIME_MS, Math.max(MIN_DATETIME_MS, ms));
}

/**
 * The zone after the time as the reader reads it, from `start` to the end of the text: nothing, `Z`/`z`, or an
 * optional `±hh` then an optional `:` and two digits of minutes (ignored without a sign).
 * @returns the offset in minutes east of UTC (0 without one), or `undefined` when the text does not end there
 */
function readZone(text: string, start: number): number | undefined {
  const n = text.length;
  let i = start;
  if (i === n) {
    return 0;
  }
  const sign = text.charCodeAt(i);
  if (sign === CH_Z || sign === CH_z) {
    return i + 1 === n ? 0 : undefined;
  }
  let direction = 0;
  let hours = 0;
  let minutes = 0;
  if (i + 2 < n && (sign === CH_PLUS || sign === CH_DASH)) {
    const zoneHours = readDigits(text, i + 1, 2);
    if (zoneHours >= 0) {
      direction = sign === CH_PLUS ? 1 : -1;
      hours = zoneHours;
      i += 3;
    }
  }
  if (i < n) {
    if (text.charCodeAt(i) === CH_COLON) {
      i++;
    }
    const zoneMinutes = readDigits(text, i, 2);
    if (zoneMinutes >= 0) {
      minutes = zoneMinutes;
      i += 2;
    }
  }
  if (i !== n) {
    return undefined;
  }
  return direction * (hours * 60 + minutes);
}

/** Newtonsoft's Int32TryParse of two characters: two digits, or `-` and one digit. */
const TWO_CHAR_INT32 = /^(?:\d\d|-\d)$/;
/** Newtonsoft's Int64TryParse: an optional `-`, then digits (19 at most, or the value overflows). */
const INT64_TEXT = /^-?\d{1,19}$/;

/**
 * Reads Microsoft's JSON date as Newtonsoft.Json's body reader does: `/Date(` milliseconds since 1970 `)/`, the
 * milliseconds optionally followed by the writer's offset, which only says in which zone to show the instant.
 * The offset starts at the first `+` after the first character of the number (else the first `-` there) and is two
 * digits of hours; what follows them is not read (`+05`, `+0530`, `+053000`, `+05ab` are offsets). Newtonsoft reads
 * two digits of minutes too, but only when more than five characters are left from the sign counted from the start
 * of its read buffer, not of the string (TryReadOffset compares a buffer position with the string's length): for a
 * string inside a message's object or array that holds only if its opening quote happens to be the buffer's first
 * character, which this reader does not model. Only a body's strings are read so:
 * `DateTime.Parse`, which reads the event's properties, does not know the form.
 * @param text - a string of the message body
 * @returns epoch milliseconds, or `undefined` when the reader leaves the text a string, or when the instant is
 *   outside .NET's range (the message then fails in MedTech; with more than 15 digits its arithmetic wraps around
 *   instead, to a time no device means, which is refused here too)
 */
export function readNewtonsoftMicrosoftDateTime(text: string): number | undefined {
  const n = text.length;
  if (n < 9 || !text.startsWith('/Date(') || !text.endsWith(')/')) {
    return undefined;
  }
  let sign = text.indexOf('+', 7);
  if (sign < 0) {
    sign = text.indexOf('-', 7);
  }
  let end = n - 2;
  if (sign >= 0) {
    if (!TWO_CHAR_INT32.test(text.slice(sign + 1, sign + 3))) {
      return undefined;
    }
    end = sign;
  }
  const digits = text.slice(6, end);
  // `-0` is the epoch (plus zero: never a negative zero).
  return INT64_TEXT.test(digits) ? inDateTimeRange(Number(digits) + 0) : undefined;
}

/**
 * What Newtonsoft.Json's body reader makes of a string of the message: the instant of a date it reads, as its ISO-8601
 * reader ({@link readNewtonsoftIsoDateTime}) or as Microsoft's JSON date ({@link readNewtonsoftMicrosoftDateTime}).
 * @param text - a string of the message body
 * @returns epoch milliseconds, or `undefined` when the reader leaves the text a string (or fails on it)
 */
export function readNewtonsoftDateTime(text: string): number | undefined {
  return readNewtonsoftIsoDateTime(text) ?? readNewtonsoftMicrosoftDateTime(text);
}
