/**
 * One error hierarchy for the whole pipeline, named after MedTech's published error list
 * (docs/reference-behaviour.md §6). Messages never contain raw payloads or patient identifiers:
 * they name fields, expressions and locations only.
 */

/** Pipeline stage names, as MedTech uses them in errors and metrics. */
export type Stage = 'Normalization' | 'Grouping' | 'FHIRConversion' | 'Persist';

/** Whether an error stops the pipeline (blocking) or only sets the offending item aside (non-blocking). */
export type Severity = 'blocking' | 'non-blocking';

/** Error names from MedTech's error list, plus `FhirServiceError` for persist-stage service failures. */
export type ErrorName =
  | 'InvalidDataFormat'
  | 'IncompatibleData'
  | 'TemplateExpression'
  | 'InvalidTemplate'
  | 'NormalizationDataMapping'
  | 'TemplateNotFound'
  | 'CorrelationIdNotDefined'
  | 'InvalidQuantityFhirValue'
  | 'DeviceNotFound'
  | 'PatientNotFound'
  | 'EncounterNotFound'
  | 'MultipleResourceFound'
  | 'PatientDeviceMismatch'
  | 'ResourceIdentityNotDefined'
  | 'FhirServiceError';

/** Where in a mapping file (or a message) a problem is. Every field is optional; fill what is known. */
export interface ErrorLocation {
  /** Index of the content template inside the collection (0-based). */
  templateIndex?: number;
  /** RFC 6901 JSON pointer into the mapping document (or message). */
  pointer?: string;
  /** 1-based line in the mapping file (for InvalidDataFormat: in the message body). */
  line?: number;
  /** 1-based column in the mapping file (for InvalidDataFormat: in the message body). */
  column?: number;
  /** The template field the problem concerns, e.g. `deviceIdExpression`. */
  field?: string;
  /** The expression text (from the mapping, never from data). */
  expression?: string;
}

/** Plain-JSON form of an error, as printed by the CLI and stored in the dead-letter container. */
export interface ErrorRecord {
  name: ErrorName;
  stage: Stage;
  severity: Severity;
  message: string;
  location?: ErrorLocation;
}

const severityOf: Record<ErrorName, Severity> = {
  InvalidDataFormat: 'non-blocking',
  IncompatibleData: 'non-blocking',
  TemplateExpression: 'blocking',
  InvalidTemplate: 'blocking',
  NormalizationDataMapping: 'blocking',
  TemplateNotFound: 'non-blocking',
  CorrelationIdNotDefined: 'non-blocking',
  InvalidQuantityFhirValue: 'non-blocking',
  DeviceNotFound: 'non-blocking',
  PatientNotFound: 'non-blocking',
  EncounterNotFound: 'non-blocking',
  MultipleResourceFound: 'non-blocking',
  PatientDeviceMismatch: 'non-blocking',
  ResourceIdentityNotDefined: 'non-blocking',
  FhirServiceError: 'blocking',
};

/**
 * Whether a text is one of the error names (e.g. a filter an operator typed).
 * @param text - the text
 */
export function isErrorName(text: string): text is ErrorName {
  return Object.prototype.hasOwnProperty.call(severityOf, text);
}

/**
 * Base class of every pipeline error. `retriable` is true only for service errors (the data is fine,
 * the service was not): callers keep the data staged and try again later.
 */
export class MedTechError extends Error {
  /** MedTech error name. */
  override readonly name: ErrorName;
  /** Stage that raised it. */
  readonly stage: Stage;
  /** MedTech severity (a FhirServiceError that is not retriable is non-blocking: it is dead-lettered). */
  readonly severity: Severity;
  /** True when trying again later may succeed (service errors), false for data and mapping errors. */
  readonly retriable: boolean;
  /** Where the problem is, when known. */
  readonly location: ErrorLocation | undefined;

  /**
   * @param name - MedTech error name
   * @param stage - the pipeline stage
   * @param message - text without raw payloads or patient identifiers
   * @param options - location, retriable flag and cause
   */
  constructor(
    name: ErrorName,
    stage: Stage,
    message: string,
    options: { location?: ErrorLocation; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.stage = stage;
    this.retriable = options.retriable ?? false;
    // A FHIR service error blocks only while it is retried; one that is not (a 4xx about this resource) is set aside
    // with its data like any other data error.
    this.severity = name === 'FhirServiceError' && !this.retriable ? 'non-blocking' : severityOf[name];
    this.location = options.location;
  }

  /** Plain-JSON form (no stack, no cause). */
  toRecord(): ErrorRecord {
    const record: ErrorRecord = { name: this.name, stage: this.stage, severity: this.severity, message: this.message };
    if (this.location !== undefined) {
      record.location = this.location;
    }
    return record;
  }
}

/**
 * Type guard for {@link MedTechError}.
 * @param value - anything caught
 */
export function isMedTechError(value: unknown): value is MedTechError {
  return value instanceof MedTechError;
}

/** Thrown when an expression cannot be parsed or compiled; `position` is the 0-based offset in the expression text. */
export class ExpressionSyntaxError extends MedTechError {
  /** 0-based offset in the expression where parsing failed, when known. */
  readonly position: number | undefined;

  /**
   * @param message - what is wrong (may quote the expression, never data)
   * @param position - 0-based offset in the expression
   */
  constructor(message: string, position?: number) {
    super('TemplateExpression', 'Normalization', message);
    this.position = position;
  }
}

/**
 * Thrown while evaluating an expression against data (e.g. a JMESPath custom function called with the wrong
 * argument type). The message names the function/argument, never the data value.
 */
export class ExpressionEvaluationError extends MedTechError {
  /**
   * For a JSONPath expression that failed on one token of its data (a filter's comparison), the tokens it had
   * selected before that one, in its order: Newtonsoft.Json selects lazily, so MedTech had used them when it failed.
   * Absent when nothing was selected before the failure, or when the work bound stopped the evaluation.
   */
  matchesBefore?: unknown[];

  /** @param message - what went wrong, without data values */
  constructor(message: string) {
    super('IncompatibleData', 'Normalization', message);
  }
}
