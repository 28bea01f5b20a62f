/**
 * The error the FHIR adapter throws: a `FhirServiceError` of the Persist stage that also says which interaction
 * failed, with which HTTP status, after how many attempts. It never holds response bodies, ids or query values.
 */
import { MedTechError } from '../../core/errors.js';

/** FHIR interactions the adapter performs. */
export type FhirInteraction = 'search' | 'read' | 'history' | 'update' | 'token' | 'capabilities';

/** Details of a failed FHIR request. */
export interface FhirRequestErrorDetails {
  interaction: FhirInteraction;
  /** FHIR resource type of the request (never an id or a query value). */
  resourceType: string;
  /** HTTP status of the last attempt; undefined for network errors and timeouts. */
  status?: number;
  /** The version id the answer's ETag named (a 410 Gone names the deleted version), if it named one. */
  versionId?: string | undefined;
  /** Attempts made. */
  attempts: number;
  /** True when trying again later may succeed (throttling, 5xx, network, timeout, unauthorized). */
  retriable: boolean;
}

/** A FHIR request that failed; `retriable` decides whether the data stays staged (true) or is dead-lettered. */
export class FhirRequestError extends MedTechError {
  /** The interaction that failed. */
  readonly interaction: FhirInteraction;
  /** Resource type of the request. */
  readonly resourceType: string;
  /** HTTP status of the last attempt, when there was a response. */
  readonly status: number | undefined;
  /** The version id the answer's ETag named (a 410 Gone names the deleted version), if it named one. */
  readonly versionId: string | undefined;
  /** Attempts made. */
  readonly attempts: number;

  /**
   * @param message - what failed, without bodies, ids or query values
   * @param details - interaction, resource type, status, attempts, retriable
   */
  constructor(message: string, details: FhirRequestErrorDetails) {
    super('FhirServiceError', 'Persist', message, { retriable: details.retriable });
    this.interaction = details.interaction;
    this.resourceType = details.resourceType;
    this.status = details.status;
    this.versionId = details.versionId;
    this.attempts = details.attempts;
  }
}

/**
 * Type guard for {@link FhirRequestError}.
 * @param value - anything caught
 */
export function isFhirRequestError(value: unknown): value is FhirRequestError {
  return value instanceof FhirRequestError;
}
