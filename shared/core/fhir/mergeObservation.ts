import type { Observation, ObservationComponent, Period, SampledData } from '@medplum/fhirtypes';
import type {
  CodeValueFhirTemplate,
  FhirValueTemplate,
  MergeResult,
  ObservationGroup,
  ResolvedIdentity,
  TimedValue,
} from './contract.js';
import {
  assertValueSize,
  componentValues,
  isPeriodEnd,
  mainValues,
  toCategory,
  toPeriodEndText,
  toServiceCode,
} from './buildObservation.js';
import { OBSERVATION_IDENTIFIER_SYSTEM } from './identifiers.js';
import { cloneFhirJson } from './fhirJson.js';
import { toEpochMs, toFhirInstant } from './instants.js';
import { EMPTY_SLOT, fromSampledDataStream, mergeTimedValues } from './sampledData.js';
import { toFhirValue, toSampledData, VALUE_ELEMENT_NAMES } from './toFhirValue.js';

/**
 * Merges an observation group into the Observation already stored under the same identifier
 * (reference-behaviour §3.4):
 * 1. `category` is replaced from the template;
 * 2. SampledData values: the existing `data` is read from the existing `effectivePeriod.start` with the template
 *    period (`E` dropped), merged by time with the new values (a new value wins a collision) and rebuilt over the
 *    union of the old and new boundaries; other value types are replaced; components are matched by their
 *    service coding (`code` = valueName) and added when missing;
 * 3. `effectivePeriod` becomes the union (existing boundary texts are kept when not extended).
 *
 * When the result equals the existing resource (deep comparison) nothing changed: `changed` is false and the
 * existing Observation is returned (ObservationNoOperation). Otherwise `status` is `amended`. Subject, device,
 * encounter, identifier, id, meta and `issued` are left as stored: MedTech's merge never touches `issued` (it is set
 * when the Observation is created).
 * @param existing - the stored Observation
 * @param group - the new observation group
 * @param template - the FHIR template for the group's type
 * @param _identity - resolved ids (the stored references are kept, as MedTech does)
 * @param _issued - unused: a merge keeps the stored `issued` (the parameter stays for the contract's signature)
 * @throws MedTechError InvalidQuantityFhirValue when a Quantity value is not a decimal number; IncompatibleData when
 *   the merged values would be larger than one Observation may hold (see `assertValueSize`)
 */
export function mergeObservation(
  existing: Observation,
  group: ObservationGroup,
  template: CodeValueFhirTemplate,
  _identity: ResolvedIdentity,
  _issued: string,
): MergeResult {
  const merged = cloneFhirJson(existing);

  const category = toCategory(template);
  if (category === undefined) {
    delete merged.category;
  } else {
    merged.category = category;
  }

  const stored = toStoredPeriod(existing, group);
  const unionStart = Math.min(stored.start, group.start);
  const unionEnd = Math.max(stored.end, group.end);
  assertValueSize(template, group, unionStart, unionEnd, storedValueChars(existing));
  const context: MergeContext = {
    group,
    stored,
    unionStart,
    unionEnd,
    periodEnd: isPeriodEnd(unionStart, unionEnd, template),
  };

  const value = template.value;
  const values = mainValues(template, group);
  if (value !== undefined && values !== undefined && values.length > 0) {
    setValue(merged, value, values, context);
  }

  // Indexed once, and added to in place: a template may have thousands of components (a search and a copy of the
  // list for each was quadratic: 30 s for 40,000).
  const byValueName = indexValueComponents(merged);
  for (const component of template.components) {
    const valueName = component.value.valueName;
    const values = componentValues(component.value, group);
    if (values === undefined || values.length === 0) {
      continue;
    }
    const found = byValueName.get(valueName);
    if (found === undefined) {
      const added: ObservationComponent = { code: toServiceCode(valueName, component.codes) };
      setValue(added, component.value, values, context);
      merged.component ??= [];
      merged.component.push(added);
      byValueName.set(valueName, added);
    } else {
      setValue(found, component.value, values, context);
    }
  }

  merged.effectivePeriod = toUnionPeriod(stored, group, template);
  delete merged.effectiveDateTime;
  delete merged.effectiveInstant;
  delete merged.effectiveTiming;

  if (isDeepEqual(merged, existing)) {
    return { changed: false, observation: existing };
  }
  merged.status = 'amended';
  return { changed: true, observation: merged };
}

/**
 * Structural equality of two JSON values (object key order ignored; `undefined` members count as absent).
 * @param a - first value
 * @param b - second value
 */
export function isDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => isDeepEqual(item, b[i]))
    );
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const leftKeys = Object.keys(left).filter((k) => left[k] !== undefined);
  const rightKeys = Object.keys(right).filter((k) => right[k] !== undefined);
  return leftKeys.length === rightKeys.length && leftKeys.every((k) => isDeepEqual(left[k], right[k]));
}

interface StoredPeriod {
  start: number;
  end: number;
  /** The stored texts, kept verbatim when the union does not move a boundary. */
  startText?: string;
  endText?: string;
}

interface MergeContext {
  group: ObservationGroup;
  stored: StoredPeriod;
  /** The union ends an hour or day: its end stands for the period's last tick. */
  periodEnd: boolean;
  unionStart: number;
  unionEnd: number;
}

type ValueHolder = Observation | ObservationComponent;

function setValue(
  holder: ValueHolder,
  template: FhirValueTemplate,
  values: readonly TimedValue[],
  context: MergeContext,
): void {
  const { group, stored, unionStart, unionEnd } = context;
  if (template.valueType === 'SampledData') {
    const previous: SampledData | undefined = holder.valueSampledData;
    const existingValues = readSampledValues(holder, stored.start, template);
    const merged = mergeTimedValues(existingValues, values, unionStart);
    const sampled = toSampledData(template, merged, unionStart, unionEnd, context.periodEnd);
    clearValue(holder);
    // Keep any extra elements of the stored SampledData (factor, limits, extensions); rebuild the rest.
    holder.valueSampledData = previous === undefined ? sampled : { ...previous, ...sampled };
    return;
  }
  const element = toFhirValue(template, values, group.start, group.end, group.typeName);
  clearValue(holder);
  Object.assign(holder, element);
}

/**
 * Each component of an Observation by the valueName of its service coding (`code` = valueName in the service's
 * system, as MedTech codes it); of two components carrying one valueName, the first.
 * @param observation - a stored or merged Observation
 */
export function indexValueComponents(observation: Observation): Map<string, ObservationComponent> {
  const index = new Map<string, ObservationComponent>();
  for (const component of observation.component ?? []) {
    for (const coding of component.code.coding ?? []) {
      if (coding.system === OBSERVATION_IDENTIFIER_SYSTEM && coding.code !== undefined && !index.has(coding.code)) {
        index.set(coding.code, component);
      }
    }
  }
  return index;
}

/**
 * The timed values of a stored one-dimensional SampledData, its first slot at `start`, one slot per the template's
 * period; none when the holder has no such SampledData.
 * @param holder - an Observation or a component
 * @param start - the time of the first slot (the stored `effectivePeriod.start`), epoch ms
 * @param template - the SampledData value template
 */
export function readSampledValues(
  holder: Observation | ObservationComponent,
  start: number,
  template: Extract<FhirValueTemplate, { valueType: 'SampledData' }>,
): TimedValue[] {
  const data = holder.valueSampledData?.data;
  return data !== undefined && (holder.valueSampledData?.dimensions ?? 1) <= 1
    ? fromSampledDataStream(data, start, template.defaultPeriod)
    : [];
}

/**
 * Characters of the values an Observation holds that a merge carries over: its SampledData values (empty slots are
 * counted with the merged slots) and strings.
 */
function storedValueChars(observation: Observation): number {
  let chars = 0;
  for (const holder of [observation, ...(observation.component ?? [])]) {
    chars += sampledValueChars(holder.valueSampledData?.data ?? '') + (holder.valueString?.length ?? 0);
  }
  return chars;
}

/** Characters of a SampledData stream without its empty slots (`E` and its separator). */
function sampledValueChars(data: string): number {
  let empty = 0;
  for (let i = data.indexOf(EMPTY_SLOT); i >= 0; i = data.indexOf(EMPTY_SLOT, i + 1)) {
    if ((i === 0 || data[i - 1] === ' ') && (i + 1 === data.length || data[i + 1] === ' ')) {
      empty += 1;
    }
  }
  return Math.max(0, data.length - 2 * empty);
}

function clearValue(holder: ValueHolder): void {
  const record = holder as unknown as Record<string, unknown>;
  for (const name of VALUE_ELEMENT_NAMES) {
    delete record[name];
  }
}

function toStoredPeriod(existing: Observation, group: ObservationGroup): StoredPeriod {
  const period = existing.effectivePeriod;
  if (period !== undefined) {
    const start = period.start === undefined ? undefined : toEpochMs(period.start);
    const end = period.end === undefined ? undefined : toEpochMs(period.end);
    if (start !== undefined || end !== undefined) {
      const result: StoredPeriod = { start: start ?? end ?? group.start, end: end ?? start ?? group.end };
      if (start !== undefined) {
        result.startText = period.start;
      }
      if (end !== undefined) {
        result.endText = period.end;
      }
      return result;
    }
  }
  const instant = existing.effectiveDateTime ?? existing.effectiveInstant;
  const at = instant === undefined ? undefined : toEpochMs(instant);
  if (at !== undefined) {
    return { start: at, end: at, startText: instant, endText: instant };
  }
  // No readable effective time: the group's own boundaries.
  return { start: group.start, end: group.end };
}

function toUnionPeriod(stored: StoredPeriod, group: ObservationGroup, template: CodeValueFhirTemplate): Period {
  const start = group.start < stored.start || stored.startText === undefined ? undefined : stored.startText;
  const end = group.end > stored.end || stored.endText === undefined ? undefined : stored.endText;
  const unionStart = Math.min(stored.start, group.start);
  const unionEnd = Math.max(stored.end, group.end);
  return {
    start: start ?? toFhirInstant(unionStart),
    end: end ?? toPeriodEndText(unionStart, unionEnd, template),
  };
}
