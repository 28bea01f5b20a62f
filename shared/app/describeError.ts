import { isMedTechError } from '../core/errors.js';
import { MappingUnavailableError } from '../adapters/blob/mappingUnavailableError.js';
import { CosmosContainerDefinitionError } from '../adapters/cosmos/cosmosContainers.js';
import { StagingRequestError, StagingUnavailableError } from '../adapters/cosmos/stagingUnavailableError.js';

/**
 * Configuration that cannot be used: its message lists the settings at fault and what is wrong with each (never a
 * secret's value, never data).
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * Whether trying again later may succeed: this project's errors say so themselves (`retriable`).
 * @param error - what was thrown
 */
export function isRetriableError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/**
 * What went wrong, fit for a log line or an answer anyone may read: the message of this project's own errors, whose
 * texts never hold data (MedTech errors, the adapters' store and mapping errors, configuration errors), and only the
 * name of any other error, whose text a library may have filled with what it was given.
 * @param error - what was thrown
 */
export function describeError(error: unknown): string {
  if (isMedTechError(error)) {
    return `${error.name}: ${error.message}`;
  }
  if (
    error instanceof ConfigurationError ||
    error instanceof MappingUnavailableError ||
    error instanceof StagingUnavailableError ||
    error instanceof StagingRequestError ||
    error instanceof CosmosContainerDefinitionError
  ) {
    return error.message;
  }
  return error instanceof Error ? error.name : 'unknown error';
}
