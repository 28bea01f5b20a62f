import { describe, expect, it } from 'vitest';
import { parseDotNetDateTime } from '../../../shared/core/normalize/dotNetDateTimes.js';
import { toUtcTimestamp } from '../../../shared/core/normalize/toUtcTimestamp.js';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import { deviceMappingOf } from '../../support/deviceMappings.js';

describe('timestamps MedTech reads although they are not ISO-8601', () => {
  it.each([
    // DateTime.Parse with the invariant culture: month/day/year, 12- or 24-hour times, an optional zone.
    ['3/13/2023 10:46:01 PM', '2023-03-13T22:46:01.000Z'],
    ['03/13/2023 22:46:01', '2023-03-13T22:46:01.000Z'],
    ['3/13/2023', '2023-03-13T00:00:00.000Z'],
    ['3/13/2023 22:46', '2023-03-13T22:46:00.000Z'],
    ['12/31/2023 12:00 AM', '2023-12-31T00:00:00.000Z'],
    ['12/31/2023 12:30 pm', '2023-12-31T12:30:00.000Z'],
    ['2/29/2024 1:02:03.4567891', '2024-02-29T01:02:03.456Z'],
    ['3/13/2023 22:46:01Z', '2023-03-13T22:46:01.000Z'],
    ['3/13/2023 22:46:01 GMT', '2023-03-13T22:46:01.000Z'],
    ['3/13/2023 22:46:01 +05:30', '2023-03-13T17:16:01.000Z'],
    ['3/13/2023 10:46:01 PM -0800', '2023-03-14T06:46:01.000Z'],
    // JavaScript's toLocaleString('en-US'): a comma after the date, U+202F before PM from Node 20 (ICU 72).
    ['3/13/2023, 10:46:01 PM', '2023-03-13T22:46:01.000Z'],
    ['3/13/2023, 10:46:01\u202fPM', '2023-03-13T22:46:01.000Z'],
    ['3/13/2023,10:46', '2023-03-13T10:46:00.000Z'],
    // .NET's AM takes hours 0 to 12, its PM 0 to 23.
    ['3/13/2023 0:30 AM', '2023-03-13T00:30:00.000Z'],
    ['3/13/2023 13:00 PM', '2023-03-13T13:00:00.000Z'],
    ['3/13/2023 00:00 PM', '2023-03-13T12:00:00.000Z'],
    // Zones in lower case, one-digit minutes and seconds.
    ['3/13/2023 22:46:01z', '2023-03-13T22:46:01.000Z'],
    ['3/13/2023 22:46:01 gmt', '2023-03-13T22:46:01.000Z'],
    ['3/13/2023 10:5:7', '2023-03-13T10:05:07.000Z'],
    // Fractions of any length, rounded to .NET's 100 ns ticks before the milliseconds are taken.
    ['3/13/2023 22:46:01.12345678', '2023-03-13T22:46:01.123Z'],
    ['3/13/2023 23:59:59.99999999', '2023-03-14T00:00:00.000Z'],
    ['2023-3-5 9:04:01.999999949', '2023-03-05T09:04:01.999Z'],
    // A four-digit first number is the year.
    ['2023/03/13 22:46', '2023-03-13T22:46:00.000Z'],
    ['2023/3/5 9:05:07 AM', '2023-03-05T09:05:07.000Z'],
    // Year first with dashes and a field of one digit (firmware without zero padding): before `T`, .NET's ISO-8601
    // branch wants a time of two-digit fields; before spaces, any time the other forms take.
    ['2023-3-5', '2023-03-05T00:00:00.000Z'],
    ['2021-7-3T17:29:01', '2021-07-03T17:29:01.000Z'],
    ['2021-7-3T17:29:01.25+02:00', '2021-07-03T15:29:01.250Z'],
    ['2021-07-13 7:29:01', '2021-07-13T07:29:01.000Z'],
    ['2023-3-5 9:4:1 PM', '2023-03-05T21:04:01.000Z'],
    ['2023-03-13 10:46:01 PM', '2023-03-13T22:46:01.000Z'],
    ['2021-07-13 17:29:01 GMT', '2021-07-13T17:29:01.000Z'],
    // Dots, dashes and spaces between the date's numbers, in any mix: .NET reads `-` as a date separator and skips
    // `.` and white space, so the numbers alone decide (a four-digit first number is the year, else month/day/year).
    ['2023.03.13 10:00:00', '2023-03-13T10:00:00.000Z'],
    ['03.13.2023', '2023-03-13T00:00:00.000Z'],
    ['3-13-2023 22:46', '2023-03-13T22:46:00.000Z'],
    ['2023/03-13', '2023-03-13T00:00:00.000Z'],
    ['2023 3 13 1:02 PM', '2023-03-13T13:02:00.000Z'],
    ['3.13.2023 10:00 PM +02:00', '2023-03-13T20:00:00.000Z'],
    // `T` after any year-first date: .NET's ISO-8601 branch (white space around `T` and before the zone).
    ['2021/07/13T17:29:01', '2021-07-13T17:29:01.000Z'],
    ['2023/01/01T23:59:59.000Z', '2023-01-01T23:59:59.000Z'],
    ['2021.7.3t17:29 Z', '2021-07-03T17:29:00.000Z'],
    ['1977-7-03t11:44 Z', '1977-07-03T11:44:00.000Z'],
    // A zone after a date alone: its midnight there.
    ['3/13/2023Z', '2023-03-13T00:00:00.000Z'],
    ['2023/3/13 +0200', '2023-03-12T22:00:00.000Z'],
    ['2023-3-13 GMT', '2023-03-13T00:00:00.000Z'],
    // An hour alone with AM/PM, a zone before AM/PM, a dot with no digits after the seconds, a comma after the date.
    ['3/13/2023 10 PM', '2023-03-13T22:00:00.000Z'],
    ['3/13/2023 10PM Z', '2023-03-13T22:00:00.000Z'],
    ['3/13/2023 10:46:01 -0800 PM', '2023-03-14T06:46:01.000Z'],
    ['3/13/2023 10:46 Z PM', '2023-03-13T22:46:00.000Z'],
    ['2021-07-13 17:29:01.', '2021-07-13T17:29:01.000Z'],
    ['3/13/2023 22:46:01.Z', '2023-03-13T22:46:01.000Z'],
    ['2013-06-30,', '2013-06-30T00:00:00.000Z'],
    // A year of three digits is that year, however small (two-digit years stay errors: see below).
    ['100-11-22', '0100-11-22T00:00:00.000Z'],
    ['11/22/099 10:00', '0099-11-22T10:00:00.000Z'],
    // A year and a month alone, either order: the first of the month.
    ['2023-03', '2023-03-01T00:00:00.000Z'],
    ['12/2023', '2023-12-01T00:00:00.000Z'],
    // An English month name, whole or in three letters, in any case, the day and a four-digit year in any order,
    // after an optional day name that must be the date's (checked against Mono 6.8's DateTime.Parse).
    ['Mar 13, 2023 10:46:01 PM', '2023-03-13T22:46:01.000Z'],
    ['13 Mar 2023 22:46', '2023-03-13T22:46:00.000Z'],
    ['13-Mar-2023', '2023-03-13T00:00:00.000Z'],
    ['March 13, 2023, 10:46:01 PM', '2023-03-13T22:46:01.000Z'],
    ['Monday, March 13, 2023 22:46:01 +02:00', '2023-03-13T20:46:01.000Z'],
    ['2023-Mar-13 10 PM', '2023-03-13T22:00:00.000Z'],
    ['mar 13 2023', '2023-03-13T00:00:00.000Z'],
    ['13Mar2023 22:46', '2023-03-13T22:46:00.000Z'],
    ['Mar. 13, 2023', '2023-03-13T00:00:00.000Z'],
    ['2023 13 Mar', '2023-03-13T00:00:00.000Z'],
    ['Mar 2023', '2023-03-01T00:00:00.000Z'],
    // The day name is the written date's, before its offset moves it to another day in UTC.
    ['Mon 13 Mar 2023 01:30 +05:00', '2023-03-12T20:30:00.000Z'],
    ['Sun, 12 Mar 2023 23:30 -05:00', '2023-03-13T04:30:00.000Z'],
    // RFC 1123, HTTP's date.
    ['Mon, 13 Mar 2023 22:46:01 GMT', '2023-03-13T22:46:01.000Z'],
    ['mon, 13 mar 2023 22:46:01 GMT', '2023-03-13T22:46:01.000Z'],
  ])('reads %s as %s', (text, expected) => {
    expect(toUtcTimestamp(text)).toBe(expected);
    expect(parseDotNetDateTime(text)).toBe(Date.parse(expected));
  });

  it.each([
    // A day name before a numeric date, the date's own (checked against Mono 6.8's DateTime.Parse).
    ['Mon 2023-03-13 10:00:00', '2023-03-13T10:00:00.000Z'],
    ['Monday, 3/13/2023', '2023-03-13T00:00:00.000Z'],
    ['Mon, 2023-03-13T10:00:00Z', '2023-03-13T10:00:00.000Z'],
    ['Mon2023-03-13', '2023-03-13T00:00:00.000Z'],
    ['mon. 3/13/2023 10:00 PM', '2023-03-13T22:00:00.000Z'],
    ['  Mon   2023-03-13   10:00', '2023-03-13T10:00:00.000Z'],
  ])('reads %j, a day name before a numeric date, as %s', (text, expected) => {
    expect(toUtcTimestamp(text)).toBe(expected);
    expect(toUtcTimestamp(text, 'eventProperties')).toBe(expected);
  });

  it.each([
    // White space around the text, as a fixed-width field pads it: DateTime.Parse skips it.
    [' 3/13/2023', '2023-03-13T00:00:00.000Z'],
    ['3/13/2023 10:46:01 PM   ', '2023-03-13T22:46:01.000Z'],
    ['\t2023-3-5 9:04 ', '2023-03-05T09:04:00.000Z'],
  ])('reads %j, white space around it, as %s', (text, expected) => {
    expect(toUtcTimestamp(text)).toBe(expected);
  });

  it.each([
    ['13/03/2023', 'day/month order: the invariant culture reads month first, and there is no month 13'],
    ['2/29/2023', 'no such day'],
    ['3/13/23', 'two-digit year (its century depends on .NET settings)'],
    ['3/13/2023 24:00', 'hour past 23'],
    ['3/13/2023 13:00 AM', 'AM past 12'],
    ['3/13/2023 24:00 PM', 'PM past 23'],
    ['3/13/2023 22:61', 'minute past 59'],
    ['3/13/2023 22:46 +15:00', 'offset past 14 hours'],
    ['3-13-2023T10:00', 'T after a month/day/year date'],
    ['3/13/2023 10', 'an hour alone without AM/PM'],
    ['3/13/2023 10 Z PM', 'an hour alone with a zone before AM/PM'],
    ['3/13/2023 10 +5 PM', 'an hour alone with an offset before AM/PM'],
    ['3/13/2023 10:46 ZPM', 'a zone in letters run into AM/PM (one unknown word)'],
    ['3/13/2023 10:46 +02:00 PM Z', 'two zones'],
    ['2023-03 10:00', 'a year and a month with a time'],
    ['2023/13', 'no month 13'],
    ['2021/07/13T17:29:01.', 'a dot with no digits after T (.NET’s ISO-8601 branch wants them)'],
    ['2021/07/13T17:29 PM', 'AM/PM after T'],
    ['2021-7-3T7:29:01', 'one-digit hour after T (.NET’s ISO-8601 branch reads two digits)'],
    ['2021-7-3T17:29:1', 'one-digit second after T'],
    ['2021-7-3T17:29:01 PM', 'AM/PM after T'],
    ['Tue, 13 Mar 2023 22:46:01 GMT', 'day of the week that is not the date’s'],
    ['Tue, Mar 13, 2023', 'day of the week that is not the date’s'],
    ['Monsday, Mar 13, 2023', 'no such day name'],
    ['Sept 13, 2023', 'no such month name (.NET knows three letters or the whole name)'],
    ['Mar 13th 2023', 'an ordinal day'],
    ['Mar 13 23', 'two-digit year'],
    ['Mar 13 2023T22:46:01', 'T after a date with a month name'],
    ['Mar 2023 22:46', 'a month and a year with a time'],
    ['13 Mar 2023 Mon', 'a day name after the date (MedTech reads it: a README difference)'],
    ['3/13/2023 Mon', 'a day name after the date (MedTech reads it: a README difference)'],
    ['Tue 3/13/2023', 'day of the week that is not the date’s'],
    ['Tue 2023-03-13T10:00', 'day of the week that is not the date’s (.NET’s ISO-8601 branch does not check it)'],
    ['Mon, 13 Foo 2023 22:46:01 GMT', 'no such month'],
    ['1678747561000', 'a number in a string'],
    [`3/13/2023 ${'1'.repeat(80)}`, 'too long to be one of these forms'],
  ])('refuses %s (%s)', (text) => {
    expect(parseDotNetDateTime(text)).toBeUndefined();
    expect(toUtcTimestamp(text)).toBeUndefined();
  });

  it('gives a measurement the time of a month/day/year timestamp', () => {
    const mapping = deviceMappingOf([
      {
        templateType: 'JsonPathContent',
        template: {
          typeName: 'heartrate',
          typeMatchExpression: '$..[?(@heartRate)]',
          deviceIdExpression: '$.deviceId',
          timestampExpression: '$.endDate',
          values: [{ valueName: 'hr', valueExpression: '$.heartRate', required: true }],
        },
      },
    ]);
    const body = { deviceId: 'd1', endDate: '3/13/2023 10:46:01 PM', heartRate: 78 };

    const result = normalizeEvent(mapping, {
      body: { kind: 'json', value: body },
      properties: {},
      systemProperties: {},
      enqueuedTimeUtc: '2023-03-13T22:50:00Z',
    });

    expect(result.errors).toEqual([]);
    expect(result.measurements.map((m) => m.occurrenceTimeUtc)).toEqual(['2023-03-13T22:46:01.000Z']);
  });
});
