import type { Observation, ObservationComponent } from '@medplum/fhirtypes';
import type {
  CodeValueFhirTemplate,
  FhirValueTemplate,
  MergeResult,
  ObservationGroup,
  ResolvedIdentity,
  TimedValue,
} from './contract.js';
import { cloneFhirJson } from './fhirJson.js';
import { toEpochMs } from './instants.js';
import { toPeriodTicks, toTicksAfter } from './sampledData.js';
import { indexValueComponents, mergeObservation, readSampledValues } from './mergeObservation.js';
import { VALUE_ELEMENT_NAMES } from './toFhirValue.js';

type SampledDataTemplate = Extract<FhirValueTemplate, { valueType: 'SampledData' }>;

/**
 * Puts back the values that earlier versions of an Observation held and the current version lost.
 *
 * FHIR R4 has no create-if-absent at a client-chosen id, so writers that all found no Observation each create it
 * with a plain `PUT`, and every such write after the first replaces what was there. A writer that learns it replaced
 * a version (the server answered 200, not 201) restores from the resource's history: every value an earlier version
 * had in a SampledData slot that the current version leaves empty is merged back (the value of the newest such
 * version wins). Values the current version holds are never changed, so whatever was written last still wins, and
 * the result holds every value any version ever held. A value of another type (Quantity, String, CodeableConcept) is
 * replaced by each write as MedTech does (a later value is meant to win), so one the current version holds stays; one
 * it lacks altogether (its writer had no such value: a component of the type, or the main value) is taken from the
 * newest earlier version that holds it, as MedTech's merge of that writer's group would have kept it.
 * @param current - the newest version
 * @param earlier - the older versions to restore from, newest first: those of `GET Observation/{id}/_history` that
 *   racing creates may have replaced ({@link racingCreateChain}), not the ones written before the race
 * @param template - the FHIR template of the Observation's type
 * @param identity - resolved ids (passed on to {@link mergeObservation})
 * @returns `changed: false` when the current version lacks nothing; otherwise the current version with the lost
 *   values merged back (status `amended`)
 */
export function restoreLostValues(
  current: Observation,
  earlier: readonly Observation[],
  template: CodeValueFhirTemplate,
  identity: ResolvedIdentity,
): MergeResult {
  const currentStart = periodStartOf(current);
  const componentOf = componentFinder();
  const lost = new Map<string, TimedValue[]>();
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;

  for (const { valueName, value } of sampledSlots(template)) {
    const holderOf = (observation: Observation) =>
      value === template.value ? observation : componentOf(observation, valueName);
    const currentHolder = holderOf(current);
    const step = toPeriodTicks(value.defaultPeriod);
    // Slots are compared on the current version's grid, so a value never lands in a slot the current one fills.
    const taken = new Set<number>();
    if (currentHolder !== undefined && currentStart !== undefined) {
      for (const timed of readSampledValues(currentHolder, currentStart, value)) {
        taken.add(Math.floor(toTicksAfter(timed, currentStart) / step));
      }
    }
    const found: TimedValue[] = [];
    for (const version of earlier) {
      const holder = holderOf(version);
      const versionStart = periodStartOf(version);
      if (holder === undefined || versionStart === undefined) {
        continue;
      }
      let contributed = false;
      for (const timed of readSampledValues(holder, versionStart, value)) {
        const slot = Math.floor(toTicksAfter(timed, currentStart ?? versionStart) / step);
        if (!taken.has(slot)) {
          // Newest first: a slot lost twice gets the newer of the two values.
          taken.add(slot);
          found.push(timed);
          contributed = true;
        }
      }
      if (contributed) {
        start = Math.min(start, versionStart);
        end = Math.max(end, periodEndOf(version) ?? versionStart);
      }
    }
    if (found.length > 0) {
      lost.set(
        valueName,
        found.sort((a, b) => a.time - b.time),
      );
    }
  }

  const carried = carriedValues(current, earlier, template, componentOf);
  for (const version of carried.from) {
    const versionStart = periodStartOf(version);
    if (versionStart !== undefined) {
      start = Math.min(start, versionStart);
      end = Math.max(end, periodEndOf(version) ?? versionStart);
    }
  }
  if (lost.size === 0 && carried.from.size === 0) {
    return { changed: false, observation: current };
  }
  const group: ObservationGroup = { typeName: template.typeName, start, end, values: lost };
  // A merge keeps the stored `issued`; with only carried values it widens the period to their versions' (none of
  // which may have one: the current period then stays).
  const merged =
    lost.size > 0 || start <= end
      ? mergeObservation(current, group, template, identity, current.issued ?? '')
      : { changed: false, observation: current };
  if (carried.from.size === 0) {
    return merged;
  }
  const observation = merged.changed ? merged.observation : cloneFhirJson(merged.observation);
  if (carried.value !== undefined) {
    Object.assign(observation, cloneFhirJson(carried.value));
  }
  if (carried.components.length > 0) {
    observation.component = [...(observation.component ?? []), ...cloneFhirJson(carried.components)];
  }
  observation.status = 'amended';
  return { changed: true, observation };
}

/**
 * The longest time, in milliseconds, between two consecutive versions that a chain of racing creates can write: the
 * function timeout (10 minutes, `functionTimeout` in host.json) plus 5 minutes of margin (clock differences between
 * the FHIR server's nodes).
 *
 * A writer that replaces a version searched before that version was written (it found nothing) and sent its `PUT`
 * within the same invocation, so the two versions are less than one invocation apart. A longer gap means the older
 * version was written before the race (by an earlier flush; the newer one then being, say, a user's correction) and
 * is not one a racing create took values from.
 */
export const RACING_CREATE_MAX_GAP_MS = 15 * 60 * 1000;

/**
 * How far the FHIR server's clock (`meta.lastUpdated`) may be behind this app's (`issued`) for
 * {@link racingCreateChain} to still tell a racing create.
 */
export const CLOCK_MARGIN_MS = 5_000;

/**
 * The leading versions of `earlier` that a chain of racing creates may have replaced, and so the ones to restore
 * lost values from ({@link restoreLostValues}). Walking from the newest back, a version is taken while
 * - the version after it (the previous one taken, or `newer` for the first) may be a racing create written over it:
 *   both are `final` (a chain of creates is all `final`; a merge or restore writes `amended`), or the newer has an
 *   `issued` of its own (a create writes its flush's start; a merge, a restore and a user's edit that keeps it do
 *   not) from before the older was written (`meta.lastUpdated`, give or take {@link CLOCK_MARGIN_MS}): a racing
 *   creator's flush began before it searched, and it searched before the version it replaced existed, whereas a user
 *   who re-issues a corrected Observation does so after; and
 * - its `meta.lastUpdated` is at most {@link RACING_CREATE_MAX_GAP_MS} before that of the version after it.
 * When a server gives no `meta.lastUpdated` (or one that is not an instant), the time tests pass: losing a racing
 * writer's values is the worse error.
 *
 * The walk stops at the first version that fails a test. So a value a user corrected by hand in a merged
 * Observation is not restored (however the correction sets `issued` and status, unless it re-issues within seconds
 * of the merge), nor one corrected in a `final` Observation more than {@link RACING_CREATE_MAX_GAP_MS} after the
 * version corrected; and a racing creator's restore (`amended`) that a later creator replaced is taken, with the
 * values it had gathered.
 * @param newer - the version the chain is walked back from (the current version, or the newest one known to have
 *   been replaced by a racing create)
 * @param earlier - older versions, newest first
 * @returns a prefix of `earlier`
 */
export function racingCreateChain(newer: Observation, earlier: readonly Observation[]): Observation[] {
  const chain: Observation[] = [];
  let after = newer;
  for (const version of earlier) {
    if (!isWrittenOverByCreate(version, after) || !isWithinRacingGap(version, after)) {
      break;
    }
    chain.push(version);
    after = version;
  }
  return chain;
}

/** Whether `newer` may be a racing create that replaced `older` (see {@link racingCreateChain}). */
function isWrittenOverByCreate(older: Observation, newer: Observation): boolean {
  if (older.status === 'final' && newer.status === 'final') {
    return true;
  }
  if (newer.issued === undefined || older.issued === undefined || newer.issued === older.issued) {
    return false;
  }
  const issued = toEpochMs(newer.issued);
  const written = lastUpdatedOf(older);
  return issued === undefined || written === undefined || issued <= written + CLOCK_MARGIN_MS;
}

/** Whether `older` was written at most {@link RACING_CREATE_MAX_GAP_MS} before `newer` (true when unknown). */
function isWithinRacingGap(older: Observation, newer: Observation): boolean {
  const olderTime = lastUpdatedOf(older);
  const newerTime = lastUpdatedOf(newer);
  return olderTime === undefined || newerTime === undefined || newerTime - olderTime <= RACING_CREATE_MAX_GAP_MS;
}

function lastUpdatedOf(observation: Observation): number | undefined {
  const text = observation.meta?.lastUpdated;
  return text === undefined ? undefined : toEpochMs(text);
}

/**
 * Whether a version of an Observation of this template can lose values when a concurrent create replaces it: when
 * the template holds SampledData (each writer holds its own slots), or more than one value (a writer may hold only
 * some of them).
 * @param template - the FHIR template
 */
export function canLoseValuesToReplacement(template: CodeValueFhirTemplate): boolean {
  const values = (template.value === undefined ? 0 : 1) + template.components.length;
  return values > 1 || sampledSlots(template).length > 0;
}

/** Values of other types than SampledData that the current version lacks, and the versions they come from. */
interface CarriedValues {
  /** The main value's elements (`valueQuantity`…), when the current version has none. */
  value?: Partial<Observation>;
  /** Components the current version has none of, in template order. */
  components: ObservationComponent[];
  from: Set<Observation>;
}

/**
 * For each value of the template that is not SampledData and that the current version lacks, the newest earlier
 * version's element for it.
 */
function carriedValues(
  current: Observation,
  earlier: readonly Observation[],
  template: CodeValueFhirTemplate,
  componentOf: ComponentFinder,
): CarriedValues {
  const carried: CarriedValues = { components: [], from: new Set() };
  if (template.value !== undefined && template.value.valueType !== 'SampledData' && valueOf(current) === undefined) {
    for (const version of earlier) {
      const value = valueOf(version);
      if (value !== undefined) {
        carried.value = value;
        carried.from.add(version);
        break;
      }
    }
  }
  for (const { value } of template.components) {
    if (value.valueType === 'SampledData' || componentOf(current, value.valueName) !== undefined) {
      continue;
    }
    for (const version of earlier) {
      const component = componentOf(version, value.valueName);
      if (component !== undefined) {
        carried.components.push(component);
        carried.from.add(version);
        break;
      }
    }
  }
  return carried;
}

/** The component of an Observation that carries a valueName. */
type ComponentFinder = (observation: Observation, valueName: string) => ObservationComponent | undefined;

/**
 * A {@link ComponentFinder} that indexes each version's components once: a template may have thousands of
 * components, and each is looked up in every version.
 */
function componentFinder(): ComponentFinder {
  const indexes = new Map<Observation, Map<string, ObservationComponent>>();
  return (observation, valueName) => {
    let index = indexes.get(observation);
    if (index === undefined) {
      index = indexValueComponents(observation);
      indexes.set(observation, index);
    }
    return index.get(valueName);
  };
}

/** The `value[x]` elements an Observation holds, undefined when it holds none. */
function valueOf(observation: Observation): Partial<Observation> | undefined {
  const elements: Record<string, unknown> = {};
  let found = false;
  for (const name of VALUE_ELEMENT_NAMES) {
    if (observation[name] !== undefined) {
      elements[name] = observation[name];
      found = true;
    }
  }
  return found ? elements : undefined;
}

/** The template's SampledData values (the main value and components), by valueName. */
function sampledSlots(template: CodeValueFhirTemplate): { valueName: string; value: SampledDataTemplate }[] {
  const slots: { valueName: string; value: SampledDataTemplate }[] = [];
  const candidates = [template.value, ...template.components.map((c) => c.value)];
  for (const value of candidates) {
    if (value !== undefined && value.valueType === 'SampledData' && value.valueName !== '') {
      slots.push({ valueName: value.valueName, value });
    }
  }
  return slots;
}

function periodStartOf(observation: Observation): number | undefined {
  const start = observation.effectivePeriod?.start;
  return start === undefined ? undefined : toEpochMs(start);
}

function periodEndOf(observation: Observation): number | undefined {
  const end = observation.effectivePeriod?.end;
  return end === undefined ? undefined : toEpochMs(end);
}
