/**
 * The FHIR side of the core: destination mapping, grouping, Observation building and merging, identifiers
 * (reference-behaviour §2–§4). Types and signatures are fixed by `contract.ts`.
 */
export type {
  CodeValueFhirTemplate,
  FhirMapping,
  FhirValueTemplate,
  MappingCoding,
  MeasurementGroup,
  MeasurementGroupKey,
  MergeResult,
  ObservationGroup,
  ObservationIdentifier,
  ResolvedIdentity,
  TimedValue,
} from './contract.js';
export { buildObservation, toCategory, toEffectivePeriod, toServiceCode } from './buildObservation.js';
export { findFhirTemplate, parseFhirMapping, requireFhirTemplate } from './fhirMapping.js';
export { groupMeasurements } from './groupMeasurements.js';
export {
  OBSERVATION_IDENTIFIER_SYSTEM,
  toCreatedDeviceId,
  toCreatedPatientId,
  toObservationId,
  toObservationIdentifier,
} from './identifiers.js';
export { toEpochMs, toFhirInstant, toFhirPeriodEnd, toIdentifierTimestamp } from './instants.js';
export { isDeepEqual, mergeObservation } from './mergeObservation.js';
export { foldsValues, measurementsByObservationGroup, planObservationGroups } from './planObservationGroups.js';
export {
  canLoseValuesToReplacement,
  racingCreateChain,
  RACING_CREATE_MAX_GAP_MS,
  restoreLostValues,
} from './restoreLostValues.js';
export { fromSampledDataStream, mergeTimedValues, toSampledDataStream, toSlotCount } from './sampledData.js';
export { toDecimal, toFhirValue, type FhirValueElement } from './toFhirValue.js';
