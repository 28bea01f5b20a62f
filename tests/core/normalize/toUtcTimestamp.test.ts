import { describe, expect, it } from 'vitest';
import { toUtcMillis, toUtcTimestamp } from '../../../shared/core/normalize/toUtcTimestamp.js';

describe('toUtcTimestamp', () => {
  it.each([
    ['2023-03-13T22:46:01.8750000', '2023-03-13T22:46:01.875Z'],
    ['2023-03-13T22:46:01.8750000Z', '2023-03-13T22:46:01.875Z'],
    ['2021-07-13T17:29:01.061144Z', '2021-07-13T17:29:01.061Z'],
    ['2021-07-13T17:29:01.0619999Z', '2021-07-13T17:29:01.061Z'],
    ['2021-07-13T17:29:01.5Z', '2021-07-13T17:29:01.500Z'],
    ['2021-07-13T17:29:01.06Z', '2021-07-13T17:29:01.060Z'],
    ['2021-07-13T17:29:01Z', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13T17:29:01z', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13t17:29:01', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13 17:29:01', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13T17:29', '2021-07-13T17:29:00.000Z'],
    ['2021-07-13T17:29Z', '2021-07-13T17:29:00.000Z'],
    ['2023-05-13', '2023-05-13T00:00:00.000Z'],
    // A date and a zone, as XML Schema's xs:date writes it: midnight there.
    ['2021-07-13Z', '2021-07-13T00:00:00.000Z'],
    ['2021-07-13-05:00', '2021-07-13T05:00:00.000Z'],
    ['2021-07-13+02:00', '2021-07-12T22:00:00.000Z'],
    ['2021-07-13 Z', '2021-07-13T00:00:00.000Z'],
  ])('reads %s as %s', (text, expected) => {
    expect(toUtcTimestamp(text)).toBe(expected);
  });

  it.each([
    ['2021-07-13T17:29:01+02:00', '2021-07-13T15:29:01.000Z'],
    ['2021-07-13T17:29:01-0530', '2021-07-13T22:59:01.000Z'],
    ['2021-07-13T17:29:01.1234567+05', '2021-07-13T12:29:01.123Z'],
    ['2021-07-07T17:00:00+0', '2021-07-07T17:00:00.000Z'],
    ['2021-01-01T00:30:00+01:00', '2020-12-31T23:30:00.000Z'],
    ['2021-07-13T17:29:01+14:00', '2021-07-13T03:29:01.000Z'],
    ['2021-07-13T17:29:01-00:00', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13T17:29:01+05:59', '2021-07-13T11:30:01.000Z'],
    ['2021-07-13T17:29:01-0059', '2021-07-13T18:28:01.000Z'],
    // DateTime.Parse's other offset forms (Newtonsoft.Json's reader wants two digits of hours).
    ['2021-07-13T17:29:01+1:00', '2021-07-13T16:29:01.000Z'],
    ['2021-07-13T17:29:01+05:3', '2021-07-13T12:26:01.000Z'],
    ['2021-07-13T17:29:01+100', '2021-07-13T16:29:01.000Z'],
    ['2021-07-13T17:29:01-050', '2021-07-13T18:19:01.000Z'],
    ['2021-07-13 17:29:01-9', '2021-07-14T02:29:01.000Z'],
  ])('converts the offset of %s to UTC %s', (text, expected) => {
    expect(toUtcTimestamp(text)).toBe(expected);
  });

  // Newtonsoft.Json leaves these strings; DateTime.Parse skips white space between and around the parts.
  it.each([
    [' 2021-07-13T17:29:01Z', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13T17:29:01Z\t', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13   17:29:01', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13T17:29:01 +02:00', '2021-07-13T15:29:01.000Z'],
    ['2021-07-13 17:29:01.123  -0530', '2021-07-13T22:59:01.123Z'],
    ['2021-07-13T17:29 Z', '2021-07-13T17:29:00.000Z'],
    [' 2023-05-13 ', '2023-05-13T00:00:00.000Z'],
    ['2021-07-13T 17:29', '2021-07-13T17:29:00.000Z'],
    ['2021-07-13 T17:29:01', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13\t17:29:01', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13T17:29:01\u3000Z', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13 \t 17:29:01 \u00a0+1:00', '2021-07-13T16:29:01.000Z'],
    // A fixed-width field may pad the text to any length.
    [' '.repeat(60) + '2021-07-13', '2021-07-13T00:00:00.000Z'],
    ['3/13/2023 10:46:01 PM' + ' '.repeat(100), '2023-03-13T22:46:01.000Z'],
    // Inside the padding, 64 characters at most (README): the longest such text.
    ['2021-07-13' + ' '.repeat(45) + 'T17:29:01', '2021-07-13T17:29:01.000Z'],
  ])('reads %j, white space where DateTime.Parse allows it, as %s', (text, expected) => {
    expect(toUtcTimestamp(text)).toBe(expected);
  });

  it.each([
    '2021-07-13T17:29:01 +',
    '2021-07-13T17:29:01Z\u0000',
    '2021-07-13' + ' '.repeat(60) + '10:00',
    '2021-07-13' + ' '.repeat(46) + 'T17:29:01',
  ])('still refuses %j', (text) => {
    expect(toUtcTimestamp(text)).toBeUndefined();
  });

  // Past seven digits MedTech's reader leaves the text to DateTime.Parse, which reads every fraction digit and rounds
  // the fraction to 100 ns ticks (half to even); the result is then truncated to milliseconds as for any timestamp.
  it.each([
    ['2021-07-13T17:29:01.123456789Z', '2021-07-13T17:29:01.123Z'],
    ['2021-07-13T17:29:01.12345678+02:00', '2021-07-13T15:29:01.123Z'],
    ['2021-07-13T17:29:01.123456789', '2021-07-13T17:29:01.123Z'],
    ['2021-07-13 17:29:01.000000001', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13T17:29:01.12399999Z', '2021-07-13T17:29:01.124Z'],
    ['2021-07-13T17:29:01.99999995Z', '2021-07-13T17:29:02.000Z'],
    ['2021-07-13T17:29:01.00000000000000000001Z', '2021-07-13T17:29:01.000Z'],
    ['2021-12-31T23:59:59.999999999Z', '2022-01-01T00:00:00.000Z'],
  ])('reads the nanosecond fraction of %s as .NET does: %s', (text, expected) => {
    expect(toUtcTimestamp(text)).toBe(expected);
  });

  it('rejects a fraction that rounds past the end of the .NET range', () => {
    expect(toUtcTimestamp('9999-12-31T23:59:59.99999999Z')).toBeUndefined();
    expect(toUtcTimestamp('9999-12-31T23:59:59.99999994Z')).toBe('9999-12-31T23:59:59.999Z');
  });

  it('returns a timestamp already in toISOString form as it is, after validating it', () => {
    expect(toUtcTimestamp('2023-03-13T22:46:01.875Z')).toBe('2023-03-13T22:46:01.875Z');
    expect(toUtcTimestamp('2023-02-30T22:46:01.875Z')).toBeUndefined();
    expect(toUtcTimestamp('2023-03-13T25:46:01.875Z')).toBeUndefined();
  });

  it('validates calendar dates including leap years', () => {
    expect(toUtcTimestamp('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(toUtcTimestamp('2000-02-29')).toBe('2000-02-29T00:00:00.000Z');
    expect(toUtcTimestamp('2023-02-29')).toBeUndefined();
    expect(toUtcTimestamp('1900-02-29')).toBeUndefined();
    expect(toUtcTimestamp('2023-04-31')).toBeUndefined();
  });

  // Every month, in a common and a leap year: its last day is valid, the day after is not (in both parsing paths).
  it.each([
    ['2023-01', 31],
    ['2023-02', 28],
    ['2024-02', 29],
    ['2023-03', 31],
    ['2023-04', 30],
    ['2023-05', 31],
    ['2023-06', 30],
    ['2023-07', 31],
    ['2023-08', 31],
    ['2023-09', 30],
    ['2023-10', 31],
    ['2023-11', 30],
    ['2023-12', 31],
  ])('accepts %s-%i as the last day of its month, and not the day after', (month, days) => {
    expect(toUtcTimestamp(`${month}-${days}`)).toBe(`${month}-${days}T00:00:00.000Z`);
    expect(toUtcTimestamp(`${month}-${days}T12:00:00.000Z`)).toBe(`${month}-${days}T12:00:00.000Z`);
    expect(toUtcTimestamp(`${month}-${days + 1}`)).toBeUndefined();
    expect(toUtcTimestamp(`${month}-${days + 1}T12:00:00.000Z`)).toBeUndefined();
  });

  it('handles years before 100 and the ends of the .NET range without Date.UTC year mapping', () => {
    expect(toUtcTimestamp('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z');
    expect(toUtcTimestamp('0099-12-31')).toBe('0099-12-31T00:00:00.000Z');
    expect(toUtcTimestamp('9999-12-31T23:59:59.9999999Z')).toBe('9999-12-31T23:59:59.999Z');
    // Past the start of the range after the offset: Newtonsoft.Json clamps it (see the block on its reader below);
    // DateTime.Parse, which reads it with a space, refuses it.
    expect(toUtcTimestamp('0001-01-01T00:00:00+01:00')).toBe('0001-01-01T00:00:00.000Z');
    expect(toUtcTimestamp('0001-01-01 00:00:00+01:00')).toBeUndefined();
    expect(toUtcTimestamp('0000-01-01')).toBeUndefined();
  });

  it.each([
    [''],
    ['yesterday'],
    ['1625677200'],
    ['20230313T224601Z'],
    ['2023-13-01'],
    ['2023-00-10'],
    ['2023-01-32'],
    ['2021-02-01T24:46:01.875Z'],
    ['2021-02-01T23:60:00Z'],
    ['2021-02-01T23:59:60Z'],
    ['2021-02-01T23'],
    ['2021-02-01T23:5'],
    ['2021-02-01T23:59:5'],
    ['2021-02-01T23:59:59.'],
    ['2021-02-01T23:59:59ZZ'],
    // (White space around the text or before the zone is read, as DateTime.Parse reads it: see above.)
    // Offsets past ±14:00 or with a minute past 59, where DateTime.Parse reads the text (Newtonsoft.Json's reader,
    // which reads such offsets, needs `T` and seconds: see below).
    ['2021-02-01 23:59:59+14:01'],
    ['2021-02-01 23:59:59+15'],
    ['2021-02-01T23:59+15'],
    ['2021-02-01 23:59:59+05:60'],
    ['2021-02-01T23:59:59+'],
    ['2021-02-01T23:59:59GMT'],
    ['2021-02-01X23:59:59'],
    // (`2023/03/13` and `Mon, 01 Feb 2021 23:59:59 GMT` are read as MedTech reads them: dotNetDateTimes.test.ts.)
    ['2021-02-01T23:59:59.123-'],
    // Separators: a colon between hour and minute, a sign before an offset. (Mixed date separators, `2023/03-13`,
    // are read as DateTime.Parse reads them: dotNetDateTimes.test.ts.)
    ['2021-02-01T12-30'],
    ['2021-02-01T12.30:00Z'],
    ['2021-02-01T23:59:59 05:00'],
    ['2021-02-01T23:59:59_0500'],
    // A non-digit in any numeric field, including the characters just below '0' that would read as a small number.
    ['202/-01-01'],
    ['2021-1/-01'],
    ['2021-01-1/'],
    ['2021-01-01T1/:00'],
    ['2021-01-01T10:1/'],
    ['2021-01-01T10:10:1/'],
    ['2021-01-01T10:10:10+0/:00'],
    ['2021-01-01T10:10:10+05:-1'],
    ['2021-01-01T10:10:10+05:ab'],
    ['2021-01-01T10:10:10+05ab'],
    // An offset is `h`, `hh`, `hhmm` or `hh:mm`, and ends the text.
    ['2021-02-01T23:59:59+05:000'],
    ['2021-07-13ZZ'],
    ['2021-07-13+15:00'],
    ['2021-07-13X'],
    ['2021-02-01T23:59:59+1:'],
    ['2021-02-01T23:59:59+160'],
    ['2021-02-01T23:59:59+05:00Z'],
    ['2021-02-01T23:59:59+05-00'],
    ['2021-02-01T23:59:59+05000'],
    // In range before the offset is applied, past 9999-12-31 after (with `T` and seconds, Newtonsoft clamps it).
    ['9999-12-31 23:30:00-01:00'],
  ])('rejects %j', (text) => {
    expect(toUtcTimestamp(text)).toBeUndefined();
  });
});

describe('toUtcMillis', () => {
  it('returns epoch milliseconds', () => {
    expect(toUtcMillis('1970-01-01T00:00:00Z')).toBe(0);
    expect(toUtcMillis('1969-12-31T23:59:59.999Z')).toBe(-1);
    expect(toUtcMillis('2021-07-07T17:00:00+0')).toBe(1625677200000);
  });

  it('agrees with Date for a sweep of valid UTC timestamps', () => {
    for (let ms = Date.UTC(1601, 0, 1); ms < Date.UTC(2400, 0, 1); ms += 86_400_000 * 97 + 3_600_123) {
      const iso = new Date(ms).toISOString();
      expect(toUtcMillis(iso)).toBe(ms);
    }
  });
});

describe('toUtcTimestamp on texts already in the output form', () => {
  it.each([
    ['2023-03-13T22:46:01.875Z'],
    ['0001-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z'],
    ['2024-02-29T12:00:00.000Z'],
    ['2000-02-29T12:00:00.000Z'],
    ['2023-04-30T23:59:59.000Z'],
    ['2023-12-31T00:00:00.000Z'],
  ])('returns %s itself', (text) => {
    expect(toUtcTimestamp(text)).toBe(text);
  });

  it.each([
    ['0000-01-01T00:00:00.000Z'],
    ['2023-02-29T12:00:00.000Z'],
    ['1900-02-29T12:00:00.000Z'],
    ['2023-04-31T00:00:00.000Z'],
    ['2023-00-10T00:00:00.000Z'],
    ['2023-13-10T00:00:00.000Z'],
    ['2023-01-00T00:00:00.000Z'],
    ['2023-01-32T00:00:00.000Z'],
    ['2023-01-01T24:00:00.001Z'],
    ['2023-01-01T23:60:00.000Z'],
    ['2023-01-01T23:59:60.000Z'],
    ['2023-01-01T23:59:59.0a0Z'],
    ['2023-01-01T23:59:59.000z0'],
    ['2023-01-01X23:59:59.000Z'],
    ['２023-01-01T23:59:59.000Z'],
  ])('rejects %s', (text) => {
    expect(toUtcTimestamp(text)).toBeUndefined();
  });

  it('agrees with the general parser for every day of a leap and a common year', () => {
    for (let ms = Date.UTC(2023, 0, 1); ms < Date.UTC(2025, 0, 1); ms += 86_400_000 + 1_001) {
      const iso = new Date(ms).toISOString();
      expect(toUtcTimestamp(iso)).toBe(iso);
      expect(toUtcMillis(iso)).toBe(ms);
    }
  });
});

describe('toUtcTimestamp on what Newtonsoft.Json reads as a date while it reads the body', () => {
  // Newtonsoft.Json 13.0.3 Utilities/DateTimeParser.cs and DateTimeUtils.cs:344-365, 215-270: a text of 19 to 40
  // characters with `T` at index 10 that its reader accepts is a DateTime before MedTech's expression sees it.
  it.each([
    // Java's LocalDateTime: seven fraction digits are read, the last two as a zone minute without sign (ignored).
    ['2021-12-31T23:59:59.999999999', '2021-12-31T23:59:59.999Z'],
    ['2021-07-13T17:29:01.123999999', '2021-07-13T17:29:01.123Z'],
    ['2021-07-13T17:29:01.1239999:99', '2021-07-13T17:29:01.123Z'],
    ['2021-07-13T17:29:01:30', '2021-07-13T17:29:01.000Z'],
    ['2021-07-13T17:29:0112', '2021-07-13T17:29:01.000Z'],
    // Hour 24 with nothing after it is the next midnight (DateTimeUtilsTests.cs:73-74).
    ['2021-07-13T24:00:00', '2021-07-14T00:00:00.000Z'],
    ['2023-12-31T24:00:00.000Z', '2024-01-01T00:00:00.000Z'],
    // Offsets: any two digits of hours and of minutes; a colon with no minutes after it.
    ['2021-02-01T23:59:59+15', '2021-02-01T08:59:59.000Z'],
    ['2021-02-01T23:59:59+14:01', '2021-02-01T09:58:59.000Z'],
    ['2021-02-01T23:59:59+05:60', '2021-02-01T17:59:59.000Z'],
    ['2021-02-01T23:59:59-99:99', '2021-02-06T04:38:59.000Z'],
    ['2021-07-13T17:29:01+05:', '2021-07-13T12:29:01.000Z'],
    // An instant the offset moves out of .NET's range is clamped to its end (DateTimeUtilsTests.cs:93-97).
    ['9999-12-31T23:30:00-01:00', '9999-12-31T23:59:59.999Z'],
    ['9999-12-31T23:59:59.9999999-11:30', '9999-12-31T23:59:59.999Z'],
    ['0001-01-01T00:30:00+01:00', '0001-01-01T00:00:00.000Z'],
  ])('reads %j as %s', (text, expected) => {
    expect(toUtcTimestamp(text)).toBe(expected);
  });

  it.each([
    // Eight or ten fraction digits, or nine before a zone: Newtonsoft.Json leaves the text a string, and
    // DateTime.Parse rounds the fraction to 100 ns.
    ['2021-12-31T23:59:59.99999999', '2022-01-01T00:00:00.000Z'],
    ['2021-12-31T23:59:59.999999999Z', '2022-01-01T00:00:00.000Z'],
    ['2021-12-31T23:59:59.9999999999', '2022-01-01T00:00:00.000Z'],
    ['2021-12-31 23:59:59.999999999', '2022-01-01T00:00:00.000Z'],
  ])('leaves %j to DateTime.Parse, which reads it as %s', (text, expected) => {
    expect(toUtcTimestamp(text)).toBe(expected);
  });

  it.each([
    // Hour 24 of the last day: DateTime.AddDays throws in Newtonsoft.Json (MedTech cannot read the message).
    ['9999-12-31T24:00:00'],
    // Hour 24 with minutes, seconds or a fraction, or without Newtonsoft's capital `T`: DateTime.Parse refuses it.
    ['2021-07-13T24:00:01'],
    ['2021-07-13T24:01:00'],
    ['2021-07-13T24:00:00.0000001Z'],
    ['2021-07-13t24:00:00'],
    ['2021-07-13 24:00:00'],
    // An ignored zone minute is two digits.
    ['2021-07-13T17:29:01:3'],
    ['2021-07-13T17:29:01:300'],
  ])('refuses %j', (text) => {
    expect(toUtcTimestamp(text)).toBeUndefined();
  });

  // Microsoft's JSON date (DateTimeUtils.TryParseMicrosoftDate): milliseconds since 1970, then the writer's offset,
  // which only says in which zone to show the instant. Each checked against Newtonsoft.Json 13.0.3 on Mono.
  it.each([
    ['/Date(1678747561000)/', '2023-03-13T22:46:01.000Z'],
    ['/Date(1678747561000+0530)/', '2023-03-13T22:46:01.000Z'],
    ['/Date(1678747561000-0800)/', '2023-03-13T22:46:01.000Z'],
    ['/Date(-1000)/', '1969-12-31T23:59:59.000Z'],
    ['/Date(-0)/', '1970-01-01T00:00:00.000Z'],
    ['/Date(00012)/', '1970-01-01T00:00:00.012Z'],
    // Two digits of hours, then anything: Newtonsoft checks the minutes only for a string at the start of its read
    // buffer, not for one inside a message's object (`{"t": "/Date(0+05ab)/"}` is a date).
    ['/Date(1678747561000+05)/', '2023-03-13T22:46:01.000Z'],
    ['/Date(1678747561000+053000)/', '2023-03-13T22:46:01.000Z'],
    ['/Date(1678747561000+0100x)/', '2023-03-13T22:46:01.000Z'],
    ['/Date(1678747561000+053)/', '2023-03-13T22:46:01.000Z'],
    ['/Date(1678747561000+05ab)/', '2023-03-13T22:46:01.000Z'],
    ['/Date(0+-5)/', '1970-01-01T00:00:00.000Z'],
    ['/Date(253402300799999)/', '9999-12-31T23:59:59.999Z'],
    ['/Date(-62135596800000)/', '0001-01-01T00:00:00.000Z'],
  ])('reads %j as %s, as Newtonsoft.Json reads it in a body', (text, expected) => {
    expect(toUtcTimestamp(text)).toBe(expected);
    // DateTime.Parse, which reads the event's properties, does not know the form.
    expect(toUtcTimestamp(text, 'eventProperties')).toBeUndefined();
  });

  it.each([
    ['/Date(1678747561000)', 'unclosed'],
    ['/date(1678747561000)/', 'lower-case date'],
    ['/Date (1678747561000)/', 'a space before the parenthesis'],
    ['/Date( 1678747561000)/', 'a space before the number'],
    ['/Date(+1678747561000)/', 'a plus sign before the number'],
    ['/Date(1678747561000+5)/', 'one digit of offset hours'],
    ['/Date(1678747561000+5:)/', 'one digit of offset hours, then a colon'],
    ['/Date(1.5)/', 'a fraction'],
    ['/Date()/', 'no number'],
    ['/Date(253402300800000)/', "after .NET's last instant (MedTech fails the message)"],
    ['/Date(-62135596800001)/', "before .NET's first instant"],
    ['/Date(9394805238427223-0500)/', "past 15 digits Newtonsoft's arithmetic wraps to a time no device means"],
    ['/Date(99999999999999999999)/', 'beyond a 64-bit integer'],
  ])('refuses %j (%s)', (text) => {
    expect(toUtcTimestamp(text)).toBeUndefined();
  });
});
