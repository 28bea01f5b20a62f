/**
 * Identity resolution (reference-behaviour §4) and measurement grouping (§2) against MedTech's algorithms, restated
 * here independently and run on seeded random server states, group keys and batches. Users migrate with FHIR servers
 * full of the Devices and Patients MedTech found or created, so we must find, create and link the same resources.
 *
 * MedTech's identity resolution, as restated below:
 * - Every type first looks the Device up: `GET Device?identifier=[system|]deviceId` (the configured default device
 *   identifier system when it is not blank by .NET's `IsNullOrWhiteSpace`; the value sent as is, unescaped). It reads
 *   at most two matches: none → DeviceNotFound, two → MultipleResourceFound. The patient is the id in
 *   `Device.patient.reference` when that starts with `Patient/` (any case) followed by `[A-Za-z0-9_.\-~#]+` only;
 *   otherwise PatientNotFound. The message's patient id is ignored. When the measurements carry a non-blank encounter
 *   id, `GET Encounter?identifier={encounterId}` (none → EncounterNotFound, two → MultipleResourceFound).
 * - LookupWithEncounter: as Lookup, then a blank encounter id → ResourceIdentityNotDefined.
 * - Create: as Lookup; on DeviceNotFound or PatientNotFound (only those): a blank patient id →
 *   ResourceIdentityNotDefined; find `Patient?identifier={patientId}` or PUT `Patient/{sha256("_"+patientId)}` with
 *   `identifier: [{value}]`; find the Device again or PUT `Device/{sha256(system+"_"+deviceId)}` with the identifier
 *   and `patient: Patient/{id}`; a Device without `patient` gets it (PUT with If-Match); a Device whose `patient` does
 *   not name that Patient → PatientDeviceMismatch. This path never looks up the encounter.
 * - Results are cached by device id alone, 2 hours sliding; failures are not cached.
 *
 * MedTech's grouping: key `{deviceId}-{type}-{patientId}-{encounterId}-{correlationId}` (ordinal, absent = empty),
 * groups in order of first appearance; within a group one measurement per occurrence instant (100 ns ticks): the
 * latest-ingested, the first in input order among equals (a stable descending sort); the group's ids are those of its
 * first kept measurement. MedTech keeps the kept measurements in first-appearance order of their instants; the
 * Observation groups built from them sort values by time (SortedObservationGroup), so we compare that order as sorted.
 *
 * Where we differ without a Decision in the contract, "differences from MedTech" below asserts our behaviour and
 * names MedTech's; the random comparisons stay on the cases where we agree (and say which they leave out).
 */
import { createHash } from 'node:crypto';
import type { Device, Encounter, Identifier, Patient, Reference, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isMedTechError, MedTechError } from '../../shared/core/errors.js';
import type { ErrorName } from '../../shared/core/errors.js';
import type { FhirMapping, MeasurementGroupKey, ResolvedIdentity } from '../../shared/core/fhir/contract.js';
import { groupMeasurements } from '../../shared/core/fhir/groupMeasurements.js';
import type { Measurement } from '../../shared/core/measurement.js';
import type { FhirStore, FhirUpdateOptions, FhirUpdateResult, IdentityResolver } from '../../shared/pipeline/ports.js';
import { createIdentityResolver } from '../../shared/pipeline/resolveIdentity.js';
import type { IdentityResolutionType } from '../../shared/pipeline/resolveIdentity.js';
import { transformAndPersist } from '../../shared/pipeline/transformAndPersist.js';
import { seededRandom } from '../support/seededRandom.js';

type Random = (n: number) => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[random(items.length)] as T;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

// ---------------------------------------------------------------------------------------------------------------
// An in-memory FHIR server behind our FhirStore port

type Stored = Resource & { id: string; identifier?: Identifier[] };

/** One alternative of a token search: `undefined` system = any system, `null` = no system; `undefined` value = any. */
interface TokenAlternative {
  system: string | null | undefined;
  value: string | undefined;
}

/**
 * A token search value as a FHIR server reads it: unescaped `,` separates alternatives, the first unescaped `|` splits
 * system from value (`|v`: no system; `s|`: any value), `\` escapes the next character.
 */
function parseToken(text: string): TokenAlternative[] {
  const alternatives: string[][] = [];
  let parts = [''];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      parts[parts.length - 1] += text[++i] as string;
    } else if (c === ',') {
      alternatives.push(parts);
      parts = [''];
    } else if (c === '|' && parts.length === 1) {
      parts.push('');
    } else {
      parts[parts.length - 1] += c;
    }
  }
  alternatives.push(parts);
  return alternatives.map(([first = '', second]) =>
    second === undefined
      ? { system: undefined, value: first }
      : { system: first === '' ? null : first, value: second === '' ? undefined : second },
  );
}

/**
 * A FHIR server in memory: identifier token searches (exact, or case-insensitive as Azure's FHIR service and Medplum
 * compare tokens), reads, and PUTs with versions and If-Match. Logs the searches and writes it receives.
 */
class MemoryFhir implements FhirStore {
  readonly searches: string[] = [];
  readonly writes: string[] = [];
  private readonly resources = new Map<string, Stored>();
  private requests = 0;

  constructor(
    private readonly matching: 'exact' | 'caseInsensitive',
    initial: readonly Resource[] = [],
  ) {
    for (const resource of initial) {
      this.put(resource);
    }
  }

  search<T extends Resource>(resourceType: T['resourceType'], query: Readonly<Record<string, string>>): Promise<T[]> {
    this.requests += 1;
    const token = query.identifier;
    if (token === undefined || Object.keys(query).length !== 1) {
      throw new Error(`unexpected search ${resourceType}?${JSON.stringify(query)}`);
    }
    this.searches.push(`${resourceType}?identifier=${token}`);
    const alternatives = parseToken(token);
    const found = [...this.resources.values()]
      .filter((r) => r.resourceType === resourceType)
      .filter((r) => alternatives.some((a) => this.matches(r, a)))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    return Promise.resolve(clone(found) as unknown as T[]);
  }

  read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<T | undefined> {
    this.requests += 1;
    const found = this.resources.get(`${resourceType}/${id}`);
    return Promise.resolve(found === undefined ? undefined : (clone(found) as unknown as T));
  }

  history<T extends Resource>(): Promise<T[]> {
    this.requests += 1;
    return Promise.resolve([]);
  }

  update<T extends Resource>(resource: T & { id: string }, options?: FhirUpdateOptions): Promise<FhirUpdateResult<T>> {
    this.requests += 1;
    const key = `${resource.resourceType}/${resource.id}`;
    const existing = this.resources.get(key);
    if (options?.ifMatchVersionId !== undefined && existing?.meta?.versionId !== options.ifMatchVersionId) {
      return Promise.resolve({ kind: 'conflict', status: 412 });
    }
    this.writes.push(`PUT ${key}`);
    const saved = this.put(resource);
    return Promise.resolve({ kind: 'saved', resource: clone(saved) as unknown as T, created: existing === undefined });
  }

  requestCount(): number {
    return this.requests;
  }

  /** Stores a resource directly (a new version), as another writer would. */
  put(resource: Resource): Stored {
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    const previous = Number(this.resources.get(key)?.meta?.versionId ?? '0');
    const saved = { ...clone(resource), meta: { versionId: String(previous + 1) } } as Stored;
    this.resources.set(key, saved);
    return saved;
  }

  /** Deletes a resource directly, as another writer would. */
  remove(resourceType: string, id: string): void {
    this.resources.delete(`${resourceType}/${id}`);
  }

  /** Every stored resource, in key order. */
  snapshot(): Stored[] {
    return [...this.resources.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => clone(r));
  }

  private matches(resource: Stored, token: TokenAlternative): boolean {
    const same = (a: string | undefined, b: string): boolean =>
      a !== undefined && (this.matching === 'exact' ? a === b : a.toLowerCase() === b.toLowerCase());
    return (resource.identifier ?? []).some(
      (id) =>
        (token.value === undefined || same(id.value, token.value)) &&
        (token.system === undefined ||
          (token.system === null ? id.system === undefined : same(id.system, token.system))),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// MedTech's identity resolution, restated

/** .NET's `string.IsNullOrWhiteSpace`: `Char.IsWhiteSpace` is Unicode White_Space (U+0085 included, U+FEFF not). */
function isNullOrWhiteSpace(text: string | undefined): boolean {
  return (
    text === undefined || /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/.test(text)
  );
}

/** The hex SHA-256 of `{system}_{value}` (an absent system is empty): the id MedTech gives a resource it creates. */
function medTechCreatedId(value: string, system: string | undefined): string {
  return createHash('sha256')
    .update(`${system ?? ''}_${value}`, 'utf8')
    .digest('hex');
}

/** The search token MedTech sends: a blank system is dropped; nothing is escaped. */
function medTechToken(value: string, system: string | undefined): string {
  return isNullOrWhiteSpace(system) ? value : `${system}|${value}`;
}

/**
 * The Patient id MedTech reads from a reference: it must start with `Patient/` in any case, and the rest must match
 * `^[A-Za-z0-9_.\-~#]+$` as .NET reads it (`$` also matches before a final line feed, which is not part of the match).
 */
function medTechPatientId(reference: string | undefined): string | undefined {
  if (reference === undefined || !reference.toLowerCase().startsWith('patient/')) {
    return undefined;
  }
  return /^([A-Za-z0-9_.\-~#]+)\n?$/.exec(reference.slice('Patient/'.length))?.[1];
}

/** An error MedTech raises, by our name for it. */
class OracleError extends Error {
  constructor(readonly errorName: ErrorName) {
    super(errorName);
  }
}

/** What MedTech's resolution gives, and whether it went the Create path with an encounter id it did not look up. */
interface OracleIdentity {
  identity: ResolvedIdentity;
  encounterSkipped: boolean;
}

/** The parts of a measurement group MedTech's identity services read. */
type GroupIds = Pick<MeasurementGroupKey, 'deviceId' | 'patientId' | 'encounterId'>;

const TWO_HOURS = 2 * 60 * 60 * 1000;

/**
 * MedTech's cached identity service of a resolution type, over a FHIR server.
 * @param store - the server (searched with MedTech's tokens)
 * @param resolutionType - Lookup, Create or LookupWithEncounter
 * @param system - the configured default device identifier system, as configured
 * @param now - the clock of the sliding expiration
 */
function medTechIdentityService(
  store: MemoryFhir,
  resolutionType: IdentityResolutionType,
  system: string | undefined,
  now: () => number,
): { resolve(group: GroupIds): Promise<OracleIdentity> } {
  const cache = new Map<string, { value: OracleIdentity; lastAccess: number }>();

  async function readOne<T extends Stored>(
    type: T['resourceType'],
    value: string,
    sys: string | undefined,
  ): Promise<T | undefined> {
    const found = await store.search<T>(type, { identifier: medTechToken(value, sys) });
    if (found.length > 1) {
      throw new OracleError('MultipleResourceFound');
    }
    return found[0];
  }

  async function write<T extends Stored>(resource: T): Promise<T> {
    const versionId = resource.meta?.versionId;
    const result = await store.update<T>(resource, versionId === undefined ? {} : { ifMatchVersionId: versionId });
    if (result.kind !== 'saved') {
      throw new Error('unexpected conflict in a sequential oracle');
    }
    return result.resource;
  }

  async function lookUp(group: GroupIds): Promise<ResolvedIdentity> {
    const device = await readOne<Device & Stored>('Device', group.deviceId, system);
    if (device === undefined) {
      throw new OracleError('DeviceNotFound');
    }
    const patientId = medTechPatientId(device.patient?.reference);
    if (patientId === undefined) {
      throw new OracleError('PatientNotFound');
    }
    const identity: ResolvedIdentity = { deviceId: device.id, patientId };
    if (!isNullOrWhiteSpace(group.encounterId)) {
      const encounter = await readOne<Encounter & Stored>('Encounter', group.encounterId as string, undefined);
      if (encounter === undefined) {
        throw new OracleError('EncounterNotFound');
      }
      identity.encounterId = encounter.id;
    }
    return identity;
  }

  async function lookUpOrCreate(group: GroupIds): Promise<OracleIdentity> {
    try {
      return { identity: await lookUp(group), encounterSkipped: false };
    } catch (error) {
      if (
        !(error instanceof OracleError) ||
        (error.errorName !== 'DeviceNotFound' && error.errorName !== 'PatientNotFound')
      ) {
        throw error;
      }
    }
    if (isNullOrWhiteSpace(group.patientId)) {
      throw new OracleError('ResourceIdentityNotDefined');
    }
    const patientIdentifier = group.patientId as string;
    const patient =
      (await readOne<Patient & Stored>('Patient', patientIdentifier, undefined)) ??
      (await write<Patient & Stored>({
        resourceType: 'Patient',
        id: medTechCreatedId(patientIdentifier, undefined),
        identifier: [{ value: patientIdentifier }],
      }));
    const deviceSystem = isNullOrWhiteSpace(system) ? undefined : system;
    let device =
      (await readOne<Device & Stored>('Device', group.deviceId, system)) ??
      (await write<Device & Stored>({
        resourceType: 'Device',
        id: medTechCreatedId(group.deviceId, deviceSystem),
        identifier: [deviceSystem === undefined ? { value: group.deviceId } : { system, value: group.deviceId }],
        patient: { reference: `Patient/${patient.id}` },
      }));
    if (device.patient === undefined) {
      device = await write({ ...device, patient: { reference: `Patient/${patient.id}` } });
    } else if (medTechPatientId(device.patient.reference) !== patient.id) {
      throw new OracleError('PatientDeviceMismatch');
    }
    return {
      identity: { deviceId: device.id, patientId: patient.id },
      encounterSkipped: !isNullOrWhiteSpace(group.encounterId),
    };
  }

  async function resolveUncached(group: GroupIds): Promise<OracleIdentity> {
    switch (resolutionType) {
      case 'Lookup':
        return { identity: await lookUp(group), encounterSkipped: false };
      case 'LookupWithEncounter': {
        const identity = await lookUp(group);
        if (isNullOrWhiteSpace(group.encounterId)) {
          throw new OracleError('ResourceIdentityNotDefined');
        }
        return { identity, encounterSkipped: false };
      }
      case 'Create':
        return lookUpOrCreate(group);
    }
  }

  return {
    async resolve(group) {
      const entry = cache.get(group.deviceId);
      if (entry !== undefined && now() - entry.lastAccess < TWO_HOURS) {
        entry.lastAccess = now();
        return clone(entry.value);
      }
      cache.delete(group.deviceId);
      const value = await resolveUncached(group);
      cache.set(group.deviceId, { value, lastAccess: now() });
      return clone(value);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Outcomes

type Outcome = { identity: ResolvedIdentity } | { error: ErrorName };

async function ourOutcome(resolver: IdentityResolver, key: MeasurementGroupKey): Promise<Outcome> {
  try {
    return { identity: await resolver.resolve(key) };
  } catch (error) {
    if (isMedTechError(error)) {
      return { error: error.name };
    }
    throw error;
  }
}

async function oracleOutcome(
  service: ReturnType<typeof medTechIdentityService>,
  key: MeasurementGroupKey,
): Promise<{ outcome: Outcome; encounterSkipped: boolean }> {
  try {
    const { identity, encounterSkipped } = await service.resolve(key);
    return { outcome: { identity }, encounterSkipped };
  } catch (error) {
    if (error instanceof OracleError) {
      return { outcome: { error: error.errorName }, encounterSkipped: false };
    }
    throw error;
  }
}

function label(outcome: Outcome, writes: number): string {
  return 'error' in outcome ? outcome.error : writes > 0 ? 'resolved after writing' : 'resolved';
}

// ---------------------------------------------------------------------------------------------------------------
// Random server states and group keys (ids without FHIR search special characters, references both parse alike)

const DEVICE_IDS = ['dev1', 'dev2', 'DEV1', 'dev3'] as const;
const PATIENT_IDS = ['pat1', 'pat2', 'PAT1'] as const;
const ENCOUNTER_IDS = ['enc1', 'enc2', 'enc3'] as const;
const SYSTEMS = ['urn:a', 'urn:b'] as const;
const PATIENT_LOGICAL_IDS = ['p1', 'p2', 'p3'] as const;
const CONFIGURED_SYSTEMS = [undefined, '', '  ', 'urn:a', 'urn:b'] as const;

/** Up to three identifiers (mostly one), their system often the given one. */
function randomIdentifiers(
  random: Random,
  values: readonly string[],
  min: number,
  preferredSystem?: string,
): Identifier[] {
  const identifiers: Identifier[] = [];
  const count = min + pick(random, [0, 0, 0, 1, 2]);
  for (let i = 0; i < count; i++) {
    const system = random(2) === 0 ? preferredSystem : pick(random, [undefined, ...SYSTEMS]);
    const value = pick(random, values);
    identifiers.push(system === undefined ? { value } : { system, value });
  }
  return identifiers;
}

/** A `Device.patient` that MedTech and we read alike (a plain `Patient/{id}`, or nothing we both can use). */
function randomLink(random: Random): Reference<Patient> | undefined {
  switch (random(10)) {
    case 0:
    case 1:
      return undefined;
    case 2:
      return { reference: `Patient/${medTechCreatedId(pick(random, PATIENT_IDS), undefined)}` };
    case 3:
      return pick(random, [{ identifier: { value: pick(random, PATIENT_IDS) } }, { display: 'a patient' }]);
    case 4:
      return { reference: pick(random, ['https://fhir.example/Patient/p1', 'Group/p1', 'Patient/']) };
    default:
      return { reference: `Patient/${pick(random, PATIENT_LOGICAL_IDS)}` };
  }
}

function randomDevice(random: Random, id: string, preferredSystem: string | undefined): Device & { id: string } {
  const device: Device & { id: string } = {
    resourceType: 'Device',
    id,
    identifier: randomIdentifiers(random, DEVICE_IDS, 1, preferredSystem),
  };
  const link = randomLink(random);
  if (link !== undefined) {
    device.patient = link;
  }
  return device;
}

/** Patients, Devices (some as MedTech's Create left them) and Encounters, with shared and clashing identifiers. */
function randomServerState(random: Random, deviceSystem: string | undefined): Resource[] {
  const resources: Resource[] = [];
  for (const id of PATIENT_LOGICAL_IDS) {
    if (random(4) !== 0) {
      resources.push({
        resourceType: 'Patient',
        id,
        identifier: randomIdentifiers(random, PATIENT_IDS, random(6) === 0 ? 0 : 1),
      });
    }
  }
  if (random(3) === 0) {
    const value = pick(random, PATIENT_IDS);
    resources.push({ resourceType: 'Patient', id: medTechCreatedId(value, undefined), identifier: [{ value }] });
  }
  const devices = 1 + random(4);
  for (let n = 1; n <= devices; n++) {
    resources.push(randomDevice(random, `d${n}`, deviceSystem));
  }
  if (random(3) === 0) {
    const value = pick(random, DEVICE_IDS);
    const system = pick(random, [undefined, ...SYSTEMS]);
    resources.push({
      resourceType: 'Device',
      id: medTechCreatedId(value, system),
      identifier: [system === undefined ? { value } : { system, value }],
      patient: { reference: `Patient/${medTechCreatedId(pick(random, PATIENT_IDS), undefined)}` },
    });
  }
  for (const id of ['e1', 'e2', 'e3']) {
    if (random(3) !== 0) {
      resources.push({
        resourceType: 'Encounter',
        id,
        status: 'in-progress',
        class: { code: 'IMP' },
        identifier: randomIdentifiers(random, ENCOUNTER_IDS, 1),
      });
    }
  }
  return resources;
}

/** The identifier values of the stored resources of a type (mostly what keys ask for), or the whole pool. */
function storedValues(state: readonly Resource[], resourceType: string, pool: readonly string[]): readonly string[] {
  const values = state
    .filter((r) => r.resourceType === resourceType)
    .flatMap((r) => ((r as Stored).identifier ?? []).map((id) => id.value ?? ''));
  return values.length === 0 ? pool : values;
}

function randomKey(random: Random, state: readonly Resource[]): MeasurementGroupKey {
  const devices = random(3) === 0 ? DEVICE_IDS : storedValues(state, 'Device', DEVICE_IDS);
  const key: MeasurementGroupKey = { deviceId: pick(random, devices), type: 'hr' };
  const patientId = pick(random, [undefined, '', '  ', ...PATIENT_IDS]);
  const encounters = random(3) === 0 ? ENCOUNTER_IDS : storedValues(state, 'Encounter', ENCOUNTER_IDS);
  const encounterId = random(2) === 0 ? pick(random, [undefined, undefined, '', ' \t']) : pick(random, encounters);
  if (patientId !== undefined) {
    key.patientId = patientId;
  }
  if (encounterId !== undefined) {
    key.encounterId = encounterId;
  }
  return key;
}

/** Another writer changes the server between two resolutions: relinks, deletes or adds a Device. */
function mutate(random: Random, servers: readonly MemoryFhir[]): void {
  const [first] = servers;
  const devices = (first?.snapshot() ?? []).filter((r): r is Device & Stored => r.resourceType === 'Device');
  const device = devices.length === 0 ? undefined : pick(random, devices);
  const choice = random(3);
  if (choice === 0 && device !== undefined) {
    const { patient: _dropped, meta: _meta, ...rest } = device;
    const link = randomLink(random);
    const relinked: Device = link === undefined ? rest : { ...rest, patient: link };
    servers.forEach((server) => server.put(relinked));
  } else if (choice === 1 && device !== undefined) {
    servers.forEach((server) => server.remove('Device', device.id));
  } else {
    const added = randomDevice(random, `m${random(1000)}`, pick(random, [undefined, ...SYSTEMS]));
    servers.forEach((server) => server.put(added));
  }
}

// ---------------------------------------------------------------------------------------------------------------

const RESOLUTION_TYPES = ['Lookup', 'LookupWithEncounter', 'Create'] as const;

/**
 * Whether the server holds, for one of the key's ids, the id exactly and also a case variant of it: a server that
 * compares case-insensitively returns both, MedTech then fails with MultipleResourceFound, and we take the exact one
 * (a difference below).
 */
function hasCaseClash(state: readonly Resource[], key: MeasurementGroupKey): boolean {
  const values = state.flatMap((r) => ((r as Stored).identifier ?? []).map((i) => i.value ?? ''));
  return [key.deviceId, key.patientId, key.encounterId].some(
    (id) =>
      id !== undefined && values.includes(id) && values.some((v) => v !== id && v.toLowerCase() === id.toLowerCase()),
  );
}

describe("identity resolution against MedTech's, on random server states", () => {
  it.each(
    RESOLUTION_TYPES.flatMap((resolutionType, index) =>
      (['exact', 'caseInsensitive'] as const).map((matching, m) => ({
        resolutionType,
        matching,
        seed: 0x1de0 + index + 16 * m,
        cases: 1500,
      })),
    ),
  )(
    '$resolutionType on a server matching $matching: $cases resolutions (seed $seed) make the same searches and writes and reach the same answer',
    async ({ resolutionType, matching, seed, cases }) => {
      const random = seededRandom(seed);
      const seen = new Map<string, number>();
      let skipped = 0;
      for (let n = 0; n < cases; n++) {
        const system = pick(random, CONFIGURED_SYSTEMS);
        const state = randomServerState(random, system?.trim() === '' ? undefined : system);
        const key = randomKey(random, state);
        const ours = new MemoryFhir(matching, state);
        const theirs = new MemoryFhir(matching, state);
        const what = JSON.stringify({ n, system, key, state });

        const expected = await oracleOutcome(
          medTechIdentityService(theirs, resolutionType, system, () => 0),
          key,
        );
        const resolver = createIdentityResolver(ours, {
          resolutionType,
          ...(system === undefined ? {} : { defaultDeviceIdentifierSystem: system }),
        });
        const actual = await ourOutcome(resolver, key);
        if (expected.encounterSkipped || (matching === 'caseInsensitive' && hasCaseClash(state, key))) {
          // Known differences (below): MedTech's Create path leaves the encounter out, we look it up; with an exact
          // match and a case variant, MedTech fails, we take the exact one.
          skipped++;
          continue;
        }
        expect(actual, what).toEqual(expected.outcome);
        expect(ours.searches, what).toEqual(theirs.searches);
        expect(ours.writes, what).toEqual(theirs.writes);
        expect(ours.snapshot(), what).toEqual(theirs.snapshot());
        const name = label(expected.outcome, theirs.writes.length);
        seen.set(name, (seen.get(name) ?? 0) + 1);
      }

      // The generator reaches every outcome the resolution type can have.
      const outcomes: Record<IdentityResolutionType, string[]> = {
        Lookup: ['resolved', 'DeviceNotFound', 'PatientNotFound', 'EncounterNotFound', 'MultipleResourceFound'],
        LookupWithEncounter: [
          'resolved',
          'DeviceNotFound',
          'PatientNotFound',
          'EncounterNotFound',
          'MultipleResourceFound',
          'ResourceIdentityNotDefined',
        ],
        Create: [
          'resolved',
          'resolved after writing',
          'EncounterNotFound',
          'MultipleResourceFound',
          'PatientDeviceMismatch',
          'ResourceIdentityNotDefined',
        ],
      };
      for (const outcome of outcomes[resolutionType]) {
        expect(seen.get(outcome) ?? 0, `${outcome} in ${JSON.stringify([...seen])}`).toBeGreaterThan(10);
      }
      // A case-insensitive server meets more clashes: the generator's ids include case variants (dev1, DEV1).
      expect(skipped).toBeLessThan(matching === 'exact' ? cases / 4 : cases / 2);
    },
  );

  it.each(RESOLUTION_TYPES.map((resolutionType, index) => ({ resolutionType, seed: 0xcac0 + index, sequences: 300 })))(
    '$resolutionType: $sequences sequences (seed $seed) through the cache, with the server changing and time passing',
    async ({ resolutionType, seed, sequences }) => {
      const random = seededRandom(seed);
      let hits = 0;
      let misses = 0;
      let expiries = 0;
      for (let s = 0; s < sequences; s++) {
        const system = pick(random, CONFIGURED_SYSTEMS);
        const state = randomServerState(random, system?.trim() === '' ? undefined : system);
        // MedTech keys its cache by device id alone; we add what the answer depends on (the encounter id, and the
        // patient id under Create). Each device keeps one patient and encounter id here, so the keys correspond;
        // under Create no encounter id (MedTech's Create path skips it: a difference below).
        const patientOf = new Map<string, string | undefined>(
          DEVICE_IDS.map((d) => [d, pick(random, [undefined, ...PATIENT_IDS])]),
        );
        const encounterOf = new Map<string, string | undefined>(
          DEVICE_IDS.map((d) => [
            d,
            resolutionType === 'Create' ? undefined : pick(random, [undefined, ...ENCOUNTER_IDS]),
          ]),
        );
        const sequenceDevices = [...new Set(storedValues(state, 'Device', DEVICE_IDS))].slice(0, 3);
        let time = 0;
        const ours = new MemoryFhir('exact', state);
        const theirs = new MemoryFhir('exact', state);
        const resolver = createIdentityResolver(ours, {
          resolutionType,
          ...(system === undefined ? {} : { defaultDeviceIdentifierSystem: system }),
          now: () => time,
        });
        const service = medTechIdentityService(theirs, resolutionType, system, () => time);
        const lastUse = new Map<string, number>();
        for (let step = 0; step < 10; step++) {
          if (random(5) === 0) {
            mutate(random, [ours, theirs]);
            continue;
          }
          time += pick(random, [0, 0, 60_000, 1_800_000, 7_199_999, 7_200_000, 10_800_000]);
          const deviceId = pick(random, sequenceDevices);
          const key: MeasurementGroupKey = { deviceId, type: pick(random, ['hr', 'bp']) };
          const patientId = patientOf.get(deviceId);
          const encounterId = encounterOf.get(deviceId);
          if (patientId !== undefined) {
            key.patientId = patientId;
          }
          if (encounterId !== undefined) {
            key.encounterId = encounterId;
          }
          const what = JSON.stringify({ s, step, time, system, key, state });
          const searchesBefore = theirs.searches.length;

          const expected = await oracleOutcome(service, key);
          const actual = await ourOutcome(resolver, key);

          expect(expected.encounterSkipped, what).toBe(false);
          expect(actual, what).toEqual(expected.outcome);
          expect(ours.searches, what).toEqual(theirs.searches);
          expect(ours.writes, what).toEqual(theirs.writes);
          expect(ours.snapshot(), what).toEqual(theirs.snapshot());
          const previous = lastUse.get(deviceId);
          if (theirs.searches.length === searchesBefore) {
            hits++;
          } else {
            misses++;
            if (previous !== undefined && time - previous >= TWO_HOURS) {
              expiries++;
            }
          }
          if ('identity' in expected.outcome) {
            lastUse.set(deviceId, time);
          } else if (theirs.searches.length !== searchesBefore) {
            lastUse.delete(deviceId);
          }
        }
      }
      expect(hits).toBeGreaterThan(100);
      expect(misses).toBeGreaterThan(100);
      expect(expiries).toBeGreaterThan(20);
    },
  );
});

// ---------------------------------------------------------------------------------------------------------------
// MedTech's grouping, restated

/** An ISO-8601 UTC instant in .NET ticks (100 ns) since the epoch. */
function ticks(text: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z$/.exec(text);
  if (m === null) {
    throw new Error(`not a generated instant: ${text}`);
  }
  const [, y, mo, d, h, mi, s, fraction = ''] = m;
  const seconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return BigInt(seconds) * 10_000n + BigInt(fraction.padEnd(7, '0'));
}

function compareTicks(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface OracleGroup {
  ids: GroupFields;
  kept: Measurement[];
}

type GroupFields = Pick<Measurement, 'deviceId' | 'type' | 'patientId' | 'encounterId' | 'correlationId'>;

function fieldsOf(m: GroupFields): GroupFields {
  return {
    deviceId: m.deviceId,
    type: m.type,
    patientId: m.patientId,
    encounterId: m.encounterId,
    correlationId: m.correlationId,
  };
}

/** MedTech's grouping: string key, first appearance, one measurement per instant (latest ingested, first on ties). */
function medTechGroups(measurements: readonly Measurement[]): OracleGroup[] {
  const byKey = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.deviceId}-${m.type}-${m.patientId ?? ''}-${m.encounterId ?? ''}-${m.correlationId ?? ''}`;
    byKey.set(key, [...(byKey.get(key) ?? []), m]);
  }
  return [...byKey.values()].map((members) => {
    const byInstant = new Map<bigint, Measurement[]>();
    for (const m of members) {
      const instant = ticks(m.occurrenceTimeUtc);
      byInstant.set(instant, [...(byInstant.get(instant) ?? []), m]);
    }
    const kept = [...byInstant.values()].map(
      (same) =>
        [...same].sort((a, b) => compareTicks(ticks(b.ingestionTimeUtc), ticks(a.ingestionTimeUtc)))[0] as Measurement,
    );
    return { ids: fieldsOf(kept[0] as Measurement), kept };
  });
}

/** The same instants spelled several ways, all whole milliseconds, so they mean one tick count for MedTech and us. */
const OCCURRENCES = [
  '2024-05-01T10:00:01Z',
  '2024-05-01T10:00:01.000Z',
  '2024-05-01T10:00:01.0000000Z',
  '2024-05-01T10:00:01.5Z',
  '2024-05-01T10:00:01.500Z',
  '2024-05-01T10:00:02.250Z',
  '2024-05-01T10:00:02.2500000Z',
  '2024-05-01T10:59:59.999Z',
  '2024-05-01T11:00:00Z',
  '2024-05-02T00:00:00.001Z',
] as const;
const INGESTIONS = [
  '2024-05-01T12:00:00Z',
  '2024-05-01T12:00:00.000Z',
  '2024-05-01T12:00:00.001Z',
  '2024-05-01T12:00:01Z',
  '2024-05-01T11:59:59.999Z',
] as const;

/**
 * A batch over a few devices, types, patients, encounters and correlation ids (no `-` or empty id). Each batch lets
 * only some of the fields vary, so that small batches also repeat groups and instants.
 */
function randomBatch(random: Random, size: number): Measurement[] {
  const choices = <T>(items: readonly T[]): readonly T[] => (random(2) === 0 ? [pick(random, items)] : items);
  const types = choices(['hr', 'HR', 'bp']);
  const devices = choices(['d1', 'd2', 'D1']);
  const patients = choices([undefined, 'p1', 'P1']);
  const encounters = choices([undefined, 'e1']);
  const correlations = choices([undefined, undefined, 'c1', 'C1']);
  const occurrences = OCCURRENCES.slice(0, 2 + random(OCCURRENCES.length - 1));
  const batch: Measurement[] = [];
  for (let i = 0; i < size; i++) {
    const m: Measurement = {
      type: pick(random, types),
      occurrenceTimeUtc: pick(random, occurrences),
      ingestionTimeUtc: pick(random, INGESTIONS),
      deviceId: pick(random, devices),
      properties: [{ name: 'v', value: String(i) }],
    };
    const patientId = pick(random, patients);
    const encounterId = pick(random, encounters);
    const correlationId = pick(random, correlations);
    if (patientId !== undefined) {
      m.patientId = patientId;
    }
    if (encounterId !== undefined) {
      m.encounterId = encounterId;
    }
    if (correlationId !== undefined) {
      m.correlationId = correlationId;
    }
    batch.push(m);
  }
  return batch;
}

function sortedByInstant(measurements: readonly Measurement[]): Measurement[] {
  return [...measurements].sort((a, b) => compareTicks(ticks(a.occurrenceTimeUtc), ticks(b.occurrenceTimeUtc)));
}

describe("grouping against MedTech's, on random batches", () => {
  it.each([
    { seed: 0x6a01, batches: 600, maxSize: 12 },
    { seed: 0x6a02, batches: 400, maxSize: 60 },
    { seed: 0x6a03, batches: 100, maxSize: 400 },
  ])(
    '$batches batches of up to $maxSize (seed $seed): the same groups in the same order, keeping the same measurements',
    ({ seed, batches, maxSize }) => {
      const random = seededRandom(seed);
      let duplicates = 0;
      let ties = 0;
      for (let n = 0; n < batches; n++) {
        const batch = randomBatch(random, 1 + random(maxSize));
        const expected = medTechGroups(batch);
        const actual = groupMeasurements(batch);
        const what = `batch ${n}: ${JSON.stringify(batch)}`;

        expect(
          actual.map((g) => fieldsOf(g.key)),
          what,
        ).toEqual(expected.map((g) => g.ids));
        actual.forEach((group, i) => {
          const kept = sortedByInstant((expected[i] as OracleGroup).kept);
          expect(group.measurements.length, what).toBe(kept.length);
          // The very objects MedTech keeps (not merely equal ones), in time order.
          group.measurements.forEach((m, j) => expect(m, `${what}, group ${i}, #${j}`).toBe(kept[j]));
        });
        duplicates += batch.length - expected.reduce((sum, g) => sum + g.kept.length, 0);
        ties += countIngestionTies(batch);
      }
      expect(duplicates).toBeGreaterThan(batches / 4);
      expect(ties).toBeGreaterThan(batches / 10);
    },
  );

  it('transformAndPersist resolves each MedTech group once with its ids and sets its kept measurements aside with the error', async () => {
    const random = seededRandom(0x6a10);
    const mapping: FhirMapping = {
      templates: new Map(
        ['hr', 'bp'].map((typeName) => [
          typeName,
          {
            typeName,
            periodInterval: 0 as const,
            category: [],
            codes: [{ code: typeName }],
            value: { valueType: 'String' as const, valueName: 'v' },
            components: [],
          },
        ]),
      ),
    };
    for (let n = 0; n < 150; n++) {
      const batch = randomBatch(random, 1 + random(40));
      const expected = medTechGroups(batch);
      const resolved: MeasurementGroupKey[] = [];
      const identity: IdentityResolver = {
        resolve(key) {
          resolved.push(key);
          return Promise.reject(new MedTechError('DeviceNotFound', 'FHIRConversion', 'no such device'));
        },
      };
      const store = new MemoryFhir('exact');
      const summary = await transformAndPersist(batch, { mapping, store, identity, now: () => 0 });
      const what = JSON.stringify(batch);

      const keyText = (f: GroupFields): string => JSON.stringify(fieldsOf(f));
      expect(summary.groups, what).toBe(expected.length);
      expect(resolved.map((k) => keyText(k)).sort(), what).toEqual(expected.map((g) => keyText(g.ids)).sort());
      const byKey = new Map(expected.map((g) => [keyText(g.ids), g]));
      expect(summary.errors, what).toHaveLength(expected.length);
      for (const failure of summary.errors) {
        expect(failure.error.name).toBe('DeviceNotFound');
        const group = byKey.get(keyText(failure.measurements[0] as Measurement));
        expect(failure.measurements, what).toEqual(sortedByInstant(group?.kept ?? []));
      }
      expect(store.searches).toEqual([]);
    }
  });
});

function countIngestionTies(batch: readonly Measurement[]): number {
  const seen = new Set<string>();
  let ties = 0;
  for (const m of batch) {
    const key = JSON.stringify([fieldsOf(m), String(ticks(m.occurrenceTimeUtc)), String(ticks(m.ingestionTimeUtc))]);
    ties += seen.has(key) ? 1 : 0;
    seen.add(key);
  }
  return ties;
}

// ---------------------------------------------------------------------------------------------------------------

/** Resolves keys one after the other with a fresh resolver of ours and MedTech's, each over its own copy of `state`. */
async function both(
  resolutionType: IdentityResolutionType,
  state: readonly Resource[],
  keys: readonly MeasurementGroupKey[],
  options: { system?: string; matching?: 'exact' | 'caseInsensitive' } = {},
): Promise<{ ours: Outcome[]; theirs: Outcome[]; ourServer: MemoryFhir; theirServer: MemoryFhir }> {
  const ourServer = new MemoryFhir(options.matching ?? 'exact', state);
  const theirServer = new MemoryFhir(options.matching ?? 'exact', state);
  const resolver = createIdentityResolver(ourServer, {
    resolutionType,
    ...(options.system === undefined ? {} : { defaultDeviceIdentifierSystem: options.system }),
  });
  const service = medTechIdentityService(theirServer, resolutionType, options.system, () => 0);
  const ours: Outcome[] = [];
  const theirs: Outcome[] = [];
  for (const key of keys) {
    ours.push(await ourOutcome(resolver, key));
    theirs.push((await oracleOutcome(service, key)).outcome);
  }
  return { ours, theirs, ourServer, theirServer };
}

const device1: Device = {
  resourceType: 'Device',
  id: 'd1',
  identifier: [{ value: 'dev1' }],
  patient: { reference: 'Patient/p1' },
};
const encounters: Encounter[] = ['enc1', 'enc2'].map((value, i) => ({
  resourceType: 'Encounter',
  id: `e${i + 1}`,
  status: 'in-progress',
  class: { code: 'IMP' },
  identifier: [{ value }],
}));

describe('fixed cases where an earlier version differed from MedTech', () => {
  it("calls blank what .NET's IsNullOrWhiteSpace does: U+0085 is, U+FEFF is not", async () => {
    // MedTech: string.IsNullOrWhiteSpace (R4DeviceAndPatientLookupIdentityService.cs:59, ResourceManagementService.cs:76).
    const nel = await both('Lookup', [device1], [{ deviceId: 'dev1', type: 'hr', encounterId: '\u0085' }]);
    expect(nel.theirs).toEqual([{ identity: { deviceId: 'd1', patientId: 'p1' } }]);
    expect(nel.ours).toEqual(nel.theirs);

    const bom = await both('Lookup', [device1], [{ deviceId: 'dev1', type: 'hr' }], { system: '\uFEFF' });
    expect(bom.theirs).toEqual([{ error: 'DeviceNotFound' }]);
    expect(bom.ours).toEqual(bom.theirs);
  });

  it('takes the one case variant a case-insensitive server returns, under Lookup and Create, writing nothing', async () => {
    // MedTech: BundleExtensions.cs:44-69 takes the search result as is; Azure's FHIR service and Medplum compare
    // tokens case-insensitively. Before, we kept exact matches only: DeviceNotFound, or under Create a second Device.
    const upper: Device = { ...device1, identifier: [{ value: 'DEV1' }] };
    const key = { deviceId: 'dev1', type: 'hr', patientId: 'pat1' };
    for (const type of ['Lookup', 'Create'] as const) {
      const run = await both(type, [upper], [key], { matching: 'caseInsensitive' });
      expect(run.theirs).toEqual([{ identity: { deviceId: 'd1', patientId: 'p1' } }]);
      expect(run.ours).toEqual(run.theirs);
      expect(run.ourServer.writes).toEqual([]);
    }
  });
});

describe('differences from MedTech (asserting our behaviour; MedTech named in each)', () => {
  it('the identity cache: MedTech keys it by device id alone, so a later group of the device gets the first encounter', async () => {
    // MedTech: DeviceAndPatientLookupIdentityService.cs:30-33 (cache key = device id) and
    // CachedResourceIdentityService.cs:35-45 (the encounter is part of the cached answer). Ours: resolveIdentity.ts
    // toCacheKey (device, Create's patient, encounter).
    const keys = [
      { deviceId: 'dev1', type: 'hr', encounterId: 'enc1' },
      { deviceId: 'dev1', type: 'hr', encounterId: 'enc2' },
      { deviceId: 'dev1', type: 'bp' },
    ];
    const lookup = await both('Lookup', [device1, ...encounters], keys);
    expect(lookup.theirs).toEqual([
      { identity: { deviceId: 'd1', patientId: 'p1', encounterId: 'e1' } },
      { identity: { deviceId: 'd1', patientId: 'p1', encounterId: 'e1' } },
      { identity: { deviceId: 'd1', patientId: 'p1', encounterId: 'e1' } },
    ]);
    expect(lookup.ours).toEqual([
      { identity: { deviceId: 'd1', patientId: 'p1', encounterId: 'e1' } },
      { identity: { deviceId: 'd1', patientId: 'p1', encounterId: 'e2' } },
      { identity: { deviceId: 'd1', patientId: 'p1' } },
    ]);

    // LookupWithEncounter checks the encounter id inside the cached call, so a cache hit skips the check.
    const withEncounter = await both('LookupWithEncounter', [device1, ...encounters], keys);
    expect(withEncounter.theirs[2]).toEqual({ identity: { deviceId: 'd1', patientId: 'p1', encounterId: 'e1' } });
    expect(withEncounter.ours[2]).toEqual({ error: 'ResourceIdentityNotDefined' });
  });

  it('Create: when it has to create or link, MedTech never looks the encounter up and leaves it out', async () => {
    // MedTech: R4DeviceAndPatientCreateIdentityService.cs:47-48 returns device and patient only after the create path
    // (the encounter is looked up only inside the Lookup it tried first, R4DeviceAndPatientLookupIdentityService.cs:59-63).
    // Ours: resolveIdentity.ts resolveIdentity looks the encounter up after every resolution type.
    const key = { deviceId: 'dev1', type: 'hr', patientId: 'pat1', encounterId: 'enc1' };
    const created = await both('Create', encounters, [key]);
    const patientId = medTechCreatedId('pat1', undefined);
    const deviceId = medTechCreatedId('dev1', undefined);
    expect(created.theirs).toEqual([{ identity: { deviceId, patientId } }]);
    expect(created.ours).toEqual([{ identity: { deviceId, patientId, encounterId: 'e1' } }]);
    expect(created.theirServer.searches).not.toContain('Encounter?identifier=enc1');
    // Both wrote the same Patient and Device.
    expect(created.ourServer.snapshot()).toEqual(created.theirServer.snapshot());

    const unknownEncounter = await both('Create', [], [{ ...key, encounterId: 'enc-unknown' }]);
    expect(unknownEncounter.theirs).toEqual([{ identity: { deviceId, patientId } }]);
    expect(unknownEncounter.ours).toEqual([{ error: 'EncounterNotFound' }]);
  });

  it.each([
    // MedTech: ModelExtensions.cs:43-65 (prefix `Patient/` in any case, then ^[A-Za-z0-9_.\-~#]+$, which .NET lets end
    // before a final line feed). Ours: resolveIdentity.ts PATIENT_REFERENCE, the same and an optional /_history/{v}.
    // All but the last read 'undefined' here before (`Patient/` exactly, [A-Za-z0-9\-.]{1,64}).
    { reference: 'patient/p1', theirs: 'p1', ours: 'p1' },
    { reference: 'PATIENT/p1', theirs: 'p1', ours: 'p1' },
    { reference: 'Patient/p_1', theirs: 'p_1', ours: 'p_1' },
    { reference: 'Patient/p~1', theirs: 'p~1', ours: 'p~1' },
    { reference: `Patient/${'a'.repeat(65)}`, theirs: 'a'.repeat(65), ours: 'a'.repeat(65) },
    { reference: 'Patient/p1\n', theirs: 'p1', ours: 'p1' },
    { reference: 'Patient/p1\n\n', theirs: undefined, ours: undefined },
    { reference: 'Patient/p 1', theirs: undefined, ours: undefined },
    { reference: 'Patient/p1/_history/2', theirs: undefined, ours: 'p1' },
  ])('Device.patient $reference: MedTech reads $theirs, we read $ours', async ({ reference, theirs, ours }) => {
    const device: Device = { ...device1, patient: { reference } };
    const lookup = await both('Lookup', [device], [{ deviceId: 'dev1', type: 'hr' }]);
    const asOutcome = (patientId: string | undefined): Outcome =>
      patientId === undefined ? { error: 'PatientNotFound' } : { identity: { deviceId: 'd1', patientId } };
    expect(lookup.theirs).toEqual([asOutcome(theirs)]);
    expect(lookup.ours).toEqual([asOutcome(ours)]);

    // Under Create, the side that cannot read the reference goes the create path and finds the Device linked
    // elsewhere: PatientDeviceMismatch (after creating the Patient).
    const create = await both('Create', [device], [{ deviceId: 'dev1', type: 'hr', patientId: 'pat1' }]);
    const asCreateOutcome = (patientId: string | undefined): Outcome =>
      patientId === undefined ? { error: 'PatientDeviceMismatch' } : { identity: { deviceId: 'd1', patientId } };
    expect(create.theirs).toEqual([asCreateOutcome(theirs)]);
    expect(create.ours).toEqual([asCreateOutcome(ours)]);
  });

  it('identifiers with FHIR search special characters: MedTech sends them unescaped, we escape them', async () => {
    // MedTech: SearchExtensions.cs:184-203 (`{system}|{value}` as is). Ours: resolveIdentity.ts escapeSearchValue.
    const devices: Device[] = [
      { resourceType: 'Device', id: 'da', identifier: [{ value: 'a' }], patient: { reference: 'Patient/pa' } },
      { resourceType: 'Device', id: 'db', identifier: [{ value: 'b' }], patient: { reference: 'Patient/pb' } },
      { resourceType: 'Device', id: 'dab', identifier: [{ value: 'a,b' }], patient: { reference: 'Patient/pab' } },
      { resourceType: 'Device', id: 'dxy', identifier: [{ value: 'x|y' }], patient: { reference: 'Patient/pxy' } },
    ];
    const comma = await both('Lookup', devices, [{ deviceId: 'a,b', type: 'hr' }]);
    expect(comma.theirServer.searches).toEqual(['Device?identifier=a,b']); // a server reads: a OR b
    expect(comma.theirs).toEqual([{ error: 'MultipleResourceFound' }]);
    expect(comma.ourServer.searches).toEqual(['Device?identifier=a\\,b']);
    expect(comma.ours).toEqual([{ identity: { deviceId: 'dab', patientId: 'pab' } }]);

    const bar = await both('Lookup', devices, [{ deviceId: 'x|y', type: 'hr' }]);
    expect(bar.theirs).toEqual([{ error: 'DeviceNotFound' }]); // a server reads: system x, value y
    expect(bar.ours).toEqual([{ identity: { deviceId: 'dxy', patientId: 'pxy' } }]);
  });

  it('a server that matches identifiers case-insensitively returns both an exact match and a case variant: we take the exact one, MedTech fails', async () => {
    // Azure's FHIR service compares tokens case-insensitively (microsoft/fhir-server#1886), as Medplum does.
    // MedTech: BundleExtensions.cs:44-69 takes the search result as is. Ours: resolveIdentity.ts findOneByIdentifier.
    const upper: Device = { ...device1, identifier: [{ value: 'DEV1' }] };
    const key = { deviceId: 'dev1', type: 'hr', patientId: 'pat1' };
    const lower: Device = { ...device1, id: 'd2', patient: { reference: 'Patient/p2' } };
    const two = await both('Lookup', [upper, lower], [key], { matching: 'caseInsensitive' });
    expect(two.theirs).toEqual([{ error: 'MultipleResourceFound' }]);
    expect(two.ours).toEqual([{ identity: { deviceId: 'd2', patientId: 'p2' } }]);
  });

  it('a type without a FHIR template: we stop before identity resolution, MedTech resolves (and creates) first', async () => {
    // MedTech: R4FhirImportService.cs:59 resolves identities, then :64 looks the template up (TemplateNotFound).
    // Ours: transformAndPersist.ts processGroup looks the template up first.
    const measurement: Measurement = {
      type: 'unmapped',
      occurrenceTimeUtc: '2024-05-01T10:00:00Z',
      ingestionTimeUtc: '2024-05-01T10:00:00Z',
      deviceId: 'dev1',
      patientId: 'pat1',
      properties: [{ name: 'v', value: '1' }],
    };
    const store = new MemoryFhir('exact');
    const identity = createIdentityResolver(store, { resolutionType: 'Create' });
    const summary = await transformAndPersist([measurement], {
      mapping: { templates: new Map() },
      store,
      identity,
      now: () => 0,
    });
    expect(summary.errors.map((e) => e.error.name)).toEqual(['TemplateNotFound']);
    expect(store.requestCount()).toBe(0);

    const theirs = new MemoryFhir('exact');
    await medTechIdentityService(theirs, 'Create', undefined, () => 0).resolve(measurement);
    expect(theirs.writes).toEqual([
      `PUT Patient/${medTechCreatedId('pat1', undefined)}`,
      `PUT Device/${medTechCreatedId('dev1', undefined)}`,
    ]);
  });

  it('group keys: MedTech joins the ids with "-", so ids containing "-" (or empty) can share a group', () => {
    // MedTech: MeasurementFhirImportService.cs:198 and MeasurementGroupFhirImportService.cs:339-342, the group taking
    // the ids of its first measurement (:356-364). Ours: groupMeasurements.ts (a JSON array of the ids).
    const base = {
      occurrenceTimeUtc: '2024-05-01T10:00:00Z',
      ingestionTimeUtc: '2024-05-01T10:00:00Z',
      properties: [],
    };
    const batch: Measurement[] = [
      { ...base, deviceId: 'a-b', type: 'c' },
      { ...base, deviceId: 'a', type: 'b-c', occurrenceTimeUtc: '2024-05-01T10:00:01Z' },
      { ...base, deviceId: 'd', type: 'hr', patientId: '' },
      { ...base, deviceId: 'd', type: 'hr', occurrenceTimeUtc: '2024-05-01T10:00:01Z' },
    ];
    expect(medTechGroups(batch).map((g) => [g.ids.deviceId, g.ids.type, g.kept.length])).toEqual([
      ['a-b', 'c', 2],
      ['d', 'hr', 2],
    ]);
    expect(groupMeasurements(batch).map((g) => [g.key.deviceId, g.key.type, g.measurements.length])).toEqual([
      ['a-b', 'c', 1],
      ['a', 'b-c', 1],
      ['d', 'hr', 1],
      ['d', 'hr', 1],
    ]);
  });

  it('occurrence times within one millisecond: MedTech tells 100 ns ticks apart, we compare milliseconds', () => {
    // MedTech: MeasurementGroupFhirImportService.cs:348 groups by the DateTime (ticks). Ours: groupMeasurements.ts
    // keys by toEpochMs (instants.ts truncates fraction digits beyond milliseconds).
    const at = (occurrenceTimeUtc: string, ingestionTimeUtc: string): Measurement => ({
      type: 'hr',
      occurrenceTimeUtc,
      ingestionTimeUtc,
      deviceId: 'd1',
      properties: [],
    });
    const batch = [
      at('2024-05-01T10:00:00.1231000Z', '2024-05-01T10:05:00Z'),
      at('2024-05-01T10:00:00.1239000Z', '2024-05-01T10:04:00Z'),
    ];
    expect(medTechGroups(batch)[0]?.kept).toEqual(batch);
    expect(groupMeasurements(batch)[0]?.measurements).toEqual([batch[0]]);
  });
});
