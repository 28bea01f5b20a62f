import type { JsonSyntaxProblem } from './locate.js';
import type { MappingProblem } from './problems.js';

/**
 * Turns the JSON syntax problems of a mapping file into mapping problems: each an `InvalidTemplate` error at its
 * line and column (a file that is not JSON has no template or pointer to name).
 * @param problems - the syntax problems from parsing the file
 * @returns one error per syntax problem, in the same order
 */
export function toSyntaxProblems(problems: readonly JsonSyntaxProblem[]): MappingProblem[] {
  return problems.map((p) => ({
    severity: 'error',
    name: 'InvalidTemplate',
    message: p.message,
    location: { line: p.line, column: p.column },
  }));
}
