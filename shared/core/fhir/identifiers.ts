import { createHash } from 'node:crypto';
import type { ObservationGroup, ObservationIdentifier, ResolvedIdentity } from './contract.js';
import { toIdentifierTimestamp } from './instants.js';
import { isDotNetBlank, trimDotNet } from '../dotNetWhiteSpace.js';

/** The identifier system MedTech puts on every Observation it writes (also the system of its service codings). */
export const OBSERVATION_IDENTIFIER_SYSTEM = 'https://azure.microsoft.com/en-us/services/iomt-fhir-connector/';

/**
 * Builds the identifier of the Observation a group goes into (reference-behaviour §3.2):
 * `{patientLogicalId}.{deviceLogicalId}.{typeName}.{start}.{end}`, or `….{typeName}.{correlationId}` for a
 * correlation-id group. `typeName` is the measurement's spelling of the type, as in MedTech. White space at its end
 * (a correlation id's) is left out, as Azure's FHIR service stores the identifier MedTech sent.
 * @param identity - the FHIR logical ids resolved for the group
 * @param group - the observation group (its boundaries or correlation id)
 */
export function toObservationIdentifier(identity: ResolvedIdentity, group: ObservationGroup): ObservationIdentifier {
  const segment =
    group.correlationId !== undefined
      ? group.correlationId
      : `${toIdentifierTimestamp(group.start)}.${toIdentifierTimestamp(group.end)}`;
  return {
    system: OBSERVATION_IDENTIFIER_SYSTEM,
    // Trimmed, as Azure's FHIR service stores it (a correlation id may end in white space): `c-1 ` and `c-1` are one.
    value: trimDotNet(`${identity.patientId}.${identity.deviceId}.${group.typeName}.${segment}`),
  };
}

/**
 * The logical id of an Observation: lowercase hex SHA-256 of the UTF-8 text `{system}_{value}`, so retries and
 * concurrent writers converge on the same resource.
 * @param identifier - the Observation identifier
 */
export function toObservationId(identifier: ObservationIdentifier): string {
  return sha256Hex(`${identifier.system}_${identifier.value}`);
}

/**
 * The logical id MedTech's Create resolution gives a Patient it creates: SHA-256 hex of `_{patientId}`
 * (the patient identifier has no system).
 * @param patientIdentifier - the patient id from the measurement
 */
export function toCreatedPatientId(patientIdentifier: string): string {
  return sha256Hex(`_${patientIdentifier}`);
}

/**
 * The logical id MedTech's Create resolution gives a Device it creates: SHA-256 hex of `{system}_{deviceId}`,
 * with an absent or blank system written as the empty string.
 * @param deviceIdentifier - the device id from the measurement
 * @param system - the default device identifier system, when configured
 */
export function toCreatedDeviceId(deviceIdentifier: string, system?: string): string {
  // Blank as .NET's IsNullOrWhiteSpace says (a byte-order mark is not white space to it; JavaScript's trim drops it).
  const effectiveSystem = system === undefined || isDotNetBlank(system) ? '' : system;
  return sha256Hex(`${effectiveSystem}_${deviceIdentifier}`);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
