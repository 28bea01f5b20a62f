import { formatDotNetNumber } from '../../dotNetNumbers.js';
import type { EvaluationBudget } from './evaluationBudget.js';
import {
  KindedNumber,
  doubleOf,
  isJmesNumber,
  needKindOf,
  newtonsoftNumberText,
  numbersEqual,
} from './kindedNumbers.js';

/** JMESPath type names, as the `type()` function spells them. */
export type JmesPathTypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

/**
 * The JMESPath type of a value, for error messages (a type, never the value itself). Expression references never
 * reach a value: the parser accepts `&expr` only where a function takes one.
 * @param value - an evaluated argument
 */
export function typeNameOf(value: unknown): JmesPathTypeName {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (typeof value === 'boolean') {
    return 'boolean';
  }
  if (typeof value === 'number' || value instanceof KindedNumber) {
    return 'number';
  }
  if (typeof value === 'string') {
    return 'string';
  }
  return Array.isArray(value) ? 'array' : 'object';
}

/** Members an object may have before listing them to tell whether it has any is charged (see {@link isFalsy}). */
const FREE_MEMBER_LISTING = 8;

/**
 * JMESPath truthiness: `null`, `false`, `""`, `[]` and `{}` are false, everything else is true. Telling whether an
 * object has a member lists them all (a large object takes as long as its members): an object of more than
 * {@link FREE_MEMBER_LISTING} members is charged a step per member.
 * @param value - an evaluated value
 * @param budget - the evaluation's budget
 * @throws ExpressionEvaluationError when the budget runs out
 */
export function isFalsy(value: unknown, budget: EvaluationBudget): boolean {
  if (value === null || value === undefined || value === false || value === '') {
    return true;
  }
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  if (typeof value !== 'object' || value instanceof KindedNumber) {
    return false;
  }
  const members = Object.keys(value).length;
  if (members > FREE_MEMBER_LISTING) {
    budget.step(members);
  }
  return members === 0;
}

/**
 * Creates an own, enumerable member even for names such as `__proto__` (plain assignment would change the prototype).
 * @param target - the object being built
 * @param name - the member name
 * @param value - the member value
 */
export function defineMember(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Reads an own member of a JSON object; inherited members (`constructor`, `__proto__`, `toString`) do not exist.
 * A member that is there holds a value, `null` included (an `undefined` one, which only a JavaScript caller can pass,
 * reads as `null`); a member that is not there is `undefined`, the evaluator's "missing" (JmesPath.Net's
 * `JTokens.Null`), which a projection drops where it keeps a `null` of the data.
 * @param value - the current value
 * @param name - the member name
 * @returns the member value; `undefined` when `value` is not an object or has no such member
 */
export function memberOf(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) {
    return undefined;
  }
  return (value as Record<string, unknown>)[name] ?? null;
}

/**
 * The element of an array at an index, counted from the end when negative, as JmesPath.Net's `[n]` reads it.
 * @param value - the current value
 * @param index - the index as written
 * @returns the element (`null` for an `undefined` one a JavaScript caller passed); `undefined` (missing) when
 *   `value` is no array or the index is out of range
 */
export function elementOf(value: unknown, index: number): unknown {
  if (!Array.isArray(value)) {
    return undefined;
  }
  const items = value as unknown[];
  const position = index < 0 ? items.length + index : index;
  return position >= 0 && position < items.length ? (items[position] ?? null) : undefined;
}

/**
 * Equality of two values of which at least one is no container, as JmesPath.Net's (Newtonsoft's `DeepEquals`) is:
 * identity, except for numbers ({@link numbersEqual}): an integer never equals a float (`1 == \`1.0\`` is false), and
 * two floats are equal within Newtonsoft's tolerance (`add(\`0.1\`, \`0.2\`) == \`0.3\``).
 * @param a - a value
 * @param b - another
 */
export function scalarsEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    // Two plain numbers of one value may still be `1` and `1.0` in the message.
    needKindOf(a);
    return true;
  }
  if (!isJmesNumber(a) || !isJmesNumber(b)) {
    return false;
  }
  needKindOf(a);
  needKindOf(b);
  return numbersEqual(a, b);
}

/** Whether a value is an array or an object of the data, not a scalar (a boxed number is a scalar). */
function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !(value instanceof KindedNumber);
}

/**
 * Steps charged for sorting `n` elements: the comparisons a merge sort may make, `n` × ⌈log2 n⌉ (at least `n`), so
 * that sorting a large array costs what it takes and not one step per element.
 * @param n - how many elements are sorted
 */
export function comparisonsToSort(n: number): number {
  return n < 2 ? n : n * Math.ceil(Math.log2(n));
}

/**
 * Length of the longest string in a list (0 when it holds none): what comparing its strings may read.
 * @param list - the values
 */
export function longestString(list: readonly unknown[]): number {
  let longest = 0;
  for (const item of list) {
    if (typeof item === 'string' && item.length > longest) {
      longest = item.length;
    }
  }
  return longest;
}

/**
 * Steps for comparing two values beside the comparison's own: for two different strings, which may be read up to the
 * end of the shorter, one for every 64 characters of it; nothing otherwise.
 * @param a - one value
 * @param b - the other
 */
export function stringComparisonCost(a: unknown, b: unknown): number {
  return typeof a === 'string' && typeof b === 'string' && a !== b ? Math.min(a.length, b.length) >>> 6 : 0;
}

/**
 * JSON deep equality, as JmesPath.Net's: pairs compared from the end of each array or object, depth first. Charges a
 * step per pair of values compared, and, when the answer is found before an object's members are all compared, a step
 * for each member listed and not compared (listing them took as long). Iterative, so deep data cannot exhaust the
 * stack; the step charge bounds the work even when an expression built values that share structure
 * (`[@, @] | [@, @] | …`).
 * @param left - first value
 * @param right - second value
 * @param budget - the evaluation's budget
 * @throws ExpressionEvaluationError when the budget runs out
 */
export function deepEqual(left: unknown, right: unknown, budget: EvaluationBudget): boolean {
  // Containers being compared, each with what is left of it: pairs are taken from the end, depth first.
  const frames: EqualityFrame[] = [];
  // Members listed and not compared when the answer is found: listing them took as long as comparing would have.
  const unequal = (): false => {
    for (const frame of frames) {
      if (frame.keys !== null) {
        budget.step(frame.left);
      }
    }
    return false;
  };
  let pair: [unknown, unknown] | undefined = [left, right];
  for (;;) {
    if (pair === undefined) {
      const frame = frames[frames.length - 1];
      if (frame === undefined) {
        return true;
      }
      if (frame.left === 0) {
        frames.pop();
        continue;
      }
      frame.left -= 1;
      const at = frame.keys === null ? frame.left : (frame.keys[frame.left] ?? '');
      pair = [(frame.a as Record<string | number, unknown>)[at], (frame.b as Record<string | number, unknown>)[at]];
    }
    const [a, b] = pair;
    pair = undefined;
    budget.step();
    if (a === b) {
      needKindOf(a);
      continue;
    }
    if (!isContainer(a) || !isContainer(b)) {
      budget.step(stringComparisonCost(a, b));
      if (scalarsEqual(a, b)) {
        continue;
      }
      return unequal();
    }
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
        return unequal();
      }
      frames.push({ a, b, keys: null, left: a.length });
      continue;
    }
    const aKeys = Object.keys(a);
    const bCount = Object.keys(b).length;
    if (aKeys.length !== bCount || !aKeys.every((key) => Object.hasOwn(b, key))) {
      // Both objects' members listed, none compared.
      budget.step(aKeys.length + bCount);
      return unequal();
    }
    frames.push({ a, b, keys: aKeys, left: aKeys.length });
  }
}

/** A pair of arrays (`keys` null) or objects being compared by {@link deepEqual}, and how many pairs are left. */
interface EqualityFrame {
  a: object;
  b: object;
  keys: string[] | null;
  left: number;
}

// Characters Newtonsoft's JsonTextWriter escapes in a string: control characters, the quote and the backslash (as
// JSON.stringify does), and also U+0085, U+2028 and U+2029; a lone surrogate it writes as is, where JSON.stringify
// escapes it.
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEWTONSOFT_ESCAPED = /[\u0000-\u001f"\\\u0085\u2028\u2029]/;
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A string as JSON text, escaped as Newtonsoft.Json writes it (which JmesPath.Net's `to_string` uses). */
function newtonsoftString(text: string): string {
  if (!NEWTONSOFT_ESCAPED.test(text)) {
    return `"${text}"`;
  }
  let out = '"';
  for (const character of text) {
    if (NEWTONSOFT_ESCAPED.test(character)) {
      out += SHORT_ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
    } else {
      out += character;
    }
  }
  return `${out}"`;
}

/**
 * Compact JSON text of a value, as `to_string` returns it, charging one step per value and the characters built.
 * @param value - the value to serialize
 * @param budget - the evaluation's budget
 * @throws ExpressionEvaluationError when the budget runs out
 */
export function toJsonText(value: unknown, budget: EvaluationBudget): string {
  const parts: string[] = [];
  const write = (text: string): void => {
    budget.produce(text.length, 'to_string()');
    parts.push(text);
  };
  const visit = (current: unknown): void => {
    budget.step();
    if (Array.isArray(current)) {
      write('[');
      current.forEach((item: unknown, index) => {
        if (index > 0) {
          write(',');
        }
        visit(item);
      });
      write(']');
    } else if (current instanceof KindedNumber) {
      write(newtonsoftNumberText(current));
    } else if (typeof current === 'object' && current !== null) {
      write('{');
      Object.entries(current).forEach(([key, item], index) => {
        write(`${index > 0 ? ',' : ''}${newtonsoftString(key)}:`);
        visit(item);
      });
      write('}');
    } else if (typeof current === 'string') {
      write(newtonsoftString(current));
    } else if (typeof current === 'number' && Number.isFinite(current)) {
      needKindOf(current);
      // Newtonsoft's writer: a long's digits, a double's .NET text (`1E-05`).
      write(formatDotNetNumber(current));
    } else {
      write(JSON.stringify(current ?? null));
    }
  };
  visit(value);
  return parts.join('');
}

/**
 * Charges one step per value inside `value`, counting shared sub-values once per path (as a serializer would meet
 * them), so that a result built from shared structure cannot be handed on when it expands beyond the budget.
 * @param value - an evaluation result
 * @param budget - the evaluation's budget
 * @throws ExpressionEvaluationError when the budget runs out
 */
export function chargeExpandedSize(value: unknown, budget: EvaluationBudget): void {
  chargeNested(value, budget, 0);
}

/** Deepest level {@link chargeNested} recurses to; deeper values are charged with an explicit stack. */
const MAX_CHARGE_RECURSION = 64;

/**
 * {@link chargeExpandedSize} by recursion, which allocates nothing for the small results most expressions give; the
 * same steps as {@link chargeWithStack} (a container's own enumerable members, as `Object.values` lists them: `for…in`
 * lists inherited ones too, which data and results do not have).
 */
function chargeNested(value: unknown, budget: EvaluationBudget, depth: number): void {
  if (depth > MAX_CHARGE_RECURSION) {
    chargeWithStack(value, budget);
    return;
  }
  budget.step();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      chargeNested(value[i], budget, depth + 1);
    }
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      chargeNested(record[key], budget, depth + 1);
    }
  }
}

function chargeWithStack(value: unknown, budget: EvaluationBudget): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    budget.step();
    if (Array.isArray(current)) {
      for (const item of current as unknown[]) {
        pending.push(item);
      }
    } else if (typeof current === 'object' && current !== null) {
      for (const item of Object.values(current)) {
        pending.push(item);
      }
    }
  }
}

/** The ordering comparators of JMESPath. */
export type OrderingOperator = 'LT' | 'LTE' | 'GT' | 'GTE';

/**
 * An ordering comparison as JmesPath.Net (MedTech's JMESPath) makes it: two numbers numerically; two strings by
 * UTF-16 code unit (.NET's ordinal comparison), `null` counting as a string that sorts before every other one (so a
 * missing member is "less" than any text); anything else — mixed types, booleans, arrays, objects — has no result.
 * @param operator - `<`, `<=`, `>` or `>=`
 * @param left - the left value
 * @param right - the right value
 * @returns the comparison, or `null` when the values cannot be ordered
 */
export function compareOrdered(operator: OrderingOperator, left: unknown, right: unknown): boolean | null {
  let order: number;
  if (isJmesNumber(left) && isJmesNumber(right)) {
    // As doubles, integers too (JmesPathOrderingComparison): `9007199254740993` > `9007199254740992` is false.
    const a = doubleOf(left);
    const b = doubleOf(right);
    order = a < b ? -1 : a > b ? 1 : 0;
  } else if (isStringOrNull(left) && isStringOrNull(right)) {
    if (left === null || left === undefined) {
      order = right === null || right === undefined ? 0 : -1;
    } else if (right === null || right === undefined) {
      order = 1;
    } else {
      order = left < right ? -1 : left > right ? 1 : 0;
    }
  } else {
    return null;
  }
  switch (operator) {
    case 'LT':
      return order < 0;
    case 'LTE':
      return order <= 0;
    case 'GT':
      return order > 0;
    case 'GTE':
      return order >= 0;
  }
}

function isStringOrNull(value: unknown): value is string | null | undefined {
  return typeof value === 'string' || value === null || value === undefined;
}
