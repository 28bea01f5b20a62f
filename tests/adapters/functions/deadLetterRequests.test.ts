import { describe, expect, it } from 'vitest';
import {
  MAX_DISCARD_ITEMS,
  MAX_REPLAY_ITEMS,
  parseDiscardBody,
  parseListQuery,
  parseReadRequest,
  parseReplayBody,
  toApiContinuationToken,
  toDeadLetterListItem,
  unknownQueryParameters,
} from '../../../shared/adapters/functions/deadLetterRequests.js';
import type { StoredDeadLetter } from '../../../shared/pipeline/stagingPorts.js';

describe('parseReplayBody', () => {
  it('reads the filter, the bound and the dry-run flag; an empty body replays everything', () => {
    expect(parseReplayBody('')).toEqual({ ok: true, value: {} });
    const token = toApiContinuationToken('{"token":"+RID:~a"}', undefined);
    expect(parseReplayBody(JSON.stringify({ continuationToken: token }))).toEqual({
      ok: true,
      value: { continuationToken: '{"token":"+RID:~a"}' },
    });
    expect(parseReplayBody('{"errorName":"PatientNotFound","maxItems":50,"dryRun":true}')).toEqual({
      ok: true,
      value: { errorName: 'PatientNotFound', maxItems: 50, dryRun: true },
    });
  });

  it('names every problem at once, and never echoes more than a short prefix of what was sent', () => {
    const result = parseReplayBody(
      JSON.stringify({ errorName: 'x'.repeat(500), maxItems: MAX_REPLAY_ITEMS + 1, dryRun: 'yes', dryrun: true }),
    );

    expect(result).toEqual({
      ok: false,
      problems: [
        `errorName '${'x'.repeat(64)}' is not an error name`,
        `maxItems must be an integer from 1 to ${MAX_REPLAY_ITEMS}`,
        'dryRun must be true or false',
        "unknown member 'dryrun' (expected errorName, before, maxItems, dryRun, continuationToken)",
      ],
    });
    expect(parseReplayBody('[1]')).toEqual({ ok: false, problems: ['the body must be a JSON object'] });
    expect(parseReplayBody('{')).toEqual({ ok: false, problems: ['the body is not JSON'] });
    expect(parseReplayBody('{"errorName": 5}')).toEqual({ ok: false, problems: ['errorName must be a string'] });
    for (const token of ['""', '7', 'null']) {
      expect(parseReplayBody(`{"continuationToken": ${token}}`)).toEqual({
        ok: false,
        problems: ['continuationToken must be the text an earlier replay answered'],
      });
    }
    // An empty name is a mistake (an unset variable in a script), not "replay everything".
    expect(parseReplayBody('{"errorName": ""}')).toEqual({
      ok: false,
      problems: ["errorName '' is not an error name"],
    });
  });
});

describe('before', () => {
  it('takes a date (midnight UTC) or a date and time with Z or an offset, as UTC in the form dead letters are written', () => {
    const read = (before: string) => parseListQuery(new URLSearchParams({ before }));
    expect(read('2024-05-01')).toEqual({ ok: true, value: { before: '2024-05-01T00:00:00.000Z', maxItems: 100 } });
    expect(read('2024-05-01T10:00Z')).toMatchObject({ value: { before: '2024-05-01T10:00:00.000Z' } });
    // Past the millisecond, rounded up: every dead letter written before the instant is before the bound.
    expect(read('2024-05-01T10:00:00.1234567+02:00')).toMatchObject({ value: { before: '2024-05-01T08:00:00.124Z' } });
    expect(read('2024-05-01T10:00:00.1230000Z')).toMatchObject({ value: { before: '2024-05-01T10:00:00.123Z' } });
    expect(read('2024-05-01T10:00:00.5Z')).toMatchObject({ value: { before: '2024-05-01T10:00:00.500Z' } });
    expect(parseReplayBody('{"before":"2024-05-01T10:00:00Z"}')).toEqual({
      ok: true,
      value: { before: '2024-05-01T10:00:00.000Z' },
    });
  });

  it('refuses a time without a zone, a day the month lacks, an offset no clock has, and what is no date', () => {
    const refused = [
      '2024-05-01T10:00:00',
      '2024-02-30',
      '2024-05-01T24:00:00Z',
      '2024-05-01T10:00:00+99:99',
      '2024-05-01T10:00:00+02:60',
      // Past the year 9999 in UTC: the text would not compare in time order.
      '9999-12-31T23:30:00-01:00',
      'yesterday',
      '1714557600000',
    ];
    for (const before of refused) {
      expect(parseListQuery(new URLSearchParams({ before }))).toEqual({
        ok: false,
        problems: [
          `before '${before}' is not an ISO-8601 date, or date and time with Z or an offset, in the years 0000–9999`,
        ],
      });
    }
    expect(parseDiscardBody('{"before": 1714557600000}')).toEqual({
      ok: false,
      problems: ['before must be an ISO-8601 instant in a string'],
    });
  });
});

/** A dead letter's key as the store writes it: SHA-256 in hex, and `{errorName}|{hour}|{the id's first digit}`. */
const KEY = { id: 'a'.repeat(64), pk: 'DeviceNotFound|2024-05-01T10|a' };

describe('parseDiscardBody', () => {
  it('reads keys, or a filter with its bound, dry run and token', () => {
    expect(parseDiscardBody(JSON.stringify({ keys: [KEY] }))).toEqual({ ok: true, value: { keys: [KEY] } });
    // The key of dead letters stored before the hourly one: still theirs.
    const dayKey = { ...KEY, pk: 'DeviceNotFound|2024-05-01' };
    expect(parseDiscardBody(JSON.stringify({ keys: [dayKey] }))).toEqual({ ok: true, value: { keys: [dayKey] } });
    const token = toApiContinuationToken('x', 'DeviceNotFound', '2024-05-01T00:00:00.000Z', true);
    expect(
      parseDiscardBody(
        JSON.stringify({
          errorName: 'DeviceNotFound',
          before: '2024-05-01',
          maxItems: MAX_DISCARD_ITEMS,
          dryRun: true,
          continuationToken: token,
        }),
      ),
    ).toEqual({
      ok: true,
      value: {
        errorName: 'DeviceNotFound',
        before: '2024-05-01T00:00:00.000Z',
        maxItems: MAX_DISCARD_ITEMS,
        dryRun: true,
        continuationToken: 'x',
      },
    });
  });

  it('discards nothing without keys, an errorName or a before: an empty body is a problem', () => {
    const missing = 'give keys, an errorName or a before instant (every dead letter: before, now)';
    expect(parseDiscardBody('{}')).toEqual({ ok: false, problems: [missing] });
    expect(parseDiscardBody('{"dryRun":true,"maxItems":5}')).toEqual({ ok: false, problems: [missing] });
    expect(parseDiscardBody('')).toEqual({ ok: false, problems: ['the body is not JSON'] });
    expect(parseDiscardBody('[]')).toEqual({ ok: false, problems: ['the body must be a JSON object'] });
  });

  it('names every problem: keys with a filter, malformed keys, bounds, unknown members', () => {
    expect(parseDiscardBody(JSON.stringify({ keys: [KEY], errorName: 'DeviceNotFound', dryRun: true }))).toEqual({
      ok: false,
      problems: ['keys name the dead letters to discard: give no errorName, dryRun with them'],
    });
    const shape = `keys must be a list of 1 to ${MAX_DISCARD_ITEMS} objects {"id", "pk"} as the listing gives them`;
    const tooMany = Array.from({ length: MAX_DISCARD_ITEMS + 1 }, () => KEY);
    for (const keys of [[], tooMany, 'a', { id: 'a', pk: 'b' }]) {
      expect(parseDiscardBody(JSON.stringify({ keys }))).toEqual({ ok: false, problems: [shape] });
    }
    const malformed = [
      { id: KEY.id },
      { ...KEY, etag: 'c' },
      // What the SDK would put into the request's path so that it addresses KEY's dead letter.
      { ...KEY, id: `${KEY.id}?x` },
      { ...KEY, id: `/${KEY.id}` },
      { ...KEY, id: 'a/b' },
      { ...KEY, id: 'A'.repeat(64) },
      { ...KEY, pk: 'DeviceNotFound' },
      { ...KEY, pk: 'Nope|2024-05-01T10|a' },
      // A shard that is not the id's.
      { ...KEY, pk: 'DeviceNotFound|2024-05-01T10|b' },
      { ...KEY, pk: 'DeviceNotFound|2024-05-01T10' },
      { ...KEY, pk: 'DeviceNotFound|2024-05-01|a' },
      { ...KEY, pk: 'DeviceNotFound|2024-05-01T10|A' },
      [KEY.id, KEY.pk],
      KEY.id,
    ];
    for (const key of malformed) {
      expect(parseDiscardBody(JSON.stringify({ keys: [KEY, key] }))).toEqual({
        ok: false,
        problems: ['keys[1] must be an object of exactly a dead letter\'s "id" and "pk", as the listing gives them'],
      });
    }
    expect(
      parseDiscardBody(JSON.stringify({ errorName: 'Nope', maxItems: 0, dryRun: 1, continuationToken: '', all: true })),
    ).toEqual({
      ok: false,
      problems: [
        "errorName 'Nope' is not an error name",
        `maxItems must be an integer from 1 to ${MAX_DISCARD_ITEMS}`,
        'dryRun must be true or false',
        'continuationToken must be the text an earlier discard answered',
        "unknown member 'all' (expected keys, errorName, before, maxItems, dryRun, continuationToken)",
      ],
    });
  });

  it("refuses a listing's or dry run's token for a call that changes something (it would skip what they read)", () => {
    const readOnly = toApiContinuationToken('x', 'DeviceNotFound', undefined, true);
    const real = toApiContinuationToken('x', 'DeviceNotFound');
    const body = (token: string, dryRun: boolean): string =>
      JSON.stringify({ errorName: 'DeviceNotFound', dryRun, continuationToken: token });
    const refused = {
      ok: false,
      problems: [
        'continuationToken was answered by a listing or a dry run: pass it to one of those, or start this call without one',
      ],
    };

    expect(parseDiscardBody(body(readOnly, false))).toEqual(refused);
    expect(parseReplayBody(body(readOnly, false))).toEqual(refused);
    // Reading on from where a call that changed something stopped skips nothing it left.
    for (const token of [readOnly, real]) {
      expect(parseReplayBody(body(token, true))).toMatchObject({ ok: true, value: { continuationToken: 'x' } });
      expect(parseDiscardBody(body(token, true))).toMatchObject({ ok: true, value: { continuationToken: 'x' } });
      expect(
        parseListQuery(new URLSearchParams({ errorName: 'DeviceNotFound', continuationToken: token })),
      ).toMatchObject({ ok: true, value: { continuationToken: 'x' } });
    }
    expect(parseDiscardBody(body(real, false))).toMatchObject({ ok: true, value: { continuationToken: 'x' } });
  });

  it('refuses a token passed with another before than it was answered for', () => {
    const token = toApiContinuationToken('x', undefined, '2024-05-01T00:00:00.000Z');

    expect(parseDiscardBody(JSON.stringify({ before: '2024-05-02', continuationToken: token }))).toEqual({
      ok: false,
      problems: ['continuationToken was answered for before 2024-05-01T00:00:00.000Z: pass the same before with it'],
    });
    expect(parseListQuery(new URLSearchParams({ continuationToken: token }))).toEqual({
      ok: false,
      problems: ['continuationToken was answered for before 2024-05-01T00:00:00.000Z: pass the same before with it'],
    });
    expect(
      parseDiscardBody(
        JSON.stringify({
          errorName: 'DeviceNotFound',
          continuationToken: toApiContinuationToken('x', 'DeviceNotFound'),
        }),
      ),
    ).toMatchObject({ ok: true, value: { continuationToken: 'x' } });
    expect(
      parseDiscardBody(
        JSON.stringify({
          errorName: 'DeviceNotFound',
          before: '2024-05-01',
          continuationToken: toApiContinuationToken('x', 'DeviceNotFound'),
        }),
      ),
    ).toEqual({
      ok: false,
      problems: ['continuationToken was answered without before: pass the same before with it'],
    });
  });
});

describe('parseListQuery', () => {
  it('reads errorName, maxItems (default 100) and the continuation token', () => {
    expect(parseListQuery(new URLSearchParams(''))).toEqual({ ok: true, value: { maxItems: 100 } });
    const token = toApiContinuationToken('{"token":"+RID:~a"}', 'DeviceNotFound');
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const query = new URLSearchParams(`errorName=DeviceNotFound&maxItems=7&continuationToken=${token}`);
    expect(parseListQuery(query)).toEqual({
      ok: true,
      value: { errorName: 'DeviceNotFound', maxItems: 7, continuationToken: '{"token":"+RID:~a"}' },
    });
  });

  it('refuses a query parameter it does not take (the function key aside), instead of listing everything', () => {
    expect(parseListQuery(new URLSearchParams('code=KEY&errorname=DeviceNotFound&maxitems=5'))).toEqual({
      ok: false,
      problems: [
        "unknown query parameter 'errorname' (expected errorName, before, maxItems, continuationToken)",
        "unknown query parameter 'maxitems' (expected errorName, before, maxItems, continuationToken)",
      ],
    });
    expect(parseListQuery(new URLSearchParams('code=KEY&errorName=DeviceNotFound')).ok).toBe(true);
    // The host takes the function key as `Code` or `CODE` too.
    expect(parseListQuery(new URLSearchParams('Code=KEY')).ok).toBe(true);
    expect(unknownQueryParameters(new URLSearchParams('CODE=KEY'), [])).toEqual([]);
  });

  it('refuses a query parameter given twice, of which only the first would be read', () => {
    expect(parseListQuery(new URLSearchParams('errorName=DeviceNotFound&errorName=PatientNotFound'))).toEqual({
      ok: false,
      problems: ["query parameter 'errorName' is given more than once: give it once"],
    });
    expect(parseListQuery(new URLSearchParams('maxItems=5&maxItems=5')).ok).toBe(false);
    const id = 'a'.repeat(64);
    const read = parseReadRequest(
      id,
      new URLSearchParams('pk=DeviceNotFound|2024-05-01T10|a&pk=Other|2024-05-01T10|a'),
    );
    expect(read.ok ? [] : read.problems).toContain("query parameter 'pk' is given more than once: give it once");
  });

  it('rejects an unknown error name and a page size out of range', () => {
    expect(parseListQuery(new URLSearchParams('errorName=Nope&maxItems=1e2'))).toEqual({
      ok: false,
      problems: ["errorName 'Nope' is not an error name", 'maxItems must be an integer from 1 to 100'],
    });
    expect(parseListQuery(new URLSearchParams('maxItems=101')).ok).toBe(false);
    expect(parseListQuery(new URLSearchParams('errorName=')).ok).toBe(false);
  });
});

describe('toDeadLetterListItem', () => {
  const base = {
    id: 'id-1',
    pk: 'PatientNotFound|2024-05-01T10|i',
    errorName: 'PatientNotFound' as const,
    etag: '"e"',
    error: {
      name: 'PatientNotFound' as const,
      stage: 'FHIRConversion' as const,
      severity: 'non-blocking' as const,
      message: 'no Patient',
    },
    time: '2024-05-01T10:20:00.000Z',
  };

  it('shows a rejected group by its size and types, never its measurements', () => {
    const item: StoredDeadLetter = {
      ...base,
      templateType: 'CodeValueFhir',
      part: { index: 1, count: 2 },
      subject: {
        kind: 'measurements',
        measurements: ['heartrate', 'heartrate', 'spo2'].map((type) => ({
          type,
          occurrenceTimeUtc: '2024-05-01T10:00:00.000Z',
          ingestionTimeUtc: '2024-05-01T10:00:01.000Z',
          deviceId: 'device-1',
          patientId: 'patient-secret',
          properties: [{ name: 'v', value: '1' }],
        })),
      },
    };

    const listed = toDeadLetterListItem(item);

    expect(listed.subject).toEqual({ kind: 'measurements', measurements: 3, types: ['heartrate', 'spo2'] });
    expect(listed.part).toEqual({ index: 1, count: 2 });
    expect(JSON.stringify(listed)).not.toContain('patient-secret');
  });

  // A rejected message's stored subject, and how the listing shows it.
  const message = {
    kind: 'message' as const,
    body: { encoding: 'json' as const, value: { patientId: 'patient-secret' } },
    coordinates: { partitionId: '3', sequenceNumber: 9, offset: '90', enqueuedTimeUtc: '2024-05-01T10:00:00.000Z' },
  };
  const listedMessage = {
    kind: 'message',
    partitionId: '3',
    sequenceNumber: 9,
    enqueuedTimeUtc: '2024-05-01T10:00:00.000Z',
    encoding: 'json',
  };

  it('shows a rejected message by its coordinates and encoding, never its body or properties', () => {
    const item: StoredDeadLetter = {
      ...base,
      subject: { ...message, systemProperties: { 'iothub-connection-device-id': 'device-secret' } },
    };

    const listed = toDeadLetterListItem(item);

    expect(listed.subject).toEqual(listedMessage);
    expect(JSON.stringify(listed)).not.toMatch(/secret/);
  });

  it('says which property bags a rejected message was stored without', () => {
    const item: StoredDeadLetter = { ...base, subject: { ...message, omitted: { properties: 1_600_000 } } };

    expect(toDeadLetterListItem(item).subject).toEqual({ ...listedMessage, omitted: { properties: 1_600_000 } });
  });
});

describe('continuation tokens', () => {
  const notOurs = 'continuationToken is not one this API answered: pass back the continuationToken of an answer';

  it('refuses a token this API did not answer, in the query and in the body alike', () => {
    const forged = [
      'abc',
      '{"token":"+RID:~a"}',
      Buffer.from('{"t":"x"}').toString('base64url'),
      Buffer.from('{"e":null,"t":""}').toString('base64url'),
      Buffer.from('{"e":"Nope","t":"x"}').toString('base64url'),
      Buffer.from('[1]').toString('base64url'),
      `${toApiContinuationToken('x', undefined)}=`,
      'A'.repeat(20_000),
    ];
    for (const token of forged) {
      expect(parseListQuery(new URLSearchParams({ continuationToken: token }))).toEqual({
        ok: false,
        problems: [notOurs],
      });
      expect(parseReplayBody(JSON.stringify({ continuationToken: token }))).toEqual({ ok: false, problems: [notOurs] });
    }
  });

  it('refuses a token passed with another errorName than it was answered for, wherever the body puts the name', () => {
    const forAll = toApiContinuationToken('x', undefined);
    const forDevices = toApiContinuationToken('x', 'DeviceNotFound');

    expect(parseListQuery(new URLSearchParams({ errorName: 'DeviceNotFound', continuationToken: forAll }))).toEqual({
      ok: false,
      problems: ['continuationToken was answered without an errorName: pass the same errorName with it'],
    });
    expect(parseListQuery(new URLSearchParams({ continuationToken: forDevices }))).toEqual({
      ok: false,
      problems: ['continuationToken was answered for errorName DeviceNotFound: pass the same errorName with it'],
    });
    expect(parseReplayBody(`{"continuationToken":"${forDevices}","errorName":"PatientNotFound"}`)).toEqual({
      ok: false,
      problems: ['continuationToken was answered for errorName DeviceNotFound: pass the same errorName with it'],
    });
    expect(parseReplayBody(`{"continuationToken":"${forDevices}","errorName":"DeviceNotFound"}`)).toEqual({
      ok: true,
      value: { errorName: 'DeviceNotFound', continuationToken: 'x' },
    });
    // An invalid name is reported once, not also as a token mismatch.
    expect(parseReplayBody(`{"continuationToken":"${forDevices}","errorName":"Nope"}`)).toEqual({
      ok: false,
      problems: ["errorName 'Nope' is not an error name"],
    });
  });
});
