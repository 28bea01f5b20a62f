import { isDotNetBlank } from '../dotNetWhiteSpace.js';
import { MedTechError } from '../errors.js';
import type { Measurement } from '../measurement.js';
import type { CodeValueFhirTemplate, MeasurementGroup, ObservationGroup, TimedValue } from './contract.js';
import { MS_PER_DAY, MS_PER_HOUR, toEpochMs } from './instants.js';
import { locateFhirTemplate } from './templateLocations.js';

/**
 * Splits a measurement group into the groups that each become one Observation (reference-behaviour §3.1).
 *
 * `periodInterval` folds values only for a template with a SampledData value or component: `60` per UTC hour
 * (`hh:00:00.000`–`hh:59:59.999`), `1440` per UTC day, `-1` one group per correlation id spanning the min..max
 * occurrence time. Every other template, and `periodInterval 0`, gives one group per distinct timestamp
 * (start = end). **Decision** (Microsoft's docs; iomt-fhir issue #82): a Quantity/String/CodeableConcept
 * template is never folded, whatever its `periodInterval`, so it never needs a correlation id either.
 * Groups are sorted by start time; values by time, one per valueName and time: a measurement that repeats a valueName
 * (a device mapping listing it twice, e.g. as a fallback) keeps its first value, as MedTech's time-keyed set does.
 * @param group - a measurement group from {@link groupMeasurements}
 * @param template - the FHIR template for the group's type
 * @throws MedTechError CorrelationIdNotDefined when a folding `-1` template meets a group without correlation id
 */
export function planObservationGroups(group: MeasurementGroup, template: CodeValueFhirTemplate): ObservationGroup[] {
  const typeName = group.key.type;
  const timed = group.measurements.map((m) => ({ time: toMs(m), measurement: m }));
  const interval = foldsValues(template) ? template.periodInterval : 0;

  switch (interval) {
    case -1: {
      const correlationId = group.key.correlationId;
      // Blank as MedTech's IsNullOrWhiteSpace has it: a byte-order mark alone is not blank there (JavaScript's trim
      // removes it).
      if (correlationId === undefined || isDotNetBlank(correlationId)) {
        throw new MedTechError(
          'CorrelationIdNotDefined',
          'FHIRConversion',
          `FHIR template '${template.typeName}' has periodInterval -1 but the measurements carry no correlation id`,
          { location: { ...locateFhirTemplate(template, 'periodInterval'), field: 'periodInterval' } },
        );
      }
      if (timed.length === 0) {
        return [];
      }
      // A loop, not Math.min(...times): a group may hold more measurements than the call stack has room for.
      let start = Infinity;
      let end = -Infinity;
      for (const { time } of timed) {
        start = Math.min(start, time);
        end = Math.max(end, time);
      }
      const result = newGroup(typeName, start, end);
      result.correlationId = correlationId;
      addAll(result, timed);
      return [result];
    }
    case 0:
      return bucket(typeName, timed, (time) => [time, time]);
    case 60:
      return bucket(typeName, timed, (time) => periodOf(time, MS_PER_HOUR));
    case 1440:
      return bucket(typeName, timed, (time) => periodOf(time, MS_PER_DAY));
  }
}

/**
 * True when the template folds several timestamps into one Observation: it has a SampledData value or component.
 * @param template - a FHIR template
 */
export function foldsValues(template: CodeValueFhirTemplate): boolean {
  return (
    template.value?.valueType === 'SampledData' ||
    template.components.some((component) => component.value.valueType === 'SampledData')
  );
}

interface TimedMeasurement {
  time: number;
  measurement: Measurement;
}

function periodOf(time: number, length: number): [number, number] {
  const start = Math.floor(time / length) * length;
  return [start, start + length - 1];
}

function bucket(
  typeName: string,
  timed: readonly TimedMeasurement[],
  boundaryOf: (time: number) => [number, number],
): ObservationGroup[] {
  const groups = new Map<number, { group: ObservationGroup; members: TimedMeasurement[] }>();
  for (const t of timed) {
    const [start, end] = boundaryOf(t.time);
    let entry = groups.get(start);
    if (entry === undefined) {
      entry = { group: newGroup(typeName, start, end), members: [] };
      groups.set(start, entry);
    }
    entry.members.push(t);
  }
  return [...groups.values()]
    .sort((a, b) => a.group.start - b.group.start)
    .map(({ group, members }) => {
      addAll(group, members);
      return group;
    });
}

function newGroup(typeName: string, start: number, end: number): ObservationGroup {
  return { typeName, start, end, values: new Map() };
}

function addAll(group: ObservationGroup, members: readonly TimedMeasurement[]): void {
  const sorted = [...members].sort((a, b) => a.time - b.time);
  for (const { time, measurement } of sorted) {
    for (const property of measurement.properties) {
      let list: TimedValue[] | undefined = group.values.get(property.name);
      if (list === undefined) {
        list = [];
        group.values.set(property.name, list);
      }
      // One measurement per time (groupMeasurements deduplicated them): a valueName seen at this time already was
      // repeated by this measurement, and its first value stays.
      if (list[list.length - 1]?.time !== time) {
        list.push({ time, value: property.value });
      }
    }
  }
}

function toMs(measurement: Measurement): number {
  const ms = toEpochMs(measurement.occurrenceTimeUtc);
  if (ms === undefined) {
    throw new MedTechError(
      'IncompatibleData',
      'FHIRConversion',
      'Measurement occurrenceTimeUtc is not an ISO-8601 timestamp',
      {
        location: { field: 'occurrenceTimeUtc' },
      },
    );
  }
  return ms;
}

/**
 * For every observation group planned from a group, the measurements inside its boundaries (what a failure of
 * that Observation concerns), in time linear in the measurements: each time is read once and placed by binary search
 * among the boundaries, which {@link planObservationGroups} leaves sorted and disjoint. (Filtering the group once per
 * failed Observation read n² times for n timestamps: 54 s for 10,000.)
 * @param group - the measurement group
 * @param observationGroups - the observation groups planned from it, sorted by start, not overlapping
 * @returns one list per observation group, in the same order
 */
export function measurementsByObservationGroup(
  group: MeasurementGroup,
  observationGroups: readonly ObservationGroup[],
): Measurement[][] {
  const lists = observationGroups.map((): Measurement[] => []);
  for (const measurement of group.measurements) {
    const time = toEpochMs(measurement.occurrenceTimeUtc);
    if (time === undefined) {
      continue;
    }
    // The last observation group starting at or before `time`.
    let low = 0;
    let high = observationGroups.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((observationGroups[middle] as ObservationGroup).start <= time) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    const candidate = observationGroups[found];
    if (candidate !== undefined && time <= candidate.end) {
      (lists[found] as Measurement[]).push(measurement);
    }
  }
  return lists;
}
