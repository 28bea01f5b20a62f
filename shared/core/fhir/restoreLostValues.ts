import type { Observation } from '@medplum/fhirtypes';
import type {
  CodeValueFhirTemplate,
  FhirValueTemplate,
  MergeResult,
  ObservationGroup,
  ResolvedIdentity,
  TimedValue,
} from './contract.js';
import { toEpochMs } from './instants.js';
import { findValueComponent, mergeObservation, readSampledValues } from './mergeObservation.js';

type SampledDataTemplate = Extract<FhirValueTemplate, { valueType: 'SampledData' }>;

/**
 * Puts back the SampledData values that earlier versions of an Observation held and the current version lost.
 *
 * FHIR R4 has no create-if-absent at a client-chosen id, so writers that all found no Observation each create it
 * with a plain `PUT`, and every such write after the first replaces what was there. A writer that learns it replaced
 * a version (the server answered 200, not 201) restores from the resource's history: every value an earlier version
 * had in a SampledData slot that the current version leaves empty is merged back (the value of the newest such
 * version wins). Values the current version holds are never changed, so whatever was written last still wins, and
 * the result holds every value any version ever held. Only SampledData is restored: other value types are replaced
 * by each write as MedTech does (a later value is meant to win).
 * @param current - the newest version
 * @param earlier - older versions, newest first (the rest of `GET Observation/{id}/_history`)
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
  const lost = new Map<string, TimedValue[]>();
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;

  for (const { valueName, value } of sampledSlots(template)) {
    const holderOf = (observation: Observation) =>
      value === template.value ? observation : findValueComponent(observation, valueName);
    const currentHolder = holderOf(current);
    const period = value.defaultPeriod;
    // Slots are compared on the current version's grid, so a value never lands in a slot the current one fills.
    const taken = new Set<number>();
    if (currentHolder !== undefined && currentStart !== undefined) {
      for (const { time } of readSampledValues(currentHolder, currentStart, value)) {
        taken.add(Math.floor((time - currentStart) / period));
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
        const slot = Math.floor((timed.time - (currentStart ?? versionStart)) / period);
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

  if (lost.size === 0) {
    return { changed: false, observation: current };
  }
  const group: ObservationGroup = { typeName: template.typeName, start, end, values: lost };
  // A merge keeps the stored `issued`.
  return mergeObservation(current, group, template, identity, current.issued ?? '');
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
