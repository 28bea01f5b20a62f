import { ExpressionEvaluationError } from '../../errors.js';
import type { ComparisonOperator, LiteralKind } from './jsonPathAst.js';
import {
  integerDigits,
  isInt64,
  numberReadingCost,
  parseDotNetDouble,
  parseDotNetInt64,
  parseDotNetInteger,
} from '../../dotNetNumbers.js';
import { trimDotNet } from '../../dotNetWhiteSpace.js';
import { approxEquals, compareFloats } from '../newtonsoftFloats.js';
import { RegexSyntaxError, newtonsoftRegex } from './dotNetRegex.js';
import { KindedNumber } from '../jmesPath/kindedNumbers.js';
import { quoteBounded } from '../../quoteBounded.js';

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
 * float, `72` as an integer (a `long`, or a BigInteger beyond 64 bits) with all its digits, where `JSON.parse` makes
 * one number of each and keeps 53 bits. `unknown`: not looked up yet (a comparison whose outcome would depend on it
 * throws {@link NUMBER_FORM_NEEDED}); `asParsed`: not to be known (the number is compared as its value's kind says);
 * a bigint: an integer with this exact value (also a constant's, beyond 2^53).
 */
export type NumberForm = 'unknown' | 'asParsed' | 'integer' | 'float' | bigint;

/**
 * How the message wrote the number a box holds: its exact integer, or a float.
 * @param box - a number of the body read with its numbers' kinds
 */
export function formOfBox(box: KindedNumber): NumberForm {
  return box.integer ?? 'float';
}

/**
 * Thrown (never to escape a filter) by {@link matchTokens} when a comparison's outcome depends on how the message
 * wrote a whole number: the caller looks the form up and compares again with it. A shared frozen object: no stack.
 */
export const NUMBER_FORM_NEEDED: Error = Object.freeze(
  Object.assign(Object.create(Error.prototype) as Error, { message: 'a JSONPath comparison needs a number form' }),
);

/**
 * From about 2^51 on, a comparison of whole numbers depends on how the message wrote them: Newtonsoft's tolerance for
 * floats (see newtonsoftFloats.ts) then spans whole numbers (`9007199254740989.0` equals `9007199254740990.0`, two
 * integers never), and from 2^53 `JSON.parse` may have lost digits. Below it two distinct integers differ by more than
 * the tolerance (`|a| + |b| + 10 < 2^52`).
 */
const FORM_SENSITIVE_MIN = 2 ** 51 - 5;

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
 * @param leftForm - how the message wrote the left token, if it is a whole number of the message, or a constant's exact
 *   value ({@link NumberForm})
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
    // A filter run on the body read with its numbers' kinds (in an operand's path) meets them boxed: a box is the
    // number it holds, written so.
    if (left instanceof KindedNumber) {
      const value = left.value;
      return matchTokens(operator, value, kindOf(value), right, rightKind, ctx, formOfBox(left), rightForm);
    }
    if (right instanceof KindedNumber) {
      const value = right.value;
      return matchTokens(operator, left, leftKind, value, kindOf(value), ctx, leftForm, formOfBox(right));
    }
    return operator === '!=';
  }
  if (operator === '=~') {
    return regexEquals(left, leftKind, right, rightKind, ctx);
  }
  // A long string compared with what is not a string may be read whole, as a number: charged by its length (nothing
  // for strings of 64 characters or less; two strings are compared as they are).
  if ((leftKind === 'string') !== (rightKind === 'string')) {
    const reading = leftKind === 'string' ? numberReadingCost(left as string) : numberReadingCost(right as string);
    if (reading > 0) {
      spend(ctx, reading);
    }
  }
  const source = ctx.source;
  if (isFormSensitive(left, leftKind) || isFormSensitive(right, rightKind)) {
    return matchExactly(
      operator,
      exactOperand(left, leftKind, leftForm),
      exactOperand(right, rightKind, rightForm),
      source,
    );
  }
  switch (operator) {
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
  const lk = leftKind === 'integer' && leftForm !== 'asParsed' ? formedKind(right, rightKind, leftForm) : leftKind;
  const rk = rightKind === 'integer' && rightForm !== 'asParsed' ? formedKind(left, leftKind, rightForm) : rightKind;
  return orderHolds(operator, compareValues(left, lk, right, rk, source));
}

/**
 * The kind Newtonsoft.Json gives a whole number of the message (below {@link FORM_SENSITIVE_MIN}) in an ordering
 * comparison with `other`: a float when the message wrote it so (`72.0` against `'2.5'` compares, where an integer
 * fails). Throws {@link NUMBER_FORM_NEEDED} when the form is not looked up yet and would change the outcome.
 */
function formedKind(other: unknown, otherKind: TokenKind, form: NumberForm): TokenKind {
  const matters =
    otherKind === 'string' &&
    parseDotNetInt64(other as string) === undefined &&
    parseConvertedDouble(other as string) !== undefined;
  if (!matters) {
    return 'integer';
  }
  if (form === 'unknown') {
    throw NUMBER_FORM_NEEDED;
  }
  return form === 'float' ? 'float' : 'integer';
}

/** Whether a token is a whole number from {@link FORM_SENSITIVE_MIN} on in magnitude. */
function isFormSensitive(value: unknown, kind: TokenKind): boolean {
  return kind === 'integer' && isFormSensitiveMagnitude(value as number);
}

function isFormSensitiveMagnitude(value: number): boolean {
  return value >= FORM_SENSITIVE_MIN || value <= -FORM_SENSITIVE_MIN;
}

/** A token as Newtonsoft.Json holds it, an integer with its exact value (a `long`, or a BigInteger beyond it). */
type ExactToken =
  | { readonly kind: 'integer'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null'; readonly value: null };

/**
 * A token of a comparison that involves a whole number from {@link FORM_SENSITIVE_MIN} on, with its exact value: that
 * of its form, or of its value when the form is not to be known. Throws {@link NUMBER_FORM_NEEDED} for such a number
 * whose form is not looked up yet (the message's text holds its digits; a float written whole is compared as a float).
 */
function exactOperand(value: unknown, kind: TokenKind, form: NumberForm): ExactToken {
  switch (kind) {
    case 'integer':
      return exactInteger(value as number, form);
    case 'float':
      return { kind: 'float', value: value as number };
    case 'string':
      return { kind: 'string', value: value as string };
    case 'boolean':
      return { kind: 'boolean', value: value as boolean };
    case 'null':
    case 'container':
      return { kind: 'null', value: null };
  }
}

/** {@link exactOperand} of a whole number. */
function exactInteger(value: number, form: NumberForm): ExactToken {
  if (typeof form === 'bigint') {
    return { kind: 'integer', value: form };
  }
  if (form === 'float') {
    return { kind: 'float', value };
  }
  if (form === 'unknown' && isFormSensitiveMagnitude(value)) {
    throw NUMBER_FORM_NEEDED;
  }
  // Below FORM_SENSITIVE_MIN the value is exact, and how the message wrote it cannot change the outcome: the other
  // side is a larger whole number, farther from it than the tolerance. A number that arrived parsed (no text to read
  // it from) is an integer when it is whole.
  return { kind: 'integer', value: BigInt(value) };
}

function isBigInteger(token: ExactToken): token is { kind: 'integer'; value: bigint } {
  // Beyond .NET's `long`, an integer is a BigInteger to Newtonsoft.Json.
  return token.kind === 'integer' && !isInt64(token.value);
}

/**
 * Newtonsoft.Json's filter comparison where a side is a whole number from {@link FORM_SENSITIVE_MIN} on, read as the
 * message wrote it (a float written whole is a float), the integers with their exact values: two integers compare
 * exactly (`JValue.Compare` as `long`s, or as BigIntegers beyond 64 bits), a `long` against a
 * float as doubles (within Newtonsoft's tolerance), a BigInteger against a float exactly (Newtonsoft truncates the
 * float; one that is not finite fails), and a numeric string against an integer as an integer (`Convert.ToInt64`, or
 * `BigInteger.Parse` against a BigInteger).
 */
function matchExactly(operator: ComparisonOperator, left: ExactToken, right: ExactToken, source: string): boolean {
  switch (operator) {
    case '==':
    case '===':
      return exactEquals(left, right, source);
    case '!=':
    case '!==':
      return !exactEquals(left, right, source);
    case '=~':
      return false;
    case '<':
    case '<=':
    case '>':
    case '>=':
      break;
  }
  return orderHolds(operator, exactCompare(left, right, source));
}

/** `EqualsWithStringCoercion` for exact tokens: the same kind, or an integer and a float, compared as numbers. */
function exactEquals(left: ExactToken, right: ExactToken, source: string): boolean {
  if (left.kind === 'integer' && right.kind === 'integer') {
    return left.value === right.value;
  }
  if (left.kind === 'integer' && right.kind === 'float') {
    return isBigInteger(left)
      ? compareBigInteger(left.value, right, source) === 0
      : approxEquals(Number(left.value), right.value);
  }
  if (left.kind === 'float' && right.kind === 'integer') {
    return exactEquals(right, left, source);
  }
  return valuesEqual(left.value, left.kind, right.value, right.kind);
}

/**
 * `JValue.CompareTo` for exact tokens; the comparison type is the left kind, or the right one when only the left is a
 * string.
 */
function exactCompare(left: ExactToken, right: ExactToken, source: string): number {
  if (left.kind === 'null') {
    return right.kind === 'null' ? 0 : -1;
  }
  if (right.kind === 'null') {
    return 1;
  }
  const type = left.kind === 'string' && right.kind !== 'string' ? right.kind : left.kind;
  if (type === 'integer' || type === 'float') {
    if (isBigInteger(left)) {
      return compareBigInteger(left.value, right, source);
    }
    if (isBigInteger(right)) {
      return -compareBigInteger(right.value, left, source);
    }
    if (type === 'float' || left.kind === 'float' || right.kind === 'float') {
      return compareFloats(exactDouble(left, source), exactDouble(right, source));
    }
    const a = exactInt64(left, source);
    const b = exactInt64(right, source);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (type === 'boolean') {
    return compareNumbers(exactBoolean(left, source) ? 1 : 0, exactBoolean(right, source) ? 1 : 0);
  }
  return compareValues(left.value, left.kind, right.value, right.kind, source);
}

/** Newtonsoft's `CompareBigInteger`: the other side made a BigInteger (a float truncated). */
function compareBigInteger(value: bigint, other: ExactToken, source: string): number {
  let integer: bigint;
  switch (other.kind) {
    case 'integer':
      integer = other.value;
      break;
    case 'float':
      if (!Number.isFinite(other.value)) {
        throw new ExpressionEvaluationError(
          `JSONPath expression ${quoteBounded(source)} compares an integer beyond 64 bits with a number that is not finite ` +
            '(Newtonsoft.Json fails on this comparison too).',
        );
      }
      integer = BigInt(Math.trunc(other.value));
      break;
    case 'string': {
      const written = integerDigits(other.value, false);
      if (written === undefined) {
        throw conversionError(source, 'an integer');
      }
      if (isFartherFromZero(written.digits.length, value)) {
        // Decided by the sign, without converting a text that may be as long as the message.
        return written.negative ? 1 : -1;
      }
      integer = written.negative ? -BigInt(written.digits) : BigInt(written.digits);
      break;
    }
    case 'boolean':
      throw bigIntegerBooleanError(source);
    case 'null':
      return 1;
  }
  // Newtonsoft then looks at the float's fraction when the two are equal, but a float with a fraction is below 2^52.
  return value < integer ? -1 : value > integer ? 1 : 0;
}

/**
 * Whether an integer of `digits` digits (no leading zeros) is farther from zero than `value`, judged from lengths: its
 * at least (digits - 1)·log2(10) bits against at most 4 bits per hexadecimal digit of `value`.
 */
function isFartherFromZero(digits: number, value: bigint): boolean {
  const magnitude = value < 0n ? -value : value;
  return (digits - 1) * Math.log2(10) > magnitude.toString(16).length * 4;
}

function bigIntegerBooleanError(source: string): ExpressionEvaluationError {
  return new ExpressionEvaluationError(
    `JSONPath expression ${quoteBounded(source)} compares a boolean with an integer beyond 64 bits ` +
      '(Newtonsoft.Json fails on this comparison too).',
  );
}

/** `Convert.ToInt64` of an exact token (not a BigInteger, not a float). */
function exactInt64(token: ExactToken, source: string): bigint {
  switch (token.kind) {
    case 'integer':
      return token.value;
    case 'boolean':
      return token.value ? 1n : 0n;
    case 'string': {
      const parsed = parseDotNetInteger(token.value, true);
      if (parsed === undefined) {
        throw conversionError(source, 'an integer');
      }
      return parsed;
    }
    case 'float':
    case 'null':
      return 0n;
  }
}

/** `Convert.ToDouble` of an exact token (not a BigInteger). */
function exactDouble(token: ExactToken, source: string): number {
  return token.kind === 'integer' ? Number(token.value) : toDouble(token.value, token.kind, source);
}

/** `Convert.ToBoolean` of an exact token: a BigInteger cannot be converted. */
function exactBoolean(token: ExactToken, source: string): boolean {
  if (token.kind !== 'integer') {
    return toBoolean(token.value, token.kind, source);
  }
  if (isBigInteger(token)) {
    throw bigIntegerBooleanError(source);
  }
  return token.value !== 0n;
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
        `JSONPath expression ${quoteBounded(ctx.source)} failed: a regular expression it read from the message is invalid.`,
      );
    }
    throw error;
  }
  spend(ctx, regex.size);
  return regex.isMatch(left as string, (steps) => spend(ctx, steps));
}

/** Whether an ordering operator holds for a comparison's outcome (negative, zero or positive). */
function orderHolds(operator: ComparisonOperator, order: number): boolean {
  return operator === '<' ? order < 0 : operator === '<=' ? order <= 0 : operator === '>' ? order > 0 : order >= 0;
}

/** Takes steps from the work left to a comparison; throws past the bound. */
function spend(ctx: MatchContext, steps: number): void {
  ctx.budget -= steps;
  if (ctx.budget < 0) {
    throw new ExpressionEvaluationError(
      `JSONPath expression ${quoteBounded(ctx.source)} needed more than ${ctx.limit} steps; evaluation stopped ` +
        '(work bound per message).',
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
    `JSONPath expression ${quoteBounded(source)} compares a string that is not ${target} with ${target} ` +
      '(Newtonsoft.Json fails on this comparison too).',
  );
}

/** Convert.ToDouble of a string: `Double.Parse` with `NumberStyles.Float | AllowThousands`. */
function parseConvertedDouble(text: string): number | undefined {
  return parseDotNetDouble(text, true);
}
