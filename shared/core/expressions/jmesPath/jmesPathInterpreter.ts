import { TreeInterpreter, TYPE_ANY, TYPE_ARRAY, TYPE_NUMBER } from '@jmespath-community/jmespath';
import type { JSONValue } from '@jmespath-community/jmespath';
import type { AstNode } from './jmesPathAst.js';
import { EvaluationBudget } from './evaluationBudget.js';
import {
  compareOrdered,
  comparisonsToSort,
  deepEqual,
  defineMember,
  elementOf,
  isFalsy,
  longestString,
  memberOf,
  stringComparisonCost,
} from './jsonValues.js';
import { KindedNumber } from './kindedNumbers.js';
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

/** A node with a left and a right operand (the projections among them). */
type BinaryNode = Extract<AstNode, { readonly left: AstNode; readonly right: AstNode }>;

/**
 * Functions whose `null` result is a value of the data (an element `max_by`/`min_by` picked); every other built-in
 * returns JmesPath.Net's missing null (`JTokens.Null`) when it has no result: `avg`/`max`/`min` of `[]`,
 * `to_number` of what is no number, `not_null` of nulls only.
 */
const RETURNS_DATA_NULL: ReadonlySet<string> = new Set(['max_by', 'min_by']);

/**
 * The library's tree interpreter with a work budget, JSON-safe member access and JmesPath.Net's projections: every
 * visited node costs a step, `a.constructor` or `a.__proto__` read nothing (own members only), `{__proto__: x}`
 * builds a member, equality is bounded, and a flatten is charged for the elements it produces before it produces
 * them.
 *
 * Nulls, as JmesPath.Net 1.0.205 has them: it tells the null of the data (a member or element that is `null`, a
 * literal `` `null` ``) from a "missing" null (the `JTokens.Null` singleton: an absent member, a member of a
 * non-object, an index out of range, a projection of a non-container, a comparison that cannot order its operands,
 * a built-in without a result), and a projection drops only the missing one. Here `undefined` is the missing null
 * while a node is evaluated ({@link BoundedInterpreter.evaluate}); wherever a value is used as a value (function
 * arguments, multi-select elements, comparison operands, the result) it is `null`.
 */
class BoundedInterpreter extends LibraryInterpreterClass {
  /** Budget of the evaluation in progress; an exhausted one outside {@link evaluateJmesPath}. */
  budget = new EvaluationBudget(0, 0);

  /** The library's entry (its built-ins evaluate `&expr` arguments with it): a missing result is `null`. */
  override visit(node: LibraryNode, value: LibraryValue): LibraryResult {
    const result = this.evaluate(node, value);
    return (result === undefined ? null : result) as JSONValue;
  }

  /**
   * Evaluates a node of our typed view of the AST; a missing result is `null`.
   * @param node - the node
   * @param value - the current value
   */
  visitAst(node: AstNode, value: unknown): unknown {
    const result = this.evaluate(node, value);
    return result === undefined ? null : result;
  }

  /**
   * Evaluates a node, one step charged for it: `undefined` when the result is JmesPath.Net's missing null.
   * @param node - the node
   * @param value - the current value (`undefined` when missing)
   */
  evaluate(node: AstNode, value: unknown): unknown {
    this.budget.step();
    switch (node.type) {
      case 'Field':
        return memberOf(value, node.name);
      case 'Index':
        return elementOf(value, node.value);
      case 'Literal':
        return node.value;
      case 'Current':
      case 'Identity':
        return value;
      case 'Subexpression': {
        // JmesPath.Net's compound expression stops at any null on its left, and passes that null on as it is.
        const left = this.evaluate(node.left, value);
        return left === null || left === undefined ? left : this.evaluate(node.right, left);
      }
      case 'IndexExpression':
        // The right of an index expression is an index or a slice, missing on a null: visited as the library does.
        return this.evaluate(node.right, this.evaluate(node.left, value));
      case 'Projection':
      case 'ValueProjection':
      case 'FilterProjection':
        return this.project(node, this.evaluate(node.left, value));
      case 'Flatten':
        return this.flatten(this.evaluate(node.child, value));
      case 'Slice':
        // JmesPath.Net 1.0.205 (MedTech's) slices arrays only: a string slices to a missing null, as anything else
        // does. The community edition's string slices (`'abcd'[0:2]` → "ab") came to JmesPath.Net in October 2022.
        return Array.isArray(value) ? super.visit(node, value as LibraryValue) : undefined;
      case 'Comparator': {
        const left = this.evaluate(node.left, value) ?? null;
        const right = this.evaluate(node.right, value) ?? null;
        if (node.name === 'EQ' || node.name === 'NE') {
          const equal = deepEqual(left, right, this.budget);
          return node.name === 'EQ' ? equal : !equal;
        }
        // Operands that cannot be ordered give JmesPath.Net's missing null (JmesPathComparison.cs:27-28).
        this.budget.step(stringComparisonCost(left, right));
        return compareOrdered(node.name, left, right) ?? undefined;
      }
      case 'MultiSelectList': {
        const list: unknown[] = [];
        for (const child of node.children) {
          list.push(this.evaluate(child, value) ?? null);
        }
        return list;
      }
      case 'MultiSelectHash': {
        const hash: Record<string, unknown> = {};
        for (const pair of node.children) {
          defineMember(hash, pair.name, this.evaluate(pair.value, value) ?? null);
        }
        return hash;
      }
      case 'Function': {
        const args: unknown[] = [];
        for (const child of node.children) {
          args.push(this.evaluate(child, value) ?? null);
        }
        const result: unknown = this.runtime.callFunction(node.name, args as JSONValue[]);
        return result === null && !RETURNS_DATA_NULL.has(node.name) ? undefined : result;
      }
      case 'OrExpression': {
        const left = this.evaluate(node.left, value);
        return isFalsy(left, this.budget) ? this.evaluate(node.right, value) : left;
      }
      case 'AndExpression': {
        const left = this.evaluate(node.left, value);
        return isFalsy(left, this.budget) ? left : this.evaluate(node.right, value);
      }
      case 'ChosenProjection':
        return this.evaluate(this.choose(node, value), value);
      case 'NotExpression':
        return isFalsy(this.evaluate(node.child, value), this.budget);
      case 'Pipe':
        return this.evaluate(node.right, this.evaluate(node.left, value));
      case 'ExpressionReference':
      case 'Root':
      case 'Arithmetic':
      case 'Unary':
      case 'Ternary':
      case 'LetExpression':
      case 'Binding':
      case 'Variable':
        // An `&expr` argument (the library wraps it for its built-ins); the others are rejected when parsed.
        return super.visit(node as unknown as LibraryNode, value as LibraryValue);
    }
  }

  /**
   * The operand a `ChosenProjection`'s operator picks, followed by the steps after it: `||` the left operand unless
   * it is falsy, `&&` the left operand only when it is falsy. The left operand is evaluated here to decide, and
   * again (with its steps) by the caller.
   * @param node - the node
   * @param value - the current value
   */
  choose(node: Extract<AstNode, { type: 'ChosenProjection' }>, value: unknown): AstNode {
    const takeLeft = isFalsy(this.evaluate(node.left, value), this.budget) === (node.operator === 'AndExpression');
    return takeLeft ? node.whenLeft : node.whenRight;
  }

  /**
   * Evaluates a projection's right-hand side on one element, as JmesPath.Net applies the steps that follow a
   * projection: each step to each element, the element dropped only when a step gives the missing null. A `null`
   * of the data goes on to the next step (`a[*].b.[c]` gives `[null]` for a `b` that is `null`, where `b.[c]` alone
   * would stop at it); a projection met on the way takes its base the same way.
   * @param node - the right-hand side, or a node along its chain of steps
   * @param value - the element (never `undefined`)
   */
  private evaluateStep(node: AstNode, value: unknown): unknown {
    if (node.type === 'Subexpression') {
      this.budget.step();
      const left = this.evaluateStep(node.left, value);
      return left === undefined ? undefined : this.evaluateStep(node.right, left);
    }
    if (node.type === 'IndexExpression') {
      this.budget.step();
      return this.evaluateStep(node.right, this.evaluateStep(node.left, value));
    }
    if (node.type === 'Projection' || node.type === 'ValueProjection' || node.type === 'FilterProjection') {
      this.budget.step();
      return this.project(node, this.evaluateStep(node.left, value));
    }
    return this.evaluate(node, value);
  }

  /**
   * The elements of a projection whose base is evaluated: the right-hand side of each element, without the missing
   * nulls. Which elements are taken is JmesPath.Net's: `[*]` takes the array's elements that are not null, `*`
   * every value of an object, `[?…]` the elements whose condition holds (a `null` one too), a slice every element it
   * selects, a flatten what it produced; a base of another type is the missing null.
   * @param node - a `Projection`, `ValueProjection` or `FilterProjection` node
   * @param base - the value of its left-hand side
   */
  private project(node: BinaryNode, base: unknown): unknown {
    let items: unknown[];
    if (node.type === 'ValueProjection') {
      if (typeof base !== 'object' || base === null || Array.isArray(base) || base instanceof KindedNumber) {
        return undefined;
      }
      items = Object.values(base);
    } else if (Array.isArray(base)) {
      items = base as unknown[];
    } else {
      return undefined;
    }
    const right = node.right;
    const collected: unknown[] = [];
    if (node.type === 'FilterProjection') {
      const condition = node.condition;
      for (const element of items) {
        const item = element ?? null;
        if (!isFalsy(this.evaluate(condition, item), this.budget)) {
          const result = this.evaluateStep(right, item);
          if (result !== undefined) {
            collected.push(result);
          }
        }
      }
      return collected;
    }
    // `[*]` (a list wildcard) skips the nulls of the array; `*`, a slice and a flatten (which has none) keep them.
    const skipNulls = node.type === 'Projection' && !isSliceOrFlatten(node.left);
    for (const element of items) {
      if (skipNulls && (element === null || element === undefined)) {
        continue;
      }
      const result = this.evaluateStep(right, element ?? null);
      if (result !== undefined) {
        collected.push(result);
      }
    }
    return collected;
  }

  /** JmesPath.Net's flatten: the array's elements and its arrays' elements, one level deep, without the nulls. */
  private flatten(original: unknown): unknown {
    if (!Array.isArray(original)) {
      return undefined;
    }
    const items = original as unknown[];
    this.budget.step(items.reduce<number>((size, item) => size + (Array.isArray(item) ? item.length : 1), 0));
    const flat: unknown[] = [];
    for (const item of items) {
      if (Array.isArray(item)) {
        for (const inner of item as unknown[]) {
          if (inner !== null && inner !== undefined) {
            flat.push(inner);
          }
        }
      } else if (item !== null && item !== undefined) {
        flat.push(item);
      }
    }
    return flat;
  }
}

/** Whether a projection's base is a slice (`a[0:2]`) or a flatten (`a[]`) rather than a list wildcard (`a[*]`). */
function isSliceOrFlatten(left: AstNode): boolean {
  return left.type === 'Flatten' || (left.type === 'IndexExpression' && left.right.type === 'Slice');
}

/**
 * Built-ins whose work grows with one argument — read, copied or type-checked element by element — without visiting
 * an AST node per element, and which argument that is. A call is charged one step per element (object member, and
 * character of a string `reverse` rebuilds) before the library checks the argument's types; `sort` and `sort_by`
 * are charged their comparisons ({@link comparisonsToSort}); `sort_by` is charged its keys' evaluations and, once
 * they are known, a step per comparison for every 64 characters of its longest string key (see standardFunctions.ts).
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
    // Strings are compared character by character: each comparison also counts a step per 64 characters of the
    // longest string of the array.
    const perComparison = name === 'sort' || name === 'max' || name === 'min' ? 1 + (longestString(value) >>> 6) : 1;
    if (name === 'sort' || name === 'sort_by') {
      return comparisonsToSort(value.length) * perComparison;
    }
    if (name === 'max' || name === 'min') {
      return value.length * perComparison;
    }
    // `length` of an array or a string reads one property.
    return name === 'length' ? 0 : value.length;
  }
  if (typeof value === 'string') {
    return name === 'reverse' ? value.length : 0;
  }
  return typeof value === 'object' && value !== null ? Object.keys(value).length : 0;
}

function createInterpreter(): BoundedInterpreter {
  const interpreter = new BoundedInterpreter();
  const runtime = interpreter.runtime;
  // The library checks argument types, and `type()` answers, by its runtime's getTypeName: a boxed number is a number.
  // (private in the library's typings, a plain method at run time).
  const typed = runtime as unknown as { getTypeName: (value: unknown) => number | undefined };
  const getTypeName = typed.getTypeName.bind(runtime);
  typed.getTypeName = (value) => (value instanceof KindedNumber ? TYPE_NUMBER : getTypeName(value));
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
      (args) => fn.evaluate(args, interpreter.budget) as JSONValue,
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
  if (node.type === 'ChosenProjection') {
    return isProjection(node.whenLeft) || isProjection(node.whenRight);
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
    const takeLeft = isFalsy(left.value, interpreter.budget) === (node.type === 'AndExpression');
    return takeLeft ? left : evaluateSpine(node.right, value);
  }
  if (node.type === 'ChosenProjection') {
    interpreter.budget.step();
    return evaluateSpine(interpreter.choose(node, value), value);
  }
  return { value: interpreter.visitAst(node, value), projection: isProjection(node) };
}

/**
 * Calls a built-in or custom function on evaluated arguments as the interpreter's `Function` node does after it
 * evaluated them: the library's type checks and errors, the steps charged for a sized argument, and `undefined` for
 * JmesPath.Net's missing null. For compiled expressions (compileJmesPathAst.ts); an argument that is an expression
 * reference (`&v`) is never compiled, so the call never evaluates AST nodes itself.
 * @param name - the function name (validated when the expression was parsed, as the number of arguments)
 * @param args - the evaluated arguments (`null` for a missing one)
 * @param budget - the bound on this evaluation's work
 */
export function callFunction(name: string, args: unknown[], budget: EvaluationBudget): unknown {
  const previous = interpreter.budget;
  interpreter.budget = budget;
  try {
    const result: unknown = interpreter.runtime.callFunction(name, args as JSONValue[]);
    return result === null && !RETURNS_DATA_NULL.has(name) ? undefined : result;
  } finally {
    interpreter.budget = previous;
  }
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
