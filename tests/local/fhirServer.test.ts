import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFhirServer } from '../../shared/local/fhirServer.js';
import type { FhirServer } from '../../shared/local/fhirServer.js';
import { escapeSearchValue } from '../../shared/pipeline/resolveIdentity.js';

let server: FhirServer;

beforeAll(async () => {
  server = await startFhirServer({ port: 0 });
});

afterAll(async () => {
  await server.close();
});

async function put(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/fhir+json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('startFhirServer', () => {
  it('listens on 127.0.0.1 with an OS-assigned port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
  });

  it('answers a PUT that creates a resource with 201, ETag, Last-Modified and Location', async () => {
    const response = await put('Device/server-created', { resourceType: 'Device', id: 'server-created' });
    const body = (await response.json()) as { meta: { versionId: string; lastUpdated: string } };

    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toContain('application/fhir+json');
    expect(response.headers.get('etag')).toBe(`W/"${body.meta.versionId}"`);
    expect(response.headers.get('last-modified')).toBe(new Date(body.meta.lastUpdated).toUTCString());
    expect(response.headers.get('location')).toBe(
      `${server.url}/Device/server-created/_history/${body.meta.versionId}`,
    );
  });

  it('answers a PUT that replaces an existing resource with 200 and a new version', async () => {
    const first = await put('Device/server-replaced', { resourceType: 'Device', id: 'server-replaced' });
    const second = await put('Device/server-replaced', { resourceType: 'Device', id: 'server-replaced' });

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).not.toBe(first.headers.get('etag'));
    expect(second.headers.get('location')).toBeNull();
  });

  it('rejects a PUT whose If-Match names a stale version with 412 and accepts the current one', async () => {
    const created = await put('Device/server-guarded', { resourceType: 'Device', id: 'server-guarded' });
    const current = created.headers.get('etag') ?? '';
    await put('Device/server-guarded', { resourceType: 'Device', id: 'server-guarded', serialNumber: 'b' });

    const stale = await put(
      'Device/server-guarded',
      { resourceType: 'Device', id: 'server-guarded' },
      { 'if-match': current },
    );
    const reread = await fetch(`${server.url}/Device/server-guarded`);
    const fresh = await put(
      'Device/server-guarded',
      { resourceType: 'Device', id: 'server-guarded', serialNumber: 'c' },
      { 'if-match': reread.headers.get('etag') ?? '' },
    );

    expect(stale.status).toBe(412);
    expect(fresh.status).toBe(200);
  });

  it('finds resources by identifier and reports a missing one with 404', async () => {
    await put('Device/server-search', {
      resourceType: 'Device',
      id: 'server-search',
      identifier: [{ system: 'urn:test', value: 'search-me' }],
    });

    const hit = (await (await fetch(`${server.url}/Device?identifier=urn:test|search-me`)).json()) as {
      entry?: { resource: { id: string } }[];
    };
    const miss = await fetch(`${server.url}/Device/does-not-exist`);

    expect(hit.entry?.map((e) => e.resource.id)).toEqual(['server-search']);
    expect(miss.status).toBe(404);
  });

  it('returns the history newest first on every read', async () => {
    const versions: string[] = [];
    for (const serialNumber of ['1', '2', '3']) {
      const response = await put('Device/server-history', {
        resourceType: 'Device',
        id: 'server-history',
        serialNumber,
      });
      versions.push(((await response.json()) as { meta: { versionId: string } }).meta.versionId);
    }

    const read = async (): Promise<string[]> => {
      const bundle = (await (await fetch(`${server.url}/Device/server-history/_history`)).json()) as {
        entry: { resource: { meta: { versionId: string } } }[];
      };
      return bundle.entry.map((e) => e.resource.meta.versionId);
    };

    expect(await read()).toEqual([...versions].reverse());
    expect(await read()).toEqual([...versions].reverse());
  });

  it('counts requests until reset', async () => {
    server.resetRequestCount();

    await fetch(`${server.url}/Device/does-not-exist`);
    await fetch(`${server.url}/Patient?identifier=x`);

    expect(server.requestCount()).toBe(2);
    server.resetRequestCount();
    expect(server.requestCount()).toBe(0);
  });

  it('runs a second, independent server in the same process', async () => {
    const second = await startFhirServer();
    try {
      await put('Device/only-on-first', { resourceType: 'Device', id: 'only-on-first' });
      const onSecond = await fetch(`${second.url}/Device/only-on-first`);
      expect(second.url).not.toBe(server.url);
      expect(onSecond.status).toBe(404);
    } finally {
      await second.close();
    }
  });

  it('answers identifier searches from its index exactly as the Medplum search does', async () => {
    const device = (id: string, identifier: { system?: string; value: string }[]): Promise<Response> =>
      put(`Device/${id}`, { resourceType: 'Device', id, identifier });
    await device('idx-a', [{ system: 'urn:idx', value: 'Alpha' }]);
    await device('idx-b', [{ system: 'urn:other', value: 'alpha' }, { value: 'beta' }]);
    await device('idx-c', [{ system: 'urn:idx', value: 'gamma' }]);
    await device('idx-c', [{ system: 'urn:idx', value: 'delta' }]); // re-identified: no longer found as gamma
    await device('idx-d', [{ system: 'urn:idx', value: 'epsilon' }]);
    await fetch(`${server.url}/Device/idx-d`, { method: 'DELETE' });

    const ids = async (query: string): Promise<string[]> => {
      const bundle = (await (await fetch(`${server.url}/Device?${query}`)).json()) as {
        entry?: { resource: { id: string } }[];
      };
      return (bundle.entry ?? []).map((e) => e.resource.id).sort();
    };
    const cases = [
      'identifier=urn:idx|alpha',
      'identifier=alpha',
      'identifier=beta',
      'identifier=urn:idx|gamma',
      'identifier=urn:idx|delta',
      'identifier=urn:idx|epsilon',
    ];
    const indexed = await Promise.all(cases.map((q) => ids(q)));
    // A sort rule makes the server fall back to Medplum's own search over every stored resource.
    const medplum = await Promise.all(cases.map((q) => ids(`${q}&_sort=_id`)));

    expect(indexed).toEqual(medplum);
    expect(indexed).toEqual([['idx-a'], ['idx-a', 'idx-b'], ['idx-b'], [], ['idx-c'], []]);
  });

  it('reads the escapes of a token search value, as the identity resolver writes them', async () => {
    const device = (id: string, identifier: { system?: string; value: string }[]): Promise<Response> =>
      put(`Device/${id}`, { resourceType: 'Device', id, identifier });
    await device('esc-dollar', [{ value: 'e$1' }]);
    await device('esc-backslash', [{ value: 'f\\1' }]);
    await device('esc-bar', [{ system: 'urn:a|b', value: 'g|1' }]);
    await device('esc-comma', [{ value: 'h,1' }]);

    const ids = async (identifier: string): Promise<string[]> => {
      const query = new URLSearchParams({ identifier });
      const bundle = (await (await fetch(`${server.url}/Device?${query.toString()}`)).json()) as {
        entry?: { resource: { id: string } }[];
      };
      return (bundle.entry ?? []).map((e) => e.resource.id);
    };

    expect(await ids(escapeSearchValue('e$1'))).toEqual(['esc-dollar']);
    expect(await ids(escapeSearchValue('f\\1'))).toEqual(['esc-backslash']);
    expect(await ids(`${escapeSearchValue('urn:a|b')}|${escapeSearchValue('g|1')}`)).toEqual(['esc-bar']);
    expect(await ids(escapeSearchValue('h,1'))).toEqual(['esc-comma']);
  });
});
