import type { AstNode } from './jmesPathAst.js';
import type { EvaluationBudget } from './evaluationBudget.js';
import {
  compareOrdered,
  deepEqual,
  elementOf,
  isFalsy,
  memberOf,
  scalarsEqual,
  stringComparisonCost,
} from './jsonValues.js';
import { callFunction } from './jmesPathInterpreter.js';
import { KindedNumber } from './kindedNumbers.js';
import { MEDTECH_FUNCTIONS } from './medTechFunctions.js';
import type { MedTechFunction } from './medTechFunctions.js';

/** A compiled AST node: evaluates against the current value, charging the budget exactly as the interpreter does. */
export type CompiledNode = (value: unknown, budget: EvaluationBudget) => unknown;

const MEDTECH_BY_NAME: ReadonlyMap<string, MedTechFunction> = new Map(MEDTECH_FUNCTIONS.map((fn) => [fn.name, fn]));

/**
 * Compiles the common shapes of mapping expressions — fields, sub-expressions, indexes, literals, `@`, comparisons,
 * filter projections, multi-select lists, pipes and function calls without expression references (MedTech's custom
 * functions and the built-ins) — into closures that give the interpreter's results, errors and
 * step counts (one step per node visited, as the interpreter charges) without its per-node dispatch.
 * @param node - a validated AST node
 * @returns the compiled node (whose result is `null` where the interpreter's is), or null when the node or one below
 *   it is of another kind (left to the interpreter)
 */
export function compileJmesPathAst(node: AstNode): CompiledNode | null {
  const compiled = compileNode(node, false);
  if (compiled === null) {
    return null;
  }
  return (value, budget) => {
    const result = compiled(value, budget);
    return result === undefined ? null : result;
  };
}

/**
 * A node compiled as the interpreter evaluates it: `undefined` stands for JmesPath.Net's missing null, which a
 * projection drops (the interpreter's `BoundedInterpreter.evaluate`).
 * @param node - the node
 * @param step - whether the node is a projection's right-hand side or along its chain of steps, where a `null` of
 *   the data goes on to the next step (the interpreter's `evaluateStep`)
 */
function compileNode(node: AstNode, step: boolean): CompiledNode | null {
  switch (node.type) {
    case 'Field': {
      const name = node.name;
      return (value, budget) => {
        budget.step();
        return memberOf(value, name);
      };
    }
    case 'Literal': {
      const literal = node.value;
      return (_value, budget) => {
        budget.step();
        return literal;
      };
    }
    case 'Current':
    case 'Identity':
      return (value, budget) => {
        budget.step();
        return value;
      };
    case 'Index': {
      const index = node.value;
      return (value, budget) => {
        budget.step();
        return elementOf(value, index);
      };
    }
    case 'Subexpression':
    case 'IndexExpression': {
      const left = compileNode(node.left, step);
      const right = compileNode(node.right, step);
      if (left === null || right === null) {
        return null;
      }
      if (node.type === 'IndexExpression') {
        return (value, budget) => {
          budget.step();
          return right(left(value, budget), budget);
        };
      }
      if (step) {
        return (value, budget) => {
          budget.step();
          const result = left(value, budget);
          return result !== undefined ? right(result, budget) : undefined;
        };
      }
      return (value, budget) => {
        budget.step();
        const result = left(value, budget);
        return result !== null && result !== undefined ? right(result, budget) : result;
      };
    }
    case 'Comparator':
      return compileComparator(node);
    case 'FilterProjection': {
      const left = compileNode(node.left, step);
      const right = compileNode(node.right, true);
      const condition = compileNode(node.condition, false);
      if (left === null || right === null || condition === null) {
        return null;
      }
      return (value, budget) => {
        budget.step();
        const base = left(value, budget);
        if (!Array.isArray(base)) {
          return undefined;
        }
        const items = base as unknown[];
        const results: unknown[] = [];
        for (let i = 0; i < items.length; i++) {
          const item = items[i] ?? null;
          if (isFalsy(condition(item, budget), budget)) {
            continue;
          }
          const result = right(item, budget);
          if (result !== undefined) {
            results.push(result);
          }
        }
        return results;
      };
    }
    case 'Function':
      return MEDTECH_BY_NAME.has(node.name)
        ? compileMedTechCall(node.name, node.children)
        : compileBuiltInCall(node.name, node.children);
    case 'MultiSelectList': {
      const children = compileAll(node.children);
      if (children === null) {
        return null;
      }
      return (value, budget) => {
        budget.step();
        return evaluateAll(children, value, budget);
      };
    }
    case 'Pipe': {
      // The interpreter hands the right side a missing null as `null` at the top of the expression and as missing
      // inside it; every node compiled here reads the two alike (a missing result stays one, or becomes `null`).
      const left = compileNode(node.left, false);
      const right = compileNode(node.right, false);
      if (left === null || right === null) {
        return null;
      }
      return (value, budget) => {
        budget.step();
        return right(left(value, budget), budget);
      };
    }
    case 'AndExpression':
    case 'OrExpression':
    case 'ChosenProjection':
    case 'NotExpression':
    case 'Projection':
    case 'ValueProjection':
    case 'Flatten':
    case 'Slice':
    case 'MultiSelectHash':
    case 'ExpressionReference':
    case 'Root':
    case 'Arithmetic':
    case 'Unary':
    case 'Ternary':
    case 'LetExpression':
    case 'Binding':
    case 'Variable':
      return null;
  }
}

function compileComparator(node: Extract<AstNode, { type: 'Comparator' }>): CompiledNode | null {
  const left = compileNode(node.left, false);
  const right = compileNode(node.right, false);
  if (left === null || right === null) {
    return null;
  }
  const name = node.name;
  if (name === 'EQ' || name === 'NE') {
    const equalResult = name === 'EQ';
    return (value, budget) => {
      budget.step();
      const first = left(value, budget) ?? null;
      const second = right(value, budget) ?? null;
      if (typeof first !== 'object' || typeof second !== 'object' || first === null || second === null) {
        // What `deepEqual` does for a pair that is not two containers: one step, then scalar equality.
        budget.step(1 + stringComparisonCost(first, second));
        return scalarsEqual(first, second) === equalResult;
      }
      return deepEqual(first, second, budget) === equalResult;
    };
  }
  return (value, budget) => {
    budget.step();
    const first = left(value, budget) ?? null;
    const second = right(value, budget) ?? null;
    budget.step(stringComparisonCost(first, second));
    return compareOrdered(name, first, second) ?? undefined;
  };
}

/** The nodes compiled, or null when one of them is left to the interpreter. */
function compileAll(nodes: readonly AstNode[]): CompiledNode[] | null {
  const compiled: CompiledNode[] = [];
  for (const node of nodes) {
    const one = compileNode(node, false);
    if (one === null) {
      return null;
    }
    compiled.push(one);
  }
  return compiled;
}

/**
 * A call of a built-in (`contains`, `keys`, `length`…) whose arguments are all compiled: evaluated here, then checked
 * and run by the library as the interpreter runs them ({@link callFunction}). One with an expression reference
 * (`sort_by(a, &v)`) is left to the interpreter, which evaluates the reference for the library.
 */
function compileBuiltInCall(name: string, children: readonly AstNode[]): CompiledNode | null {
  const [first, second] = children;
  if (
    name === 'contains' &&
    children.length === 2 &&
    first?.type === 'Function' &&
    first.name === 'keys' &&
    first.children.length === 1 &&
    second?.type === 'Literal' &&
    typeof second.value === 'string'
  ) {
    return compileHasMember(first.children[0] as AstNode, second.value);
  }
  const args = compileAll(children);
  if (args === null) {
    return null;
  }
  return (value, budget) => {
    budget.step();
    return callFunction(name, evaluateAll(args, value, budget), budget);
  };
}

/**
 * `contains(keys(x), 'name')`, the type match Microsoft's documentation writes (``[Body][?contains(keys(@),
 * `heartRate`)]``): whether `x` has a member `name`, answered from the object's own keys without the library's call
 * and type checks. It is charged the steps the general call is charged, in the same order: the call, `keys`, `x`, one
 * per member of `x` (what `keys` is charged for its argument), the literal, then one per key compared until one
 * equals `name` (a string key equals a string only when it is the same string). A value `keys` refuses — not an object,
 * a boxed number, an object the library takes for an expression reference (a truthy `expref` member) — takes the
 * general call, which fails as the interpreter does.
 */
function compileHasMember(subjectNode: AstNode, name: string): CompiledNode | null {
  const subject = compileNode(subjectNode, false);
  if (subject === null) {
    return null;
  }
  return (value, budget) => {
    budget.step(); // contains()
    budget.step(); // keys()
    const object = subject(value, budget) ?? null;
    if (
      typeof object !== 'object' ||
      object === null ||
      Array.isArray(object) ||
      object instanceof KindedNumber ||
      Boolean((object as { expref?: unknown }).expref)
    ) {
      const keys = callFunction('keys', [object], budget) ?? null;
      budget.step(); // the literal
      return callFunction('contains', [keys, name], budget);
    }
    const keys = Object.keys(object);
    budget.step(keys.length); // what keys() is charged for its argument
    budget.step(); // the literal
    for (let i = 0; i < keys.length; i++) {
      budget.step(); // deepEqual's step for the pair
      if (keys[i] === name) {
        return true;
      }
    }
    return false;
  };
}

/** The values of compiled nodes on the current value, in order, a missing null made `null`. */
function evaluateAll(nodes: readonly CompiledNode[], value: unknown, budget: EvaluationBudget): unknown[] {
  const values: unknown[] = [];
  for (let i = 0; i < nodes.length; i++) {
    values.push((nodes[i] as CompiledNode)(value, budget) ?? null);
  }
  return values;
}

/** A call of one of MedTech's custom functions (the interpreter accepts any argument type for them). */
function compileMedTechCall(name: string, children: readonly AstNode[]): CompiledNode | null {
  const fn = MEDTECH_BY_NAME.get(name);
  if (fn === undefined || children.length !== fn.parameters.length) {
    return null;
  }
  const args = compileAll(children);
  if (args === null) {
    return null;
  }
  const [first, second] = args;
  const evaluate2 = fn.evaluate2;
  if (evaluate2 !== undefined && first !== undefined && second !== undefined && args.length === 2) {
    // Arithmetic: the two arguments go straight to the function, no array per call.
    return (value, budget) => {
      budget.step();
      const left = first(value, budget) ?? null;
      return evaluate2(left, second(value, budget) ?? null);
    };
  }
  return (value, budget) => {
    budget.step();
    return fn.evaluate(evaluateAll(args, value, budget), budget);
  };
}
