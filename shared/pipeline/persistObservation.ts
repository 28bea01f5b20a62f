/**
 * Persist one observation group (reference-behaviour §5): find the Observation by its MedTech identifier, create it
 * at its deterministic id, or merge into it under optimistic concurrency; re-read and retry on 409/412.
 */
import type { Observation } from '@medplum/fhirtypes';
import { MedTechError } from '../core/errors.js';
import {
  buildObservation,
  canLoseValuesToReplacement,
  isDeepEqual,
  mergeObservation,
  racingCreateChain,
  restoreLostValues,
  toObservationId,
  toObservationIdentifier,
} from '../core/fhir/index.js';
import type { CodeValueFhirTemplate, ObservationGroup, ResolvedIdentity } from '../core/fhir/index.js';
import type { FhirStore } from './ports.js';
import { exactMatches, toIdentifierToken } from './resolveIdentity.js';

/** What persisting an observation group did (MedTech metrics ObservationCreated / Updated / NoOperation). */
export type PersistOutcome = 'created' | 'updated' | 'noop';

/** One observation group with everything needed to write it. */
export interface PersistObservationInput {
  group: ObservationGroup;
  template: CodeValueFhirTemplate;
  identity: ResolvedIdentity;
  /** `issued` instant written on created Observations (ISO-8601); a merge keeps the stored one, as MedTech does. */
  issued: string;
  /**
   * Finds the Observations carrying the group's identifier exactly, in place of the search of step 1 (e.g. an
   * `ObservationReadAhead`'s, which reads them with other writes' in one search); default: that search, kept to
   * its exact matches by `exactMatches`.
   */
  lookup?: () => Promise<Observation[]>;
}

/** Settings of {@link persistObservation}. */
export interface PersistObservationOptions {
  /** Writes attempted before version conflicts (409/412) give up with a retriable error (default 3). */
  maxWriteAttempts?: number;
}

/**
 * Writes one observation group to the FHIR server:
 * 1. `GET Observation?identifier={system}|{value}` (or the input's `lookup`, which a flush reads ahead with other
 *    writes' identifiers), keeping exact identifier matches (several, or none in an answer cut short → error);
 * 2. none → `PUT Observation/{id}` with the built resource (create-or-replace at the deterministic id; refused as a
 *    conflict because a concurrent creator was first → read it and go on as in 3);
 * 3. found → merge; unchanged → no write; changed → `PUT` with `If-Match: W/"{versionId}"`, and on 409/412
 *    re-read and merge again.
 *
 * Several writers may all see "none" and all `PUT`: each one after the first replaces what was there. The server
 * tells such a writer (200 instead of 201 Created), which then reads the resource's history and puts back every
 * SampledData value an earlier version held and the current one lacks, and every other value the current one lacks
 * altogether ({@link restoreLostValues}), written with
 * `If-Match` on the current version and redone on conflict: every writer's values survive, however many raced.
 * A writer that fails between its replacing `PUT` and that restore leaves the Observation `final`; its rerun finds it
 * and merges, so a merge into a `final` Observation first restores from the history too (for templates that can lose
 * values so: {@link canLoseValuesToReplacement}).
 * Values are restored only from versions of the race ({@link racingCreateChain}: each written over by what may be a
 * racing create, at most 15 minutes (`RACING_CREATE_MAX_GAP_MS`) before the next), so a value a user removed by hand
 * stays removed (see there for the limits).
 * A server that never answers 201 costs one history read per create, nothing more. (FHIR R4 has no
 * create-if-absent at a client-chosen id, and MedTech's deterministic ids rule out server-assigned ones.)
 * @param store - the FHIR server
 * @param input - the observation group, its template, resolved identity and `issued` time
 * @param options - bounded conflict retries
 * @throws MedTechError MultipleResourceFound; InvalidQuantityFhirValue (from building/merging); a retriable
 *   FhirServiceError when conflicts persist or the service fails
 */
export async function persistObservation(
  store: FhirStore,
  input: PersistObservationInput,
  options: PersistObservationOptions = {},
): Promise<PersistOutcome> {
  const maxAttempts = writeAttempts(options);
  const { group, template, identity, issued } = input;
  const identifier = toObservationIdentifier(identity, group);

  const matches =
    input.lookup === undefined
      ? exactMatches(
          await store.search<Observation>('Observation', {
            identifier: toIdentifierToken(identifier.value, identifier.system),
          }),
          'Observation',
          identifier.value,
          identifier.system,
          'Persist',
        )
      : await input.lookup();
  if (matches.length > 1) {
    throw new MedTechError('MultipleResourceFound', 'Persist', 'More than one Observation has the same identifier.');
  }

  let existing = matches[0];
  let id = existing?.id ?? toObservationId(identifier);
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    if (attempt > 1) {
      existing = await store.read<Observation>('Observation', id);
    }
    if (existing === undefined) {
      const created = await create(store, input, id, options);
      if (created !== 'exists') {
        return created;
      }
      // Another writer created it first and the server refused to replace it: read it and merge into it.
      continue;
    }
    id = existing.id ?? id;
    const restored = await restoreIfUnverified(store, { ...existing, id }, template, identity);
    const merged = mergeObservation(restored.observation, group, template, identity, issued);
    if (!merged.changed && !restored.changed) {
      return 'noop';
    }
    const saved = await store.update({ ...merged.observation, id }, versionGuard(existing));
    if (saved.kind === 'saved') {
      return 'updated';
    }
  }
  throw contention();
}

/**
 * Creates the Observation. When the `PUT` replaced a version instead (a concurrent creator was first), restores
 * from the history every value a version of the race ({@link lostToRacingCreates}) held that the current one lacks,
 * under `If-Match` on the current version, re-reading on conflict. `exists` when the server refused the `PUT` because a concurrent creator was first
 * (a 409, or a server that wants If-Match on every update): the caller merges into that version instead.
 */
async function create(
  store: FhirStore,
  input: PersistObservationInput,
  id: string,
  options: PersistObservationOptions,
): Promise<PersistOutcome | 'exists'> {
  const { group, template, identity, issued } = input;
  const built = buildObservation(group, template, identity, issued);
  const saved = await store.update({ ...built, id });
  if (saved.kind === 'conflict') {
    return 'exists';
  }
  if (saved.created) {
    return 'created';
  }
  const maxAttempts = writeAttempts(options);
  let outcome: PersistOutcome | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const versions = await store.history<Observation>('Observation', id);
    outcome ??= replacedAnother(versions, saved.resource) ? 'updated' : 'created';
    const [current] = versions;
    if (current === undefined) {
      // A server without history: nothing to restore from.
      return outcome;
    }
    // Our own version is in the history too: if a later creator replaced it, our values come back here as well.
    const restored = restoreLostValues(current, lostToRacingCreates(versions, saved.resource), template, identity);
    if (!restored.changed) {
      return outcome;
    }
    const result = await store.update({ ...restored.observation, id }, versionGuard(current));
    if (result.kind === 'saved') {
      return outcome;
    }
  }
  throw contention();
}

/**
 * Puts back values a create-by-`PUT` replaced, when the writer that replaced them could not (it failed or died after
 * its `PUT`, before {@link create} restored them; its rerun then finds the Observation and merges). An Observation
 * no merge or restore has touched is still `final`; only then, and only for a template whose versions can lose values
 * to a replacing create (SampledData, or more than one value: {@link canLoseValuesToReplacement}), is the history
 * read. A version id of `1` (servers that number versions) has no earlier
 * version to restore from, so nothing is read for it. Only the versions before it that a chain of racing creates
 * wrote are restored from ({@link racingCreateChain}): a user's correction is not taken for a replacing create's.
 */
async function restoreIfUnverified(
  store: FhirStore,
  existing: Observation & { id: string },
  template: CodeValueFhirTemplate,
  identity: ResolvedIdentity,
): Promise<{ changed: boolean; observation: Observation }> {
  const versionId = existing.meta?.versionId;
  if (
    existing.status !== 'final' ||
    !canLoseValuesToReplacement(template) ||
    versionId === undefined ||
    versionId === '1'
  ) {
    return { changed: false, observation: existing };
  }
  const versions = await store.history<Observation>('Observation', existing.id);
  const index = versions.findIndex((version) => version.meta?.versionId === versionId);
  if (index < 0) {
    // The history does not hold the version we read (it moved on): the write below meets a conflict and re-reads.
    return { changed: false, observation: existing };
  }
  return restoreLostValues(existing, racingCreateChain(existing, versions.slice(index + 1)), template, identity);
}

/**
 * The earlier versions a writer whose create-by-`PUT` replaced a version restores from: those after its own (later
 * creators' versions, and restores or merges written since), its own, the one it replaced, and the chain of racing
 * creates before that one ({@link racingCreateChain}). The versions down to the replaced one are taken whatever their
 * status and time: they were all written between this writer's search, which found nothing, and now, and the one it
 * replaced may be another writer's restore or merge (`amended`) that already holds the values of the versions before
 * it. When the history does not hold our version, the chain is walked from the current version.
 * @param versions - the history, newest first (not empty)
 * @param ours - the version our `PUT` wrote
 */
function lostToRacingCreates(versions: readonly Observation[], ours: Observation): Observation[] {
  const [current, ...earlier] = versions;
  const oursId = ours.meta?.versionId;
  const index = oursId === undefined ? -1 : versions.findIndex((version) => version.meta?.versionId === oursId);
  if (current === undefined || index < 0) {
    return current === undefined ? [] : racingCreateChain(current, earlier);
  }
  const replaced = versions[index + 1];
  const chain = replaced === undefined ? [] : racingCreateChain(replaced, versions.slice(index + 2));
  return [...versions.slice(1, index + 2), ...chain];
}

/**
 * Whether our create-by-`PUT` replaced another writer's version: the version before ours exists and holds something
 * else (the same content means a retried `PUT` whose first attempt landed: we created it after all).
 */
function replacedAnother(versions: readonly Observation[], ours: Observation): boolean {
  const index = versions.findIndex((version) => version.meta?.versionId === ours.meta?.versionId);
  const replaced = index < 0 ? undefined : versions[index + 1];
  return replaced !== undefined && !isDeepEqual({ ...replaced, meta: undefined }, { ...ours, meta: undefined });
}

/** Writes attempted before version conflicts give up (at least one). */
function writeAttempts(options: PersistObservationOptions): number {
  return Math.max(1, options.maxWriteAttempts ?? 3);
}

function versionGuard(resource: Observation): { ifMatchVersionId?: string } {
  const versionId = resource.meta?.versionId;
  return versionId === undefined ? {} : { ifMatchVersionId: versionId };
}

function contention(): MedTechError {
  return new MedTechError(
    'FhirServiceError',
    'Persist',
    'The Observation kept changing under concurrent writers (409/412); giving up for now.',
    { retriable: true },
  );
}
