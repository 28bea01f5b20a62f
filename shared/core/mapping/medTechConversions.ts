import { formatDotNetDouble, formatDotNetNumber, isInt64 } from '../dotNetNumbers.js';
import { trimDotNet } from '../dotNetWhiteSpace.js';
import type { ExpressionLanguage } from '../expressions/types.js';

/** The expression languages by their numeric value in MedTech's enumeration. */
const languageByNumber: readonly ExpressionLanguage[] = ['JsonPath', 'JmesPath'];

/**
 * Reads an expression language value the way MedTech does (Newtonsoft.Json's string-enum converter over a
 * two-member enumeration): a name in any case, with white space around it; several names separated by commas, which
 * combine (so any `JmesPath` among them gives `JmesPath`); the member's number, as a JSON integer (of which the enum
 * keeps the low 32 bits: `4294967297` is 1) or as a string; and, where the language is optional, `null` or the empty
 * string for "none". Numbers other than 0 and 1 name no language MedTech can evaluate and are refused here.
 * @param raw - the value written in the mapping
 * @param optional - whether the field may name no language (an expression object's `language`)
 * @param literal - a number as written in the file, when known (its digits past 2^53)
 * @returns the language; `null` for "none" (only when `optional`); `undefined` when MedTech would not load it
 */
export function readLanguageAsMedTech(
  raw: unknown,
  optional: boolean,
  literal?: string,
): ExpressionLanguage | null | undefined {
  if (raw === null || raw === '') {
    return optional ? null : undefined;
  }
  if (typeof raw === 'number') {
    const number = enumNumberOfJsonNumber(raw, literal);
    return number === undefined ? undefined : languageByNumber[number];
  }
  if (typeof raw !== 'string') {
    return undefined;
  }
  const number = readEnumTextAsMedTech(raw, LANGUAGE_MEMBERS);
  return number === undefined ? undefined : languageByNumber[number];
}

/**
 * Whether MedTech reads a `defaultExpressionLanguage` as a number that names no language: Newtonsoft's string-enum
 * converter keeps any 32-bit integer written as text (`"2"`, `" -1 "`) and the low 32 bits of any 64-bit JSON integer
 * (`2`, `2147483648`), and MedTech fails on it only when an expression takes the default language.
 * @param raw - the value written in the mapping
 * @param literal - a number as written in the file, when known (its digits past 2^53)
 */
export function isLanguageNumberOfNoLanguage(raw: unknown, literal?: string): boolean {
  const number =
    typeof raw === 'number'
      ? enumNumberOfJsonNumber(raw, literal)
      : typeof raw === 'string'
        ? readEnumTextAsMedTech(raw, LANGUAGE_MEMBERS)
        : undefined;
  return number !== undefined && languageByNumber[number] === undefined;
}

/**
 * The number of a 32-bit enumeration that Newtonsoft.Json's string-enum converter makes of a JSON integer: it reads the
 * integer as a 64-bit one (a longer one fails) and `Enum.ToObject` keeps its low 32 bits, so `4294967297` is 1 and
 * `2147483648` is -2147483648 (checked on MedTech's loader). A number with a fraction or an exponent is a float there,
 * which the converter refuses; one whose value is whole is read here by that value, a known leniency (tests).
 * @param raw - the number `JSON.parse` read
 * @param literal - the number as written, when known: the exact digits of an integer past 2^53
 * @returns the enumeration's number, or `undefined` when MedTech reads none
 */
export function enumNumberOfJsonNumber(raw: number, literal: string | undefined): number | undefined {
  if (!Number.isInteger(raw)) {
    return undefined;
  }
  const digits = integerLiteralDigits(raw, literal);
  const integer = digits === undefined ? BigInt(raw) : BigInt(digits);
  return isInt64(integer) ? Number(BigInt.asIntN(32, integer)) : undefined;
}

/** The expression language enumeration's members and their numbers. */
const LANGUAGE_MEMBERS: readonly (readonly [string, number])[] = [
  ['JsonPath', 0],
  ['JmesPath', 1],
];

/**
 * An enumeration value written as text, read as Newtonsoft.Json reads one: a member's number (a sign and .NET white
 * space allowed, within 32 bits), or member names in any case with white space around them, separated by commas,
 * whose numbers combine (bitwise or). Whether the number names a member is left to the caller.
 * @param text - the text written in the mapping
 * @param members - the enumeration's member names and numbers
 * @returns the number, or `undefined` when the text is neither a number nor member names
 */
export function readEnumTextAsMedTech(
  text: string,
  members: readonly (readonly [string, number])[],
): number | undefined {
  const trimmed = trimDotNet(text);
  if (trimmed === '') {
    return undefined;
  }
  if (/^[0-9+-]/.test(trimmed)) {
    const number = parseInt32(trimmed);
    if (number !== 'not a number') {
      return number === 'overflow' ? undefined : number;
    }
  }
  let bits = 0;
  for (const part of text.split(',')) {
    const name = trimDotNet(part).toLowerCase();
    const member = members.find(([memberName]) => memberName.toLowerCase() === name);
    if (member === undefined) {
      return undefined;
    }
    bits |= member[1];
  }
  return bits;
}

/**
 * A 32-bit integer written as .NET's invariant integer parsing reads it (optional sign, ASCII digits), or why not.
 * @param text - the text, already trimmed
 */
function parseInt32(text: string): number | 'overflow' | 'not a number' {
  if (!/^[+-]?[0-9]+$/.test(text)) {
    return 'not a number';
  }
  const value = Number(text);
  // `+ 0` turns -0 into 0.
  return value >= -2147483648 && value <= 2147483647 ? value + 0 : 'overflow';
}

/**
 * Whether MedTech reads a value into a 32-bit integer property (its templates' `lineNumber`/`linePosition`): a
 * number within range once rounded, or a string holding an integer.
 * @param raw - the value written in the mapping
 */
export function isMedTechInt32(raw: unknown): boolean {
  if (typeof raw === 'number') {
    // .NET's Convert.ToInt32 takes [-2147483648.5, 2147483647.5), rounding half to even; JavaScript's half-up rounding
    // gives the same verdict at both ends.
    const rounded = Math.round(raw);
    return rounded >= -2147483648 && rounded <= 2147483647;
  }
  if (typeof raw === 'string') {
    const parsed = parseInt32(raw.replace(/^[\t-\r ]+|[\t-\r ]+$/g, ''));
    return typeof parsed === 'number';
  }
  return false;
}

/**
 * Which spelling of `template` MedTech reads in a `{templateType, template}` object (the root of a mapping file or one
 * of its nodes): `template` spelled exactly, else the first member whose name matches it ignoring case (its container
 * converter looks it up with Newtonsoft's case-insensitive `JObject.GetValue`, which tries the exact name first).
 * Other spellings are ignored, where every other property takes the last of its spellings.
 * @param keys - the object's member names, in the order written
 * @returns the member read, or undefined when there is none
 */
export function templateKeyAsMedTech(keys: readonly string[]): string | undefined {
  return keys.includes('template') ? 'template' : keys.find((key) => key.toLowerCase() === 'template');
}

/** Why another spelling of `template` is ignored (see {@link templateKeyAsMedTech}). */
export function templateSpellingIgnoredReason(read: string): string {
  return `MedTech reads '${read}' (the exact spelling 'template', else the first spelling)`;
}

/**
 * Why MedTech ignores a member its template classes have besides the mapping fields, or undefined for any other
 * member: `lineNumber` and `linePosition` (32-bit integers it overwrites with the position in the file) and
 * `lineInfoForProperties` (which it skips whatever it holds). Names match in any case.
 * @param key - the member's name as written
 * @param value - its value
 */
export function lineInfoIgnoredReason(key: string, value: unknown): string | undefined {
  const lower = key.toLowerCase();
  if ((lower === 'linenumber' || lower === 'lineposition') && isMedTechInt32(value)) {
    return 'MedTech accepts it and replaces it with the position in the file';
  }
  return lower === 'lineinfoforproperties' ? 'MedTech accepts it and does not read it' : undefined;
}

/**
 * The text MedTech makes of a JSON number or boolean where it expects a string (Newtonsoft.Json's `ReadAsString`
 * formats the token with .NET's invariant culture): `True`/`False`; an integer literal as its digits (Newtonsoft
 * reads it as a 64-bit or big integer, so `98765432109876543210` keeps every digit); any other number as .NET writes
 * a double ({@link formatDotNetNumber}: `60.0` → `60`, `1E+21`, `1E-05`).
 * @param value - the number or boolean (`JSON.parse` reads `1e400` as an infinity: "Infinity")
 * @param literal - the number as written in the file, when known
 */
export function toMedTechString(value: number | boolean, literal?: string): string {
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  return integerLiteralDigits(value, literal) ?? formatAsRead(value, literal);
}

/**
 * .NET's text for a number that is not an integer literal: a literal with a fraction or exponent is a double to
 * Newtonsoft (`1e15` → `1E+15`); without the literal, an integer value is taken as written as one.
 */
function formatAsRead(value: number, literal: string | undefined): string {
  return literal !== undefined && Number(literal) === value ? formatDotNetDouble(value) : formatDotNetNumber(value);
}

/**
 * The digits of an integer literal, as Newtonsoft.Json reads it (`-0` is `0`), or undefined when the literal is not
 * an integer or is not this value's (a member written twice has two literals; `JSON.parse` keeps the last).
 * @param value - the number `JSON.parse` read
 * @param literal - the text written in the file
 */
export function integerLiteralDigits(value: number, literal: string | undefined): string | undefined {
  return literal !== undefined && /^-?\d+$/.test(literal) && Number(literal) === value
    ? BigInt(literal).toString()
    : undefined;
}

/**
 * Whether a member is a reference id Newtonsoft.Json reads as metadata, not as a member of the class it fills: `$id`,
 * spelled so, as the object's first member, holding no object or array. (A later `$id` is an unknown member there,
 * and so are `$type` and `$ref` without the settings that give them a meaning.)
 * @param key - the member's name
 * @param value - its value
 * @param first - whether it is the object's first member
 */
export function isLeadingReferenceId(key: string, value: unknown, first: boolean): boolean {
  return first && key === '$id' && (value === null || typeof value !== 'object');
}

/** Why a leading `$id` is ignored, for the warning. */
export const REFERENCE_ID_IGNORED_REASON = "MedTech's reader (Newtonsoft.Json) takes a leading $id for a reference id";

/**
 * The list an object `{"$values": [...]}` stands for where Newtonsoft.Json expects a list: it reads the wrapper as its
 * `$values`, the wrapper's last member, after any of the metadata it reads there first (`$id` of no object or array,
 * `$type` of text, a number or a boolean, `$ref` of null; in any order, as a serializer with type names writes
 * `{"$type": "…List…", "$values": [...]}`). Undefined for anything else (checked on MedTech's loaders).
 * @param value - a member's value where a list is expected
 */
export function unwrapValuesList(value: unknown): unknown[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const last = entries.at(-1);
  if (last?.[0] !== '$values' || !Array.isArray(last[1])) {
    return undefined;
  }
  for (let i = 0; i < entries.length - 1; i++) {
    if (!isListMetadata(...(entries[i] as [string, unknown]))) {
      return undefined;
    }
  }
  return last[1] as unknown[];
}

/** Whether a member before a list wrapper's `$values` is metadata Newtonsoft.Json reads and passes over there. */
function isListMetadata(key: string, value: unknown): boolean {
  switch (key) {
    case '$id':
      return isLeadingReferenceId(key, value, true);
    case '$type':
      // Its text is read (null or a container has none) and, without type-name handling, not used.
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    case '$ref':
      // A reference other than null would have to be the object's only member.
      return value === null;
    default:
      return false;
  }
}

/** What the warning for a `$values` wrapper says. */
export const VALUES_WRAPPER_REASON = "it is read as its $values list, as MedTech's reader (Newtonsoft.Json) reads it";
