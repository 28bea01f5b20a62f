/**
 * Identity resolution (reference-behaviour §4): which FHIR Patient, Device (and Encounter) a measurement group's
 * Observations refer to, found by identifier (`Lookup`, `LookupWithEncounter`) or found-or-created (`Create`),
 * with a bounded, sliding-expiry cache of resolved identities.
 */
import type { Device, Encounter, Identifier, Patient, Resource } from '@medplum/fhirtypes';
import { ExpiringLruCache, MEDTECH_IDENTITY_CACHE } from '../core/cache/expiringLruCache.js';
import { isDotNetBlank, trimDotNet } from '../core/dotNetWhiteSpace.js';
import { MedTechError } from '../core/errors.js';
import type { ErrorName } from '../core/errors.js';
import { toCreatedDeviceId, toCreatedPatientId } from '../core/fhir/index.js';
import type { MeasurementGroupKey, ResolvedIdentity } from '../core/fhir/index.js';
import { fenceWrites } from './fenceWrites.js';
import { SEARCH_CUT_SHORT } from './ports.js';
import type { FhirStore, IdentityResolver, SearchResult } from './ports.js';
import { createKeyedQueue } from './limiter.js';

/** MedTech's "Resolution type" setting. */
export type IdentityResolutionType = 'Lookup' | 'Create' | 'LookupWithEncounter';

/** How identities are resolved. */
export interface IdentitySettings {
  /** Default `Lookup`. */
  resolutionType: IdentityResolutionType;
  /** System of the device identifier, used in Device searches and on created Devices. */
  defaultDeviceIdentifierSystem?: string;
}

/** Settings of {@link createIdentityResolver}. */
export interface IdentityResolverOptions extends Partial<IdentitySettings> {
  /** Most cached identities (default 5,000, as MedTech). */
  cacheMaxEntries?: number;
  /** Sliding expiration of a cached identity in ms (default 2 hours, as MedTech). */
  cacheSlidingExpirationMs?: number;
  /** Current time in epoch ms (default `Date.now`). */
  now?: () => number;
}

/** Attempts of the Create path when another writer changes the Device between our read and our write. */
const MAX_CREATE_ATTEMPTS = 3;

/**
 * Creates a caching {@link IdentityResolver}. Successful resolutions are cached (failures are not); concurrent
 * resolutions of the same key share one set of FHIR requests, also between the resolver and those its
 * {@link IdentityResolver.fenced} gives (a resolution started by a fenced one fails for all who share it when its
 * fence refuses a write).
 * @param store - the FHIR server
 * @param options - resolution type, default device identifier system, cache size/expiry and clock
 */
export function createIdentityResolver(store: FhirStore, options: IdentityResolverOptions = {}): IdentityResolver {
  const settings: IdentitySettings = { resolutionType: options.resolutionType ?? 'Lookup' };
  const system = blankToUndefined(options.defaultDeviceIdentifierSystem);
  if (system !== undefined) {
    settings.defaultDeviceIdentifierSystem = system;
  }
  const cache = new ExpiringLruCache<string, ResolvedIdentity>({
    maxEntries: options.cacheMaxEntries ?? MEDTECH_IDENTITY_CACHE.maxEntries,
    slidingExpirationMs: options.cacheSlidingExpirationMs ?? MEDTECH_IDENTITY_CACHE.slidingExpirationMs,
    now: options.now ?? (() => Date.now()),
  });
  const inFlight = new Map<string, Promise<ResolvedIdentity>>();
  // Create writes the Device (and its patient link): two resolutions of one device, for two patient ids, one after
  // the other, so that the second finds the first one's Device, as MedTech, which takes a device's groups in turn.
  const devices = createKeyedQueue();
  const resolveCached = (
    key: MeasurementGroupKey,
    resolveUncached: (key: MeasurementGroupKey) => Promise<ResolvedIdentity>,
  ): Promise<ResolvedIdentity> => {
    const cacheKey = toCacheKey(key, settings.resolutionType);
    const cached = cache.get(cacheKey);
    if (cached !== undefined) {
      return Promise.resolve({ ...cached });
    }
    let pending = inFlight.get(cacheKey);
    if (pending === undefined) {
      pending = resolveUncached(key)
        .then((identity) => {
          cache.set(cacheKey, identity);
          return identity;
        })
        .finally(() => inFlight.delete(cacheKey));
      inFlight.set(cacheKey, pending);
    }
    return pending.then((identity) => ({ ...identity }));
  };
  /** The resolver over one store (the FHIR server, or it with its writes fenced), sharing all the state above. */
  const over = (through: FhirStore): IdentityResolver => {
    const resolveUncached = (key: MeasurementGroupKey): Promise<ResolvedIdentity> =>
      settings.resolutionType === 'Create'
        ? devices.run(trimDotNet(key.deviceId), () => resolveIdentity(through, key, settings))
        : resolveIdentity(through, key, settings);
    return {
      resolve: (key) => resolveCached(key, resolveUncached),
      fenced: (beforeWrite) => over(fenceWrites(through, beforeWrite)),
    };
  };
  return over(store);
}

/**
 * The cache key: everything the answer depends on. The device id always; the encounter id when present (it is
 * resolved too); the patient id only for `Create` (Lookup ignores the message's patient id).
 * @param key - the group key
 * @param resolutionType - the resolution type
 */
export function toCacheKey(key: MeasurementGroupKey, resolutionType: IdentityResolutionType): string {
  // Trimmed, as the ids are searched for and written: `dev-1` and `dev-1 ` are one device.
  const patient = resolutionType === 'Create' && key.patientId !== undefined ? trimDotNet(key.patientId) : null;
  return JSON.stringify([
    trimDotNet(key.deviceId),
    patient,
    key.encounterId === undefined ? null : trimDotNet(key.encounterId),
  ]);
}

/**
 * Resolves the FHIR logical ids for one measurement group, without caching.
 * @param store - the FHIR server
 * @param key - device id, and patient/encounter ids from the message
 * @param settings - resolution type and default device identifier system
 * @throws MedTechError DeviceNotFound, PatientNotFound, EncounterNotFound, MultipleResourceFound,
 *   PatientDeviceMismatch, ResourceIdentityNotDefined, or a FhirServiceError from the store
 */
export async function resolveIdentity(
  store: FhirStore,
  key: MeasurementGroupKey,
  settings: IdentitySettings,
): Promise<ResolvedIdentity> {
  const system = blankToUndefined(settings.defaultDeviceIdentifierSystem);
  let identity: ResolvedIdentity;
  switch (settings.resolutionType) {
    case 'Lookup':
      identity = await lookUpDeviceAndPatient(store, key.deviceId, system);
      break;
    case 'LookupWithEncounter':
      identity = await lookUpDeviceAndPatient(store, key.deviceId, system);
      if (blankToUndefined(key.encounterId) === undefined) {
        throw identityError('ResourceIdentityNotDefined', 'The measurements carry no encounter id.');
      }
      break;
    case 'Create':
      identity = await lookUpOrCreate(store, key, system);
      break;
  }
  const encounterId = blankToUndefined(key.encounterId);
  if (encounterId !== undefined) {
    identity.encounterId = await lookUpEncounter(store, encounterId);
  }
  return identity;
}

async function lookUpDeviceAndPatient(
  store: FhirStore,
  deviceId: string,
  system: string | undefined,
): Promise<ResolvedIdentity> {
  const device = await findOneByIdentifier<Device>(store, 'Device', deviceId, system);
  if (device?.id === undefined) {
    throw identityError('DeviceNotFound', 'No Device has the measurements’ device identifier.');
  }
  const patientId = toPatientId(device);
  if (patientId === undefined) {
    throw identityError('PatientNotFound', 'The Device has no reference to a Patient.');
  }
  return { patientId, deviceId: device.id };
}

async function lookUpOrCreate(
  store: FhirStore,
  key: MeasurementGroupKey,
  system: string | undefined,
): Promise<ResolvedIdentity> {
  try {
    return await lookUpDeviceAndPatient(store, key.deviceId, system);
  } catch (error) {
    if (!(error instanceof MedTechError) || (error.name !== 'DeviceNotFound' && error.name !== 'PatientNotFound')) {
      throw error;
    }
  }
  const patientIdentifier = blankToUndefined(key.patientId);
  if (patientIdentifier === undefined) {
    throw identityError('ResourceIdentityNotDefined', 'The measurements carry no patient id, needed to create one.');
  }
  for (let attempt = 1; ; attempt += 1) {
    const patient = await ensurePatient(store, patientIdentifier);
    const device = await ensureDevice(store, key.deviceId, system, patient.id);
    const linkedPatientId = toPatientId(device.resource);
    if (device.resource.patient === undefined) {
      // A Device without a patient gets the one from the measurements.
      const saved = await store.update<Device>(
        { ...device.resource, patient: { reference: `Patient/${patient.id}` } },
        versionGuard(device.resource),
      );
      if (saved.kind === 'conflict') {
        if (attempt >= MAX_CREATE_ATTEMPTS) {
          throw contention();
        }
        continue;
      }
    } else if (linkedPatientId !== patient.id) {
      throw identityError('PatientDeviceMismatch', 'The Device is linked to a different Patient.');
    }
    return { patientId: patient.id, deviceId: device.resource.id };
  }
}

async function ensurePatient(store: FhirStore, patientIdentifier: string): Promise<Patient & { id: string }> {
  const found = await findOneByIdentifier<Patient>(store, 'Patient', patientIdentifier, undefined);
  if (found?.id !== undefined) {
    return { ...found, id: found.id };
  }
  // A deterministic id makes concurrent creators converge on one Patient (iomt-fhir issue #188).
  // Of the trimmed id, so that `pat-1` and `pat-1 ` created at once converge too.
  const id = toCreatedPatientId(trimDotNet(patientIdentifier));
  const created = await store.update<Patient>({
    resourceType: 'Patient',
    id,
    identifier: [{ value: trimDotNet(patientIdentifier) }],
  });
  // Refused because a concurrent creator was first (a server that wants If-Match on every update): that one is ours.
  const patient = created.kind === 'saved' ? created.resource : await store.read<Patient>('Patient', id);
  if (patient?.id === undefined) {
    throw contention();
  }
  return { ...patient, id: patient.id };
}

async function ensureDevice(
  store: FhirStore,
  deviceIdentifier: string,
  system: string | undefined,
  patientId: string,
): Promise<{ resource: Device & { id: string } }> {
  const found = await findOneByIdentifier<Device>(store, 'Device', deviceIdentifier, system);
  if (found?.id !== undefined) {
    return { resource: { ...found, id: found.id } };
  }
  // Written as Azure's FHIR service stores it (trimmed), so that every server finds it by the trimmed search.
  const value = trimDotNet(deviceIdentifier);
  const storedSystem = system === undefined ? undefined : trimDotNet(system);
  const identifier: Identifier = storedSystem === undefined ? { value } : { system: storedSystem, value };
  const id = toCreatedDeviceId(value, storedSystem);
  const created = await store.update<Device>({
    resourceType: 'Device',
    id,
    identifier: [identifier],
    patient: { reference: `Patient/${patientId}` },
  });
  // As for the Patient: a concurrent creator's Device, whose patient link is checked by the caller like any other.
  const device = created.kind === 'saved' ? created.resource : await store.read<Device>('Device', id);
  if (device?.id === undefined) {
    throw contention();
  }
  return { resource: { ...device, id: device.id } };
}

async function lookUpEncounter(store: FhirStore, encounterIdentifier: string): Promise<string> {
  const encounter = await findOneByIdentifier<Encounter>(store, 'Encounter', encounterIdentifier, undefined);
  if (encounter?.id === undefined) {
    throw identityError('EncounterNotFound', 'No Encounter has the measurements’ encounter identifier.');
  }
  return encounter.id;
}

/**
 * Searches `{type}?identifier=[system|]value` and keeps the resources that carry the identifier exactly; when none
 * does, those that carry it but for letter case. A server that compares tokens case-insensitively (Medplum; Azure's
 * FHIR service on SQL compares them exactly since its schema version 41) returns the latter, and MedTech, which takes
 * what the server returns, resolved them: a Device registered as
 * `DEV1` keeps receiving the Observations of messages that say `dev1`, rather than failing (Lookup) or being created
 * again (Create). Other near matches a server may return (prefixes) are never taken.
 * @throws MedTechError MultipleResourceFound when more than one resource matches exactly, or, with no exact match,
 *   more than one but for case, or when the answer was cut short before an exact match ({@link exactMatches})
 */
async function findOneByIdentifier<T extends Resource & { identifier?: Identifier[] }>(
  store: FhirStore,
  resourceType: T['resourceType'],
  value: string,
  system: string | undefined,
): Promise<T | undefined> {
  let found = await store.search<T>(resourceType, { identifier: toIdentifierToken(value, system) });
  if (found.length === 0 && (trimDotNet(value) !== value || (system !== undefined && trimDotNet(system) !== system))) {
    // A server that keeps strings as sent (not Azure's) may hold the identifier with its white space: as sent too.
    found = await store.search<T>(resourceType, { identifier: toTokenAsSent(value, system) });
  }
  let matches = exactMatches(found, resourceType, value, system, 'FHIRConversion');
  if (matches.length === 0) {
    matches = found.filter((resource) => hasIdentifier(resource, value, system, true));
  }
  if (matches.length > 1) {
    throw identityError('MultipleResourceFound', `More than one ${resourceType} has the measurements’ identifier.`);
  }
  return matches[0];
}

/**
 * The resources of an identifier search's answer that carry the identifier exactly ({@link hasIdentifier}).
 * An answer cut short ({@link SEARCH_CUT_SHORT}: more pages than the store reads, or a `next` link to another host)
 * with none of them is refused rather than taken for "none": a later page may hold the resource, and "none" would
 * fail a Lookup, or create a second Device, Patient or Observation beside it. (An answer of that many pages is one
 * MedTech, which counted every resource returned, refused as MultipleResourceFound; one with an exact match is taken.)
 * @param found - the search's answer
 * @param resourceType - its resource type, for the message
 * @param value - identifier value
 * @param system - identifier system, or undefined for any system
 * @param stage - the stage the error names
 * @throws MedTechError MultipleResourceFound (non-retriable) when the answer was cut short before an exact match
 */
export function exactMatches<T extends { identifier?: Identifier[] }>(
  found: SearchResult<T>,
  resourceType: string,
  value: string,
  system: string | undefined,
  stage: 'FHIRConversion' | 'Persist',
): T[] {
  const matches = found.filter((resource) => hasIdentifier(resource, value, system));
  if (matches.length === 0 && found[SEARCH_CUT_SHORT] === true) {
    throw new MedTechError(
      'MultipleResourceFound',
      stage,
      `The ${resourceType} search's answer went on past the pages read, or to another host, before a ${resourceType} with the identifier exactly: a later page may hold one.`,
    );
  }
  return matches;
}

/**
 * True when the resource carries the identifier exactly (the system too, when one is given), or with `ignoreCase`
 * but for letter case; white space at either end is no difference (Azure's FHIR service stores strings trimmed).
 * @param resource - a resource with identifiers
 * @param value - identifier value
 * @param system - identifier system, or undefined for any system
 * @param ignoreCase - compare value and system regardless of letter case
 */
export function hasIdentifier(
  resource: { identifier?: Identifier[] },
  value: string,
  system: string | undefined,
  ignoreCase = false,
): boolean {
  // As stored: Azure's FHIR service trims every string it is sent (Firely's parser), so `dev-1 ` is stored `dev-1`.
  const fold = (text: string | undefined): string | undefined => {
    const stored = text === undefined ? undefined : trimDotNet(text);
    return ignoreCase ? stored?.toLowerCase() : stored;
  };
  const wanted = fold(value);
  const wantedSystem = fold(system);
  return (resource.identifier ?? []).some(
    (id) => fold(id.value) === wanted && (wantedSystem === undefined || fold(id.system) === wantedSystem),
  );
}

/**
 * Escapes the characters FHIR search gives a meaning to in a parameter value (`\`, `,`, `$`, `|`).
 * @param value - a raw identifier value or system
 */
export function escapeSearchValue(value: string): string {
  return value.replace(/[\\,$|]/g, (c) => `\\${c}`);
}

/**
 * An identifier as a token search value: `system|value` escaped, or the value alone (any system) without a system.
 * @param value - the identifier value
 * @param system - its system, if any
 */
export function toIdentifierToken(value: string, system: string | undefined): string {
  // Trimmed: Azure's FHIR service stores every string trimmed (Firely's parser), and searches the value as sent.
  return toTokenAsSent(trimDotNet(value), system === undefined ? undefined : trimDotNet(system));
}

/** The token of an identifier as given, white space and all. */
function toTokenAsSent(value: string, system: string | undefined): string {
  return system === undefined ? escapeSearchValue(value) : `${escapeSearchValue(system)}|${escapeSearchValue(value)}`;
}

/**
 * A relative Patient reference as MedTech reads one: `Patient/` in any letter case, then an id of letters, digits and
 * `_.-~#` (one final line feed ignored, as .NET's `$` allows). A `/_history/{version}` suffix is read too (MedTech
 * refused it, leaving the Device without a patient).
 */
const PATIENT_REFERENCE = /^patient\/([A-Za-z0-9_.\-~#]+)(?:\/_history\/[^/]+)?\n?$/i;

/** The Patient id of `Device.patient` when it is a relative `Patient/{id}` reference ({@link PATIENT_REFERENCE}). */
function toPatientId(device: Device): string | undefined {
  const reference = device.patient?.reference;
  return reference === undefined ? undefined : PATIENT_REFERENCE.exec(reference)?.[1];
}

function versionGuard(resource: Resource): { ifMatchVersionId?: string } {
  const versionId = resource.meta?.versionId;
  return versionId === undefined ? {} : { ifMatchVersionId: versionId };
}

/** Undefined for a value .NET's `string.IsNullOrWhiteSpace` calls blank, as MedTech checks ids and systems. */
function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || isDotNetBlank(value) ? undefined : value;
}

function identityError(name: ErrorName, message: string): MedTechError {
  return new MedTechError(name, 'FHIRConversion', message);
}

function contention(): MedTechError {
  return new MedTechError(
    'FhirServiceError',
    'Persist',
    'Patient/Device creation kept conflicting with another writer.',
    {
      retriable: true,
    },
  );
}
