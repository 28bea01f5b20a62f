import {
  formatDotNetDouble,
  formatDotNetNumber,
  numberReadingCost,
  parseDotNetDouble,
  parseDotNetInteger,
} from '../../dotNetNumbers.js';
import { ExpressionEvaluationError } from '../../errors.js';
import type { EvaluationBudget } from './evaluationBudget.js';
import { comparisonsToSort, deepEqual, defineMember, longestString, toJsonText, typeNameOf } from './jsonValues.js';
import {
  KindedNumber,
  doubleOf,
  floatNumber,
  integerFromDouble,
  integerNumber,
  isFloat,
  isJmesNumber,
  needKindOf,
} from './kindedNumbers.js';

/**
 * The built-in functions of the JMESPath specification: exactly what MedTech's JmesPath.Net registers. The community
 * edition's extra functions (`upper`, `split`, `pad_left`, `items`, …) are not available, as in MedTech.
 */
export const STANDARD_FUNCTION_NAMES: readonly string[] = [
  'abs',
  'avg',
  'ceil',
  'contains',
  'ends_with',
  'floor',
  'join',
  'keys',
  'length',
  'map',
  'max',
  'max_by',
  'merge',
  'min',
  'min_by',
  'not_null',
  'reverse',
  'sort',
  'sort_by',
  'starts_with',
  'sum',
  'to_array',
  'to_number',
  'to_string',
  'type',
  'values',
];

/** Evaluates an expression reference (`&expr`) argument against a value. */
export type EvaluateReference = (reference: unknown, value: unknown) => unknown;

/**
 * A replacement for a library built-in; the library's signature (arity, argument types) is kept unless
 * `STANDARD_FUNCTION_SIGNATURES` replaces it.
 */
export type StandardFunctionOverride = (
  args: readonly unknown[],
  budget: EvaluationBudget,
  evaluate: EvaluateReference,
) => unknown;

// C# `int` and `long` bounds: JmesPath.Net converts numbers to these with .NET's checked conversions, which throw
// when a value does not fit.
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2 ** 63);
const LONG_MAX_EXCLUSIVE = 2 ** 63;

function failure(message: string): ExpressionEvaluationError {
  return new ExpressionEvaluationError(message);
}

/**
 * A number JmesPath.Net holds as an integer token (see kindedNumbers.ts): a boxed integer, or a plain whole number
 * (one of a message whose kind could differ has stopped the evaluation before it gets here, `needKindOf`).
 */
function isIntegerToken(value: unknown): value is number | KindedNumber {
  return isJmesNumber(value) && !isFloat(value);
}

/** .NET's Convert.ToInt64(double) for an integral value: the value, or an overflow error naming the function. */
function toLong(value: number, name: string): number | KindedNumber {
  if (value < LONG_MIN || value >= LONG_MAX_EXCLUSIVE) {
    throw failure(`${name}() overflowed: the result does not fit a 64-bit integer`);
  }
  return integerFromDouble(value);
}

/** .NET's Convert.ToInt32 of a number: rounds half to even, and fails when the result does not fit an `int`. */
function toInt(value: number, name: string): number {
  let rounded = Math.round(value);
  if (Math.abs(value % 1) === 0.5 && rounded % 2 !== 0) {
    rounded -= 1;
  }
  if (rounded < INT_MIN || rounded > INT_MAX) {
    throw failure(`${name}() overflowed: a number does not fit a 32-bit integer`);
  }
  return rounded;
}

/**
 * The text .NET's Convert.ToString gives a JSON scalar (what JmesPath.Net's `Value<string>()` reads): booleans as
 * `True`/`False`, numbers as {@link formatDotNetNumber} writes them (`1E-05` where JavaScript writes `0.00001`).
 */
function dotNetScalarText(value: unknown, name: string): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number') {
    return formatDotNetNumber(value);
  }
  if (value instanceof KindedNumber) {
    // `Value<string>()`: a long's digits, a double's .NET text (no `.0` added, unlike the JSON writer).
    return value.integer?.toString() ?? formatDotNetDouble(value.value);
  }
  throw failure(`${name}() cannot use ${typeNameOf(value)} as text`);
}

/**
 * The key `max_by`/`min_by` compare, as JmesPath.Net 1.0.205 computes it: a number, or a string that parses as one
 * (compared as that number, an infinity when beyond the double range); any other string, and any other type, is an
 * error.
 */
function byKey(
  name: string,
  reference: unknown,
  item: unknown,
  evaluate: EvaluateReference,
  budget: EvaluationBudget,
): number {
  const key = evaluate(reference, item);
  if (isJmesNumber(key)) {
    return doubleOf(key);
  }
  if (typeof key !== 'string') {
    throw failure(`${name}() expected its expression to return a number or a string, got ${typeNameOf(key)}`);
  }
  // `Value<double>()` of a string: Convert.ToDouble (invariant culture assumed, as for `to_number`). A number beyond
  // the double range is ±Infinity: .NET Core 3.0 and later (MedTech runs .NET 6) round an overflow to infinity.
  budget.step(numberReadingCost(key));
  const parsed = parseDotNetDouble(key, true);
  if (parsed !== undefined) {
    return parsed;
  }
  throw failure(`${name}() expected its expression to return numbers: a string is not a number`);
}

/**
 * `max_by`/`min_by` as JmesPath.Net 1.0.205 (MedTech's) runs them: a fold over the array that keeps the running
 * element only when its key is strictly greater (less), so that among equal keys the last element wins; an empty
 * array is an error (no element to return), a one-element array returns its element without evaluating the key.
 */
function extremeBy(name: string, direction: 1 | -1): StandardFunctionOverride {
  return ([items, reference], budget, evaluate) => {
    const list = items as unknown[];
    if (list.length === 0) {
      throw failure(`${name}() of an empty array has no result`);
    }
    let best = list[0];
    for (let i = 1; i < list.length; i++) {
      budget.step();
      const item = list[i];
      const bestKey = byKey(name, reference, best, evaluate, budget);
      const itemKey = byKey(name, reference, item, evaluate, budget);
      if (!((bestKey - itemKey) * direction > 0)) {
        best = item;
      }
    }
    return best;
  };
}

/**
 * `sort` as JmesPath.Net 1.0.205 runs it: all elements of one JSON type; the first element decides the sort key. A
 * float first sorts by number; an integer first converts every element to a 32-bit integer (.NET rounding half to
 * even, so `97.5` sorts as 98; a value beyond the `int` range is an error); anything else sorts as text, booleans
 * as `False`/`True`. The sort is stable.
 */
function sortLikeDotNet(list: readonly unknown[]): unknown[] {
  const types = new Set(list.map(typeNameOf));
  if (types.size > 1) {
    throw failure('sort() expects all elements of the array to have the same type');
  }
  const [first] = list;
  if (first === undefined) {
    return [];
  }
  if (isJmesNumber(first)) {
    needKindOf(first);
    const integers = isIntegerToken(first);
    const keyed = list.map((item) => {
      const value = doubleOf(item as number | KindedNumber);
      return { item, key: integers ? toInt(value, 'sort') : value };
    });
    return keyed.sort((a, b) => a.key - b.key).map(({ item }) => item);
  }
  if (Array.isArray(first) || (typeof first === 'object' && first !== null)) {
    throw failure(`sort() cannot sort an array of ${typeNameOf(first)}s`);
  }
  if (first === null) {
    return [...list];
  }
  const keyed = list.map((item) => ({ item, key: dotNetScalarText(item, 'sort') }));
  return keyed.sort((a, b) => compareOrdinal(a.key, b.key)).map(({ item }) => item);
}

/**
 * `sort_by` as JmesPath.Net 1.0.205 runs it: each element's key evaluated once, in order; the first key must be a
 * number or a string and every later key of the same type; a stable sort, numbers by value and strings by UTF-16 code
 * unit (Newtonsoft's JValue comparison is ordinal). Besides the step per comparison the interpreter charges before the
 * call, each comparison is charged a step for every 64 characters of the longest string key.
 */
function sortBy(): StandardFunctionOverride {
  return ([items, reference], budget, evaluate) => {
    const list = items as readonly unknown[];
    let keyType: 'number' | 'string' | undefined;
    const keyed = list.map((item) => {
      const key = evaluate(reference, item);
      const type = isJmesNumber(key) ? 'number' : typeof key === 'string' ? 'string' : undefined;
      if (keyType === undefined) {
        if (type === undefined) {
          throw failure(`sort_by() expected its expression to return a number or a string, got ${typeNameOf(key)}`);
        }
        keyType = type;
      } else if (type !== keyType) {
        throw failure(`sort_by() expected every key to be a ${keyType}, got ${typeNameOf(key)}`);
      }
      return { item, key: key as string | number | KindedNumber };
    });
    budget.step(comparisonsToSort(list.length) * (longestString(keyed.map(({ key }) => key)) >>> 6));
    return keyed.sort((a, b) => compareItems(a.key, b.key)).map(({ item }) => item);
  };
}

/**
 * `merge` as JmesPath.Net 1.0.205 runs it, through Newtonsoft's JObject.Merge with default settings: a member
 * already present is merged into when both values are objects (recursively) or both arrays (concatenated), kept
 * when the new value is `null`, and replaced otherwise. Source objects are never modified.
 */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>, budget: EvaluationBudget): void {
  for (const name of Object.keys(source)) {
    budget.step();
    const value = source[name];
    if (!Object.hasOwn(target, name)) {
      setMember(target, name, value);
      continue;
    }
    const existing = target[name];
    if (Array.isArray(existing) && Array.isArray(value)) {
      budget.step(existing.length + value.length);
      setMember(target, name, [...(existing as unknown[]), ...(value as unknown[])]);
    } else if (isPlainObject(existing) && isPlainObject(value)) {
      const copy: Record<string, unknown> = {};
      mergeInto(copy, existing, budget);
      mergeInto(copy, value, budget);
      setMember(target, name, copy);
    } else if (value !== null) {
      setMember(target, name, value);
    }
  }
}

/** A plain assignment (defineProperty costs ten times as much per member), except where it would set the prototype. */
function setMember(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    defineMember(target, name, value);
  } else {
    target[name] = value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof KindedNumber);
}

/** Compares strings by UTF-16 code unit, as .NET's ordinal comparison does (never by locale). */
function compareOrdinal(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function compareItems(left: unknown, right: unknown): number {
  return typeof left === 'string' && typeof right === 'string'
    ? compareOrdinal(left, right)
    : doubleOf(left as number | KindedNumber) - doubleOf(right as number | KindedNumber);
}

function extreme(direction: 1 | -1): StandardFunctionOverride {
  // JmesPath.Net compares strings here with .NET's culture-sensitive default comparer; ordinal order is assumed
  // (the culture MedTech runs under is not known).
  // Numbers: the largest (smallest) as a `long` when all are integers, else as a double, a float even when whole
  // (`max([3, \`1.0\`])` is `3.0`).
  return ([items]) => {
    const list = items as unknown[];
    let best: unknown = null;
    let floats = false;
    for (const item of list) {
      needKindOf(item);
      if (isJmesNumber(item) && isFloat(item)) {
        floats = true;
      }
      if (best === null || compareItems(item, best) * direction > 0) {
        best = item;
      }
    }
    return floats && isJmesNumber(best) ? floatNumber(doubleOf(best)) : best;
  };
}

/** Library signatures replaced: JmesPath.Net's `sort` takes an array of any one type (booleans sort too). */
export const STANDARD_FUNCTION_ARRAY_ARGUMENT: ReadonlySet<string> = new Set(['sort']);

/**
 * `starts_with`/`ends_with`, charged as compared character by character: a step for every 16 characters the
 * comparison may read.
 */
function affixTest(test: (subject: string, affix: string) => boolean): StandardFunctionOverride {
  return ([subject, affix], budget) => {
    budget.step(Math.ceil(Math.min((subject as string).length, (affix as string).length) / 16));
    return test(subject as string, affix as string);
  };
}

/**
 * Built-ins the library implements differently from JmesPath.Net or without a bound on their work:
 * `to_number('')` is 0 and `to_number('0x1A')` is 26 there, `sort` orders numbers as text, `max`/`min` of strings
 * depend on the locale, `sort_by` orders strings by code point and evaluates a key at every comparison, `length`
 * counts code points where .NET counts UTF-16 units (which `insertString` positions use), `contains` compares objects
 * by reference, `merge` lets a `__proto__` member replace the prototype, and
 * `join`/`to_string` can build unbounded strings.
 */
export const STANDARD_FUNCTION_OVERRIDES: Readonly<Record<string, StandardFunctionOverride>> = {
  to_number: ([value], budget) => {
    if (isJmesNumber(value)) {
      return value;
    }
    if (typeof value === 'string') {
      budget.step(numberReadingCost(value));
      // JmesPath.Net tries Int64.TryParse (NumberStyles.Integer), then Double.TryParse (NumberStyles.Float); the
      // current culture of the former is taken to be the invariant one. Infinity and NaN, which .NET returns for
      // "Infinity", "NaN" or "1e400", are null here: no measurement value or comparison can use them.
      const integer = parseDotNetInteger(value, true);
      if (integer !== undefined) {
        return integerNumber(integer);
      }
      const parsed = parseDotNetDouble(value, false);
      return parsed !== undefined && Number.isFinite(parsed) ? floatNumber(parsed) : null;
    }
    return null;
  },
  // The interpreter charges one step per element of the list (see `SIZED_ARGUMENT`).
  sort: ([items]) => sortLikeDotNet(items as unknown[]),
  sort_by: sortBy(),
  max_by: extremeBy('max_by', 1),
  min_by: extremeBy('min_by', -1),
  // JmesPath.Net 1.0.205: abs of an integer works on a 32-bit `int` (an error beyond it, and for -2^31); ceil and
  // floor return a 64-bit integer, sum an integer sum as one (an error beyond that range).
  abs: ([value]) => {
    needKindOf(value);
    const number = doubleOf(value as number | KindedNumber);
    if (isIntegerToken(value)) {
      if (number <= INT_MIN || number > INT_MAX) {
        throw failure('abs() overflowed: an integer argument must fit a 32-bit integer');
      }
      return Math.abs(number);
    }
    return floatNumber(Math.abs(number));
  },
  ceil: ([value]) => toLong(Math.ceil(doubleOf(value as number | KindedNumber)), 'ceil'),
  floor: ([value]) => toLong(Math.floor(doubleOf(value as number | KindedNumber)), 'floor'),
  sum: ([items]) => {
    let total = 0;
    for (const item of items as (number | KindedNumber)[]) {
      total += doubleOf(item);
    }
    return Number.isInteger(total) ? toLong(total, 'sum') : total;
  },
  // JmesPath.Net's avg: the mean of the values as doubles, always a double (`avg([1, 3])` is `2.0`); none of `[]`.
  avg: ([items]) => {
    const list = items as (number | KindedNumber)[];
    if (list.length === 0) {
      return null;
    }
    let total = 0;
    for (const item of list) {
      total += doubleOf(item);
    }
    return floatNumber(total / list.length);
  },
  // JmesPath.Net 1.0.205 reverses a string by UTF-16 code unit (a surrogate pair comes out reversed).
  reverse: ([value], budget) => {
    if (typeof value === 'string') {
      budget.produce(value.length, 'reverse()');
      return value.split('').reverse().join('');
    }
    return [...(value as unknown[])].reverse();
  },
  max: extreme(1),
  min: extreme(-1),
  length: ([value]) => {
    if (typeof value === 'string' || Array.isArray(value)) {
      return value.length;
    }
    return Object.keys(value as object).length;
  },
  to_string: ([value], budget) => (typeof value === 'string' ? value : toJsonText(value, budget)),
  starts_with: affixTest((subject, prefix) => subject.startsWith(prefix)),
  ends_with: affixTest((subject, suffix) => subject.endsWith(suffix)),
  contains: ([subject, search], budget) => {
    if (typeof subject === 'string') {
      // JmesPath.Net 1.0.205 reads the searched value as text: `contains('a1', `1`)` is true, a null is an error.
      if (search === null || search === undefined) {
        throw failure('contains() cannot search a string for null');
      }
      const text = dotNetScalarText(search, 'contains');
      // A search may compare the text at every position: a step per 16 character comparisons it may make.
      budget.step(Math.ceil((subject.length * Math.max(1, text.length)) / 16));
      return subject.includes(text);
    }
    return (subject as unknown[]).some((item) => deepEqual(item, search, budget));
  },
  join: ([separator, items], budget) => {
    const list = items as string[];
    const glue = separator as string;
    const length = list.reduce((total, item) => total + item.length, Math.max(0, list.length - 1) * glue.length);
    budget.produce(length, 'join()');
    return list.join(glue);
  },
  merge: (objects, budget) => {
    const merged: Record<string, unknown> = {};
    (objects as unknown[]).forEach((object, index) => {
      if (!isPlainObject(object)) {
        throw failure(`merge() expected argument ${index + 1} to be an object, got ${typeNameOf(object)}`);
      }
      mergeInto(merged, object, budget);
    });
    return merged;
  },
};
