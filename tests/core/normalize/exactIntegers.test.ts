import { describe, expect, it } from 'vitest';
import { findNumberLiteralTexts } from '../../../shared/core/normalize/exactIntegers.js';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import type { DeviceEvent } from '../../../shared/core/deviceEvent.js';
import { deviceMappingOf } from '../../support/deviceMappings.js';

/** A counter template over `$.deviceId`, `$.time` and the given values. */
function counterMapping(values: { valueName: string; valueExpression: string; required: boolean }[]) {
  return deviceMappingOf([
    {
      templateType: 'JsonPathContent',
      template: {
        typeName: 'counter',
        typeMatchExpression: '$..[?(@count)]',
        deviceIdExpression: '$.deviceId',
        timestampExpression: '$.time',
        values,
      },
    },
  ]);
}

const mapping = counterMapping([{ valueName: 'count', valueExpression: '$.count', required: true }]);

function event(text: string, kind: 'bytes' | 'text' = 'bytes'): DeviceEvent {
  return {
    body: kind === 'bytes' ? { kind, bytes: new TextEncoder().encode(text) } : { kind, text },
    properties: {},
    systemProperties: {},
    enqueuedTimeUtc: '2024-05-01T10:00:00Z',
  };
}

describe('integers beyond 2^53', () => {
  it('keep the digits the message wrote, in ids and values, as MedTech does', () => {
    const text = '{"deviceId":123456789012345678,"time":"2024-05-01T10:00:00Z","count":-9223372036854775808,"small":7}';

    const result = normalizeEvent(mapping, event(text));

    expect(JSON.parse(text)).toMatchObject({ deviceId: 123456789012345680 }); // what JSON.parse alone makes of it
    expect(result.errors).toEqual([]);
    expect(result.measurements).toMatchObject([
      { deviceId: '123456789012345678', properties: [{ name: 'count', value: '-9223372036854775808' }] },
    ]);
  });

  // Newtonsoft.Json reads an integer outside .NET's long as a BigInteger, and MedTech's Value<string>() cannot convert
  // one (Convert.ChangeType needs IConvertible): seen with MedTech's own extractor built on Mono (tools/dotnet-oracle).
  it.each(['9223372036854775808', '-9223372036854775809', '18446744073709551615', '123456789012345678901'])(
    'are an IncompatibleData error beyond 64 bits (%s), as MedTech cannot turn them into text',
    (literal) => {
      const result = normalizeEvent(
        mapping,
        event(`{"deviceId":"d","time":"2024-05-01T10:00:00Z","count":${literal}}`),
      );

      expect(result.measurements).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]?.toRecord()).toMatchObject({ name: 'IncompatibleData', stage: 'Normalization' });
      expect(result.errors[0]?.message).toContain('beyond 64 bits');
      expect(result.errors[0]?.message).not.toContain(literal.slice(1, 12));
    },
  );

  it('leave out an optional value beyond 64 bits, with a warning, as MedTech leaves it out', () => {
    const optional = counterMapping([
      { valueName: 'count', valueExpression: '$.count', required: false },
      { valueName: 'small', valueExpression: '$.small', required: true },
    ]);

    const result = normalizeEvent(
      optional,
      event('{"deviceId":"d","time":"2024-05-01T10:00:00Z","count":123456789012345678901,"small":7}'),
    );

    expect(result.errors).toEqual([]);
    expect(result.measurements).toMatchObject([{ deviceId: 'd', properties: [{ name: 'small', value: '7' }] }]);
    expect([...(result.warnings ?? [])].join()).toContain('beyond 64 bits');
  });

  it('tell two devices apart whose ids JSON.parse reads as the same number', () => {
    const one = normalizeEvent(
      mapping,
      event('{"deviceId":123456789012345678,"time":"2024-05-01T10:00:00Z","count":1}'),
    );
    const two = normalizeEvent(
      mapping,
      event('{"deviceId":123456789012345679,"time":"2024-05-01T10:00:00Z","count":1}'),
    );

    expect(one.measurements[0]?.deviceId).toBe('123456789012345678');
    expect(two.measurements[0]?.deviceId).toBe('123456789012345679');
  });

  it('are an IncompatibleData error, not a guess, when two literals of one message read as the same number', () => {
    const text = '{"deviceId":123456789012345678,"other":123456789012345679,"time":"2024-05-01T10:00:00Z","count":1}';

    const result = normalizeEvent(mapping, event(text, 'text'));

    expect(result.measurements).toEqual([]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.toRecord()).toMatchObject({ name: 'IncompatibleData', stage: 'Normalization' });
    expect(result.errors[0]?.message).toContain('send such ids and values as strings');
    expect(result.errors[0]?.message).not.toContain('1234567890');
  });

  it.each([
    ['written with an exponent', event('{"deviceId":"d","time":"2024-05-01T10:00:00Z","count":1e20}')],
    [
      'in a body that arrived parsed',
      { ...event(''), body: { kind: 'json', value: { deviceId: 'd', time: '2024-05-01T10:00:00Z', count: 1e20 } } },
    ],
  ] as [string, DeviceEvent][])(
    'are written as .NET writes the double when %s (no digits to recover)',
    (_label, input) => {
      const result = normalizeEvent(mapping, input);

      expect(result.errors).toEqual([]);
      // Newtonsoft reads `1e20` as a float, which .NET writes `1E+20`.
      expect(result.measurements[0]?.properties).toEqual([{ name: 'count', value: '1E+20' }]);
    },
  );

  it('are an IncompatibleData error when too large for a double: 1e999 is no value, never the text "Infinity"', () => {
    const result = normalizeEvent(mapping, event('{"deviceId":"d","time":"2024-05-01T10:00:00Z","count":1e999}'));

    expect(result.measurements).toEqual([]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.toRecord()).toMatchObject({ name: 'IncompatibleData', stage: 'Normalization' });
    expect(result.errors[0]?.location).toMatchObject({ field: 'values[0].valueExpression' });
    expect(result.errors[0]?.message).toMatch(/matched a non-finite number/);
  });

  it('ignore digits inside strings', () => {
    const text =
      '{"note":"123456789012345679 \\" 123456789012345677","deviceId":123456789012345678,' +
      '"time":"2024-05-01T10:00:00Z","count":2}';

    expect(normalizeEvent(mapping, event(text)).measurements[0]?.deviceId).toBe('123456789012345678');
  });
});

describe('numbers whose text depends on how the message wrote them', () => {
  it.each([
    ['1.5e15', '1.5E+15'],
    ['1500000000000000', '1500000000000000'],
    ['1500000000000000.0', '1.5E+15'],
    ['1732600000000000.0', '1.7326E+15'],
    ['-2.5E16', '-2.5E+16'],
    ['-0.0', '-0'],
    ['-0', '0'],
    ['0.0', '0'],
    ['999999999999999.0', '999999999999999'],
  ])('write %s as MedTech does: %s (Newtonsoft reads a fraction or exponent as a double)', (literal, text) => {
    for (const kind of ['bytes', 'text'] as const) {
      const body = `{"deviceId":"d","time":"2024-05-01T10:00:00Z","count":${literal}}`;
      // The second body is read by the lenient reader MedTech's JSON needs (a comment), not by JSON.parse.
      const lenient = `{"deviceId":"d",/* lenient */"time":"2024-05-01T10:00:00Z","count":${literal}}`;
      for (const input of [body, lenient]) {
        const result = normalizeEvent(mapping, event(input, kind));
        expect(result.errors).toEqual([]);
        expect(result.measurements[0]?.properties).toEqual([{ name: 'count', value: text }]);
      }
    }
  });

  it('write a large number an id was written as with a fraction as .NET writes the double', () => {
    const text = '{"deviceId":1732600000000000.0,"time":"2024-05-01T10:00:00Z","count":1}';

    expect(normalizeEvent(mapping, event(text)).measurements[0]?.deviceId).toBe('1.7326E+15');
  });

  it.each([
    ['-0.0 and -0', '{"deviceId":"d","time":"2024-05-01T10:00:00Z","count":-0.0,"other":-0}'],
    ['1.5e15 and its digits', '{"deviceId":"d","time":"2024-05-01T10:00:00Z","count":1.5e15,"o":1500000000000000}'],
  ])('are an IncompatibleData error when the message writes a value both ways: %s', (_label, text) => {
    const result = normalizeEvent(mapping, event(text));

    expect(result.measurements).toEqual([]);
    expect(result.errors[0]?.toRecord()).toMatchObject({ name: 'IncompatibleData', stage: 'Normalization' });
  });

  it('keep the digits of a large integer written alone, in a body that arrived parsed too', () => {
    const parsed: DeviceEvent = {
      ...event(''),
      body: { kind: 'json', value: { deviceId: 'd', time: '2024-05-01T10:00:00Z', count: 1500000000000000 } },
    };

    expect(normalizeEvent(mapping, parsed).measurements[0]?.properties).toEqual([
      { name: 'count', value: '1500000000000000' },
    ]);
  });
});

describe('findNumberLiteralTexts', () => {
  it('lists integer literals of 16 or more digits, and large numbers with a fraction or exponent, outside strings', () => {
    const text =
      '{"a":9007199254740993,"b":[-12345678901234567890, 1.2345678901234567e20, 12345678901234567e3],' +
      '"c":"99999999999999999999","d":123,"e":9007199254740993}';

    const found = findNumberLiteralTexts(text);

    expect([...found.entries()]).toEqual([
      [9007199254740992, ['9007199254740993']],
      [-12345678901234567000, ['-12345678901234567890']],
      [123456789012345670000, ['1.23456789012346E+20']],
      [12345678901234567000, ['1.23456789012346E+19']],
    ]);
  });
});

describe('findNumberLiteralTexts on numbers that are not plain integers', () => {
  it.each([
    ['a fraction', '[12345678901234567.5]', [[12345678901234568, ['1.23456789012346E+16']]]],
    ['an upper-case exponent', '[12345678901234567E3]', [[12345678901234567e3, ['1.23456789012346E+19']]]],
    ['a zero fraction from 10^15 up', '[1000000000000000.0]', [[1e15, ['1E+15']]]],
    // A Map's key -0 is 0.
    ['a negative zero with a fraction', '[-0.0]', [[0, ['-0']]]],
    ['an exponent with a minus sign and 16 digits', '[1e-0000000000000001]', []],
    ['an exponent with a plus sign and 16 digits', '[1E+0000000000000001]', []],
    ['a value below 10^15', '[999999999999999.0, 0.0, 12.5]', []],
  ])('lists %s as .NET writes the double, never its digits', (_label, text, expected) => {
    expect([...findNumberLiteralTexts(text).entries()]).toEqual(expected);
  });

  it('lists the integer -0 as "0", so that a -0.0 beside it makes the value ambiguous', () => {
    expect([...findNumberLiteralTexts('[-0, 0, -0.0]').entries()]).toEqual([[0, ['0', '-0']]]);
  });
});

describe('findNumberLiteralTexts with many literals of one number', () => {
  it('keeps at most two texts per number, the most it takes to know a literal is ambiguous', () => {
    // 30-digit literals differing in their last digits all read as 1e29: one list of 8,000 texts, each new one
    // compared with all before (1.5 s for a 242 KB message).
    const literals = Array.from({ length: 8_000 }, (_, i) => `1${String(i).padStart(29, '0')}`);

    const found = findNumberLiteralTexts(`[${literals.join(',')}]`);

    expect([...found.entries()]).toEqual([[1e29, literals.slice(0, 2)]]);
  });
});
