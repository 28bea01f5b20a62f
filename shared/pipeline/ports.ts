/**
 * Ports of the FHIR side: what the use cases need from a FHIR R4 server and from identity resolution.
 * `shared/adapters/fhir` implements {@link FhirStore}; `resolveIdentity.ts` implements {@link IdentityResolver}.
 * (Staging-side ports live in `stagingPorts.ts`.)
 */
import type { Resource } from '@medplum/fhirtypes';
import type { MeasurementGroupKey, ResolvedIdentity } from '../core/fhir/contract.js';

/** Options of {@link FhirStore.update}. */
export interface FhirUpdateOptions {
  /**
   * Sends `If-Match: W/"{versionId}"`: the server rejects the write (409/412) when the resource moved on. Without it,
   * a server that wants If-Match on every update refuses a `PUT` onto an existing resource (400/428): a conflict too.
   */
  ifMatchVersionId?: string;
}

/**
 * Outcome of a `PUT`: saved (as returned by the server), or rejected because of a version conflict (409, 412; or, for
 * a `PUT` without If-Match onto a resource that exists, the 400 or 428 of a server that wants If-Match on every update).
 */
export type FhirUpdateResult<T extends Resource> =
  | {
      kind: 'saved';
      resource: T;
      /** True when the server answered 201 Created: no earlier version existed (nothing was overwritten). */
      created: boolean;
    }
  | { kind: 'conflict'; status: 400 | 409 | 412 | 428 };

/**
 * Set (to `true`) on what {@link FhirStore.search} returns when it stopped with a `next` link it did not follow (one
 * to another service, or past its page limit): the answer may lack matches.
 */
export const SEARCH_CUT_SHORT: unique symbol = Symbol('search cut short');

/** Settings of one {@link FhirStore.search}. */
export interface SearchOptions {
  /** Pages read at most (default: the store's own bound); a `next` link left past them marks the answer. */
  maxPages?: number;
}

/** What {@link FhirStore.search} returns: the matches, marked when the search stopped early. */
export type SearchResult<T> = T[] & { [SEARCH_CUT_SHORT]?: true };

/**
 * A FHIR R4 server. Implementations retry throttling, 5xx, network errors and timeouts, and throw a
 * retriable `MedTechError('FhirServiceError')` when the service stays unavailable; other failures throw a
 * non-retriable one. Messages never carry response bodies, identifiers or query values.
 */
export interface FhirStore {
  /**
   * Type-level search (`GET {type}?{query}`); returns the matched resources, following `next` links on the
   * same service (a bounded number of pages); marked {@link SEARCH_CUT_SHORT} when a `next` link was left.
   * @param resourceType - FHIR resource type
   * @param query - search parameters, unencoded (e.g. `{ identifier: 'system|value' }`)
   * @param options - most pages to read
   */
  search<T extends Resource>(
    resourceType: T['resourceType'],
    query: Readonly<Record<string, string>>,
    options?: SearchOptions,
  ): Promise<SearchResult<T>>;
  /**
   * Reads the current version (`GET {type}/{id}`); `undefined` when it does not exist (404/410).
   * @param resourceType - FHIR resource type
   * @param id - logical id
   */
  read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<T | undefined>;
  /**
   * Reads the versions of one resource, newest first (`GET {type}/{id}/_history`), back to its latest deletion
   * where the server records one (versions from before it was deleted are not its current life), following the
   * server's pages up to a limit (the oldest versions of a longer history are left out); empty when unknown.
   * @param resourceType - FHIR resource type
   * @param id - logical id
   */
  history<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<T[]>;
  /**
   * Creates or replaces a resource at its id (`PUT {type}/{id}`), optionally guarded by its version.
   * @param resource - the resource, with `id`
   * @param options - optimistic concurrency
   */
  update<T extends Resource>(resource: T & { id: string }, options?: FhirUpdateOptions): Promise<FhirUpdateResult<T>>;
  /** HTTP requests sent so far, retries included. */
  requestCount(): number;
}

/** Resolves the FHIR logical ids (patient, device, encounter) a measurement group's Observations refer to. */
export interface IdentityResolver {
  /**
   * @param key - the group key (device id, and patient/encounter ids from the message)
   * @throws MedTechError DeviceNotFound, PatientNotFound, EncounterNotFound, MultipleResourceFound,
   *   PatientDeviceMismatch, ResourceIdentityNotDefined (data), or a retriable FhirServiceError
   */
  resolve(key: MeasurementGroupKey): Promise<ResolvedIdentity>;
  /**
   * The same resolver (its cache, resolutions under way and order of writes shared) with every FHIR write it sends
   * (Create's Devices and Patients) sent only once `beforeWrite` resolves; absent when it writes nothing.
   * @param beforeWrite - the check before each write; its rejection is the resolution's
   */
  fenced?(beforeWrite: () => Promise<void>): IdentityResolver;
}
