/**
 * JMESPath numbers with JmesPath.Net's two kinds. On Newtonsoft.Json a number is an integer (a `long`, or a
 * `BigInteger` beyond it) or a float (a `double`), and the kind shows: `to_string` writes a float with a whole value
 * as `1.0` and the integer as `1`, `1.0 == 1` is false, and MedTech's `add`, `subtract` and `multiply` compute two
 * integers exactly, in 64 bits, and anything with a float as a double.
 *
 * Here a plain JavaScript number is an integer when it is whole and a float when it has a fraction (or is no finite
 * number), which is what most numbers are. The others are a {@link KindedNumber}: a float with a whole value (`1.0`,
 * `1E+15`, `-0.0`), and an integer of 10^15 or more in magnitude, kept exactly and told apart from a message number
 * of the same value (whose text may be another, see normalize/exactIntegers.ts). Functions make them, and a JMESPath
 * literal boxes every integer too, so that a plain whole number met while evaluating comes from the data (or from a
 * function such as `length`).
 *
 * A message body is first given to an expression as JSON.parse read it, its numbers plain. Where a plain whole number
 * reaches an operation whose result depends on its kind (`to_string`, equality, large arithmetic…), the evaluation
 * stops with {@link NUMBER_KINDS_NEEDED} (when the caller said the kinds are unknown), and the caller evaluates again
 * with the body read with its kinds (normalize/kindedBody.ts), or plain when the body has no number plain ones
 * misrepresent.
 */
import { formatDotNetDouble } from '../../dotNetNumbers.js';
import { compareFloats } from '../newtonsoftFloats.js';

/**
 * From this magnitude up an integer is boxed (see the module comment): below it a plain number is exact, and .NET writes
 * a whole double of it as it writes the integer.
 */
export const MIN_BOXED_INTEGER = 1e15;

/**
 * A JMESPath number whose kind a plain JavaScript number cannot carry: a float with a whole value, or a large integer.
 * Its state is private, so member access and `keys()` find nothing in it; `valueOf` gives its value as a double, so
 * code that subtracts or orders numbers (the library's `sort_by`) works with it as with a plain one.
 */
export class KindedNumber {
  readonly #value: number;
  readonly #integer: bigint | undefined;

  private constructor(value: number, integer: bigint | undefined) {
    this.#value = value;
    this.#integer = integer;
  }

  /**
   * A float (a .NET `double`).
   * @param value - its value
   */
  static float(value: number): KindedNumber {
    return new KindedNumber(value, undefined);
  }

  /**
   * An integer (a .NET `long` or `BigInteger`).
   * @param value - its exact value
   */
  static integer(value: bigint): KindedNumber {
    return new KindedNumber(Number(value), value);
  }

  /** The value as a double (rounded, for an integer beyond 2^53). */
  get value(): number {
    return this.#value;
  }

  /** The exact value of an integer; `undefined` for a float. */
  get integer(): bigint | undefined {
    return this.#integer;
  }

  /** The value as a double, for arithmetic and ordering. */
  valueOf(): number {
    return this.#value;
  }

  /** The value as a double, for `JSON.stringify`. */
  toJSON(): number {
    return this.#value;
  }
}

/** Thrown (one instance, no stack to capture) when an evaluation needs the data's number kinds; see the module. */
export const NUMBER_KINDS_NEEDED: Error = Object.freeze(
  Object.assign(Object.create(Error.prototype) as Error, { message: 'the number kinds of the data are needed' }),
);

/** Whether the evaluation in progress runs on plain data whose number kinds are unknown. */
let kindsUnknown = false;

/**
 * Says whether the evaluation about to run (until the next call) has data whose number kinds are unknown (see the
 * module comment); the caller restores the previous setting when it is done.
 * @param unknown - true when the data is a plain body that may hold numbers plain ones misrepresent
 * @returns the previous setting
 */
export function setNumberKindsUnknown(unknown: boolean): boolean {
  const previous = kindsUnknown;
  kindsUnknown = unknown;
  return previous;
}

/**
 * Stops the evaluation with {@link NUMBER_KINDS_NEEDED} when the data's kinds are unknown and `value` is a plain whole
 * number, whose kind an operation is about to depend on.
 * @param value - an operand
 */
export function needKindOf(value: unknown): void {
  if (kindsUnknown && typeof value === 'number' && Number.isInteger(value)) {
    throw NUMBER_KINDS_NEEDED;
  }
}

/**
 * Whether `value` is a number of unknown kind: a plain whole number while the data's kinds are unknown.
 * @param value - an operand
 */
export function isOfUnknownKind(value: unknown): boolean {
  return kindsUnknown && typeof value === 'number' && Number.isInteger(value);
}

/**
 * Whether a value is a JMESPath number, plain or boxed.
 * @param value - an evaluated value
 */
export function isJmesNumber(value: unknown): value is number | KindedNumber {
  return typeof value === 'number' || value instanceof KindedNumber;
}

/**
 * A number's value as a double.
 * @param value - a plain or boxed number
 */
export function doubleOf(value: number | KindedNumber): number {
  return typeof value === 'number' ? value : value.value;
}

/**
 * Whether a number is a float (a `double` to JmesPath.Net): a boxed float, or a plain number with a fraction.
 * @param value - a plain or boxed number
 */
export function isFloat(value: number | KindedNumber): boolean {
  return typeof value === 'number' ? !Number.isInteger(value) : value.integer === undefined;
}

/**
 * The exact value of an integer-kind number.
 * @param value - a number for which {@link isFloat} is false
 */
export function integerOf(value: number | KindedNumber): bigint {
  return typeof value === 'number' ? BigInt(value) : (value.integer as bigint);
}

/**
 * An integer result: a plain number when that is exact and cannot be taken for a message's number, else boxed.
 * @param value - the exact value
 */
export function integerNumber(value: bigint): number | KindedNumber {
  const double = Number(value);
  return Math.abs(double) < MIN_BOXED_INTEGER ? double : KindedNumber.integer(value);
}

/**
 * A float result: boxed when its value is whole (a plain whole number would be an integer), else plain.
 * @param value - the double
 */
export function floatNumber(value: number): number | KindedNumber {
  return Number.isInteger(value) || Object.is(value, -0) ? KindedNumber.float(value) : value;
}

/**
 * A number of the kind a whole `double` result takes when JmesPath.Net makes an integer of it (`ceil`, `floor`, a
 * whole `sum`): the integer of that value.
 * @param value - a whole double within the 64-bit range
 */
export function integerFromDouble(value: number): number | KindedNumber {
  return Math.abs(value) < MIN_BOXED_INTEGER ? value + 0 : KindedNumber.integer(BigInt(value));
}

/**
 * Equality of two numbers as Newtonsoft's `JToken.DeepEquals` has it: numbers of different kinds are never equal; two
 * integers are equal when their values are; two floats when they are within Newtonsoft's tolerance.
 * @param a - a plain or boxed number
 * @param b - another
 */
export function numbersEqual(a: number | KindedNumber, b: number | KindedNumber): boolean {
  const floatA = isFloat(a);
  if (floatA !== isFloat(b)) {
    return false;
  }
  const x = doubleOf(a);
  const y = doubleOf(b);
  if (floatA) {
    return x === y || compareFloats(x, y) === 0;
  }
  return x === y && (Number.isSafeInteger(x) || integerOf(a) === integerOf(b));
}

/**
 * A number as Newtonsoft's JSON writer writes it (what `to_string` gives): an integer's digits; a float as .NET writes
 * a double, with `.0` added when that has neither a point nor an exponent (`1.0`, `1E+15`, `0.5`, `-0.0`).
 * @param value - a plain or boxed number, finite
 */
export function newtonsoftNumberText(value: number | KindedNumber): string {
  if (!isFloat(value)) {
    return typeof value === 'number' && Number.isSafeInteger(value) ? String(value + 0) : integerOf(value).toString();
  }
  const text = formatDotNetDouble(doubleOf(value));
  return /^-?\d+$/.test(text) ? `${text}.0` : text;
}

/**
 * JSON text of a value with its numbers' kinds, as Newtonsoft writes them: an integer's digits, a float with a point
 * or an exponent (`2.0`, `1E+15`); a number that is not finite as `{"$number": "NaN"}`. For tools and tests that
 * compare JMESPath results with JmesPath.Net's (JSON.stringify would write `2.0` as `2`).
 * @param value - a JMESPath value
 */
export function toKindedJsonText(value: unknown): string {
  if (value instanceof KindedNumber) {
    return newtonsoftNumberText(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      return `{"$number":"${String(value)}"}`;
    }
    return Number.isInteger(value) ? BigInt(value).toString() : JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(toKindedJsonText).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([key, member]) => `${JSON.stringify(key)}:${toKindedJsonText(member)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * A result handed out of the JMESPath evaluator with its boxed numbers made plain, for code that knows only JSON
 * values (JSONPath over a match, the type match's matches). Only the containers on the way to a box are copied; a
 * value without boxes is returned as it is. Iterative, and each container is visited once however often the result
 * shares it, so neither deep nor shared structure costs more than its size.
 * @param value - an evaluation result
 */
export function withPlainNumbers(value: unknown): unknown {
  if (value instanceof KindedNumber) {
    return value.value;
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  quickLookLeft = QUICK_LOOK_CONTAINERS;
  if (!mayHoldBoxes(value, 0)) {
    return value;
  }
  const twin = plainTwins.get(value);
  if (twin !== undefined) {
    return twin;
  }
  const copies = new Map<object, object>();
  const seen = new Set<object>([value]);
  const pending: [object, boolean][] = [[value, false]];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const [container, membersDone] = entry;
    const members: unknown[] = Array.isArray(container) ? container : Object.values(container);
    if (!membersDone) {
      pending.push([container, true]);
      for (const member of members) {
        if (typeof member !== 'object' || member === null || member instanceof KindedNumber || seen.has(member)) {
          continue;
        }
        seen.add(member);
        const memberTwin = plainTwins.get(member);
        if (memberTwin === undefined) {
          pending.push([member, false]);
        } else {
          copies.set(member, memberTwin);
        }
      }
      continue;
    }
    if (!members.some((member) => member instanceof KindedNumber || copies.has(member as object))) {
      continue;
    }
    const plain = (member: unknown): unknown =>
      member instanceof KindedNumber ? member.value : (copies.get(member as object) ?? member);
    if (Array.isArray(container)) {
      copies.set(container, members.map(plain));
    } else {
      const copy: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(container)) {
        Object.defineProperty(copy, name, {
          value: plain(member),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      copies.set(container, copy);
    }
  }
  return copies.get(value) ?? value;
}

/** Most containers {@link mayHoldBoxes} looks into before it leaves the answer to the full walk. */
const QUICK_LOOK_CONTAINERS = 256;
/** Deepest level {@link mayHoldBoxes} recurses to. */
const QUICK_LOOK_DEPTH = 32;
/** Containers {@link mayHoldBoxes} may still look into. */
let quickLookLeft = 0;

/**
 * A quick look, without allocating, for what {@link withPlainNumbers} would replace in a container: false when it
 * holds no boxed number and no container read with kinds (one with a plain twin); true when it may (it found one, or
 * the value is too large or deep to look at quickly: the full walk then decides). Most results are small and plain.
 */
function mayHoldBoxes(container: object, depth: number): boolean {
  if (--quickLookLeft < 0 || depth > QUICK_LOOK_DEPTH || plainTwins.has(container)) {
    return true;
  }
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      if (isOrMayHoldBox(container[i], depth + 1)) {
        return true;
      }
    }
    return false;
  }
  // `for…in` lists the members `Object.values` does (own, enumerable), and inherited ones, which only add a look.
  const record = container as Record<string, unknown>;
  for (const key in record) {
    if (isOrMayHoldBox(record[key], depth + 1)) {
      return true;
    }
  }
  return false;
}

/** Whether a member is a boxed number or a container that {@link mayHoldBoxes} says may hold one. */
function isOrMayHoldBox(member: unknown, depth: number): boolean {
  return (
    typeof member === 'object' && member !== null && (member instanceof KindedNumber || mayHoldBoxes(member, depth))
  );
}

/** A JSON number token: sign, digits, fraction, exponent. */
const JSON_NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * The value of a JSON literal's text as JmesPath.Net reads it, its integers and whole floats (`1.0`, `1e3`) boxed so
 * that a plain whole number met while evaluating is the data's (see the module comment); `undefined` when it has no
 * such number or is no JSON.
 * @param text - the literal's JSON text (between the backticks, `\`` unescaped)
 */
export function readKindedJsonLiteral(text: string): unknown {
  // Each number to box is replaced by a marker string, which JSON.parse reads; the markers are then swapped back.
  if (text.includes('\\u0000')) {
    return undefined;
  }
  const boxes: KindedNumber[] = [];
  let marked = '';
  let copied = 0;
  let index = 0;
  while (index < text.length) {
    const character = text[index] as string;
    if (character === '"') {
      index += 1;
      while (index < text.length && text[index] !== '"') {
        index += text[index] === '\\' ? 2 : 1;
      }
      index += 1;
      continue;
    }
    if (character !== '-' && (character < '0' || character > '9')) {
      index += 1;
      continue;
    }
    JSON_NUMBER.lastIndex = index;
    const match = JSON_NUMBER.exec(text);
    if (match === null) {
      return undefined;
    }
    const literal = match[0];
    const box = kindedLiteral(literal, match[1] !== undefined || match[2] !== undefined);
    if (box !== undefined) {
      marked += `${text.slice(copied, index)}"\\u0000${boxes.length}"`;
      copied = index + literal.length;
      boxes.push(box);
    }
    index += literal.length;
  }
  if (boxes.length === 0) {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(marked + text.slice(copied));
  } catch {
    return undefined;
  }
  const unmark = (item: unknown): unknown =>
    typeof item === 'string' && item.startsWith('\u0000') ? boxes[Number(item.slice(1))] : item;
  const pending: unknown[] = [value];
  for (let container = pending.pop(); container !== undefined; container = pending.pop()) {
    if (typeof container !== 'object' || container === null || container instanceof KindedNumber) {
      continue;
    }
    const members = container as Record<string, unknown>;
    for (const name of Object.keys(members)) {
      const member = unmark(members[name]);
      // Defined, not assigned: a member named `__proto__` must stay a member.
      Object.defineProperty(members, name, { value: member, enumerable: true, writable: true, configurable: true });
      pending.push(member);
    }
  }
  return unmark(value);
}

/** For each container of a message body read with its number kinds, the container of the body read plain; and back. */
const plainTwins = new WeakMap<object, object>();
const kindedTwins = new WeakMap<object, object>();

/**
 * Links a container of a message body read with its number kinds with the container at the same place in the body as
 * read plain, so that a match found in one is found in the other ({@link kindedTwinOf}, and {@link withPlainNumbers}
 * on the way out).
 * @param kinded - a container of the kinded body
 * @param plain - the plain one
 */
export function linkTwins(kinded: object, plain: object): void {
  plainTwins.set(kinded, plain);
  kindedTwins.set(plain, kinded);
}

/**
 * The kinded twin of a container of a plain message body (see {@link linkTwins}); the value itself otherwise.
 * @param value - a value of the plain body (a type match's match)
 */
export function kindedTwinOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (kindedTwins.get(value) ?? value) : value;
}

/** The box a number literal needs, if any: every integer, and a float with a whole value. */
function kindedLiteral(literal: string, float: boolean): KindedNumber | undefined {
  if (float) {
    const value = Number(literal);
    return Number.isInteger(value) || Object.is(value, -0) ? KindedNumber.float(value) : undefined;
  }
  return KindedNumber.integer(BigInt(literal));
}
