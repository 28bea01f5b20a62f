import type { MappingProblem } from '../../core/mapping/problems.js';

/** Why a mapping file has no version to serve. */
export type MappingUnavailableReason = 'missing' | 'noContainer' | 'invalid' | 'unreachable' | 'notLoaded';

/**
 * Thrown when a mapping file has never had a valid version loaded: the caller fails the batch so nothing is
 * acknowledged, and retries once the operator fixes the file (or storage is reachable again).
 */
export class MappingUnavailableError extends Error {
  override readonly name = 'MappingUnavailableError';
  /** Always true: the data is fine, the mapping is not (yet). */
  readonly retriable = true;
  /** The blob name, e.g. `devicecontent.json`. */
  readonly file: string;
  /** Why there is nothing to serve. */
  readonly reason: MappingUnavailableReason;
  /** The problems of the latest version, when it was invalid. */
  readonly problems: MappingProblem[];

  /**
   * @param file - the blob name
   * @param reason - why there is nothing to serve
   * @param problems - problems of the latest version (for `invalid`)
   * @param cause - the storage error, for `unreachable`
   * @param where - the container's name (named for `noContainer`)
   */
  constructor(
    file: string,
    reason: MappingUnavailableReason,
    problems: MappingProblem[] = [],
    cause?: unknown,
    where: { container?: string } = {},
  ) {
    super(`${file}: no valid mapping loaded (${describe(reason, problems.length, where.container)}); retry later`, {
      ...(cause === undefined ? {} : { cause }),
    });
    this.file = file;
    this.reason = reason;
    this.problems = problems;
  }
}

function describe(reason: MappingUnavailableReason, problemCount: number, container = '?'): string {
  switch (reason) {
    case 'missing':
      return 'the blob does not exist';
    case 'noContainer':
      return `its container '${container}' does not exist`;
    case 'invalid':
      return `the current version is invalid: ${problemCount} problem(s)`;
    case 'unreachable':
      return 'Blob Storage is unreachable';
    case 'notLoaded':
      return 'not loaded yet';
  }
}

/**
 * Type guard for {@link MappingUnavailableError}.
 * @param value - anything caught
 */
export function isMappingUnavailableError(value: unknown): value is MappingUnavailableError {
  return value instanceof MappingUnavailableError;
}
