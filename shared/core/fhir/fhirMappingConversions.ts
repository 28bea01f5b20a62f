/**
 * What MedTech's Newtonsoft-based loader makes of FHIR mapping values that the published schema does not allow, so
 * that a mapping MedTech loaded loads here too (each conversion comes with a warning saying how to write it):
 * a number or boolean where text is expected, `null` for an optional member (or an empty string for an optional
 * list), `periodInterval` and `defaultPeriod` written as strings (and `"periodInterval": false`, which is 0), members
 * of another value type inside `value`, and the line information members MedTech's template classes carry. It works
 * on the canonical tree (property names already spelled as the schema spells them).
 */
import { DECIMAL_MAX_DOUBLE, DECIMAL_MAX_INTEGER, numberStyleReader } from '../dotNetNumbers.js';
import { toPointer } from '../mapping/locate.js';
import {
  enumNumberOfJsonNumber,
  integerLiteralDigits,
  lineInfoIgnoredReason,
  readEnumTextAsMedTech,
  toMedTechString,
} from '../mapping/medTechConversions.js';
import { isRecord } from '../isRecord.js';

/** How the conversions report and look up what they need. */
export interface ConversionContext {
  /** Records a warning at a canonical JSON pointer. */
  warn(message: string, pointer: string, field: string): void;
  /** Records an error (the mapping is refused) at a canonical JSON pointer. */
  error(message: string, pointer: string, field: string): void;
  /** The literal text of the JSON number at a canonical pointer (its digits survive only there). */
  numberText(pointer: string): string | undefined;
}

/**
 * Where a text is read: the template body is read by Newtonsoft's `ReadAsString` (`60.0` → `"60"`, `true` →
 * `"True"`); a `value` object is re-serialized first and then read (`60.0` → `"60.0"`, `true` → `"true"`).
 */
type TextContext = 'body' | 'value';

/** The members each value type has; MedTech ignores the others, whatever they hold. */
const VALUE_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  SampledData: ['valueType', 'valueName', 'defaultPeriod', 'unit'],
  Quantity: ['valueType', 'valueName', 'unit', 'system', 'code'],
  String: ['valueType', 'valueName'],
  CodeableConcept: ['valueType', 'valueName', 'text', 'codes'],
};
/** Members some value type has: on another type they are ignored (with a warning), not checked. */
const TYPED_VALUE_MEMBERS = ['defaultPeriod', 'unit', 'system', 'code', 'text', 'codes'];

/** `periodInterval` names in MedTech's enumeration. */
const PERIOD_NAMES: readonly (readonly [string, number])[] = [
  ['CorrelationId', -1],
  ['Single', 0],
  ['Hourly', 60],
  ['Daily', 1440],
];

/**
 * Converts, in place, the values of one CodeValueFhir template body (canonical names) that MedTech reads although
 * the schema does not allow them. Anything else is left for the schema to judge.
 * @param body - the template body
 * @param at - its canonical JSON pointer
 * @param context - warnings and number literals
 */
export function convertBodyAsMedTech(body: Record<string, unknown>, at: string, context: ConversionContext): void {
  for (const key of Object.keys(body)) {
    const reason = lineInfoIgnoredReason(key, body[key]);
    if (reason !== undefined) {
      context.warn(`property '${key}' is ignored: ${reason}`, at + toPointer([key]), key);
      delete body[key];
    }
  }
  convertText(body, 'typeName', at, 'body', context, false);
  convertPeriodInterval(body, at, context);
  if (dropAbsentList(body, 'category', at, context) && Array.isArray(body.category)) {
    body.category.forEach((concept: unknown, i) => {
      if (isRecord(concept)) {
        const conceptAt = `${at}/category/${i}`;
        convertText(concept, 'text', conceptAt, 'body', context, true);
        if (dropAbsentList(concept, 'codes', conceptAt, context)) {
          convertCodings(concept.codes, `${conceptAt}/codes`, 'body', context);
        }
      }
    });
  }
  convertCodings(body.codes, `${at}/codes`, 'body', context);
  convertValue(body.value, `${at}/value`, context);
  if (dropAbsentList(body, 'components', at, context) && Array.isArray(body.components)) {
    body.components.forEach((component: unknown, i) => {
      if (isRecord(component)) {
        convertCodings(component.codes, `${at}/components/${i}/codes`, 'body', context);
        convertValue(component.value, `${at}/components/${i}/value`, context);
      }
    });
  }
}

function convertValue(value: unknown, at: string, context: ConversionContext): void {
  if (!isRecord(value)) {
    return;
  }
  const members = typeof value.valueType === 'string' ? VALUE_MEMBERS[value.valueType] : undefined;
  if (members === undefined) {
    return;
  }
  for (const key of Object.keys(value)) {
    if (TYPED_VALUE_MEMBERS.includes(key) && !members.includes(key)) {
      context.warn(
        `'${key}' is not a member of a ${String(value.valueType)} value; it is ignored, as MedTech ignores it`,
        `${at}/${key}`,
        key,
      );
      delete value[key];
    }
  }
  for (const key of ['valueName', 'unit', 'system', 'code', 'text']) {
    convertText(value, key, at, 'value', context, true);
  }
  convertDefaultPeriod(value, at, context);
  convertCodings(value.codes, `${at}/codes`, 'value', context);
}

function convertCodings(codings: unknown, at: string, where: TextContext, context: ConversionContext): void {
  if (!Array.isArray(codings)) {
    return;
  }
  codings.forEach((coding: unknown, i) => {
    if (isRecord(coding)) {
      for (const key of ['code', 'system', 'display']) {
        convertText(coding, key, `${at}/${i}`, where, context, true);
      }
    }
  });
}

/**
 * A number or boolean in a text member becomes the text MedTech reads; `null` in an optional one leaves it out.
 * @returns nothing; the member is changed in place
 */
function convertText(
  target: Record<string, unknown>,
  key: string,
  at: string,
  where: TextContext,
  context: ConversionContext,
  optional: boolean,
): void {
  const raw = target[key];
  const pointer = `${at}/${key}`;
  if (raw === null && optional) {
    context.warn(`'${key}' is null: MedTech reads it as absent; leave it out`, pointer, key);
    delete target[key];
    return;
  }
  if (typeof raw !== 'number' && typeof raw !== 'boolean') {
    return;
  }
  const text = medTechText(raw, context.numberText(pointer), where);
  context.warn(
    `'${key}' is a ${typeof raw}: MedTech reads it as the text ${JSON.stringify(text)}; write it as a string`,
    pointer,
    key,
  );
  target[key] = text;
}

/**
 * The text MedTech reads from a number or boolean: an integer literal keeps its digits (Newtonsoft reads it as a
 * 64-bit or big integer); otherwise, in the body, what `ReadAsString` makes ({@link toMedTechString}: `60.0` →
 * `"60"`, `true` → `"True"`); inside `value`, what the re-serialized token reads as (`60.0` → `"60.0"`, `true` →
 * `"true"`).
 */
function medTechText(raw: number | boolean, literal: string | undefined, where: TextContext): string {
  if (where === 'body') {
    return toMedTechString(raw, literal);
  }
  if (typeof raw === 'boolean') {
    return raw ? 'true' : 'false';
  }
  const digits = integerLiteralDigits(raw, literal);
  if (digits !== undefined) {
    return digits;
  }
  // Re-serialized, a double keeps a decimal place: `60.0` stays "60.0", `1e15` is "1E+15".
  const text = toMedTechString(raw, literal);
  // An infinity is written as the string "Infinity", which gains no decimal place.
  return /[.eE]/.test(text) || !Number.isFinite(raw) ? text : `${text}.0`;
}

/**
 * `null` for an optional list, or an empty string (Newtonsoft reads one as null where it expects a list): read as
 * absent. True when the member is still there to convert.
 */
function dropAbsentList(target: Record<string, unknown>, key: string, at: string, context: ConversionContext): boolean {
  const raw = target[key];
  if (raw !== null && raw !== '') {
    return key in target;
  }
  const what = raw === null ? 'null' : 'an empty string';
  context.warn(`'${key}' is ${what}: MedTech reads it as absent; leave it out`, `${at}/${key}`, key);
  delete target[key];
  return false;
}

function convertPeriodInterval(body: Record<string, unknown>, at: string, context: ConversionContext): void {
  const raw = body.periodInterval;
  if (typeof raw === 'number') {
    // Read as its value here; MedTech refuses the whole file (Enum.ToObject cannot take a double).
    const literal = context.numberText(`${at}/periodInterval`);
    if (Number.isInteger(raw) && literal !== undefined && /[.eE]/.test(literal) && Number(literal) === raw) {
      context.warn(
        `'periodInterval' ${literal} has a fraction or an exponent: it is read as ${raw} here, but MedTech refuses ` +
          `the mapping; write ${raw}`,
        `${at}/periodInterval`,
        'periodInterval',
      );
      return;
    }
    // An integer beyond 32 bits: the enumeration keeps the low 32 bits of the 64-bit integer (4294967356 is 60).
    const value = enumNumberOfJsonNumber(raw, literal);
    if (value !== undefined && value !== raw) {
      context.warn(
        `'periodInterval' ${literal ?? raw} is read as ${value}, as MedTech reads it (the low 32 bits of a 64-bit ` +
          `integer); write ${value}`,
        `${at}/periodInterval`,
        'periodInterval',
      );
      body.periodInterval = value;
    }
    return;
  }
  // A boolean becomes its number (Enum.ToObject): `false` is 0, a defined interval; `true`, 1, is not one.
  if (typeof raw !== 'string' && raw !== false) {
    return;
  }
  const value = raw === false ? 0 : readPeriodInterval(raw);
  if (value === undefined) {
    return;
  }
  // Names separated by commas combine (`"Hourly, Daily"` is 60 | 1440, 1468): no advice to write what is no interval.
  const advice = PERIOD_NAMES.some(([, defined]) => defined === value) ? `; write ${value}` : '';
  context.warn(
    `'periodInterval' ${JSON.stringify(raw)} is read as ${value}, as MedTech reads it${advice}`,
    `${at}/periodInterval`,
    'periodInterval',
  );
  body.periodInterval = value;
}

/**
 * A `periodInterval` string as MedTech's enumeration reader takes it: an integer (sign and white space allowed), or
 * member names in any case, separated by commas, which combine. Undefined when it is neither.
 * @param text - the string written in the mapping
 */
export function readPeriodInterval(text: string): number | undefined {
  return readEnumTextAsMedTech(text, PERIOD_NAMES);
}

function convertDefaultPeriod(value: Record<string, unknown>, at: string, context: ConversionContext): void {
  const raw = value.defaultPeriod;
  if (typeof raw === 'number' && Math.abs(raw) === DECIMAL_MAX_DOUBLE) {
    // The nearest double to the largest decimal, and so to integers past it: the literal tells them apart.
    if (!fitsDecimal(context.numberText(`${at}/defaultPeriod`))) {
      context.error(
        `'defaultPeriod' is outside the range of a decimal (at most 79228162514264337593543950335 either side of 0), ` +
          'which MedTech refuses',
        `${at}/defaultPeriod`,
        'defaultPeriod',
      );
    }
    return;
  }
  if (typeof raw === 'number') {
    // A JSON number too small for a decimal's 28 places is rounded there (1e-30 is 0, which then fails as 0 does).
    const scaled = toDecimalScale(raw);
    if (scaled !== raw) {
      context.warn(
        `'defaultPeriod' ${raw} is read as ${scaled}, as MedTech reads it (a decimal keeps 28 places)`,
        `${at}/defaultPeriod`,
        'defaultPeriod',
      );
      value.defaultPeriod = scaled;
    }
    return;
  }
  if (typeof raw !== 'string') {
    return;
  }
  const number = readDecimalText(raw);
  if (number === undefined) {
    return;
  }
  context.warn(
    `'defaultPeriod' ${JSON.stringify(raw)} is read as ${number}, as MedTech reads it; write it as a number`,
    `${at}/defaultPeriod`,
    'defaultPeriod',
  );
  value.defaultPeriod = number;
}

/**
 * A decimal written as text, as MedTech reads one into a `decimal?` member (checked on Mono, tools/dotnet-oracle):
 * first as .NET's `decimal.TryParse` with `NumberStyles.Number` in the invariant culture reads it (ASCII white space
 * around; a sign before the digits, or one after them among the trailing white space, `5000 -`; digits with `,` group
 * separators and a point; NULs at the very end), then as Newtonsoft.Json's own decimal parser reads it (`-`, digits
 * without leading zeros, a fraction, an exponent whose digits may be missing: `5e+` is 5). Past the decimal range,
 * nothing; otherwise rounded to a decimal's 28 places (`1e-30` is 0).
 */
function readDecimalText(text: string): number | undefined {
  const number = readNumberStyle(text) ?? readNewtonsoftDecimal(text);
  if (number === undefined || Math.abs(number) > DECIMAL_MAX_DOUBLE) {
    return undefined;
  }
  return toDecimalScale(number);
}

/**
 * Whether a JSON number whose double is the largest decimal's, 2^96, is a decimal to MedTech: an integer literal (an
 * exact BigInteger to Newtonsoft) when it is at most 79228162514264337593543950335; a literal with a fraction or an
 * exponent never (Newtonsoft reads a double, and its round-trip text `7.9228162514264338E+28` overflows a decimal;
 * checked on Mono). Without the literal (a mapping that arrived parsed), yes.
 * @param literal - the number's text in the mapping, if known
 */
function fitsDecimal(literal: string | undefined): boolean {
  if (literal === undefined) {
    return true;
  }
  const integer = /^-?(\d+)$/.exec(literal);
  return integer !== null && BigInt(integer[1] as string) <= DECIMAL_MAX_INTEGER;
}

/** A number as a .NET decimal holds it: at most 28 digits after the point (1e-30 is 0). */
function toDecimalScale(number: number): number {
  return Math.abs(number) >= 1 ? number : Number(number.toFixed(DECIMAL_SCALE));
}

/** The most digits a decimal holds after its point. */
const DECIMAL_SCALE = 28;

/** A number as `NumberStyles.Number` allows it: digits with `,` group separators after the first, a point. */
const readNumberStyleText = numberStyleReader('\\d[\\d,]*(?:\\.\\d*)?|\\.\\d+');

/** .NET's `NumberStyles.Number` in the invariant culture (no exponent), or undefined. */
function readNumberStyle(text: string): number | undefined {
  const read = readNumberStyleText(text);
  if (read === undefined) {
    return undefined;
  }
  const plain = read.number.replace(/,/g, '');
  const [whole, fraction = ''] = plain.split('.') as [string, string?];
  const integer = BigInt(whole || '0');
  // Past the largest decimal, also where its fraction would round up to it.
  if (integer > DECIMAL_MAX_INTEGER || (integer === DECIMAL_MAX_INTEGER && /^[5-9]/.test(fraction))) {
    return undefined;
  }
  const value = Number(plain);
  return read.negative ? -value : value;
}

/** Newtonsoft.Json's `ConvertUtils.DecimalTryParse`: no white space, no `+`, no leading zeros. */
function readNewtonsoftDecimal(text: string): number | undefined {
  const match = /^(-?(?:0|[1-9]\d*)(?:\.\d+)?)(?:[eE]([+-]?\d*))?$/.exec(text);
  // Without an exponent, a form .NET's parser refused is past the decimal range, which this parser refuses too.
  if (match === null || match[2] === '' || match[2] === undefined) {
    return undefined;
  }
  const exponent = /^[+-]?$/.test(match[2]) ? 0 : Number(match[2]);
  return Number(`${match[1]}e${exponent}`);
}
