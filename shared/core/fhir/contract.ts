/**
 * CONTRACT between the transform core (shared/core/fhir) and the persist/identity adapters.
 * These type names and function signatures are fixed; implementations live in the files named below and are
 * re-exported here. (Placeholder bodies throw until the transform work lands.)
 */
import type { Observation } from '@medplum/fhirtypes';
import type { Measurement } from '../measurement.js';

/** A FHIR Coding as written in mappings. */
export interface MappingCoding {
  /** Absent when the mapping gives none (MedTech writes the coding without it). */
  code?: string;
  system?: string;
  display?: string;
}

/** Value types of a CodeValueFhir template (valueType matched case-insensitively when parsed). */
export type FhirValueTemplate =
  | { valueType: 'SampledData'; valueName: string; defaultPeriod: number; unit?: string }
  | { valueType: 'Quantity'; valueName: string; unit?: string; system?: string; code?: string }
  | { valueType: 'String'; valueName: string }
  | { valueType: 'CodeableConcept'; valueName: string; text?: string; codes: MappingCoding[] };

/** A validated CodeValueFhir template. */
export interface CodeValueFhirTemplate {
  typeName: string;
  /** 0 per timestamp, 60 UTC hour, 1440 UTC day, -1 per correlation id. */
  periodInterval: 0 | 60 | 1440 | -1;
  category: { text?: string; codes: MappingCoding[] }[];
  codes: MappingCoding[];
  value?: FhirValueTemplate;
  components: { codes: MappingCoding[]; value: FhirValueTemplate }[];
}

/** A validated FHIR destination mapping (`CollectionFhir`). */
export interface FhirMapping {
  /** Templates keyed by lower-cased typeName. */
  templates: Map<string, CodeValueFhirTemplate>;
}

/** Group key of reference-behaviour §2. */
export interface MeasurementGroupKey {
  deviceId: string;
  type: string;
  patientId?: string;
  encounterId?: string;
  correlationId?: string;
}

/** Measurements of one group: deduplicated by occurrence time (latest ingested wins), sorted by occurrence time. */
export interface MeasurementGroup {
  key: MeasurementGroupKey;
  measurements: Measurement[];
}

/** One timed value of an observation group. `time` is epoch milliseconds (UTC). */
export interface TimedValue {
  time: number;
  value: string;
  /**
   * For a value read back from a stored SampledData stream: its slot's time exactly, as `ticks` (100 ns) after the
   * stream's `start` (epoch ms); `time` (a double) cannot hold it to the tick, and slots are placed by ticks.
   */
  slot?: { start: number; ticks: number };
}

/**
 * The measurements that go into one Observation: boundaries (epoch ms, inclusive; end of an hour is hh:59:59.999)
 * and the values by valueName, sorted by time.
 */
export interface ObservationGroup {
  typeName: string;
  start: number;
  end: number;
  correlationId?: string;
  values: Map<string, TimedValue[]>;
}

/** FHIR logical ids resolved for a group (reference-behaviour §4). */
export interface ResolvedIdentity {
  patientId: string;
  deviceId: string;
  encounterId?: string;
}

/** The identifier MedTech puts on every Observation it writes. */
export interface ObservationIdentifier {
  system: string;
  value: string;
}

/** Result of merging new values into an existing Observation. */
export interface MergeResult {
  /** False when the merged resource equals the existing one (ObservationNoOperation: no write). */
  changed: boolean;
  observation: Observation;
}

/* Function signatures (implemented in sibling files, re-exported by index.ts):
 *   parseFhirMapping(text: string): ParseResult<FhirMapping>                                   fhirMapping.ts
 *   findFhirTemplate(mapping: FhirMapping, typeName: string): CodeValueFhirTemplate | undefined fhirMapping.ts
 *   requireFhirTemplate(mapping: FhirMapping, typeName: string): CodeValueFhirTemplate            fhirMapping.ts
 *       throws MedTechError TemplateNotFound
 *   groupMeasurements(measurements: readonly Measurement[]): MeasurementGroup[]                groupMeasurements.ts
 *   planObservationGroups(group: MeasurementGroup, template: CodeValueFhirTemplate): ObservationGroup[]
 *       throws MedTechError CorrelationIdNotDefined                                            planObservationGroups.ts
 *   toObservationIdentifier(identity: ResolvedIdentity, group: ObservationGroup): ObservationIdentifier   identifiers.ts
 *   toObservationId(identifier: ObservationIdentifier): string   (sha256 hex of `${system}_${value}`)    identifiers.ts
 *   toCreatedPatientId(patientIdentifier: string): string        (sha256 hex of `_${id}`)               identifiers.ts
 *   toCreatedDeviceId(deviceIdentifier: string, system?: string): string (sha256 of `${system??''}_${id}`) identifiers.ts
 *   buildObservation(group: ObservationGroup, template: CodeValueFhirTemplate, identity: ResolvedIdentity,
 *       issued: string): Observation   throws InvalidQuantityFhirValue; sets id + identifier      buildObservation.ts
 *   mergeObservation(existing: Observation, group: ObservationGroup, template: CodeValueFhirTemplate,
 *       identity: ResolvedIdentity, issued: string): MergeResult                                   mergeObservation.ts
 *   OBSERVATION_IDENTIFIER_SYSTEM = 'https://azure.microsoft.com/en-us/services/iomt-fhir-connector/'  identifiers.ts
 */
