import { TreeInterpreter, TYPE_ANY, TYPE_ARRAY } from '@jmespath-community/jmespath';
import type { JSONValue } from '@jmespath-community/jmespath';
import type { AstNode } from './jmesPathAst.js';
import { EvaluationBudget } from './evaluationBudget.js';
import { compareOrdered, deepEqual, defineMember, isFalsy, memberOf } from './jsonValues.js';
import { MEDTECH_FUNCTIONS } from './medTechFunctions.js';
import {
  STANDARD_FUNCTION_ARRAY_ARGUMENT,
  STANDARD_FUNCTION_NAMES,
  STANDARD_FUNCTION_OVERRIDES,
} from './standardFunctions.js';

type LibraryInterpreter = typeof TreeInterpreter;
type LibraryNode = Parameters<LibraryInterpreter['visit']>[0];
type LibraryValue = Parameters<LibraryInterpreter['visit']>[1];
type LibraryResult = ReturnType<LibraryInterpreter['visit']>;

// The library exports its interpreter as a singleton whose runtime holds a global function table. A private instance
// keeps MedTech's functions and our overrides out of that table (no global registration, nothing to make idempotent).
const LibraryInterpreterClass = TreeInterpreter.constructor as new () => LibraryInterpreter;

/**
 * The library's tree interpreter with a work budget and JSON-safe member access: every visited node costs a step,
 * `a.constructor` or `a.__proto__` read nothing (own members only), `{__proto__: x}` builds a member, equality is
 * bounded, and a flatten is charged for the elements it produces before it produces them.
 */
class BoundedInterpreter extends LibraryInterpreterClass {
  /** Budget of the evaluation in progress; an exhausted one outside {@link evaluateJmesPath}. */
  budget = new EvaluationBudget(0, 0);

  override visit(node: LibraryNode, value: LibraryValue): LibraryResult {
    this.budget.step();
    const ast = node as unknown as AstNode;
    if (ast.type === 'Field') {
      return memberOf(value, ast.name) as JSONValue;
    }
    if (ast.type === 'Flatten') {
      return this.flatten(ast.child, value);
    }
    if (ast.type === 'Slice' && !Array.isArray(value)) {
      // JmesPath.Net 1.0.205 (MedTech's) slices arrays only: a string slices to null, as anything else does. The
      // community edition's string slices (`'abcd'[0:2]` → "ab") came to JmesPath.Net later, in October 2022.
      return null;
    }
    if (ast.type === 'MultiSelectHash') {
      const hash: Record<string, unknown> = {};
      for (const pair of ast.children) {
        defineMember(hash, pair.name, this.visitAst(pair.value, value));
      }
      return hash as JSONValue;
    }
    if (ast.type === 'Comparator') {
      const left = this.visitAst(ast.left, value);
      const right = this.visitAst(ast.right, value);
      if (ast.name === 'EQ' || ast.name === 'NE') {
        const equal = deepEqual(left, right, this.budget);
        return ast.name === 'EQ' ? equal : !equal;
      }
      return compareOrdered(ast.name, left, right);
    }
    return super.visit(node, value);
  }

  /**
   * Evaluates a node of our typed view of the AST.
   * @param node - the node
   * @param value - the current value
   */
  visitAst(node: AstNode, value: unknown): unknown {
    return this.visit(node as unknown as LibraryNode, value as LibraryValue);
  }

  private flatten(child: AstNode, value: LibraryValue): JSONValue {
    const original = this.visitAst(child, value);
    if (!Array.isArray(original)) {
      return null;
    }
    const items = original as unknown[];
    this.budget.step(items.reduce<number>((size, item) => size + (Array.isArray(item) ? item.length : 1), 0));
    return items.flat() as JSONValue;
  }
}

/**
 * Built-ins whose work grows with one argument — read, copied or type-checked element by element — without visiting
 * an AST node per element, and which argument that is. A call is charged one step per element (object member, and
 * character of a string `reverse` rebuilds) before the library checks the argument's types; `sort` and `sort_by`
 * are charged their comparisons ({@link comparisonsToSort}), `sort_by`'s key evaluations besides.
 */
const SIZED_ARGUMENT: Readonly<Record<string, number>> = {
  avg: 0,
  join: 1,
  keys: 0,
  length: 0,
  max: 0,
  min: 0,
  reverse: 0,
  sort: 0,
  sort_by: 0,
  sum: 0,
  values: 0,
};

function argumentSize(name: string, value: unknown): number {
  if (Array.isArray(value)) {
    if (name === 'sort' || name === 'sort_by') {
      return comparisonsToSort(value.length);
    }
    // `length` of an array or a string reads one property.
    return name === 'length' ? 0 : value.length;
  }
  if (typeof value === 'string') {
    return name === 'reverse' ? value.length : 0;
  }
  return typeof value === 'object' && value !== null ? Object.keys(value).length : 0;
}

/**
 * Steps charged for sorting `n` elements: the comparisons a merge sort may make, `n` × ⌈log2 n⌉ (at least `n`), so
 * that sorting a large array costs what it takes and not one step per element.
 */
export function comparisonsToSort(n: number): number {
  return n < 2 ? n : n * Math.ceil(Math.log2(n));
}

function createInterpreter(): BoundedInterpreter {
  const interpreter = new BoundedInterpreter();
  const runtime = interpreter.runtime;
  const callFunction = runtime.callFunction.bind(runtime);
  runtime.callFunction = (name, args) => {
    const sized = SIZED_ARGUMENT[name];
    if (sized !== undefined) {
      interpreter.budget.step(argumentSize(name, args[sized]));
    }
    return callFunction(name, args);
  };
  const table = runtime._functionTable;
  const evaluateReference = (reference: unknown, value: unknown): unknown =>
    interpreter.visitAst(reference as AstNode, value);
  for (const [name, override] of Object.entries(STANDARD_FUNCTION_OVERRIDES)) {
    const builtIn = table[name];
    if (builtIn === undefined) {
      throw new Error(`internal: the JMESPath library has no built-in ${name}()`);
    }
    table[name] = {
      _func: (args: readonly unknown[]) => override(args, interpreter.budget, evaluateReference) as JSONValue,
      _signature: STANDARD_FUNCTION_ARRAY_ARGUMENT.has(name) ? [{ types: [TYPE_ARRAY] }] : builtIn._signature,
    };
  }
  for (const fn of MEDTECH_FUNCTIONS) {
    // Types are checked by the function itself, so that messages name the argument as MedTech's docs do.
    const signature = fn.parameters.map(() => ({ types: [TYPE_ANY] }));
    const registered = interpreter.runtime.register(
      fn.name,
      (args) => fn.evaluate(args, interpreter.budget),
      signature,
    );
    if (!registered.success) {
      throw new Error(`internal: cannot register ${fn.name}(): ${registered.message}`);
    }
  }
  return interpreter;
}

const interpreter = createInterpreter();

const AVAILABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  ...STANDARD_FUNCTION_NAMES,
  ...MEDTECH_FUNCTIONS.map((fn) => fn.name),
]);

/** How many arguments a function takes. */
export interface FunctionArity {
  /** Fewest arguments. */
  readonly min: number;
  /** Most arguments (`Infinity` for variadic functions such as `merge`). */
  readonly max: number;
}

/**
 * The arity of a function MedTech's JMESPath offers: the specification's built-ins and MedTech's custom functions.
 * @param name - the function name as written (case-sensitive)
 * @returns its arity, or `undefined` when no such function exists in MedTech
 */
export function arityOf(name: string): FunctionArity | undefined {
  const entry = AVAILABLE_FUNCTIONS.has(name) ? interpreter.runtime._functionTable[name] : undefined;
  if (entry === undefined) {
    return undefined;
  }
  const signature = entry._signature;
  const variadic = signature.at(-1)?.variadic === true;
  return {
    min: signature.filter((argument) => argument.optional !== true).length,
    max: variadic ? Infinity : signature.length,
  };
}

/** Result of an evaluation, and whether it is a projection (whose elements are separate matches). */
export interface JmesPathOutcome {
  /** The result (`null` when nothing matched). */
  readonly value: unknown;
  /** True when the result is a projection, as JmesPath.Net marks it. */
  readonly projection: boolean;
}

/**
 * Whether a node's result is a projection in JmesPath.Net: list, object, filter and slice projections and flattens,
 * and expressions that end in one (`a.b[*].c`, `x | y[*]`). A pipe stops a projection; functions, indexes and
 * multi-selects produce plain values.
 * @param node - the node
 */
export function isProjection(node: AstNode): boolean {
  if (node.type === 'Projection' || node.type === 'ValueProjection' || node.type === 'FilterProjection') {
    return true;
  }
  if (node.type === 'Subexpression' || node.type === 'IndexExpression' || node.type === 'Pipe') {
    return isProjection(node.right);
  }
  if (node.type === 'OrExpression' || node.type === 'AndExpression') {
    return isProjection(node.left) || isProjection(node.right);
  }
  return false;
}

// Pipes, `||` and `&&` at the top pass one side's result through unchanged, projection or not, so the evaluation of
// that spine is done here to know which side produced the result.
function evaluateSpine(node: AstNode, value: unknown): JmesPathOutcome {
  if (node.type === 'Pipe') {
    interpreter.budget.step();
    return evaluateSpine(node.right, interpreter.visitAst(node.left, value));
  }
  if (node.type === 'OrExpression' || node.type === 'AndExpression') {
    interpreter.budget.step();
    const left = evaluateSpine(node.left, value);
    const takeLeft = isFalsy(left.value) === (node.type === 'AndExpression');
    return takeLeft ? left : evaluateSpine(node.right, value);
  }
  return { value: interpreter.visitAst(node, value), projection: isProjection(node) };
}

/**
 * Evaluates a validated AST against data within a budget.
 * @param ast - the AST, validated by `validateJmesPath`
 * @param data - parsed JSON (never mutated)
 * @param budget - the bound on this evaluation's work
 * @returns the result and whether it is a projection
 * @throws ExpressionEvaluationError from custom functions or the budget; the library's own errors as `Error`
 */
export function evaluateJmesPath(ast: AstNode, data: unknown, budget: EvaluationBudget): JmesPathOutcome {
  const previous = interpreter.budget;
  interpreter.budget = budget;
  try {
    return evaluateSpine(ast, data);
  } finally {
    interpreter.budget = previous;
  }
}
