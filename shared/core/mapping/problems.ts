import type { ErrorLocation, ErrorName } from '../errors.js';

/** One problem found while validating a mapping file: an error makes the mapping invalid, a warning does not. */
export interface MappingProblem {
  severity: 'error' | 'warning';
  /** MedTech error name (`InvalidTemplate`, `TemplateExpression`, …); warnings use the closest name. */
  name: ErrorName;
  message: string;
  location: ErrorLocation;
}

/** Outcome of parsing a mapping: the compiled mapping and its warnings, or every problem found. */
export type ParseResult<T> =
  { ok: true; value: T; warnings: MappingProblem[] } | { ok: false; problems: MappingProblem[] };

/**
 * The published schemas' `patternErrorMessage` for a blank name or expression (a pattern that wants one character not
 * white space): a hint for editors, which the validators leave to their own checks of blanks.
 */
export const BLANK_PATTERN_MESSAGE = 'must not be blank';
