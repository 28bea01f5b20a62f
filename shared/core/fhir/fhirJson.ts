/**
 * FHIR decimals as written: a Quantity value keeps the digits its measurement gave (`"37.50"` is written `37.50`,
 * `"12345678901234567890"` is written whole), as MedTech's .NET `decimal` keeps them, where a JavaScript number would
 * write `37.5` and `12345678901234567000`. The number stays in `value` (comparisons, merges); the text rides beside it
 * under {@link DECIMAL_TEXT}, and {@link stringifyFhirJson} writes it.
 */
import type { Quantity } from '@medplum/fhirtypes';
import { DECIMAL_MAX_INTEGER } from '../dotNetNumbers.js';

/**
 * The key of a Quantity's decimal text: the value as written in FHIR JSON, when it differs from what
 * `JSON.stringify` writes for the number. A symbol, so `JSON.stringify`, `Object.keys` and deep comparisons pass
 * it by (a stored `37.0` and a new `"37.00"` are the same value); `structuredClone` drops it, {@link cloneFhirJson}
 * keeps it.
 */
export const DECIMAL_TEXT: unique symbol = Symbol('FHIR decimal text');

/** A Quantity that may carry its value's decimal text. */
export type DecimalQuantity = Quantity & { [DECIMAL_TEXT]?: string };

/** Most fraction digits a .NET `decimal` holds (its scale). */
const DECIMAL_MAX_SCALE = 28;

/**
 * The text a .NET `decimal` parsed from a plain decimal number prints (its scale kept): leading zeros dropped, the
 * fraction's digits kept, trailing zeros included, a sign only on a value that is not zero.
 * @param negative - whether the number had a minus sign
 * @param number - the number's text without sign: digits with an optional decimal point (`37.50`, `.5`, `5.`); an
 *   exponent gives `undefined`
 * @returns the text, or `undefined` when the number has an exponent, more than 28 fraction digits, or digits that
 *   make an integer past the decimal's 96 bits (.NET rounds those; the caller then writes the JavaScript number)
 */
export function toDecimalText(negative: boolean, number: string): string | undefined {
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(number)) {
    return undefined;
  }
  const point = number.indexOf('.');
  const whole = (point < 0 ? number : number.slice(0, point)).replace(/^0+/, '');
  const fraction = point < 0 ? '' : number.slice(point + 1);
  const significant = (whole + fraction).replace(/^0+/, '');
  // Exact while its digits, read as one integer, fit the decimal's 96 bits (29 digits at most) and the scale is 28
  // at most; beyond, .NET rounds.
  if (
    fraction.length > DECIMAL_MAX_SCALE ||
    significant.length > 29 ||
    (significant.length === 29 && BigInt(significant) > DECIMAL_MAX_INTEGER)
  ) {
    return undefined;
  }
  const sign = negative && significant !== '' ? '-' : '';
  return `${sign}${whole === '' ? '0' : whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/**
 * Sets a Quantity's value, with its decimal text when that differs from the number's own JSON.
 * @param quantity - the Quantity to set
 * @param value - the number
 * @param text - the decimal text ({@link toDecimalText}), if any
 */
export function setDecimalValue(quantity: DecimalQuantity, value: number, text: string | undefined): void {
  quantity.value = value;
  if (text !== undefined && text !== JSON.stringify(value)) {
    quantity[DECIMAL_TEXT] = text;
  } else {
    delete quantity[DECIMAL_TEXT];
  }
}

/**
 * `JSON.stringify(value, null, indent)` for FHIR resources, with each Quantity's `value` written as its
 * {@link DECIMAL_TEXT} when it has one. Otherwise the text is exactly `JSON.stringify`'s (members that are
 * `undefined`, functions or symbols left out, `toJSON` called, non-finite numbers written `null`).
 * @param value - a JSON-like value (a resource, a list of them)
 * @param indent - spaces per level (0: none)
 * @returns the JSON text; `undefined` where `JSON.stringify` gives it (`undefined`, a function or a symbol)
 */
export function stringifyFhirJson(value: unknown, indent = 0): string | undefined {
  const spaces = Math.min(10, Math.max(0, Math.trunc(indent)));
  // Looking costs a third of writing: most values (measurements, errors, resources without such a Quantity) are then
  // written by JSON.stringify itself, and so is every part of the others that holds no text.
  const holders = new WeakSet<object>();
  return markHolders(value, holders)
    ? writeJson(value, '', '', { indent: ' '.repeat(spaces), holders })
    : JSON.stringify(value, null, spaces);
}

/**
 * Whether an object inside `value` (or `value` itself) carries a {@link DECIMAL_TEXT}; each object or array that does
 * is added to `holders`.
 */
function markHolders(value: unknown, holders: WeakSet<object>): boolean {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  let holds = false;
  if (Array.isArray(value)) {
    for (const item of value) {
      holds = markHolders(item, holders) || holds;
    }
  } else {
    holds = (value as DecimalQuantity)[DECIMAL_TEXT] !== undefined;
    for (const name in value) {
      if (Object.hasOwn(value, name)) {
        holds = markHolders((value as Record<string, unknown>)[name], holders) || holds;
      }
    }
  }
  if (holds) {
    holders.add(value);
  }
  return holds;
}

/** How {@link writeJson} writes: the indentation unit, and the objects that hold a decimal text. */
interface JsonLayout {
  indent: string;
  holders: WeakSet<object>;
}

/**
 * Writes `value` (found at `key`) as `JSON.stringify` would inside a document whose lines there start with `margin`,
 * with the decimal texts of the marked holders.
 */
function writeJson(value: unknown, key: string, margin: string, layout: JsonLayout): string | undefined {
  const { indent, holders } = layout;
  const toJSON: unknown =
    typeof value === 'object' && value !== null ? (value as { toJSON?: unknown }).toJSON : undefined;
  if (typeof value === 'object' && value !== null && !holders.has(value) && typeof toJSON !== 'function') {
    // No text inside: JSON.stringify writes it, its lines moved to the margin (a JSON text breaks lines only between
    // its tokens).
    const text = JSON.stringify(value, null, indent);
    return margin === '' || indent === '' ? text : text.replaceAll('\n', `\n${margin}`);
  }
  const current = typeof toJSON === 'function' ? (toJSON as (key: string) => unknown).call(value, key) : value;
  if (typeof current !== 'object' || current === null) {
    return JSON.stringify(current);
  }
  if (current instanceof Number || current instanceof String || current instanceof Boolean) {
    return JSON.stringify(current);
  }
  const inner = margin + indent;
  const open = indent === '' ? '' : `\n${inner}`;
  const close = indent === '' ? '' : `\n${margin}`;
  const separator = indent === '' ? ',' : `,\n${inner}`;
  if (Array.isArray(current)) {
    if (current.length === 0) {
      return '[]';
    }
    const items: string[] = [];
    for (let i = 0; i < current.length; i++) {
      items.push(writeJson(current[i], String(i), inner, layout) ?? 'null');
    }
    return `[${open}${items.join(separator)}${close}]`;
  }
  const record = current as Record<string, unknown>;
  const decimal = (current as DecimalQuantity)[DECIMAL_TEXT];
  const members: string[] = [];
  for (const name of Object.keys(record)) {
    const member = record[name];
    // The text only while it still says the number (a copy's value set anew keeps the copied text otherwise).
    const text =
      name === 'value' && typeof decimal === 'string' && typeof member === 'number' && Number(decimal) === member
        ? decimal
        : writeJson(member, name, inner, layout);
    if (text !== undefined) {
      members.push(`${JSON.stringify(name)}:${indent === '' ? '' : ' '}${text}`);
    }
  }
  return members.length === 0 ? '{}' : `{${open}${members.join(separator)}${close}}`;
}

/**
 * A deep copy of a JSON-like value (a FHIR resource) that keeps each Quantity's {@link DECIMAL_TEXT}, where
 * `structuredClone` drops it.
 * @param value - the value to copy
 */
export function cloneFhirJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item: unknown) => cloneFhirJson(item)) as T;
  }
  const copy: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    if (name === '__proto__') {
      // A member of that name (JSON.parse makes one) is a member of the copy too, not its prototype.
      Object.defineProperty(copy, name, {
        value: cloneFhirJson(member),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      copy[name] = cloneFhirJson(member);
    }
  }
  const decimal = (value as DecimalQuantity)[DECIMAL_TEXT];
  if (decimal !== undefined) {
    (copy as DecimalQuantity)[DECIMAL_TEXT] = decimal;
  }
  return copy as T;
}
