/**
 * The dead-letter admin endpoints, called as the Functions host calls them, on the real replay use case with stores
 * that fail on demand.
 */
import { readFile } from 'node:fs/promises';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import {
  discardDeadLetters as discardHandler,
  listDeadLetters as listHandler,
  readDeadLetter as readHandler,
  replayDeadLetters as replayHandler,
} from '../../functions/deadLetters.js';
import { CosmosDeadLetterStore } from '../../shared/adapters/cosmos/cosmosDeadLetterStore.js';
import { CosmosStagingStore } from '../../shared/adapters/cosmos/cosmosStagingStore.js';
import { StagingUnavailableError } from '../../shared/adapters/cosmos/stagingUnavailableError.js';
import { toApiContinuationToken, type DeadLetterListItem } from '../../shared/adapters/functions/deadLetterRequests.js';
import { setAppServices } from '../../shared/app/appServices.js';
import type { AppServices } from '../../shared/app/createAppServices.js';
import { parseDeviceMapping } from '../../shared/core/mapping/parseDeviceMapping.js';
import { toDeadLetterDocument } from '../../shared/core/staging/deadLetter.js';
import type { IngestEvent } from '../../shared/core/deviceEvent.js';
import { ingestBatch } from '../../shared/pipeline/ingestBatch.js';
import { replayDeadLetters, type ReplaySummary } from '../../shared/pipeline/replayDeadLetters.js';
import { discardDeadLetters, type DiscardSummary } from '../../shared/pipeline/discardDeadLetters.js';
import { freshContainers, useLocalCosmos } from '../adapters/cosmos/cosmosTestSupport.js';
import { deviceMappingOf } from '../support/deviceMappings.js';
import { captureIo, useTempDir } from '../cli/support.js';
import { runNormalizeCommand } from '../../shared/cli/normalizeCommand.js';

const temp = useTempDir('medtech-deadletter-');
import type { DeadLetterStore, StagingStore } from '../../shared/pipeline/stagingPorts.js';

afterEach(() => {
  setAppServices(undefined);
});

describe('replayDeadLetters', () => {
  it('when a store fails part-way, then the 503 answer and the log name the failure without quoting its text', async () => {
    const parsed = parseDeviceMapping(await readFile('samples/devicecontent.json', 'utf8'));
    if (!parsed.ok) {
      throw new Error('the sample device mapping is invalid');
    }
    const mapping = parsed.value;
    const letter = toDeadLetterDocument({
      error: { name: 'DeviceNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'no Device' },
      time: '2024-05-01T10:20:00.000Z',
      subject: {
        kind: 'measurements',
        measurements: [
          {
            type: 'HeartRate',
            occurrenceTimeUtc: '2024-05-01T10:00:00.000Z',
            ingestionTimeUtc: '2024-05-01T10:00:05.000Z',
            deviceId: 'device-7',
            patientId: 'patient-7',
            properties: [{ name: 'hr', value: '70' }],
          },
        ],
      },
    });
    const deadLetters: DeadLetterStore = {
      addDeadLetters: () => Promise.resolve([]),
      readDeadLetter: () => Promise.resolve(undefined),
      // More follow: the answer's token would take the dead letters after this one.
      listDeadLetters: () => Promise.resolve({ items: [{ ...letter, etag: '"1"' }], continuationToken: 'store-token' }),
      deleteDeadLetters: () => Promise.resolve({ deleted: 0, missing: 0, changed: 0 }),
    };
    // A store failure whose text quotes what it was given, as a library's error may.
    const staging: StagingStore = {
      stageBatch: () => Promise.reject(new Error('write refused: {"patientId":"patient-7"}')),
      listClosedUnits: () => Promise.resolve([]),
      readUnit: () => Promise.resolve({ documents: [], measurements: [], malformed: 0 }),
      deleteDocuments: () => Promise.resolve({ deleted: 0, missing: 0, changed: 0 }),
    };
    const now = (): Date => new Date('2024-05-01T11:00:00.000Z');
    setAppServices({
      replayDeadLetters: (options) => replayDeadLetters(mapping, { staging, deadLetters, now }, options),
    } as Pick<AppServices, 'replayDeadLetters'> as AppServices);
    const lines: string[] = [];
    const context = new InvocationContext({
      functionName: 'replayDeadLetters',
      logHandler: (level, ...args) => lines.push(`${level} ${args.map(String).join(' ')}`),
    });

    const response = await replayHandler(
      new HttpRequest({ method: 'POST', url: 'http://localhost/api/deadletters/replay', body: { string: '{}' } }),
      context,
    );

    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({
      error: 'The replay stopped: Error',
      summary: { deleted: 0, more: true },
    });
    // No token past the dead letter read and not replayed: called again, the replay starts from the first.
    expect(response.jsonBody).not.toHaveProperty('summary.continuationToken');
    expect(JSON.stringify(response.jsonBody)).not.toContain('patient-7');
    expect(lines.some((line) => line.startsWith('warning replayDeadLetters failed'))).toBe(true);
    expect(lines.join('\n')).not.toContain('patient-7');
  });
});

describe('the dead-letter endpoints on a real Cosmos DB store', () => {
  const cosmos = useLocalCosmos();

  const template = (typeName: string, member: string) => ({
    templateType: 'CalculatedContent',
    template: {
      typeName,
      typeMatchExpression: `$..[?(@.${typeName})]`,
      deviceIdExpression: '$.matchedToken.d',
      timestampExpression: '$.matchedToken.t',
      values: [{ valueName: typeName, valueExpression: `$.matchedToken.${member}`, required: true }],
    },
  });

  /**
   * Five dead letters: three messages an SpO2 template fails on (the fix leaves them failing with the same error, so
   * their dead letters are rewritten in place and kept), two whose heart rate the fixed mapping reads.
   */
  async function servicesWithDeadLetters(): Promise<{ fixedSource: string }> {
    const containers = await freshContainers(cosmos());
    const deps = {
      staging: new CosmosStagingStore(containers.staging),
      deadLetters: new CosmosDeadLetterStore(containers.deadLetter),
      now: () => new Date('2024-05-01T11:00:00.000Z'),
    };
    const time = '2024-05-01T10:00:00.000Z';
    const events: IngestEvent[] = [1, 2, 3, 4, 5].map((n) => ({
      event: {
        body: {
          kind: 'bytes',
          bytes: new TextEncoder().encode(
            JSON.stringify(n > 3 ? { d: 'dev', t: time, hr: 1, heart: 70 + n } : { d: 'dev', t: time, spo2: 1 }),
          ),
        },
        properties: {},
        systemProperties: {},
        enqueuedTimeUtc: time,
      },
      coordinates: { partitionId: '0', sequenceNumber: n, offset: String(n), enqueuedTimeUtc: time },
    }));
    const spo2 = template('spo2', 'spo2value');
    await ingestBatch(events, deviceMappingOf([template('hr', 'heartRate'), spo2]), deps);
    const fixedTemplates = [template('hr', 'heart'), spo2];
    const fixed = deviceMappingOf(fixedTemplates);
    setAppServices({
      listDeadLetters: (query) => deps.deadLetters.listDeadLetters(query),
      replayDeadLetters: (options) => replayDeadLetters(fixed, deps, options),
      discardDeadLetters: (options) => discardDeadLetters(deps, options),
      readDeadLetter: (key) => deps.deadLetters.readDeadLetter(key),
    } as Pick<
      AppServices,
      'listDeadLetters' | 'replayDeadLetters' | 'discardDeadLetters' | 'readDeadLetter'
    > as AppServices);
    return { fixedSource: JSON.stringify({ templateType: 'CollectionContent', template: fixedTemplates }) };
  }

  const context = (): InvocationContext =>
    new InvocationContext({ functionName: 'deadLetters', logHandler: () => undefined });
  const list = (query: string): Promise<HttpResponseInit> =>
    listHandler(new HttpRequest({ method: 'GET', url: `http://localhost/api/deadletters?${query}` }), context());
  const replay = (body: unknown): Promise<HttpResponseInit> =>
    replayHandler(
      new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/deadletters/replay',
        body: { string: JSON.stringify(body) },
      }),
      context(),
    );

  const discard = (body: unknown, query = ''): Promise<HttpResponseInit> =>
    discardHandler(
      new HttpRequest({
        method: 'POST',
        url: `http://localhost/api/deadletters/discard${query}`,
        body: { string: typeof body === 'string' ? body : JSON.stringify(body) },
      }),
      context(),
    );
  const listed = async (query: string): Promise<DeadLetterListItem[]> =>
    ((await list(query)).jsonBody as { items: DeadLetterListItem[] }).items;

  const read = (id: string, query: string): Promise<HttpResponseInit> =>
    readHandler(
      new HttpRequest({
        method: 'GET',
        url: `http://localhost/api/deadletters/${encodeURIComponent(id)}?${query}`,
        params: { id },
      }),
      context(),
    );

  it('answers one dead letter with its data, which medtech normalize reads back as the message it was', async () => {
    const { fixedSource } = await servicesWithDeadLetters();
    const [item] = (await listed('maxItems=100')).filter(
      (i) => i.subject.kind === 'message' && i.subject.sequenceNumber === 4,
    );
    if (item === undefined) {
      throw new Error('no dead letter of message 4');
    }

    const answer = await read(item.id, `pk=${encodeURIComponent(item.pk)}`);
    const file = temp.write('dead-letter.json', JSON.stringify(answer.jsonBody));
    const mapping = temp.write('fixed.json', fixedSource);
    const io = captureIo();
    const code = await runNormalizeCommand(['--device-mapping', mapping, '--dead-letter', file], io);

    expect(answer.status).toBe(200);
    expect(answer.jsonBody).toMatchObject({ id: item.id, pk: item.pk, subject: { kind: 'message' } });
    expect(answer.jsonBody).not.toHaveProperty('etag');
    expect(code).toBe(0);
    // The heart rate the fixed mapping reads, at the message's own enqueued time.
    expect(JSON.parse(io.out)).toMatchObject({
      measurements: [{ type: 'hr', ingestionTimeUtc: '2024-05-01T10:00:00.000Z', properties: [{ value: '74' }] }],
      errors: [],
    });
  });

  it("answers 404 to a key no dead letter has, and 400 to one that is no dead letter's", async () => {
    await servicesWithDeadLetters();

    const missing = await read('0'.repeat(64), 'pk=IncompatibleData%7C2024-05-01T10%7C0');
    const malformed = await read('abc', 'pk=IncompatibleData%7C2024-05-01T10%7C0');
    const noPk = await read('0'.repeat(64), '');

    expect([missing.status, malformed.status, noPk.status]).toEqual([404, 400, 400]);
  });

  it('lists and replays only the dead letters written before an instant', async () => {
    await servicesWithDeadLetters();

    // Written at 11:00 (the clock of the ingest that rejected them).
    expect(await listed('before=2024-05-01T11:00:00Z')).toHaveLength(0);
    expect(await listed('before=2024-05-01T11:00:00.001Z')).toHaveLength(5);
    expect(await listed('before=2024-05-01T13:00:00%2B02:00')).toHaveLength(0);
    const early = await replay({ before: '2024-05-01T11:00:00Z', dryRun: true });
    const all = await replay({ before: '2024-05-01T11:00:00.001Z', dryRun: true });
    expect(early.jsonBody).toMatchObject({ examined: { messages: 0 } });
    expect(all.jsonBody).toMatchObject({ examined: { messages: 5 } });
  });

  it('discards what a dry run counted, a page a call with the tokens it answers', async () => {
    await servicesWithDeadLetters();
    const filter = { errorName: 'IncompatibleData', before: '2024-05-02' };

    const dry = await discard({ ...filter, dryRun: true });
    // A dry run pages with its own tokens, which a real discard refuses (it would skip the dry run's first page).
    const dryPage = (await discard({ ...filter, dryRun: true, maxItems: 2 })).jsonBody as DiscardSummary;
    const dryNext = await discard({
      ...filter,
      dryRun: true,
      maxItems: 2,
      continuationToken: dryPage.continuationToken,
    });
    const realWithDryToken = await discard({ ...filter, continuationToken: dryPage.continuationToken });
    // A listing's token as well: it changed nothing either.
    const listPage = (await list('errorName=IncompatibleData&before=2024-05-02&maxItems=2')).jsonBody as {
      continuationToken: string;
    };
    const realWithListToken = await discard({ ...filter, continuationToken: listPage.continuationToken });
    expect(dryNext).toMatchObject({ status: 200, jsonBody: { examined: 2, deleted: 0 } });
    expect([realWithDryToken.status, realWithListToken.status]).toEqual([400, 400]);
    const afterDry = await listed('');
    let deleted = 0;
    let token: string | undefined;
    for (let call = 0; call < 10; call++) {
      const answer = await discard({
        ...filter,
        maxItems: 2,
        ...(token === undefined ? {} : { continuationToken: token }),
      });
      expect(answer.status).toBe(200);
      const summary = answer.jsonBody as DiscardSummary;
      deleted += summary.deleted;
      token = summary.continuationToken;
      if (!summary.more) {
        break;
      }
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    }

    expect(dry).toMatchObject({ status: 200, jsonBody: { dryRun: true, examined: 5, deleted: 0 } });
    expect(afterDry).toHaveLength(5);
    expect(deleted).toBe(5);
    expect(await listed('')).toHaveLength(0);
  });

  it('discards exactly the dead letters named by the keys the listing gives', async () => {
    await servicesWithDeadLetters();
    const named = await listed('maxItems=2');

    const answer = await discard({ keys: named.map(({ id, pk }) => ({ id, pk })) });

    expect(answer).toMatchObject({ status: 200, jsonBody: { examined: 2, deleted: 2, missing: 0 } });
    const left = await listed('');
    expect(left).toHaveLength(3);
    expect(left.map((item) => item.id)).not.toContain(named[0]?.id);
  });

  it('answers 400 to a discard without keys or a filter, or with its options in the query, and deletes nothing', async () => {
    await servicesWithDeadLetters();

    const answers = [
      await discard(''),
      await discard({}),
      await discard({ dryRun: true }, '?errorName=IncompatibleData'),
    ];

    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400]);
    expect(answers[2]?.jsonBody).toEqual({
      problems: [
        "unknown query parameter 'errorName' (the options go in the JSON body)",
        'give keys, an errorName or a before instant (every dead letter: before, now)',
      ],
    });
    expect(await listed('')).toHaveLength(5);
  });

  it('pages through every dead letter once with the tokens it answers, which need no URL encoding', async () => {
    await servicesWithDeadLetters();
    const seen: number[] = [];
    let token: string | undefined;
    for (let call = 0; call < 10; call++) {
      const answer = await list(
        `errorName=IncompatibleData&maxItems=2${token === undefined ? '' : `&continuationToken=${token}`}`,
      );
      expect(answer.status).toBe(200);
      const body = answer.jsonBody as { items: DeadLetterListItem[]; continuationToken?: string };
      for (const item of body.items) {
        seen.push(item.subject.kind === 'message' ? item.subject.sequenceNumber : -1);
      }
      token = body.continuationToken;
      if (token === undefined) {
        break;
      }
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('replays past the dead letters it keeps with the token it answered', async () => {
    await servicesWithDeadLetters();

    const first = await replay({ maxItems: 3 });
    const firstSummary = first.jsonBody as ReplaySummary;
    const next = await replay({ maxItems: 3, continuationToken: firstSummary.continuationToken });

    expect(first.status).toBe(200);
    expect(firstSummary).toMatchObject({ examined: { messages: 3 }, rejectedAgain: 3, kept: 3, more: true });
    expect(next.status).toBe(200);
    expect(next.jsonBody).toMatchObject({ examined: { messages: 2 }, measurementsStaged: 2, deleted: 2, more: false });
  });

  it('answers 400, not 500, to a forged token, a token for another filter, or one the store refuses', async () => {
    await servicesWithDeadLetters();
    const page = (await list('maxItems=1')).jsonBody as { continuationToken: string };
    // A token of this API's form around a store token the local Cosmos DB server refuses (it answers 400).
    const refused = toApiContinuationToken('{"a":1}', undefined);

    const answers = [
      await list('continuationToken=garbage'),
      await list(`errorName=DeviceNotFound&continuationToken=${page.continuationToken}`),
      await list(`continuationToken=${refused}`),
      await replay({ continuationToken: 'garbage' }),
      await replay({ errorName: 'DeviceNotFound', continuationToken: page.continuationToken }),
      await replay({ continuationToken: refused }),
    ];

    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect((answers[2]?.jsonBody as { problems: string[] }).problems).toEqual([
      'continuationToken is no longer valid: start again without one',
    ]);
  });

  it('answers 400 to replay options put in the query, and replays nothing', async () => {
    await servicesWithDeadLetters();

    const answer = await replayHandler(
      new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/deadletters/replay?code=KEY&dryRun=true&errorName=TemplateNotFound',
        body: { string: '' },
      }),
      context(),
    );

    expect(answer).toEqual({
      status: 400,
      jsonBody: {
        problems: [
          "unknown query parameter 'dryRun' (the options go in the JSON body)",
          "unknown query parameter 'errorName' (the options go in the JSON body)",
        ],
      },
    });
    const left = (await list('maxItems=100')).jsonBody as { items: unknown[] };
    expect(left.items).toHaveLength(5);
  });

  it('answers 503 with the store error when the store is unavailable', async () => {
    const unavailable = new StagingUnavailableError(
      'Cosmos DB query dead letters failed with status 503; retry later',
      {
        statusCode: 503,
      },
    );
    setAppServices({
      listDeadLetters: () => Promise.reject(unavailable),
      replayDeadLetters: () => Promise.reject(unavailable),
      discardDeadLetters: () => Promise.reject(unavailable),
    } as Pick<AppServices, 'listDeadLetters' | 'replayDeadLetters' | 'discardDeadLetters'> as AppServices);

    for (const answer of [await list(''), await replay({}), await discard({ errorName: 'DeviceNotFound' })]) {
      expect(answer).toMatchObject({
        status: 503,
        jsonBody: { error: 'Cosmos DB query dead letters failed with status 503; retry later' },
      });
    }
  });
});
