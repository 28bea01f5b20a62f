import { isInt64 } from '../../dotNetNumbers.js';
import { dotNetPow } from '../../dotNetPow.js';
import { ExpressionEvaluationError } from '../../errors.js';
import type { EvaluationBudget } from './evaluationBudget.js';
import { typeNameOf } from './jsonValues.js';
import type { KindedNumber } from './kindedNumbers.js';
import {
  doubleOf,
  floatNumber,
  integerFromDouble,
  integerNumber,
  integerOf,
  isFloat,
  isJmesNumber,
  isOfUnknownKind,
  MIN_BOXED_INTEGER,
  needKindOf,
  NUMBER_KINDS_NEEDED,
} from './kindedNumbers.js';

/**
 * MedTech's custom JMESPath functions (docs/reference-behaviour.md §1.8), with the argument names of Microsoft's
 * "How to use custom functions" page. Behaviour follows iomt-fhir's `Microsoft.Health.Expressions` except where the
 * reference says otherwise: `divide` is true division.
 */
export interface MedTechFunction {
  /** Function name, case-sensitive as in MedTech. */
  readonly name: string;
  /** Argument names, in order; the arity is their count. */
  readonly parameters: readonly string[];
  /**
   * Computes the result.
   * @param args - evaluated arguments, as many as `parameters`
   * @param budget - the evaluation's budget (for the strings it builds)
   * @throws ExpressionEvaluationError naming the function and argument (never the value) on a bad argument
   */
  evaluate(args: readonly unknown[], budget: EvaluationBudget): number | KindedNumber | string;
  /**
   * For a two-argument function that builds no string: the same computation with the two arguments passed
   * directly, without an array.
   * @throws ExpressionEvaluationError as `evaluate` does
   */
  readonly evaluate2?: (left: unknown, right: unknown) => number | KindedNumber;
}

// .NET DateTimeOffset.FromUnixTimeSeconds/Milliseconds accept 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z.
const MIN_UNIX_SECONDS = -62_135_596_800;
const MAX_UNIX_SECONDS = 253_402_300_799;
const MIN_UNIX_MILLISECONDS = MIN_UNIX_SECONDS * 1000;
const MAX_UNIX_MILLISECONDS = MAX_UNIX_SECONDS * 1000 + 999;

function argumentError(fn: MedTechFunction, index: number, problem: string): ExpressionEvaluationError {
  return new ExpressionEvaluationError(
    `${fn.name}() argument ${index + 1} ($${fn.parameters[index] ?? '?'}) ${problem}`,
  );
}

function numberArgument(fn: MedTechFunction, value: unknown, index: number): number | KindedNumber {
  if (!isJmesNumber(value)) {
    throw argumentError(fn, index, `must be a number, got ${typeNameOf(value)}`);
  }
  return value;
}

function integerArgument(fn: MedTechFunction, args: readonly unknown[], index: number): number {
  const argument = args[index];
  if (!isJmesNumber(argument)) {
    throw argumentError(fn, index, `must be an integer, got ${typeNameOf(argument)}`);
  }
  // MedTech checks the token type: a float is refused even when whole (`1.0`, or a message's `1678747561.0`).
  needKindOf(argument);
  if (isFloat(argument)) {
    const value = doubleOf(argument);
    throw argumentError(
      fn,
      index,
      `must be an integer, got a ${Number.isInteger(value) ? 'float' : 'number with a fraction'}`,
    );
  }
  return doubleOf(argument);
}

function stringArgument(fn: MedTechFunction, args: readonly unknown[], index: number): string {
  const value = args[index];
  if (typeof value !== 'string') {
    throw argumentError(fn, index, `must be a string, got ${typeNameOf(value)}`);
  }
  return value;
}

/**
 * A two-number function as MedTech computes it: as doubles when either operand is a float, the result a float (which
 * must be finite); as 64-bit integers when both are integers (`onIntegers`).
 */
function arithmetic(
  name: string,
  onDoubles: (left: number, right: number, fn: MedTechFunction) => number,
  onIntegers: (left: bigint, right: bigint, fn: MedTechFunction) => number | KindedNumber,
): MedTechFunction {
  const fn: MedTechFunction = {
    name,
    parameters: ['left', 'right'],
    evaluate(args) {
      return evaluate2(args[0], args[1]);
    },
    evaluate2,
  };
  function evaluate2(leftArgument: unknown, rightArgument: unknown): number | KindedNumber {
    const left = numberArgument(fn, leftArgument, 0);
    const right = numberArgument(fn, rightArgument, 1);
    if (!isFloat(left) && !isFloat(right) && (isOfUnknownKind(left) || isOfUnknownKind(right))) {
      return ofUnknownKind(fn, doubleOf(left), doubleOf(right), onDoubles);
    }
    if (!isFloat(left) && !isFloat(right)) {
      const l = doubleOf(left);
      const r = doubleOf(right);
      if (Number.isSafeInteger(l) && Number.isSafeInteger(r)) {
        // The common case: small integers whose result a double holds exactly, no BigInt needed.
        const result = onDoubles(l, r, fn);
        if (Number.isSafeInteger(result)) {
          return integerFromDouble(result);
        }
      }
      return onIntegers(integerOf(left), integerOf(right), fn);
    }
    const result = onDoubles(doubleOf(left), doubleOf(right), fn);
    return floatNumber(finite(fn, result));
  }
  return fn;
}

/**
 * The result of arithmetic on an operand whose kind is not known (a whole number of a body read plain) and another that
 * is no float: the same number whether MedTech computes it in `long` or in `double`, as long as it is small, finite and
 * not a negative zero; a plain number, whose kind stays unknown (whole) or is a float's (a fraction). Otherwise the
 * kinds are needed.
 */
function ofUnknownKind(
  fn: MedTechFunction,
  left: number,
  right: number,
  onDoubles: (left: number, right: number, fn: MedTechFunction) => number,
): number {
  const result = onDoubles(left, right, fn);
  if (
    Math.abs(left) < MAX_EXACT &&
    Math.abs(right) < MAX_EXACT &&
    Math.abs(result) < MIN_BOXED_INTEGER &&
    !Object.is(result, -0)
  ) {
    return result;
  }
  throw NUMBER_KINDS_NEEDED;
}

/** Beyond this a double is no longer exact for integers (2^53). */
const MAX_EXACT = 2 ** 53;

function finite(fn: MedTechFunction, result: number): number {
  if (Number.isNaN(result)) {
    throw new ExpressionEvaluationError(`${fn.name}() has no real-number result for these arguments`);
  }
  if (!Number.isFinite(result)) {
    throw new ExpressionEvaluationError(`${fn.name}() overflowed: the result is too large for a number`);
  }
  return result;
}

/** An exact integer result, which must fit a C# `long` (MedTech's would wrap around; an error is kinder). */
function longResult(fn: MedTechFunction, result: bigint): number | KindedNumber {
  if (!isInt64(result)) {
    throw new ExpressionEvaluationError(`${fn.name}() overflowed: the result does not fit a 64-bit integer`);
  }
  return integerNumber(result);
}

function divide(left: number, right: number, fn: MedTechFunction): number {
  if (right === 0) {
    throw new ExpressionEvaluationError(`${fn.name}() cannot divide by zero`);
  }
  return left / right;
}

function fromUnixTime(name: string, parameter: string, min: number, max: number, toMs: number): MedTechFunction {
  const fn: MedTechFunction = {
    name,
    parameters: [parameter],
    evaluate(args, budget) {
      const time = integerArgument(fn, args, 0);
      if (time < min || time > max) {
        throw argumentError(fn, 0, 'is outside the supported range (years 0001 to 9999)');
      }
      const iso = new Date(time * toMs).toISOString();
      budget.produce(iso.length, `${name}()`);
      return iso;
    },
  };
  return fn;
}

const insertString: MedTechFunction = {
  name: 'insertString',
  parameters: ['original', 'toInsert', 'pos'],
  evaluate(args, budget) {
    const original = stringArgument(insertString, args, 0);
    const toInsert = stringArgument(insertString, args, 1);
    const position = integerArgument(insertString, args, 2);
    // Positions count UTF-16 code units, as .NET's StringBuilder.Insert does; the end of the string is allowed.
    if (position < 0 || position > original.length) {
      throw argumentError(insertString, 2, 'is out of range: it must be between 0 and the length of $original');
    }
    budget.produce(original.length + toInsert.length, 'insertString()');
    return original.slice(0, position) + toInsert + original.slice(position);
  },
};

/** MedTech's custom functions, available only in JMESPath expressions. */
export const MEDTECH_FUNCTIONS: readonly MedTechFunction[] = [
  arithmetic(
    'add',
    (left, right) => left + right,
    (left, right, fn) => longResult(fn, left + right),
  ),
  arithmetic(
    'subtract',
    (left, right) => left - right,
    (left, right, fn) => longResult(fn, left - right),
  ),
  arithmetic(
    'multiply',
    (left, right) => left * right,
    (left, right, fn) => longResult(fn, left * right),
  ),
  // Decision (reference-behaviour.md §1.8): true division, as Microsoft's documentation states (40 / 50 = 0.8). Two
  // integers that divide exactly give the integer, as MedTech's integer division does; otherwise the double.
  arithmetic('divide', divide, (left, right, fn) => {
    if (right !== 0n && left % right === 0n) {
      return longResult(fn, left / right);
    }
    return floatNumber(finite(fn, divide(Number(left), Number(right), fn)));
  }),
  // Math.Pow as .NET computes it (correctly rounded; JavaScript's `**` misses by a last bit in one case in nine).
  // Two integers: MedTech's Convert.ToInt64(Math.Pow(…)), an integer when the power is whole (what it does with a
  // fraction, rounding it, awaits the owner's decision: the fraction is kept here).
  arithmetic(
    'pow',
    (left, right) => dotNetPow(left, right),
    (left, right, fn) => {
      const result = finite(fn, dotNetPow(Number(left), Number(right)));
      return Number.isInteger(result) ? longResult(fn, BigInt(result)) : result;
    },
  ),
  insertString,
  fromUnixTime('fromUnixTimestamp', 'unixTimestampInSeconds', MIN_UNIX_SECONDS, MAX_UNIX_SECONDS, 1000),
  fromUnixTime('fromUnixTimestampMs', 'unixTimestampInMs', MIN_UNIX_MILLISECONDS, MAX_UNIX_MILLISECONDS, 1),
];
