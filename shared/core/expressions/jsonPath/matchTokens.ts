import { ExpressionEvaluationError } from '../../errors.js';
import type { ComparisonOperator, LiteralKind } from './jsonPathAst.js';
import { parseDotNetDouble, parseDotNetInt64 } from '../../dotNetNumbers.js';
import { trimDotNet } from '../../dotNetWhiteSpace.js';
import { approxEquals, compareFloats } from '../newtonsoftFloats.js';
import { RegexSyntaxError, newtonsoftRegex } from './dotNetRegex.js';

/** What a comparison needs of its evaluation: the expression text (for errors) and the work left to it. */
export interface MatchContext {
  readonly source: string;
  /** Node visits left; a regular expression's steps are taken from it too. */
  budget: number;
  readonly limit: number;
}

/**
 * Kind of a token in a filter comparison: a JSON primitive typed as Newtonsoft.Json types it, or `container` for an
 * object or array (never equal to anything; only `!=` is true for it, as in Newtonsoft).
 */
export type TokenKind = LiteralKind | 'container';

/**
 * How the message wrote a number a filter compares, as far as it matters to Newtonsoft.Json, which reads `72.0` as a
 * float, `72` as an integer and an integer beyond 64 bits as a BigInteger, where `JSON.parse` makes one number of
 * each. `unknown`: not looked up yet (a comparison whose outcome would depend on it throws
 * {@link NUMBER_FORM_NEEDED}); `asParsed`: not to be known (the number is compared as its value's kind says).
 */
export type NumberForm = 'unknown' | 'asParsed' | 'integer' | 'float' | 'bigInteger';

/**
 * Thrown (never to escape a filter) by {@link matchTokens} when a comparison's outcome depends on how the message
 * wrote a whole number: the caller looks the form up and compares again with it. A shared frozen object: no stack.
 */
export const NUMBER_FORM_NEEDED: Error = Object.freeze(
  Object.assign(Object.create(Error.prototype) as Error, { message: 'a JSONPath comparison needs a number form' }),
);

/** 2^63: from here a whole number written as an integer is a BigInteger to Newtonsoft.Json. */
const BIG_INTEGER_MIN = 2 ** 63;

/**
 * Kind of a parsed-JSON value. A whole number is `integer` (Newtonsoft reads `5` as an integer and `5.5` as a float;
 * `5.0` cannot be told apart after `JSON.parse` and counts as an integer here, unless a comparison that depends on it
 * reads how the message wrote it: {@link NumberForm}).
 * @param value - a value from parsed JSON
 */
export function kindOf(value: unknown): TokenKind {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'float';
    case 'boolean':
      return 'boolean';
    case 'object':
      return value === null ? 'null' : 'container';
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      // Not JSON; treated like an object: never equal, only `!=` is true.
      return 'container';
  }
}

/**
 * Compares two tokens with Newtonsoft.Json's filter rules (`BooleanQueryExpression.MatchTokens`):
 * `==`/`===` need the same kind (an integer and a float compare numerically, floats with Newtonsoft's tolerance);
 * `!=`/`<>` is true for any object/array operand; ordering follows `JValue.CompareTo` — `null` sorts before every
 * value, strings compare ordinally, and a string against a number or boolean is converted to that type.
 * `=~` tests a string against a `/pattern/flags` string (.NET's `Regex.IsMatch`, see dotNetRegex); any other pair is
 * false.
 * @param operator - the comparison
 * @param left - left token
 * @param leftKind - its kind
 * @param right - right token
 * @param rightKind - its kind
 * @param ctx - the expression text, for error messages, and the work left (a regular expression spends from it)
 * @param leftForm - how the message wrote the left token, if it is a whole number of the message ({@link NumberForm})
 * @param rightForm - the same for the right token
 * @throws ExpressionEvaluationError when an ordering comparison must convert a string that is not a number/boolean
 *   (Newtonsoft.Json fails with a FormatException there), when a pattern read from the message is invalid, or past
 *   the work bound
 * @throws NUMBER_FORM_NEEDED when a token's form is `unknown` and the outcome depends on it
 */
export function matchTokens(
  operator: ComparisonOperator,
  left: unknown,
  leftKind: TokenKind,
  right: unknown,
  rightKind: TokenKind,
  ctx: MatchContext,
  leftForm: NumberForm = 'asParsed',
  rightForm: NumberForm = 'asParsed',
): boolean {
  if (leftKind === 'container' || rightKind === 'container') {
    return operator === '!=';
  }
  const source = ctx.source;
  switch (operator) {
    case '=~':
      return regexEquals(left, leftKind, right, rightKind, ctx);
    case '==':
    case '===':
      return valuesEqual(left, leftKind, right, rightKind);
    case '!=':
    case '!==':
      return !valuesEqual(left, leftKind, right, rightKind);
    case '<':
    case '<=':
    case '>':
    case '>=':
      break;
  }
  const lk =
    leftKind === 'integer' && leftForm !== 'asParsed'
      ? formedKind(left as number, right, rightKind, leftForm, source)
      : leftKind;
  const rk =
    rightKind === 'integer' && rightForm !== 'asParsed'
      ? formedKind(right as number, left, leftKind, rightForm, source)
      : rightKind;
  const order = compareValues(left, lk, right, rk, source);
  return operator === '<' ? order < 0 : operator === '<=' ? order <= 0 : operator === '>' ? order > 0 : order >= 0;
}

/**
 * The kind Newtonsoft.Json gives a whole number of the message in an ordering comparison with `other`: a float when
 * the message wrote it so (`72.0` against `'2.5'` compares, where an integer fails); a BigInteger cannot be compared
 * with a boolean. Throws {@link NUMBER_FORM_NEEDED} when the form is not looked up yet and would change the outcome.
 */
function formedKind(value: number, other: unknown, otherKind: TokenKind, form: NumberForm, source: string): TokenKind {
  const matters =
    (otherKind === 'string' &&
      parseDotNetInt64(other as string) === undefined &&
      parseConvertedDouble(other as string) !== undefined) ||
    (otherKind === 'boolean' && Math.abs(value) >= BIG_INTEGER_MIN);
  if (!matters) {
    return 'integer';
  }
  switch (form) {
    case 'asParsed':
      return 'integer';
    case 'unknown':
      throw NUMBER_FORM_NEEDED;
    case 'float':
      return 'float';
    case 'bigInteger':
      if (otherKind === 'boolean') {
        throw new ExpressionEvaluationError(
          `JSONPath expression '${source}' compares a boolean with an integer beyond 64 bits ` +
            '(Newtonsoft.Json fails on this comparison too).',
        );
      }
      return 'integer';
    case 'integer':
      return 'integer';
  }
}

/**
 * Newtonsoft's `RegexEquals`: a string left token against a string pattern, else false. Each comparison costs the
 * pattern's length and its automaton's size, whether or not the pattern was compiled before (what compiling it costs,
 * which a pattern read from the message may need each time: thousands of distinct patterns cost their compilation;
 * and charged alike every time, so a message's cost never depends on the ones before it), then the match's steps.
 */
function regexEquals(
  left: unknown,
  leftKind: TokenKind,
  right: unknown,
  rightKind: TokenKind,
  ctx: MatchContext,
): boolean {
  if (leftKind !== 'string' || rightKind !== 'string') {
    return false;
  }
  const pattern = right as string;
  // Before compiling: the text is read whether it compiles or not.
  spend(ctx, pattern.length);
  let regex;
  try {
    regex = newtonsoftRegex(pattern);
  } catch (error) {
    if (error instanceof RegexSyntaxError) {
      // Only a pattern read from the message gets here (a constant one fails the mapping): its text is not quoted.
      throw new ExpressionEvaluationError(
        `JSONPath expression '${ctx.source}' failed: a regular expression it read from the message is invalid.`,
      );
    }
    throw error;
  }
  spend(ctx, regex.size);
  return regex.isMatch(left as string, (steps) => spend(ctx, steps));
}

/** Takes steps from the work left to a comparison; throws past the bound. */
function spend(ctx: MatchContext, steps: number): void {
  ctx.budget -= steps;
  if (ctx.budget < 0) {
    throw new ExpressionEvaluationError(
      `JSONPath expression '${ctx.source}' needed more than ${ctx.limit} steps; evaluation stopped (work bound per message).`,
    );
  }
}

/** Newtonsoft's `JValue` equality for JSON primitives (its string coercion only concerns dates, GUIDs…, not JSON). */
function valuesEqual(left: unknown, leftKind: TokenKind, right: unknown, rightKind: TokenKind): boolean {
  if (leftKind === rightKind) {
    switch (leftKind) {
      case 'null':
        return true;
      case 'float':
        return approxEquals(left as number, right as number);
      case 'boolean':
      case 'integer':
      case 'string':
        return left === right;
      case 'container':
        return false;
    }
  }
  if ((leftKind === 'integer' && rightKind === 'float') || (leftKind === 'float' && rightKind === 'integer')) {
    return approxEquals(left as number, right as number);
  }
  return false;
}

/** Newtonsoft's `JValue.CompareTo`: the comparison type is the left kind, or the right kind when only the left is a string. */
function compareValues(
  left: unknown,
  leftKind: TokenKind,
  right: unknown,
  rightKind: TokenKind,
  source: string,
): number {
  if (leftKind === 'null') {
    return rightKind === 'null' ? 0 : -1;
  }
  if (rightKind === 'null') {
    return 1;
  }
  const type = leftKind === 'string' && rightKind !== 'string' ? rightKind : leftKind;
  switch (type) {
    case 'integer':
      if (leftKind === 'float' || rightKind === 'float') {
        return compareFloats(toDouble(left, leftKind, source), toDouble(right, rightKind, source));
      }
      return compareNumbers(toInt64(left, leftKind, source), toInt64(right, rightKind, source));
    case 'float':
      return compareFloats(toDouble(left, leftKind, source), toDouble(right, rightKind, source));
    case 'string':
      // Both are strings here; JavaScript compares UTF-16 code units, as .NET's ordinal comparison does.
      return compareStrings(left as string, right as string);
    case 'boolean':
      return compareNumbers(toBoolean(left, leftKind, source) ? 1 : 0, toBoolean(right, rightKind, source) ? 1 : 0);
    case 'container':
      return 0;
  }
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Integer comparison converts the other side as Newtonsoft's Convert.ToInt64 would. */
function toInt64(value: unknown, kind: TokenKind, source: string): number {
  return toComparableNumber(value, kind, source, parseDotNetInt64, 'an integer');
}

/** Floating comparison converts the other side as Newtonsoft's Convert.ToDouble would. */
function toDouble(value: unknown, kind: TokenKind, source: string): number {
  return toComparableNumber(value, kind, source, parseConvertedDouble, 'a number');
}

function toComparableNumber(
  value: unknown,
  kind: TokenKind,
  source: string,
  parse: (text: string) => number | undefined,
  expected: string,
): number {
  switch (kind) {
    case 'integer':
    case 'float':
      return value as number;
    case 'boolean':
      return value === true ? 1 : 0;
    case 'string': {
      const parsed = parse(value as string);
      if (parsed === undefined) {
        throw conversionError(source, expected);
      }
      return parsed;
    }
    case 'null':
    case 'container':
      return 0;
  }
}

function toBoolean(value: unknown, kind: TokenKind, source: string): boolean {
  switch (kind) {
    case 'boolean':
      return value === true;
    case 'integer':
    case 'float':
      return value !== 0;
    case 'string': {
      // .NET's Boolean.Parse: case-insensitive "true"/"false", once trimmed of white space and NUL characters.
      const text = trimDotNet(value as string, true).toLowerCase();
      if (text === 'true') {
        return true;
      }
      if (text === 'false') {
        return false;
      }
      throw conversionError(source, 'a boolean');
    }
    case 'null':
    case 'container':
      return false;
  }
}

function conversionError(source: string, target: string): ExpressionEvaluationError {
  return new ExpressionEvaluationError(
    `JSONPath expression '${source}' compares a string that is not ${target} with ${target} ` +
      '(Newtonsoft.Json fails on this comparison too).',
  );
}

/** Convert.ToDouble of a string: `Double.Parse` with `NumberStyles.Float | AllowThousands`. */
function parseConvertedDouble(text: string): number | undefined {
  return parseDotNetDouble(text, true);
}
