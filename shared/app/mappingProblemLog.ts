import { mappingBlobNames, type MappingProblemReport } from '../adapters/blob/blobMappingStore.js';
import type { MappingProblem } from '../core/mapping/problems.js';
import type { AppLogger } from './createAppServices.js';

/**
 * Most problems one log entry lists. A generated mapping can repeat one mistake in thousands of templates (a 4 MiB
 * file can hold 75,000 problems): the entry lists the first ones, errors before warnings, and counts the rest; the
 * `medtech validate` command lists them all.
 */
export const MAX_LOGGED_PROBLEMS = 50;

/**
 * Logs a mapping problem report for the operator: an error when a version was rejected, the blob is missing or
 * storage failed, a warning when a version loaded with warnings. Problems name places in the mapping file, never data.
 * @param logger - where the app writes its diagnostics
 * @param report - what the mapping store found
 * @param maxListed - most problems listed (default {@link MAX_LOGGED_PROBLEMS})
 */
export function logMappingProblem(
  logger: AppLogger,
  report: MappingProblemReport,
  maxListed: number = MAX_LOGGED_PROBLEMS,
): void {
  const serving =
    report.servingEtag === undefined ? 'no valid version is loaded' : `still serving ${report.servingEtag}`;
  switch (report.kind) {
    case 'invalid':
      logger.error(
        `Mapping ${report.file} (${report.etag ?? '?'}) is invalid and was not loaded; ${serving}.\n` +
          listProblems(report, maxListed),
      );
      return;
    case 'warnings':
      logger.warn(
        `Mapping ${report.file} (${report.etag ?? '?'}) loaded with warnings.\n${listProblems(report, maxListed)}`,
      );
      return;
    case 'missing':
      logger.error(`Mapping ${report.file} is missing from Blob Storage; ${serving}.`);
      return;
    case 'noContainer':
      logger.error(
        `Mapping ${report.file} cannot be read: the Blob Storage container '${report.container ?? '?'}' does not ` +
          `exist (MAPPINGS__CONTAINER names it); ${serving}.`,
      );
      return;
    case 'unreachable':
      logger.error(
        `Blob Storage could not be read for ${report.file} (status ${report.statusCode ?? 'none'}); ${serving}.`,
      );
      return;
  }
}

/** One line per problem, errors first (they say why a version was rejected), at most `maxListed`, then a count. */
function listProblems(report: MappingProblemReport, maxListed: number): string {
  const errors = report.problems.filter((p) => p.severity === 'error');
  const warnings = report.problems.filter((p) => p.severity !== 'error');
  const listed = [...errors, ...warnings].slice(0, Math.max(0, maxListed));
  const lines = listed.map(describeProblem);
  const left = report.problems.length - listed.length;
  if (left > 0) {
    const leftErrors = Math.max(0, errors.length - listed.length);
    const flag = report.file === mappingBlobNames.fhir ? '--fhir-mapping' : '--device-mapping';
    lines.push(
      `  … and ${left} more (${leftErrors} errors, ${left - leftErrors} warnings) not listed here; ` +
        `'npx medtech validate ${flag} ${report.file}' lists every problem.`,
    );
  }
  return lines.join('\n');
}

function describeProblem(p: MappingProblem): string {
  const where = [
    p.location.line === undefined ? undefined : `line ${p.location.line}:${p.location.column ?? 1}`,
    p.location.pointer,
  ]
    .filter((x) => x !== undefined && x !== '')
    .join(' ');
  return `  ${p.severity} ${p.name}: ${p.message}${where === '' ? '' : ` (${where})`}`;
}
