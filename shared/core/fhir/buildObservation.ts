import type { CodeableConcept, Observation, ObservationComponent, Period } from '@medplum/fhirtypes';
import { isDotNetBlank } from '../dotNetWhiteSpace.js';
import { MedTechError } from '../errors.js';
import type {
  CodeValueFhirTemplate,
  FhirValueTemplate,
  MappingCoding,
  ObservationGroup,
  ResolvedIdentity,
  TimedValue,
} from './contract.js';
import { OBSERVATION_IDENTIFIER_SYSTEM, toObservationId, toObservationIdentifier } from './identifiers.js';
import { MS_PER_DAY, MS_PER_HOUR, toFhirInstant, toFhirPeriodEnd } from './instants.js';
import { foldsValues } from './planObservationGroups.js';
import { MAX_OBSERVATION_VALUE_CHARS, MAX_SAMPLED_DATA_SLOTS, toSlotCount } from './sampledData.js';
import { locateFhirTemplate } from './templateLocations.js';
import { toCoding, toFhirString, toFhirValue } from './toFhirValue.js';

/**
 * Builds a new Observation for an observation group (reference-behaviour §3.3), with its MedTech identifier and
 * the id derived from it. `effectivePeriod` uses MedTech's form: 7 fraction digits, and the last 100 ns tick
 * (`hh:59:59.9999999Z`) as the end of an hour or day period.
 * @param group - the observation group
 * @param template - the FHIR template for the group's type
 * @param identity - resolved Patient/Device (and Encounter) logical ids
 * @param issued - the `issued` instant to write (ISO-8601)
 * @throws MedTechError InvalidQuantityFhirValue when a Quantity value is not a decimal number; IncompatibleData when
 *   the values would be larger than {@link MAX_OBSERVATION_VALUE_CHARS}
 */
export function buildObservation(
  group: ObservationGroup,
  template: CodeValueFhirTemplate,
  identity: ResolvedIdentity,
  issued: string,
): Observation {
  assertValueSize(template, group, group.start, group.end, 0);
  const identifier = toObservationIdentifier(identity, group);
  const observation: Observation = {
    resourceType: 'Observation',
    id: toObservationId(identifier),
    identifier: [{ system: identifier.system, value: identifier.value }],
    status: 'final',
    code: toServiceCode(group.typeName, template.codes),
    subject: { reference: `Patient/${identity.patientId}` },
    device: { reference: `Device/${identity.deviceId}` },
    effectivePeriod: toEffectivePeriod(group.start, group.end, template),
    issued,
  };
  const category = toCategory(template);
  if (category !== undefined) {
    observation.category = category;
  }
  if (identity.encounterId !== undefined) {
    observation.encounter = { reference: `Encounter/${identity.encounterId}` };
  }
  const value = template.value;
  const values = mainValues(template, group);
  const periodEnd = isPeriodEnd(group.start, group.end, template);
  if (value !== undefined && values !== undefined && values.length > 0) {
    Object.assign(observation, toFhirValue(value, values, group.start, group.end, group.typeName, periodEnd));
  }
  const components: ObservationComponent[] = [];
  for (const component of template.components) {
    const found = componentValues(component.value, group);
    if (found !== undefined && found.length > 0) {
      components.push({
        code: toServiceCode(component.value.valueName, component.codes),
        ...toFhirValue(component.value, found, group.start, group.end, group.typeName, periodEnd),
      });
    }
  }
  if (components.length > 0) {
    observation.component = components;
  }
  return observation;
}

/**
 * The group's values for the template's main value; none for a blank valueName, which MedTech never sets (it checks
 * `string.IsNullOrWhiteSpace`).
 * @param template - the FHIR template
 * @param group - the observation group
 */
export function mainValues(template: CodeValueFhirTemplate, group: ObservationGroup): TimedValue[] | undefined {
  const value = template.value;
  return value === undefined || isDotNetBlank(value.valueName) ? undefined : group.values.get(value.valueName);
}

/**
 * The group's values for a component's value, looked up by its valueName as MedTech does (by any name but the empty
 * one, which no measurement property has).
 * @param value - a component's value template
 * @param group - the observation group
 */
export function componentValues(value: FhirValueTemplate, group: ObservationGroup): TimedValue[] | undefined {
  return value.valueName === '' ? undefined : group.values.get(value.valueName);
}

/**
 * Checks, before any value is built, that an Observation's values stay within {@link MAX_OBSERVATION_VALUE_CHARS}:
 * for each template value or component the group has values for, at most two characters per SampledData slot
 * (beyond {@link MAX_SAMPLED_DATA_SLOTS} slots the SampledData fails on its own) plus the values it places, or the
 * string of a String value.
 * @param template - the FHIR template
 * @param group - the observation group
 * @param start - first SampledData slot, epoch ms
 * @param end - inclusive end of the SampledData streams, epoch ms
 * @param stored - characters of values the Observation already holds (a merge)
 * @throws MedTechError IncompatibleData (stage FHIRConversion) past the bound
 */
export function assertValueSize(
  template: CodeValueFhirTemplate,
  group: ObservationGroup,
  start: number,
  end: number,
  stored: number,
): void {
  let chars = stored;
  const add = (value: FhirValueTemplate | undefined, values: readonly TimedValue[] | undefined): void => {
    if (value === undefined || values === undefined || values.length === 0) {
      return;
    }
    if (value.valueType === 'SampledData') {
      const slots = toSlotCount(start, end, value.defaultPeriod, isPeriodEnd(start, end, template));
      chars += 2 * Math.min(slots, MAX_SAMPLED_DATA_SLOTS);
      for (const timed of values) {
        chars += timed.value.length;
      }
    } else if (value.valueType === 'String') {
      chars += values[values.length - 1]?.value.length ?? 0;
    }
  };
  add(template.value, mainValues(template, group));
  for (const component of template.components) {
    add(component.value, componentValues(component.value, group));
  }
  if (chars > MAX_OBSERVATION_VALUE_CHARS) {
    throw new MedTechError(
      'IncompatibleData',
      'FHIRConversion',
      `The Observation of type '${group.typeName}' would hold about ${chars} characters of values (SampledData and ` +
        `strings, over its value and ${template.components.length} components), more than the ` +
        `${MAX_OBSERVATION_VALUE_CHARS} one Observation may; check the template's components and defaultPeriod.`,
      { location: { ...locateFhirTemplate(template, 'components'), field: 'components' } },
    );
  }
}

/**
 * A CodeableConcept of the template codes plus MedTech's service coding (`system` = the identifier system,
 * `code` = `display` = the name), with `text` = the name.
 * @param name - the measurement type (Observation.code) or valueName (component code)
 * @param codes - the template codes
 */
export function toServiceCode(name: string, codes: readonly MappingCoding[]): CodeableConcept {
  return {
    coding: [...codes.map(toCoding), { system: OBSERVATION_IDENTIFIER_SYSTEM, code: name, display: name }],
    text: name,
  };
}

/**
 * The Observation category from the template, or `undefined` when the template has none.
 * @param template - the FHIR template
 */
export function toCategory(template: CodeValueFhirTemplate): CodeableConcept[] | undefined {
  if (template.category.length === 0) {
    return undefined;
  }
  return template.category.map((category) => {
    const concept: CodeableConcept = {};
    const text = category.text === undefined ? '' : toFhirString(category.text);
    if (text !== '') {
      concept.text = text;
    }
    if (category.codes.length > 0) {
      concept.coding = category.codes.map(toCoding);
    }
    return concept;
  });
}

/**
 * The `effectivePeriod` of a group in MedTech's format (see {@link buildObservation}).
 * @param start - group start, epoch ms
 * @param end - group end (inclusive), epoch ms
 * @param template - the FHIR template (tells whether `end` is the end of an hour or day period)
 */
export function toEffectivePeriod(start: number, end: number, template: CodeValueFhirTemplate): Period {
  return { start: toFhirInstant(start), end: toPeriodEndText(start, end, template) };
}

/**
 * Formats a group end: the last tick of the period for hour/day groups, the plain instant otherwise.
 * @param start - group start, epoch ms
 * @param end - group end (inclusive), epoch ms
 * @param template - the FHIR template
 */
export function toPeriodEndText(start: number, end: number, template: CodeValueFhirTemplate): string {
  return isPeriodEnd(start, end, template) ? toFhirPeriodEnd(end) : toFhirInstant(end);
}

/**
 * Whether a group (or a merge's union) ends an hour or day period of a folding template: its end, the period's last
 * millisecond, then stands for the period's last tick (`…:59:59.9999999`).
 * @param start - group start, epoch ms
 * @param end - group end (inclusive), epoch ms
 * @param template - the FHIR template
 */
export function isPeriodEnd(start: number, end: number, template: CodeValueFhirTemplate): boolean {
  if (!foldsValues(template)) {
    return false;
  }
  const length =
    template.periodInterval === 60 ? MS_PER_HOUR : template.periodInterval === 1440 ? MS_PER_DAY : undefined;
  return length !== undefined && (end + 1) % length === 0 && end + 1 - start >= length;
}
