/**
 * A look at the FHIR server's versioning policy for Observations, once a process: under `no-version` the server keeps
 * no history, and values that writers creating the same Observation at once wrote over each other cannot be put back.
 */
import type { HttpFhirStore } from '../adapters/fhir/createFhirStore.js';
import type { AppLogger } from './createAppServices.js';
import { describeError } from './describeError.js';

/** What {@link checkFhirVersioning} logs when the server keeps no history of Observations. */
export const NO_VERSION_WARNING =
  'The FHIR server keeps no history of Observations (versioning policy no-version): the values of writers that ' +
  'create the same Observation at once cannot be put back from its history and are lost. Set the Observation ' +
  'versioning policy to versioned (the default) or versioned-update.';

/**
 * Reads the Observation versioning policy from the server's CapabilityStatement and warns when it is `no-version`;
 * never throws (a statement that cannot be read is said once, and nothing else depends on it).
 * @param store - the FHIR store over HTTP
 * @param logger - where the warning goes
 * @returns the policy the statement gives, if it could be read and gives one
 */
export async function checkFhirVersioning(
  store: Pick<HttpFhirStore, 'versioning'>,
  logger: Pick<AppLogger, 'warn'>,
): Promise<string | undefined> {
  let policy: string | undefined;
  try {
    policy = await store.versioning('Observation');
  } catch (error) {
    logger.warn(
      `The FHIR server's CapabilityStatement could not be read (${describeError(error)}): its Observation versioning policy is not checked.`,
    );
    return undefined;
  }
  if (policy === 'no-version') {
    logger.warn(NO_VERSION_WARNING);
  }
  return policy;
}
