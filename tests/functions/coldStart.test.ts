/**
 * The queue worker and the dead-letter endpoints on an instance that starts (scale-out, a recycle) while Cosmos DB
 * cannot serve: building the shared services fails retriably, and each answers as it does for a store failure later
 * on. Cosmos DB is a port nothing listens on.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discardDeadLetters, listDeadLetters, readDeadLetter, replayDeadLetters } from '../../functions/deadLetters.js';
import { flushWorker } from '../../functions/flushWorker.js';
import { getAppServices, setAppServices } from '../../shared/app/appServices.js';

const saved = { ...process.env };

beforeAll(() => {
  Object.assign(process.env, {
    FHIR__URL: 'http://127.0.0.1:9/fhir',
    COSMOS__ENDPOINT: 'http://127.0.0.1:9',
    COSMOS__KEY: 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==',
    MAPPINGS__CONNECTION_STRING: 'UseDevelopmentStorage=true',
    FLUSH_QUEUE_NAME: 'flush-work',
    FLUSH_QUEUE_CONNECTION: 'UseDevelopmentStorage=true',
  });
  setAppServices(undefined);
});

afterAll(() => {
  process.env = saved;
  setAppServices(undefined);
});

function contextWithLog(functionName: string): { context: InvocationContext; lines: string[] } {
  const lines: string[] = [];
  const context = new InvocationContext({
    functionName,
    logHandler: (level, ...args) => lines.push(`${level} ${args.map(String).join(' ')}`),
  });
  return { context, lines };
}

const post = (path: string, body: unknown): HttpRequest =>
  new HttpRequest({ method: 'POST', url: `http://localhost/api/${path}`, body: { string: JSON.stringify(body) } });

describe('an instance starting while Cosmos DB is unavailable', () => {
  it('fails to build its services with a retriable error (the premise)', async () => {
    await expect(getAppServices()).rejects.toMatchObject({ name: 'StagingUnavailableError', retriable: true });
  });

  it('flushWorker completes the message with a warning: the unit stays staged and is not sent to the poison queue', async () => {
    const { context, lines } = contextWithLog('flushWorker');

    await flushWorker({ windowStart: '2026-11-24T10:00:00.000Z', shard: '0' }, context);

    expect(lines).toEqual([
      expect.stringMatching(
        /^warning flushWorker: work unit .* failed \(Cosmos DB create database failed: service unreachable/,
      ),
    ]);
    expect(lines[0]).toContain('it stays staged');
  });

  it('the dead-letter endpoints answer 503 with Retry-After, as for a store failure later on', async () => {
    const calls: [string, (context: InvocationContext) => Promise<HttpResponseInit>][] = [
      [
        'listDeadLetters',
        (c) => listDeadLetters(new HttpRequest({ method: 'GET', url: 'http://localhost/api/deadletters' }), c),
      ],
      [
        'readDeadLetter',
        (c) =>
          readDeadLetter(
            new HttpRequest({
              method: 'GET',
              url: `http://localhost/api/deadletters/${'a'.repeat(64)}?pk=DeviceNotFound%7C2024-05-01T10%7Ca`,
              params: { id: 'a'.repeat(64) },
              query: { pk: 'DeviceNotFound|2024-05-01T10|a' },
            }),
            c,
          ),
      ],
      ['replayDeadLetters', (c) => replayDeadLetters(post('deadletters/replay', {}), c)],
      [
        'discardDeadLetters',
        (c) => discardDeadLetters(post('deadletters/discard', { errorName: 'DeviceNotFound' }), c),
      ],
    ];
    for (const [name, call] of calls) {
      const { context, lines } = contextWithLog(name);

      const response = await call(context);

      expect(response, name).toMatchObject({
        status: 503,
        headers: { 'Retry-After': '30' },
        jsonBody: { error: 'Cosmos DB create database failed: service unreachable; retry later' },
      });
      expect(lines, name).toEqual([
        expect.stringMatching(new RegExp(`^warning ${name} failed: Cosmos DB create database failed`)),
      ]);
    }
  });
});
