import { ExpressionEvaluationError } from '../errors.js';
import type { AstNode } from './jmesPath/jmesPathAst.js';
import { childrenOf } from './jmesPath/jmesPathAst.js';
import { EvaluationBudget } from './jmesPath/evaluationBudget.js';
import { evaluateJmesPath } from './jmesPath/jmesPathInterpreter.js';
import type { JmesPathOutcome } from './jmesPath/jmesPathInterpreter.js';
import { JMESPATH_MAX_PRODUCED_CHARS, JMESPATH_MAX_STEPS } from './jmesPath/jmesPathLimits.js';
import { chargeExpandedSize } from './jmesPath/jsonValues.js';
import { parseJmesPath } from './jmesPath/parseJmesPath.js';
import type { CompiledExpression } from './types.js';

export {
  JMESPATH_MAX_EXPRESSION_LENGTH,
  JMESPATH_MAX_PRODUCED_CHARS,
  JMESPATH_MAX_STEPS,
} from './jmesPath/jmesPathLimits.js';

/** Options of {@link compileJmesPath}. */
export interface JmesPathOptions {
  /** Work one evaluation may do before it fails; default {@link JMESPATH_MAX_STEPS}. */
  maxSteps?: number;
  /** Characters one evaluation may build into new strings; default {@link JMESPATH_MAX_PRODUCED_CHARS}. */
  maxProducedChars?: number;
}

/** Whether an expression builds arrays or objects (`[a, b]`, `{a: b}`) that may share structure when nested. */
function buildsValues(node: AstNode): boolean {
  return node.type === 'MultiSelectList' || node.type === 'MultiSelectHash' || childrenOf(node).some(buildsValues);
}

function describeFailure(error: unknown): string {
  if (error instanceof ExpressionEvaluationError) {
    return error.message;
  }
  if (error instanceof RangeError) {
    return 'the data is nested too deeply';
  }
  // The library throws plain `Error`s whose messages name functions, argument numbers and types, never values.
  if (error instanceof Error && Object.getPrototypeOf(error) === Error.prototype) {
    return error.message.replace(/\.$/, '');
  }
  return `unexpected ${error instanceof Error ? error.name : 'error'}`;
}

/**
 * Compiles a JMESPath expression once, with MedTech's custom functions (`add`, `subtract`, `multiply`, `divide`,
 * `pow`, `insertString`, `fromUnixTimestamp`, `fromUnixTimestampMs`; docs/reference-behaviour.md §1.8). Syntax and
 * functions are those of JmesPath.Net, which MedTech uses: the community edition's extensions (arithmetic, `$`,
 * `let`, `?:`, extra functions) are rejected here; legacy literals such as `` `heartRate` `` are accepted.
 * `matches(data)` evaluates the compiled AST: a projection (`[*]`, `*`, `[?…]`, `[]`, slices, and expressions ending
 * in one) yields one match per element, any other non-null result is one match (a plain array is ONE match), `null`
 * is no match.
 * @param source - the expression text from the mapping (at most {@link JMESPATH_MAX_EXPRESSION_LENGTH} characters)
 * @param options - evaluation bounds
 * @returns the compiled expression
 * @throws ExpressionSyntaxError when the expression cannot be parsed, calls an unknown function or passes the wrong
 *   number of arguments (the message quotes it and the 0-based position); `matches` throws ExpressionEvaluationError
 *   on a bad function argument (naming the function and argument, never the value) or past the work bounds
 */
export function compileJmesPath(source: string, options: JmesPathOptions = {}): CompiledExpression {
  const ast = parseJmesPath(source);
  const maxSteps = options.maxSteps ?? JMESPATH_MAX_STEPS;
  const maxChars = options.maxProducedChars ?? JMESPATH_MAX_PRODUCED_CHARS;
  const mayShareStructure = buildsValues(ast);

  return {
    language: 'JmesPath',
    source,
    matches(data: unknown): unknown[] {
      const budget = new EvaluationBudget(maxSteps, maxChars);
      let outcome: JmesPathOutcome;
      try {
        outcome = evaluateJmesPath(ast, data ?? null, budget);
        if (mayShareStructure) {
          // `[@, @] | [@, @] | …` doubles a value per stage at constant cost; refuse to hand such a value on.
          chargeExpandedSize(outcome.value, budget);
        }
      } catch (error) {
        throw new ExpressionEvaluationError(`JMESPath expression '${source}' failed: ${describeFailure(error)}.`);
      }
      const { value, projection } = outcome;
      if (value === null || value === undefined) {
        return [];
      }
      if (projection && Array.isArray(value)) {
        return (value as unknown[]).filter((item) => item !== null);
      }
      return [value];
    },
  };
}
