import type { EvaluationBudget } from './evaluationBudget.js';
import { deepEqual, defineMember, toJsonText } from './jsonValues.js';

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

/** A replacement for a library built-in; the library's signature (arity, argument types) is kept. */
export type StandardFunctionOverride = (args: readonly unknown[], budget: EvaluationBudget) => unknown;

// .NET's Int64/Double.TryParse (NumberStyles.Float, invariant culture): optional surrounding white space, a sign,
// digits with an optional decimal point, an optional exponent. No hex, no thousands separators, no empty string.
// `\d+(?:\.\d*)?`, not `\d+\.?\d*`: two adjacent digit runs backtrack over every split of a long run of digits
// that fails to match (quadratic: seconds for the digits of one message).
const NUMBER_TEXT = /^[\t\n\v\f\r ]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[\t\n\v\f\r ]*$/;

/** Compares strings by UTF-16 code unit, as .NET's ordinal comparison does (never by locale). */
function compareOrdinal(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function compareItems(left: unknown, right: unknown): number {
  return typeof left === 'string' && typeof right === 'string'
    ? compareOrdinal(left, right)
    : (left as number) - (right as number);
}

function extreme(direction: 1 | -1): StandardFunctionOverride {
  return ([items]) => {
    const list = items as unknown[];
    let best: unknown = null;
    for (const item of list) {
      if (best === null || compareItems(item, best) * direction > 0) {
        best = item;
      }
    }
    return best;
  };
}

/**
 * Built-ins the library implements differently from JmesPath.Net or without a bound on their work:
 * `to_number('')` is 0 and `to_number('0x1A')` is 26 there, `sort` orders numbers as text, `max`/`min` of strings
 * depend on the locale, `length` counts code points where .NET counts UTF-16 units (which `insertString` positions
 * use), `contains` compares objects by reference, `merge` lets a `__proto__` member replace the prototype, and
 * `join`/`to_string` can build unbounded strings.
 */
export const STANDARD_FUNCTION_OVERRIDES: Readonly<Record<string, StandardFunctionOverride>> = {
  to_number: ([value]) => {
    if (typeof value === 'number') {
      return value;
    }
    if (typeof value === 'string' && NUMBER_TEXT.test(value)) {
      const parsed = Number(value);
      return Number.isFinite(parsed) ? parsed : null;
    }
    return null;
  },
  // The interpreter charges one step per element of the list (see `SIZED_ARGUMENT`).
  sort: ([items]) => [...(items as unknown[])].sort(compareItems),
  max: extreme(1),
  min: extreme(-1),
  length: ([value]) => {
    if (typeof value === 'string' || Array.isArray(value)) {
      return value.length;
    }
    return Object.keys(value as object).length;
  },
  to_string: ([value], budget) => (typeof value === 'string' ? value : toJsonText(value, budget)),
  contains: ([subject, search], budget) => {
    if (typeof subject === 'string') {
      return typeof search === 'string' && subject.includes(search);
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
    for (const object of objects as Record<string, unknown>[]) {
      for (const name of Object.keys(object)) {
        budget.step();
        // A plain assignment (defineProperty costs ten times as much per member), except where it would set the
        // prototype.
        if (name === '__proto__') {
          defineMember(merged, name, object[name]);
        } else {
          merged[name] = object[name];
        }
      }
    }
    return merged;
  },
};
