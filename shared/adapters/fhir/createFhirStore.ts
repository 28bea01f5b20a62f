/**
 * The FHIR store adapter: {@link FhirStore} over fhir-kit-client, with bearer-token auth (managed identity),
 * per-request timeouts and bounded retries with backoff that honours `Retry-After`.
 */
import { Client } from 'fhir-kit-client';
import { stringifyFhirJson } from '../../core/fhir/fhirJson.js';
import { isRecord } from '../../core/isRecord.js';
import type { FhirResource, RequestOptions } from 'fhir-kit-client';
import type { TokenCredential } from '@azure/identity';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { SEARCH_CUT_SHORT } from '../../pipeline/ports.js';
import type {
  FhirStore,
  FhirUpdateOptions,
  FhirUpdateResult,
  SearchOptions,
  SearchResult,
} from '../../pipeline/ports.js';
import { createBearerTokenProvider } from './bearerTokenProvider.js';
import type { BearerTokenProvider } from './bearerTokenProvider.js';
import { FhirRequestError } from './fhirRequestError.js';
import type { FhirInteraction } from './fhirRequestError.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfterMs, toBackoffDelayMs } from './retryPolicy.js';
import type { RetryPolicy } from './retryPolicy.js';

/** Settings of {@link createFhirStore}. */
export interface FhirStoreOptions {
  /** FHIR service base URL, e.g. `https://ws-fhir.fhir.azurehealthcareapis.com`. */
  baseUrl: string;
  /** `managedIdentity`: bearer token from an Azure credential; `none` (default): no auth header (local). */
  auth?: 'none' | 'managedIdentity';
  /** Credential for `managedIdentity`; defaults to `DefaultAzureCredential`. */
  credential?: TokenCredential;
  /** Token audience; defaults to the base URL (scope `${audience}/.default`). */
  audience?: string;
  /** Retry/timeout settings; missing fields take {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
  /** Waits between attempts (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
  /** Current time in epoch milliseconds (tests pass a fake). */
  now?: () => number;
  /** Random number in [0, 1) for jitter (tests pass a constant). */
  random?: () => number;
}

/** The FHIR store over HTTP, with what only a server's CapabilityStatement can say. */
export interface HttpFhirStore extends FhirStore {
  /**
   * The versioning policy the server's CapabilityStatement (`GET metadata`) gives a resource type: `versioned`,
   * `versioned-update`, `no-version`, or `undefined` when it gives none.
   * @param resourceType - a FHIR resource type
   * @throws FhirRequestError when the request fails or the answer is no CapabilityStatement
   */
  versioning(resourceType: string): Promise<string | undefined>;
}

/**
 * Most search or history result pages followed; identifier searches expect zero, one or a few matches, and the
 * history reads are of Observations a few writers raced to create.
 */
const MAX_SEARCH_PAGES = 10;

type Failure =
  | { kind: 'status'; status: number; retryAfter: string | undefined; etag: string | undefined }
  | { kind: 'timeout' }
  | { kind: 'network' };

interface Response {
  body: FhirResource;
  status: number;
  /** The answer's ETag header, if any. */
  etag: string | undefined;
}

/**
 * Creates a {@link FhirStore} talking to a FHIR R4 server over HTTP.
 * @param options - base URL, auth, retry policy and injectable clock/sleep/random
 * @throws Error when `baseUrl` is blank
 */
export function createFhirStore(options: FhirStoreOptions): HttpFhirStore {
  const baseUrl = options.baseUrl.trim().replace(/\/+$/, '');
  if (baseUrl === '') {
    throw new Error('The FHIR base URL is blank.');
  }
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const now = options.now ?? (() => Date.now());
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const client = new Client({ baseUrl });
  const tokens = options.auth === 'managedIdentity' ? managedIdentityTokens(options, baseUrl, now) : undefined;
  let requests = 0;

  /** Runs one FHIR request with auth, timeout and retries; throws FhirRequestError when it finally fails. */
  async function send(
    interaction: FhirInteraction,
    resourceType: string,
    call: (requestOptions: RequestOptions) => Promise<FhirResource>,
    extraHeaders: Record<string, string> = {},
  ): Promise<Response> {
    const started = now();
    let renewedToken = false;
    for (let attempt = 1; ; attempt += 1) {
      const headers: Record<string, string> = { ...extraHeaders };
      // A token that takes longer than a request may counts as a timed-out attempt: every attempt, token included,
      // ends within two request timeouts of its start (see longestRequestMs).
      const token = tokens === undefined ? '' : await within(tokens.get().getToken(), policy.requestTimeoutMs);
      let failure: Failure;
      if (token === undefined) {
        failure = { kind: 'timeout' };
      } else {
        if (tokens !== undefined) {
          headers.authorization = `Bearer ${token}`;
        }
        requests += 1;
        try {
          const body = await call({ headers, signal: AbortSignal.timeout(policy.requestTimeoutMs) });
          const response = Client.httpFor(body).response;
          return { body, status: response?.status ?? 200, etag: response?.headers.get('etag') ?? undefined };
        } catch (error) {
          failure = toFailure(error);
        }
      }
      if (failure.kind === 'status' && failure.status === 401 && tokens !== undefined) {
        tokens.get().invalidate();
        // Not past the time every retry keeps to: no attempt starts later than maxTotalMs after the first.
        if (!renewedToken && now() - started <= policy.maxTotalMs) {
          // An expired or revoked token: one immediate try with a new one, before counting it as a failure.
          renewedToken = true;
          attempt -= 1;
          continue;
        }
      }
      const what = describeFailure(interaction, resourceType, failure);
      if (!isRetriable(failure)) {
        throw new FhirRequestError(what, {
          interaction,
          resourceType,
          status: failure.kind === 'status' ? failure.status : undefined,
          versionId: failure.kind === 'status' ? toVersionId(failure.etag) : undefined,
          attempts: attempt,
          retriable: isStaging(failure),
        });
      }
      const retryAfter = failure.kind === 'status' ? parseRetryAfterMs(failure.retryAfter, now()) : undefined;
      const delay = retryAfter ?? toBackoffDelayMs(attempt, policy, random());
      if (attempt >= policy.maxAttempts || now() + delay - started > policy.maxTotalMs) {
        throw new FhirRequestError(`${what} after ${attempt} attempt(s); giving up for now.`, {
          interaction,
          resourceType,
          status: failure.kind === 'status' ? failure.status : undefined,
          attempts: attempt,
          retriable: true,
        });
      }
      await sleep(delay);
    }
  }

  const store: HttpFhirStore = {
    async search<T extends Resource>(
      resourceType: T['resourceType'],
      query: Readonly<Record<string, string>>,
      searchOptions: SearchOptions = {},
    ) {
      const maxPages = Math.max(1, Math.min(MAX_SEARCH_PAGES, searchOptions.maxPages ?? MAX_SEARCH_PAGES));
      const found: SearchResult<T> = [];
      // A resource listed again (on a later page, as paging over changing data may, or by a link back to a page
      // read) is one match, not two.
      const ids = new Set<string>();
      let page = toBundle(
        await send('search', resourceType, (o) =>
          client.resourceSearch({ resourceType, searchParams: { ...query }, options: o }),
        ),
        'search',
        resourceType,
      );
      for (let pages = 1; ; pages += 1) {
        for (const entry of page.entry ?? []) {
          // Matches of the type asked for only, as MedTech reads a Bundle (`OfType`): an entry of another type is
          // never taken for the resource searched (and written into).
          const resource = entry.resource;
          if (resource?.resourceType !== resourceType || (entry.search?.mode ?? 'match') !== 'match') {
            continue;
          }
          if (resource.id === undefined || !ids.has(resource.id)) {
            found.push(resource as T);
          }
          if (resource.id !== undefined) {
            ids.add(resource.id);
          }
        }
        const next = page.link?.find((link) => link.relation === 'next')?.url;
        // Only follow links to the same service: the bearer token must not go anywhere else.
        if (next === undefined) {
          return found;
        }
        if (!isWithinService(next, baseUrl) || pages >= maxPages) {
          found[SEARCH_CUT_SHORT] = true;
          return found;
        }
        page = toBundle(
          await send('search', resourceType, (o) => client.request(next, { options: o })),
          'search',
          resourceType,
        );
      }
    },

    async read<T extends Resource>(resourceType: T['resourceType'], id: string) {
      const state = await readState<T>(resourceType, id);
      return state.kind === 'found' ? state.resource : undefined;
    },

    async history<T extends Resource>(resourceType: T['resourceType'], id: string) {
      assertFhirId(id, 'history', resourceType);
      let response: Response;
      try {
        response = await send('history', resourceType, (o) => client.resourceHistory({ resourceType, id, options: o }));
      } catch (error) {
        if (error instanceof FhirRequestError && (error.status === 404 || error.status === 410)) {
          return [];
        }
        throw error;
      }
      const versions: T[] = [];
      let bundle = toBundle(response, 'history', resourceType);
      // The pages that follow, as a search's are (Azure's FHIR service gives 10 versions a page): a racing create's
      // values may be in a version past the first page.
      for (let pages = 1; ; pages += 1) {
        // Versions of the current life of the resource only: stop at the newest deletion, which servers that
        // record it list as an entry without a resource (or with a DELETE request).
        for (const entry of bundle.entry ?? []) {
          if (entry.resource === undefined || entry.request?.method === 'DELETE') {
            return versions;
          }
          versions.push(entry.resource as T);
        }
        const next = bundle.link?.find((link) => link.relation === 'next')?.url;
        if (next === undefined || !isWithinService(next, baseUrl) || pages >= MAX_SEARCH_PAGES) {
          return versions;
        }
        bundle = toBundle(await nextHistoryPage(next, resourceType), 'history', resourceType);
      }
    },

    async update<T extends Resource>(
      resource: T & { id: string },
      updateOptions: FhirUpdateOptions = {},
    ): Promise<FhirUpdateResult<T>> {
      assertFhirId(resource.id, 'update', resource.resourceType);
      const ifMatch: Record<string, string> =
        updateOptions.ifMatchVersionId === undefined ? {} : { 'if-match': `W/"${updateOptions.ifMatchVersionId}"` };
      try {
        const { body, status, etag } = await send(
          'update',
          resource.resourceType,
          (o) =>
            client.update({
              resourceType: resource.resourceType,
              id: resource.id,
              // As text: a Quantity's decimal text (`37.50`) is written as it is (fhir-kit-client sends a string
              // body unchanged).
              body: stringifyFhirJson(resource) as unknown as FhirResource,
              options: o,
            }),
          // The written resource back: the writes that follow need its version (a server may default to minimal).
          { ...ifMatch, prefer: 'return=representation' },
        );
        return { kind: 'saved', resource: await savedResource(resource, body, etag), created: status === 201 };
      } catch (error) {
        if (error instanceof FhirRequestError && (error.status === 409 || error.status === 412)) {
          return { kind: 'conflict', status: error.status };
        }
        if (
          updateOptions.ifMatchVersionId === undefined &&
          error instanceof FhirRequestError &&
          (error.status === 400 || error.status === 428)
        ) {
          // A server whose versioning policy wants If-Match on every update (Azure's `versioned-update` answers 400
          // in R4; 428 Precondition Required is the HTTP status for it) refuses a PUT without one once the resource
          // exists: another writer created it first. That is a version conflict (re-read, then write with If-Match),
          // not a fault of the data. It wants one on a deleted resource too (a user deleted the Observation, Device
          // or Patient): the PUT goes again on the deleted version its read's 410 names, as a create would. A refused
          // PUT of a resource that does not exist is a fault of the data, and stays an error.
          const state = await readState(resource.resourceType, resource.id);
          if (state.kind === 'found') {
            return { kind: 'conflict', status: error.status };
          }
          if (state.kind === 'deleted' && state.versionId !== undefined) {
            return store.update(resource, { ifMatchVersionId: state.versionId });
          }
        }
        throw error;
      }
    },

    requestCount: () => requests,

    async versioning(resourceType) {
      const { body } = await send('capabilities', 'CapabilityStatement', (o) => client.capabilityStatement(o));
      const statement = body as unknown as CapabilityStatement;
      if (statement.resourceType !== 'CapabilityStatement') {
        throw new FhirRequestError('FHIR capabilities answered with no CapabilityStatement', {
          interaction: 'capabilities',
          resourceType: 'CapabilityStatement',
          attempts: 1,
          retriable: false,
        });
      }
      const listed = (statement.rest ?? []).flatMap((rest) => rest.resource ?? []);
      return listed.find((resource) => resource.type === resourceType)?.versioning;
    },
  };
  return store;

  /**
   * A later page of a history. One the server no longer has (HAPI answers an expired paging link 410) is no end of
   * the history, which would hide versions: a retriable failure, and the next attempt reads from the first page.
   */
  async function nextHistoryPage(next: string, resourceType: string): Promise<Response> {
    try {
      return await send('history', resourceType, (o) => client.request(next, { options: o }));
    } catch (error) {
      if (error instanceof FhirRequestError && (error.status === 404 || error.status === 410)) {
        throw new FhirRequestError(`FHIR history of ${resourceType}: a later page is gone (HTTP ${error.status})`, {
          interaction: 'history',
          resourceType,
          status: error.status,
          attempts: error.attempts,
          retriable: true,
        });
      }
      throw error;
    }
  }

  /**
   * The resource a PUT saved: the answer's body, or (a server that answers without it, as `return=minimal` does)
   * what was sent with the version the ETag names, else as read back.
   */
  async function savedResource<T extends Resource>(
    sent: T & { id: string },
    body: FhirResource,
    etag: string | undefined,
  ): Promise<T> {
    const answered = body as unknown as T;
    if (answered.resourceType === sent.resourceType && answered.id !== undefined) {
      return answered;
    }
    const versionId = toVersionId(etag);
    if (versionId !== undefined) {
      return { ...sent, meta: { ...sent.meta, versionId } };
    }
    const state = await readState<T>(sent.resourceType, sent.id);
    if (state.kind === 'found') {
      return state.resource;
    }
    throw new FhirRequestError(`FHIR update of ${sent.resourceType} answered without the resource or its version`, {
      interaction: 'update',
      resourceType: sent.resourceType,
      attempts: 1,
      retriable: true,
    });
  }

  /**
   * Reads a resource's current version (`GET {type}/{id}`): found, deleted (410 Gone, with the deleted version its
   * ETag names when it names one) or missing (404).
   */
  async function readState<T extends Resource>(
    resourceType: T['resourceType'],
    id: string,
  ): Promise<
    { kind: 'found'; resource: T } | { kind: 'deleted'; versionId: string | undefined } | { kind: 'missing' }
  > {
    assertFhirId(id, 'read', resourceType);
    try {
      const { body } = await send('read', resourceType, (o) => client.read({ resourceType, id, options: o }));
      return { kind: 'found', resource: body as unknown as T };
    } catch (error) {
      if (error instanceof FhirRequestError && error.status === 410) {
        return { kind: 'deleted', versionId: error.versionId };
      }
      if (error instanceof FhirRequestError && error.status === 404) {
        return { kind: 'missing' };
      }
      throw error;
    }
  }

  function isRetriable(failure: Failure): boolean {
    switch (failure.kind) {
      case 'timeout':
      case 'network':
        return true;
      case 'status':
        return failure.status === 408 || failure.status === 429 || failure.status >= 500;
    }
  }
}

/**
 * Failures that are not retried at once but still keep the data staged, because they are the service's or the
 * configuration's problem, not the data's (reference-behaviour §6): the credential or its role assignment is wrong
 * (401/403), or the URL does not lead to a FHIR endpoint that supports the interaction (404/405 — a search never
 * answers 404 for data it does not hold; `read` and `history` still turn a 404 into "not found").
 */
function isStaging(failure: Failure): boolean {
  return failure.kind === 'status' && [401, 403, 404, 405].includes(failure.status);
}

/**
 * Whether a link (a search's `next` page) points into the FHIR service at `baseUrl`: same scheme, host and port, and
 * a path below the base path, compared as URLs (a server may write its host in other letter case, or the default
 * port explicitly). Nothing else is followed: the bearer token must not go anywhere else.
 * @param link - the absolute link
 * @param baseUrl - the service base URL, without a trailing slash
 */
export function isWithinService(link: string, baseUrl: string): boolean {
  let target: URL;
  let base: URL;
  try {
    target = new URL(link);
    base = new URL(`${baseUrl}/`);
  } catch {
    return false;
  }
  return (
    target.protocol === base.protocol &&
    target.host === base.host &&
    target.username === '' &&
    target.password === '' &&
    // Under the base path, or the base itself with a query (HAPI pages as `{base}?_getpages=…`).
    (target.pathname.startsWith(base.pathname) || `${target.pathname}/` === base.pathname)
  );
}

/**
 * What `promise` resolves to, or `undefined` when it has not settled within `ms` (it goes on; a rejection within the
 * time is thrown).
 */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function managedIdentityTokens(
  options: FhirStoreOptions,
  baseUrl: string,
  now: () => number,
): { get(): BearerTokenProvider } {
  const scope = `${(options.audience ?? baseUrl).replace(/\/+$/, '')}/.default`;
  let provider: BearerTokenProvider | undefined;
  let credential: Promise<TokenCredential> | undefined;
  return {
    get() {
      provider ??= createBearerTokenProvider(
        {
          // The Azure SDK is loaded only when managed identity is configured (local runs never load it).
          getToken: async (scopes, tokenOptions) => {
            credential ??=
              options.credential === undefined
                ? import('@azure/identity').then((identity) => new identity.DefaultAzureCredential())
                : Promise.resolve(options.credential);
            return (await credential).getToken(scopes, tokenOptions);
          },
        },
        scope,
        now,
      );
      return provider;
    },
  };
}

/** FHIR logical id syntax; anything else must not be pasted into a request path. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

function assertFhirId(id: string, interaction: FhirInteraction, resourceType: string): void {
  if (!FHIR_ID.test(id)) {
    throw new FhirRequestError(`FHIR ${interaction} of ${resourceType} refused: the id is not a valid FHIR id.`, {
      interaction,
      resourceType,
      attempts: 0,
      retriable: false,
    });
  }
}

/** Classifies what fhir-kit-client threw (it attaches `response.status` and the response headers as `config.headers`). */
function toFailure(error: unknown): Failure {
  if (typeof error === 'object' && error !== null) {
    const candidate = error as { name?: unknown; response?: { status?: unknown }; config?: { headers?: unknown } };
    if (candidate.name === 'TimeoutError' || candidate.name === 'AbortError') {
      return { kind: 'timeout' };
    }
    const status = candidate.response?.status;
    if (typeof status === 'number') {
      const headers = candidate.config?.headers;
      const header = (name: string): string | undefined =>
        headers instanceof Headers ? (headers.get(name) ?? undefined) : undefined;
      // A 2xx whose body is not JSON (e.g. a gateway page) is treated like a broken connection.
      return status < 400
        ? { kind: 'network' }
        : { kind: 'status', status, retryAfter: header('retry-after'), etag: header('etag') };
    }
  }
  return { kind: 'network' };
}

/**
 * The Bundle a search or history read answered; anything else (a 200 from a gateway, say) is no answer to read as
 * "none found": a retriable failure.
 */
function toBundle(response: Response, interaction: FhirInteraction, resourceType: string): Bundle {
  const bundle: unknown = response.body;
  const problem = !isRecord(bundle) || bundle.resourceType !== 'Bundle' ? 'no Bundle' : bundleProblem(bundle);
  if (problem !== undefined) {
    throw new FhirRequestError(`FHIR ${interaction} of ${resourceType} answered with ${problem}`, {
      interaction,
      resourceType,
      status: response.status,
      attempts: 1,
      retriable: true,
    });
  }
  return bundle as Bundle;
}

/**
 * What makes a Bundle unreadable here, if anything: entries, links or a resource's identifiers that are not what FHIR
 * JSON makes them (lists of objects, texts), which the searches' readers would fail on with a TypeError or misread.
 * A server (or a proxy before it) that answers such a thing is at fault, as one that answers no Bundle: retried.
 */
function bundleProblem(bundle: Record<string, unknown>): string | undefined {
  const listOfObjects = (value: unknown): value is Record<string, unknown>[] =>
    Array.isArray(value) && value.every(isRecord);
  const text = (value: unknown): boolean => value === undefined || typeof value === 'string';
  if (
    (bundle.entry !== undefined && !listOfObjects(bundle.entry)) ||
    (bundle.link !== undefined && !listOfObjects(bundle.link))
  ) {
    return 'a Bundle whose entries or links are not lists of objects';
  }
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource;
    if (resource === undefined) {
      continue;
    }
    if (!isRecord(resource) || !text(resource.resourceType) || !text(resource.id)) {
      return 'a Bundle entry whose resource is not a FHIR resource';
    }
    const identifier = resource.identifier;
    if (
      identifier !== undefined &&
      !(listOfObjects(identifier) && identifier.every((one) => text(one.system) && text(one.value)))
    ) {
      return 'a resource whose identifier is not a list of system and value texts';
    }
  }
  return undefined;
}

/** The version id a (weak) ETag names: `W/"3"` → `3`. */
function toVersionId(etag: string | undefined): string | undefined {
  const versionId = etag === undefined ? undefined : /^(?:W\/)?"([^"]+)"$/.exec(etag.trim())?.[1];
  return versionId !== undefined && /^[A-Za-z0-9\-.]{1,64}$/.test(versionId) ? versionId : undefined;
}

function describeFailure(interaction: FhirInteraction, resourceType: string, failure: Failure): string {
  const cause =
    failure.kind === 'status' ? `HTTP ${failure.status}` : failure.kind === 'timeout' ? 'a timeout' : 'a network error';
  return `FHIR ${interaction} of ${resourceType} failed with ${cause}`;
}
