import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/identity';
import type { Device, Observation, Quantity } from '@medplum/fhirtypes';
import { toFhirValue } from '../../../shared/core/fhir/toFhirValue.js';
import { createFhirStore, isWithinService } from '../../../shared/adapters/fhir/createFhirStore.js';
import type { FhirStoreOptions, HttpFhirStore } from '../../../shared/adapters/fhir/createFhirStore.js';
import { FhirRequestError } from '../../../shared/adapters/fhir/fhirRequestError.js';
import { startFhirServer } from '../../../shared/local/fhirServer.js';
import type { FhirServer } from '../../../shared/local/fhirServer.js';
import { SEARCH_CUT_SHORT } from '../../../shared/pipeline/ports.js';
import { requestMatching, startFaultProxy } from '../../support/faultProxy.js';
import type { FaultProxy } from '../../support/faultProxy.js';

let server: FhirServer;
let proxy: FaultProxy;

beforeAll(async () => {
  server = await startFhirServer({ port: 0 });
  proxy = await startFaultProxy(server.url);
});

afterAll(async () => {
  await proxy.close();
  await server.close();
});

afterEach(() => {
  proxy.clear();
  proxy.resetLog();
});

/** A store through the proxy whose sleeps advance a fake clock instead of waiting. */
function storeThroughProxy(options: Partial<FhirStoreOptions> = {}): { store: HttpFhirStore; sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const store = createFhirStore({
    baseUrl: proxy.url,
    retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 100, maxTotalMs: 60_000, requestTimeoutMs: 2_000 },
    now: () => now,
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    ...options,
  });
  return { store, sleeps };
}

function device(id: string, value = id): Device & { id: string } {
  return { resourceType: 'Device', id, identifier: [{ system: 'urn:test:device', value }] };
}

describe('createFhirStore', () => {
  it('creates with PUT, reports 201 as created, and a later PUT as not created', async () => {
    const { store } = storeThroughProxy();

    const first = await store.update(device('store-create'));
    const second = await store.update(device('store-create'));

    expect(first).toMatchObject({ kind: 'saved', created: true, resource: { id: 'store-create' } });
    expect(second).toMatchObject({ kind: 'saved', created: false });
  });

  it("sends a Quantity's decimal text as it is (37.50, 0.0000001), which the server takes", async () => {
    const { store } = storeThroughProxy();
    const quantity = (text: string): Quantity => {
      const element = toFhirValue({ valueType: 'Quantity', valueName: 'v' }, [{ time: 0, value: text }], 0, 0, 't');
      return 'valueQuantity' in element ? element.valueQuantity : {};
    };
    const observation: Observation & { id: string } = {
      resourceType: 'Observation',
      id: 'store-decimal',
      status: 'final',
      code: { text: 'temperature' },
      valueQuantity: quantity('37.50'),
      component: [{ code: { text: 'tiny' }, valueQuantity: quantity('0.0000001') }],
    };

    const saved = await store.update(observation);

    expect(saved).toMatchObject({ kind: 'saved', resource: { valueQuantity: { value: 37.5 } } });
    const put = proxy.requests().find((request) => request.method === 'PUT');
    expect(put?.body).toContain('"valueQuantity":{"value":37.50}');
    expect(put?.body).toContain('"valueQuantity":{"value":0.0000001}');
    expect(put?.headers['content-type']).toMatch(/^application\/fhir\+json/);
  });

  it('searches by identifier and reads by id; a missing resource reads as undefined', async () => {
    const { store } = storeThroughProxy();
    await store.update(device('store-search', 'search-me'));

    const found = await store.search<Device>('Device', { identifier: 'urn:test:device|search-me' });
    const read = await store.read<Device>('Device', 'store-search');
    const missing = await store.read<Device>('Device', 'store-missing');

    expect(found.map((d) => d.id)).toEqual(['store-search']);
    expect(read?.identifier?.[0]?.value).toBe('search-me');
    expect(missing).toBeUndefined();
  });

  it("reads a resource type's versioning from the CapabilityStatement, and refuses an answer that is none", async () => {
    const { store } = storeThroughProxy();

    const observation = await store.versioning('Observation');
    const unlisted = await store.versioning('Basic');
    proxy.inject({
      fault: { kind: 'respond', status: 200, body: { resourceType: 'Bundle', type: 'searchset', entry: [] } },
      match: requestMatching('GET', /\/metadata$/),
    });
    const error = await store.versioning('Observation').catch((e: unknown) => e);

    expect(observation).toBe('versioned');
    expect(unlisted).toBeUndefined();
    expect(error).toBeInstanceOf(FhirRequestError);
    expect(error).toMatchObject({ interaction: 'capabilities', retriable: false });
  });

  it('follows next links on the same service, keeps only matches, and never follows a link elsewhere', async () => {
    const { store } = storeThroughProxy();
    await store.update(device('store-page-two', 'page-two'));
    proxy.resetLog();
    const page = (next: string): unknown => ({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: device('store-page-one'), search: { mode: 'match' } },
        { resource: { resourceType: 'Patient', id: 'included' }, search: { mode: 'include' } },
      ],
      link: [{ relation: 'next', url: next }],
    });
    proxy.inject({ fault: { kind: 'respond', status: 200, body: page(`${proxy.url}/Device?identifier=page-two`) } });
    const followed = await store.search<Device>('Device', { identifier: 'page-one' });
    proxy.inject({ fault: { kind: 'respond', status: 200, body: page('http://elsewhere.example/Device?page=2') } });
    const notFollowed = await store.search<Device>('Device', { identifier: 'page-one' });

    expect(followed.map((d) => d.id)).toEqual(['store-page-one', 'store-page-two']);
    expect(followed[SEARCH_CUT_SHORT]).toBeUndefined();
    // The link left is said: the answer may lack matches.
    expect(notFollowed.map((d) => d.id)).toEqual(['store-page-one']);
    expect(notFollowed[SEARCH_CUT_SHORT]).toBe(true);
    // So is one past the page limit (10 pages).
    proxy.inject({
      fault: { kind: 'respond', status: 200, body: page(`${proxy.url}/Device?identifier=page-one`) },
      times: Infinity,
    });
    const endless = await store.search<Device>('Device', { identifier: 'page-one' });
    // The same page again and again: its one match, once.
    expect(endless).toHaveLength(1);
    expect(endless[SEARCH_CUT_SHORT]).toBe(true);
    // And one past the pages asked for.
    const onePage = await store.search<Device>('Device', { identifier: 'page-one' }, { maxPages: 1 });
    expect(onePage).toHaveLength(1);
    expect(onePage[SEARCH_CUT_SHORT]).toBe(true);
    expect(proxy.requests()).toHaveLength(14);
  });

  it('sends If-Match with the version and reports a stale version as a conflict', async () => {
    const { store } = storeThroughProxy();
    const created = await store.update(device('store-if-match'));
    const version = created.kind === 'saved' ? created.resource.meta?.versionId : undefined;
    await store.update(device('store-if-match'));

    const stale = await store.update(device('store-if-match'), { ifMatchVersionId: version });

    expect(stale).toEqual({ kind: 'conflict', status: 412 });
    expect(proxy.requests().at(-1)?.headers['if-match']).toBe(`W/"${version}"`);
  });

  it('reports a 409 on a write as a version conflict, not retried and not a failure', async () => {
    const { store, sleeps } = storeThroughProxy();
    await store.update(device('store-409'));
    proxy.resetLog();
    proxy.inject({ fault: { kind: 'status', status: 409 }, match: requestMatching('PUT', '/Device/store-409') });

    const result = await store.update(device('store-409'), { ifMatchVersionId: '1' });

    expect(result).toEqual({ kind: 'conflict', status: 409 });
    expect(proxy.requests()).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('reads the history of a resource newest first', async () => {
    const { store } = storeThroughProxy();
    const a = await store.update(device('store-history'));
    const b = await store.update(device('store-history'));

    const versions = await store.history<Device>('Device', 'store-history');

    expect(versions.map((v) => v.meta?.versionId)).toEqual([
      b.kind === 'saved' ? b.resource.meta?.versionId : 'b',
      a.kind === 'saved' ? a.resource.meta?.versionId : 'a',
    ]);
    expect(await store.history('Device', 'store-no-history')).toEqual([]);
  });

  it('reads the history back to the latest deletion only, as servers that record deletions list it', async () => {
    const { store } = storeThroughProxy();
    const version = (versionId: string): Device => ({ ...device('store-deleted'), meta: { versionId } });
    proxy.inject({
      match: requestMatching('GET', '/Device/store-deleted/_history'),
      fault: {
        kind: 'respond',
        status: 200,
        body: {
          resourceType: 'Bundle',
          type: 'history',
          entry: [
            { resource: version('4'), request: { method: 'PUT', url: 'Device/store-deleted' } },
            { resource: version('3'), request: { method: 'PUT', url: 'Device/store-deleted' } },
            { request: { method: 'DELETE', url: 'Device/store-deleted' }, response: { status: '204' } },
            { resource: version('1'), request: { method: 'PUT', url: 'Device/store-deleted' } },
          ],
        },
      },
    });

    const versions = await store.history<Device>('Device', 'store-deleted');

    expect(versions.map((v) => v.meta?.versionId)).toEqual(['4', '3']);
  });

  it('takes only the search matches of the type searched for, as MedTech reads a Bundle', async () => {
    const { store } = storeThroughProxy();
    proxy.inject({
      match: requestMatching('GET', '/Device?'),
      fault: {
        kind: 'respond',
        status: 200,
        body: {
          resourceType: 'Bundle',
          type: 'searchset',
          entry: [
            { resource: { resourceType: 'Patient', id: 'p', identifier: [{ value: 'store-typed' }] } },
            { resource: device('store-typed'), search: { mode: 'match' } },
          ],
        },
      },
    });

    const found = await store.search<Device>('Device', { identifier: 'store-typed' });

    expect(found).toEqual([device('store-typed')]);
  });

  it('takes a resource listed twice (a next link back to the page read) as one match', async () => {
    const { store } = storeThroughProxy();
    const page = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'next', url: `${proxy.url}/Device?identifier=store-twice&page=1` }],
      entry: [{ resource: device('store-twice'), search: { mode: 'match' } }],
    };
    proxy.inject({
      match: requestMatching('GET', '/Device?'),
      times: Infinity,
      fault: { kind: 'respond', status: 200, body: page },
    });

    const found = await store.search<Device>('Device', { identifier: 'store-twice' }, { maxPages: 3 });

    expect([...found]).toEqual([device('store-twice')]);
    expect(found[SEARCH_CUT_SHORT]).toBe(true);
  });

  it('fails a search or history read answered 200 with no Bundle, or one its readers would trip over, retriably, rather than read it as none found', async () => {
    const device = (extra: Record<string, unknown>): Record<string, unknown> => ({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: { resourceType: 'Device', id: 'store-odd', ...extra } }],
    });
    const bodies: [unknown, string][] = [
      ...[{}, [], { resourceType: 'Device', id: 'd' }, { resourceType: 'OperationOutcome' }].map(
        (body): [unknown, string] => [body, 'no Bundle'],
      ),
      [{ resourceType: 'Bundle', entry: {} }, 'a Bundle whose entries or links are not lists of objects'],
      [{ resourceType: 'Bundle', entry: [null] }, 'a Bundle whose entries or links are not lists of objects'],
      [{ resourceType: 'Bundle', entry: [], link: 'next' }, 'a Bundle whose entries or links are not lists of objects'],
      [
        { resourceType: 'Bundle', entry: [{ resource: 'Device' }] },
        'a Bundle entry whose resource is not a FHIR resource',
      ],
      [device({ id: 7 }), 'a Bundle entry whose resource is not a FHIR resource'],
      [device({ identifier: { value: 'x' } }), 'a resource whose identifier is not a list of system and value texts'],
      [device({ identifier: [{ value: 5 }] }), 'a resource whose identifier is not a list of system and value texts'],
      [device({ identifier: ['x'] }), 'a resource whose identifier is not a list of system and value texts'],
    ];
    for (const [body, problem] of bodies) {
      const { store } = storeThroughProxy();
      proxy.inject({ match: requestMatching('GET'), times: 2, fault: { kind: 'respond', status: 200, body } });

      const failures = [
        await store.search('Device', { identifier: 'store-odd' }).catch((e: unknown) => e),
        await store.history('Device', 'store-odd').catch((e: unknown) => e),
      ];

      for (const [index, failure] of failures.entries()) {
        expect(failure, JSON.stringify(body)).toBeInstanceOf(FhirRequestError);
        expect(failure).toMatchObject({
          retriable: true,
          message: `FHIR ${index === 0 ? 'search' : 'history'} of Device answered with ${problem}`,
        });
      }
      proxy.clear();
    }
  });

  it('takes a PUT answered without the resource (return=minimal) by its ETag, else by reading it back', async () => {
    const { store } = storeThroughProxy();
    const stored = await store.update(device('store-minimal'));
    proxy.inject({
      match: requestMatching('PUT', '/Device/store-by-etag'),
      fault: { kind: 'respond', status: 201, body: undefined, headers: { etag: 'W/"1"' } },
    });
    proxy.inject({
      match: requestMatching('PUT', '/Device/store-minimal'),
      fault: { kind: 'respond', status: 200, body: undefined },
    });

    const byEtag = await store.update(device('store-by-etag'));
    const readBack = await store.update(device('store-minimal'));

    expect(byEtag).toEqual({
      kind: 'saved',
      created: true,
      resource: { ...device('store-by-etag'), meta: { versionId: '1' } },
    });
    expect(readBack).toMatchObject({ kind: 'saved', created: false, resource: { id: 'store-minimal' } });
    expect(readBack.kind === 'saved' ? readBack.resource.meta?.versionId : undefined).toBe(
      stored.kind === 'saved' ? stored.resource.meta?.versionId : 'stored',
    );
    // Every PUT asks for the resource back.
    expect(
      proxy
        .requests()
        .filter((request) => request.method === 'PUT')
        .map((request) => request.headers.prefer),
    ).toEqual(['return=representation', 'return=representation', 'return=representation']);
  });

  it('fails retriably when a later history page is gone, rather than read the history as empty', async () => {
    const { store } = storeThroughProxy();
    const version = (versionId: string): Device => ({ ...device('store-page-gone'), meta: { versionId } });
    proxy.inject({
      match: requestMatching('GET', '/Device/store-page-gone/_history'),
      fault: {
        kind: 'respond',
        status: 200,
        body: {
          resourceType: 'Bundle',
          type: 'history',
          link: [{ relation: 'next', url: `${proxy.url}/Device/store-page-gone/_history?ct=1` }],
          entry: [{ resource: version('2'), request: { method: 'PUT', url: 'Device/store-page-gone' } }],
        },
      },
    });
    // HAPI answers a paging link it no longer holds so.
    proxy.inject({ match: requestMatching('GET', '_history?ct=1'), fault: { kind: 'status', status: 410 } });

    const error = await store.history<Device>('Device', 'store-page-gone').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirRequestError);
    expect(error).toMatchObject({ retriable: true, status: 410, interaction: 'history' });
  });

  it('does not follow a history page link to another host', async () => {
    const { store } = storeThroughProxy();
    const version = (versionId: string): Device => ({ ...device('store-elsewhere'), meta: { versionId } });
    proxy.inject({
      match: requestMatching('GET', '/Device/store-elsewhere/_history'),
      fault: {
        kind: 'respond',
        status: 200,
        body: {
          resourceType: 'Bundle',
          type: 'history',
          link: [{ relation: 'next', url: 'http://elsewhere.invalid/Device/store-elsewhere/_history?ct=1' }],
          entry: [{ resource: version('2'), request: { method: 'PUT', url: 'Device/store-elsewhere' } }],
        },
      },
    });

    const versions = await store.history<Device>('Device', 'store-elsewhere');

    expect(versions.map((v) => v.meta?.versionId)).toEqual(['2']);
    expect(store.requestCount()).toBe(1);
  });

  it('retries a 429 after the Retry-After delay and succeeds', async () => {
    const { store, sleeps } = storeThroughProxy();
    proxy.inject({ fault: { kind: 'status', status: 429, retryAfter: '2' }, match: requestMatching('GET', '/Device') });

    const found = await store.search<Device>('Device', { identifier: 'nothing-here' });

    expect(found).toEqual([]);
    expect(sleeps).toEqual([2000]);
    expect(proxy.requests().map((r) => r.faulted)).toEqual([true, false]);
    expect(store.requestCount()).toBe(2);
  });

  it('retries 503s with exponential backoff and succeeds', async () => {
    const { store, sleeps } = storeThroughProxy();
    proxy.inject({ fault: { kind: 'status', status: 503 }, times: 2 });

    const saved = await store.update(device('store-503'));

    expect(saved.kind).toBe('saved');
    expect(sleeps).toEqual([8, 15]);
    expect(await store.read('Device', 'store-503')).toBeDefined();
  });

  it('retries a request that timed out', async () => {
    const { store } = storeThroughProxy({
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 60_000, requestTimeoutMs: 150 },
    });
    proxy.inject({ fault: { kind: 'delay', ms: 1_000 } });

    const found = await store.search('Device', { identifier: 'nothing-here' });

    expect(found).toEqual([]);
    expect(proxy.requests()).toHaveLength(2);
  });

  it('gives up on a persistent 503 after the attempt limit with a retriable FhirServiceError', async () => {
    const { store, sleeps } = storeThroughProxy();
    proxy.inject({ fault: { kind: 'status', status: 503 }, times: Infinity });

    const error = await store
      .search('Device', { identifier: 'urn:test:device|patient-secret' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirRequestError);
    expect(error).toMatchObject({
      name: 'FhirServiceError',
      stage: 'Persist',
      retriable: true,
      status: 503,
      attempts: 4,
      interaction: 'search',
    });
    expect((error as Error).message).not.toContain('patient-secret');
    expect(sleeps).toHaveLength(3);
  });

  it('gives up early when the next wait would exceed the total time budget', async () => {
    const { store, sleeps } = storeThroughProxy({
      retry: { maxAttempts: 10, baseDelayMs: 10, maxDelayMs: 100, maxTotalMs: 5_000, requestTimeoutMs: 2_000 },
    });
    proxy.inject({ fault: { kind: 'status', status: 429, retryAfter: '3' }, times: Infinity });

    const error = await store.read('Device', 'anything').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: true, status: 429, attempts: 2 });
    expect(sleeps).toEqual([3000]);
  });

  it('does not retry a 400 and reports it as non-retriable, without the response body', async () => {
    const { store } = storeThroughProxy();
    proxy.inject({
      fault: {
        kind: 'respond',
        status: 400,
        body: { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'patient-secret' }] },
      },
    });

    const error = await store.update(device('store-400')).catch((e: unknown) => e);

    // Not retried, so dead-lettered with its data: non-blocking, unlike a retried service error.
    expect(error).toMatchObject({
      name: 'FhirServiceError',
      retriable: false,
      severity: 'non-blocking',
      status: 400,
      attempts: 1,
    });
    expect((error as Error).message).not.toContain('patient-secret');
    // Sent once; the read after it finds no such Device, so the 400 is not a conflict with another creator.
    expect(proxy.requests().map((r) => r.method)).toEqual(['PUT', 'GET']);
  });

  it.each([400, 428])(
    'reports a %i refusing a PUT without If-Match onto an existing resource as a conflict (If-Match required)',
    async (status) => {
      const { store } = storeThroughProxy();
      await store.update(device(`store-required-${status}`));
      proxy.resetLog();
      // What Azure's FHIR service answers under the `versioned-update` policy (400 in R4), or 428 Precondition Required.
      proxy.inject({
        fault: { kind: 'status', status },
        match: requestMatching('PUT', `/Device/store-required-${status}`),
      });

      const refused = await store.update(device(`store-required-${status}`));
      proxy.inject({
        fault: { kind: 'status', status },
        match: requestMatching('PUT', `/Device/store-required-${status}`),
      });
      const guarded = await store
        .update(device(`store-required-${status}`), { ifMatchVersionId: '1' })
        .catch((e: unknown) => e);

      expect(refused).toEqual({ kind: 'conflict', status });
      // With If-Match sent, the same answer is no conflict with a creator: an error, as before.
      expect(guarded).toBeInstanceOf(FhirRequestError);
      expect(guarded).toMatchObject({ status, retriable: false });
    },
  );

  it('does not retry a 403 at once but keeps it retriable (the data is fine, the access is not)', async () => {
    const { store } = storeThroughProxy();
    proxy.inject({ fault: { kind: 'status', status: 403 } });

    const error = await store.read('Device', 'anything').catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'FhirServiceError',
      retriable: true,
      severity: 'blocking',
      status: 403,
      attempts: 1,
    });
  });

  it('keeps a 404 or 405 on a search or a write retriable: a wrong base URL must not dead-letter the data', async () => {
    const { store } = storeThroughProxy();
    proxy.inject({ fault: { kind: 'status', status: 404 }, match: requestMatching('GET', '/Device') });
    proxy.inject({ fault: { kind: 'status', status: 405 }, match: requestMatching('PUT') });

    const search = await store.search('Device', { identifier: 'x' }).catch((e: unknown) => e);
    const update = await store.update(device('store-405')).catch((e: unknown) => e);

    expect(search).toMatchObject({ name: 'FhirServiceError', retriable: true, status: 404, attempts: 1 });
    expect(update).toMatchObject({ name: 'FhirServiceError', retriable: true, status: 405, attempts: 1 });
    // A read still reports a missing resource as not found.
    expect(await store.read('Device', 'store-never-written')).toBeUndefined();
  });

  it('treats a refused connection as retriable', async () => {
    const closed = await startFaultProxy(server.url);
    const url = closed.url;
    await closed.close();
    const { store, sleeps } = storeThroughProxy({ baseUrl: url });

    const error = await store.read('Device', 'anything').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: true, status: undefined, attempts: 4 });
    expect(sleeps).toHaveLength(3);
  });

  it('sends a bearer token from the credential for the FHIR scope when using managed identity', async () => {
    const scopes: (string | string[])[] = [];
    const credential: TokenCredential = {
      getToken: (scope) => {
        scopes.push(scope);
        return Promise.resolve({ token: 'token-1', expiresOnTimestamp: Date.now() + 3_600_000 });
      },
    };
    const { store } = storeThroughProxy({ auth: 'managedIdentity', credential, now: () => Date.now() });

    await store.read('Device', 'anything');
    await store.read('Device', 'anything-else');

    expect(proxy.requests().map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-1']);
    expect(scopes).toEqual([`${proxy.url}/.default`]);
  });

  it('on a 401, tries once more at once with a new token before failing', async () => {
    let issued = 0;
    const credential: TokenCredential = {
      getToken: () => Promise.resolve({ token: `token-${++issued}`, expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    const { store } = storeThroughProxy({ auth: 'managedIdentity', credential, now: () => Date.now() });
    proxy.inject({ fault: { kind: 'status', status: 401 }, times: 1, match: () => true });

    await store.read('Device', 'anything');

    expect(proxy.requests().map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('does not try again with a new token after a 401 once the retries have spent their time', async () => {
    // The clock moves only while the token is fetched: a minute and more, past the retries' 60 s.
    let clock = 0;
    const credential: TokenCredential = {
      getToken: () => {
        clock += 61_000;
        return Promise.resolve({ token: 'token-1', expiresOnTimestamp: Date.now() + 3_600_000 });
      },
    };
    const { store } = storeThroughProxy({ auth: 'managedIdentity', credential, now: () => clock });
    proxy.inject({ fault: { kind: 'status', status: 401 }, times: 1, match: () => true });

    const error = await store.read('Device', 'anything').catch((e: unknown) => e);

    // Retriable (the data stays staged), after the one request: no attempt starts past the retries' time.
    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: true, status: 401 });
    expect(proxy.requests()).toHaveLength(1);
  });

  it('counts a token fetch that outlasts the request timeout as a timed-out attempt, sending nothing', async () => {
    const credential: TokenCredential = { getToken: () => new Promise(() => undefined) };
    const { store } = storeThroughProxy({
      auth: 'managedIdentity',
      credential,
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, maxTotalMs: 60_000, requestTimeoutMs: 20 },
    });

    const error = await store.read('Device', 'anything').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: true, attempts: 3 });
    expect(proxy.requests()).toHaveLength(0);
  });

  it('sends no Authorization header without auth', async () => {
    const { store } = storeThroughProxy();

    await store.read('Device', 'anything');

    expect(proxy.requests()[0]?.headers.authorization).toBeUndefined();
  });

  it('refuses an id that is not a FHIR id without sending anything', async () => {
    const { store } = storeThroughProxy();

    const error = await store.read<Observation>('Observation', '../Patient/x').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: false });
    expect(proxy.requests()).toHaveLength(0);
  });
});

describe('isWithinService', () => {
  const base = 'https://contoso.fhir.azurehealthcareapis.com/fhir';

  it('follows a link into the service however its host case and default port are written', () => {
    expect(isWithinService(`${base}/Device?_page=2`, base)).toBe(true);
    expect(isWithinService('https://CONTOSO.fhir.azurehealthcareapis.com/fhir/Device?ct=x', base)).toBe(true);
    expect(isWithinService('https://contoso.fhir.azurehealthcareapis.com:443/fhir/Device?ct=x', base)).toBe(true);
    // HAPI FHIR pages as the base itself with a query.
    expect(isWithinService(`${base}?_getpages=7f1c&_getpagesoffset=20&_count=20`, base)).toBe(true);
    expect(isWithinService(`${base}/?_getpages=7f1c`, base)).toBe(true);
  });

  it('follows nothing else: another host, scheme, port or path, credentials in the link, or no URL at all', () => {
    expect(isWithinService('https://evil.example/fhir/Device', base)).toBe(false);
    expect(isWithinService('http://contoso.fhir.azurehealthcareapis.com/fhir/Device', base)).toBe(false);
    expect(isWithinService('https://contoso.fhir.azurehealthcareapis.com:8443/fhir/Device', base)).toBe(false);
    expect(isWithinService('https://contoso.fhir.azurehealthcareapis.com/other/Device', base)).toBe(false);
    expect(isWithinService('https://contoso.fhir.azurehealthcareapis.com/fhirx/Device', base)).toBe(false);
    expect(isWithinService('https://contoso.fhir.azurehealthcareapis.com/fhirx?_getpages=1', base)).toBe(false);
    expect(isWithinService('https://contoso.fhir.azurehealthcareapis.com/?_getpages=1', base)).toBe(false);
    expect(isWithinService('https://u:p@contoso.fhir.azurehealthcareapis.com/fhir/Device', base)).toBe(false);
    expect(isWithinService('Device?_page=2', base)).toBe(false);
  });
});
