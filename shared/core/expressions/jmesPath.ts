import { ExpressionEvaluationError } from '../errors.js';
import type { AstNode } from './jmesPath/jmesPathAst.js';
import { childrenOf } from './jmesPath/jmesPathAst.js';
import { EvaluationBudget } from './jmesPath/evaluationBudget.js';
import { compileJmesPathAst } from './jmesPath/compileJmesPathAst.js';
import { internName } from './jsonPath/internName.js';
import { evaluateJmesPath, isProjection } from './jmesPath/jmesPathInterpreter.js';
import { JMESPATH_MAX_PRODUCED_CHARS, JMESPATH_MAX_STEPS } from './jmesPath/jmesPathLimits.js';
import { chargeExpandedSize, memberOf } from './jmesPath/jsonValues.js';
import {
  KindedNumber,
  NUMBER_KINDS_NEEDED,
  setNumberKindsUnknown,
  withPlainNumbers,
} from './jmesPath/kindedNumbers.js';
import { parseJmesPath } from './jmesPath/parseJmesPath.js';
import type { CompiledExpression, EvaluationMemo, RootMemberSplit, WorkMeter } from './types.js';
import { quoteBounded } from '../quoteBounded.js';

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

/**
 * Whether an expression can build a value that holds one value twice, and so share structure: a multi-select of two
 * or more entries (`[a, b]`, `{a: @, b: @}`) or a `merge()` of two or more objects (`merge({a: @}, {b: @})`).
 * Nested, such values double at every stage for a constant cost, so their expanded size is charged. A multi-select of
 * one entry (`[Body]`, as the documented type match `[Body][?…] | @[0]` writes it) holds its value once: nesting it
 * grows a value by one level per node, which the steps already charge.
 */
function buildsValues(node: AstNode): boolean {
  if (node.type === 'MultiSelectList' || node.type === 'MultiSelectHash') {
    if (node.children.length >= 2) {
      return true;
    }
  } else if (node.type === 'Function' && node.name === 'merge' && node.children.length >= 2) {
    return true;
  }
  return childrenOf(node).some(buildsValues);
}

/**
 * Whether an expression can produce a boxed number (kindedNumbers.ts): it calls a function or has a literal with one.
 * Only then are its results searched for boxes to make plain.
 */
function mayProduceBoxes(node: AstNode): boolean {
  if (node.type === 'Function') {
    return true;
  }
  if (node.type === 'Literal') {
    return withPlainNumbers(node.value) !== node.value;
  }
  return childrenOf(node).some(mayProduceBoxes);
}

/**
 * Whether a result can depend on the kind of a number of the data (kindedNumbers.ts): the expression calls a function
 * (`to_string`, arithmetic, `contains`, `max`…) or tests equality, except with a string literal (`kind == 'hr'`).
 */
function readsNumberKinds(node: AstNode): boolean {
  if (node.type === 'Function') {
    return true;
  }
  if (node.type === 'Comparator' && (node.name === 'EQ' || node.name === 'NE')) {
    const isText = (side: AstNode): boolean => side.type === 'Literal' && typeof side.value === 'string';
    if (!isText(node.left) && !isText(node.right)) {
      return true;
    }
  }
  return childrenOf(node).some(readsNumberKinds);
}

/**
 * A result as it leaves the evaluator: a boxed number stays boxed (the measurement value takes its text from it),
 * the boxes inside an array or object are made plain for the code that reads them as JSON (JSONPath, the type match).
 */
function handedOut(value: unknown): unknown {
  return value instanceof KindedNumber ? value : withPlainNumbers(value);
}

function describeFailure(error: unknown): string {
  if (error instanceof ExpressionEvaluationError) {
    return error.message;
  }
  if (error instanceof RangeError) {
    // Out of stack, or of room for one call's arguments (the library spreads a long string into one).
    return 'the data is nested too deeply or too large';
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
 * in one) yields one match per element — a `null` of the data too, as JmesPath.Net keeps it (`[*].a` on
 * `[{"a": null}, {}]` is one `null` match: the missing `a` is dropped) —, any other non-null result is one match (a
 * plain array is ONE match), `null` is no match.
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

  const fields = fieldChainOf(ast);
  // A chain visits at most one node per node of it: within the bound, it cannot fail and needs no interpreter.
  if (fields !== null && countNodes(ast) <= maxSteps) {
    return fieldChainExpression(source, fields);
  }

  const mayShareStructure = buildsValues(ast);
  const kinds = readsNumberKinds(ast);
  // Data read with kinds (given to `kinds` expressions) holds boxes too.
  const boxes = kinds || mayProduceBoxes(ast);
  // The common shapes run as compiled closures; anything else (pipes, multi-selects, standard functions…) is
  // interpreted. Both charge the same steps and fail the same way.
  const compiled = compileJmesPathAst(ast);
  // Whether the last result is a projection: fixed for a compiled expression, told by the interpreter otherwise.
  let projection = isProjection(ast);
  // `a.b[?…]` on data where `a.b` is no array is `null` after a step per node of `a.b` and one for the filter: no
  // budget to track.
  const filterBase =
    ast.type === 'FilterProjection' && countNodes(ast.left) + 1 <= maxSteps ? fieldChainOf(ast.left) : null;
  const budget = new EvaluationBudget(maxSteps, maxChars);
  const evaluate = (data: unknown, meter: WorkMeter | undefined): unknown => {
    if (filterBase !== null && !Array.isArray(readFields(data ?? null, filterBase))) {
      return null;
    }
    // The message's meter pays for steps and for characters built (a character of `to_string` costs about what a
    // step does), so what is left of it bounds both.
    if (meter === undefined) {
      budget.reset(maxSteps, maxChars);
    } else {
      budget.reset(Math.min(maxSteps, meter.remaining), Math.min(maxChars, meter.remaining));
    }
    // An expression that reads number kinds, on a plain body whose kinds are unknown, stops where it needs one.
    const kindsBefore = setNumberKindsUnknown(kinds && meter?.numberKindsUnknown === true);
    try {
      let value: unknown;
      if (compiled !== null) {
        value = compiled(data ?? null, budget);
      } else {
        const outcome = evaluateJmesPath(ast, data ?? null, budget);
        value = outcome.value;
        projection = outcome.projection;
      }
      if (mayShareStructure) {
        // `[@, @] | [@, @] | …` doubles a value per stage at constant cost; refuse to hand such a value on.
        chargeExpandedSize(value, budget);
      }
      return value;
    } catch (error) {
      if (error === NUMBER_KINDS_NEEDED) {
        throw error;
      }
      throw new ExpressionEvaluationError(
        `JMESPath expression ${quoteBounded(source)} failed: ${describeFailure(error)}.`,
      );
    } finally {
      setNumberKindsUnknown(kindsBefore);
      if (meter !== undefined) {
        meter.remaining -= budget.stepsUsed + budget.charsProduced;
      }
    }
  };
  return new JmesPathExpression(
    source,
    undefined,
    (data, _memo, meter) => {
      const value = evaluate(data, meter);
      if (value === null || value === undefined) {
        return [];
      }
      if (projection && Array.isArray(value)) {
        // Every element, the nulls of the data included: JmesPath.Net keeps them in a projection (only a missing
        // member and the like is dropped, by the evaluator) and MedTech's SelectTokens yields each as a match.
        return boxes ? (value as unknown[]).map(handedOut) : (value as unknown[]);
      }
      return [boxes ? handedOut(value) : value];
    },
    (data, multiple, meter) => {
      const value = evaluate(data, meter);
      if (value === null || value === undefined) {
        return undefined;
      }
      if (projection && Array.isArray(value)) {
        // MedTech's SelectToken fails a projection of more than one element, nulls of the data included; a lone
        // `null` element is a match of no value (`null`), not "no match".
        const items = value as unknown[];
        if (items.length > 1) {
          return multiple;
        }
        const item = items.length === 0 ? undefined : (items[0] ?? null);
        return boxes ? handedOut(item) : item;
      }
      return boxes ? handedOut(value) : value;
    },
    readsMemberOrder(ast),
    kinds,
  );
}

/** One compiled JMESPath expression; a class, so that every expression object has the same shape. */
class JmesPathExpression implements CompiledExpression {
  readonly language = 'JmesPath';

  constructor(
    readonly source: string,
    readonly rootMember: RootMemberSplit | undefined,
    readonly matches: (data: unknown, memo?: EvaluationMemo, meter?: WorkMeter) => unknown[],
    readonly selectOne: (data: unknown, multiple: unknown, meter?: WorkMeter) => unknown,
    readonly readsMemberOrder = false,
    readonly readsNumberKinds = false,
  ) {}
}

/** Functions whose result follows the order of an object's members. */
const MEMBER_ORDER_FUNCTIONS: ReadonlySet<string> = new Set(['keys', 'values', 'to_string', 'merge']);

/** Functions whose result does not depend on the order of the list they are given first. */
const ORDER_BLIND_FUNCTIONS: ReadonlySet<string> = new Set(['contains', 'length']);

/**
 * Whether a result can follow the order of an object's members: an object projection (`*`) or a function that lists
 * or writes members ({@link MEMBER_ORDER_FUNCTIONS}), anywhere in the expression — but for a list of members that
 * only an order-blind function reads (`contains(keys(@), 'heartRate')`, the form Microsoft's documentation shows for
 * a JMESPath type match, or `length(values(@))`).
 */
function readsMemberOrder(node: AstNode): boolean {
  if (node.type === 'ValueProjection') {
    return true;
  }
  if (node.type === 'Function') {
    const [first, ...rest] = node.children;
    if (
      ORDER_BLIND_FUNCTIONS.has(node.name) &&
      first?.type === 'Function' &&
      (first.name === 'keys' || first.name === 'values')
    ) {
      return first.children.some(readsMemberOrder) || rest.some(readsMemberOrder);
    }
    if (MEMBER_ORDER_FUNCTIONS.has(node.name)) {
      return true;
    }
  }
  return childrenOf(node).some(readsMemberOrder);
}

/**
 * The names of a plain field chain (`a`, `a.b.c`, and with `@` anywhere in it: `@.matchedToken.a`, as Microsoft's
 * documentation writes value expressions), or null for any other expression. `@` is the current value, so it adds no
 * name; where the chain meets a `null` of the data, `@.a` gives that `null` and `a` gives a missing one, which a
 * whole expression, and a filter's base, take alike (no match; no array).
 */
function fieldChainOf(node: AstNode): string[] | null {
  if (node.type === 'Field') {
    return [node.name];
  }
  if (node.type === 'Current') {
    return [];
  }
  if (node.type === 'Subexpression') {
    const left = fieldChainOf(node.left);
    const right = left === null ? null : fieldChainOf(node.right);
    return left === null || right === null ? null : [...left, ...right];
  }
  return null;
}

/** How many nodes an expression has: the steps the interpreter charges for a chain it walks to the end. */
function countNodes(node: AstNode): number {
  let count = 1;
  for (const child of childrenOf(node)) {
    count += countNodes(child);
  }
  return count;
}

/**
 * The value a field chain selects as the interpreter computes it: `undefined` when a field is missing, `null` when
 * the chain meets a `null` of the data (it stops there).
 */
function readFields(data: unknown, fields: readonly string[]): unknown {
  let value = data;
  for (let i = 0; i < fields.length && value !== null && value !== undefined; i++) {
    value = memberOf(value, fields[i] as string);
  }
  return value;
}

/**
 * A field chain evaluated directly: each field reads an own member of an object, `null` (no match) otherwise.
 * An empty chain is the current value (`@`). A non-empty one offers its {@link RootMemberSplit}.
 */
function fieldChainExpression(source: string, fields: readonly string[]): CompiledExpression {
  const [head] = fields;
  const select = (data: unknown): unknown => {
    const value = readFields(data ?? null, fields);
    return value ?? undefined;
  };
  return new JmesPathExpression(
    source,
    head === undefined ? undefined : { head: internName(head), rest: fieldChainExpression(source, fields.slice(1)) },
    (data) => {
      const value = select(data);
      return value === undefined ? [] : [value];
    },
    select,
  );
}
