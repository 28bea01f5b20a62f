/**
 * Number texts that depend on how the message wrote the number. `JSON.parse` reads `123456789012345678` as the
 * nearest double, `123456789012345680`, so two device ids a few apart would become the same id; MedTech (Newtonsoft)
 * keeps every digit of such integers, and so must the ids and values we extract. Newtonsoft also reads a number with
 * a fraction or an exponent as a double, which .NET writes differently from the integer of the same value once it is
 * that large (`1.5e15` is `1.5E+15`, `1500000000000000` its digits) or a negative zero (`-0.0` is `-0`, `-0` is `0`).
 * The parsed value cannot say which literal it came from, so the message text is searched for the literals that read
 * as that value — only when such a value is extracted, which keeps the common path free of any extra work.
 */
import { toDoubleText } from './toMeasurementValue.js';

/** Fewest digits an integer literal can have and still lie beyond 2^53 (9,007,199,254,740,992 has 16). */
const MIN_LARGE_INTEGER_DIGITS = 16;

/** From this magnitude up, an integer value's text depends on whether it was written as an integer (see above). */
const MIN_LITERAL_SENSITIVE = 1e15;

const CH_QUOTE = 34;
const CH_BACKSLASH = 92;
const CH_MINUS = 45;
const CH_0 = 48;
const CH_9 = 57;
const CH_DOT = 46;
const CH_E = 69;
const CH_e = 101;

/**
 * The texts MedTech makes of a body's literal-sensitive numbers ({@link dependsOnLiteral}), by the value they read
 * as: the first two distinct texts of each (a second one already makes a value ambiguous).
 */
export type NumberLiteralTexts = ReadonlyMap<number, readonly string[]>;

/**
 * Lists the texts MedTech makes of the literal-sensitive numbers of a JSON text, outside strings: an integer literal
 * of at least 16 digits (or `-0`) as its digits, a number with a fraction or exponent whose value is a
 * literal-sensitive one as .NET writes the double.
 * @param text - the JSON text of a message body
 * @returns texts by the number `JSON.parse` makes of them (each text once, at most two per number: a list of every
 *   text would be compared with each new one, quadratic in literals that read as one number)
 */
export function findNumberLiteralTexts(text: string): NumberLiteralTexts {
  const found = new Map<number, string[]>();
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === CH_QUOTE) {
      // Skip the string, escapes included.
      i++;
      while (i < n) {
        const s = text.charCodeAt(i);
        if (s === CH_BACKSLASH) {
          i += 2;
        } else if (s === CH_QUOTE) {
          i++;
          break;
        } else {
          i++;
        }
      }
      continue;
    }
    if (c !== CH_MINUS && !isDigit(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === CH_MINUS) {
      i++;
    }
    const digitsStart = i;
    while (i < n && isDigit(text.charCodeAt(i))) {
      i++;
    }
    const digits = i - digitsStart;
    let plain = true;
    while (i < n && isNumberPart(text.charCodeAt(i))) {
      plain = false;
      i++;
    }
    if (digits > 0) {
      const literal = text.slice(start, i);
      noteNumberLiteral(found, literal, Number(literal), plain);
    }
    if (i === start) {
      i++;
    }
  }
  return found;
}

/**
 * Records the text of one decimal number literal when its value is literal-sensitive: an integer literal of at least
 * 16 digits (or one read as `-0`) as its digits, any other literal as .NET writes the double.
 * @param found - the texts so far
 * @param literal - the literal as written (`-?digits`, with a fraction or exponent unless `integer`)
 * @param value - the number the reader made of it (`JSON.parse` reads `-0` as -0; MedTech's reader as 0)
 * @param integer - whether it has no fraction and no exponent
 */
export function noteNumberLiteral(
  found: Map<number, string[]>,
  literal: string,
  value: number,
  integer: boolean,
): void {
  if (integer) {
    const digits = literal.length - (literal.charCodeAt(0) === CH_MINUS ? 1 : 0);
    if (digits >= MIN_LARGE_INTEGER_DIGITS) {
      noteNumberLiteralText(found, value, integerText(literal));
    } else if (Object.is(value, -0)) {
      noteNumberLiteralText(found, -0, '0');
    }
    return;
  }
  if (dependsOnLiteral(value)) {
    noteNumberLiteralText(found, value, toDoubleText(value));
  }
}

/** What `BigInt(literal).toString()` gives for `-?digits`, in time linear in the literal (a message's may be long). */
function integerText(literal: string): string {
  const negative = literal.charCodeAt(0) === CH_MINUS;
  let i = negative ? 1 : 0;
  while (i < literal.length - 1 && literal.charCodeAt(i) === CH_0) {
    i++;
  }
  const digits = literal.slice(i);
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/**
 * Records the text of one literal by the number it reads as: each text once, at most two per number (see
 * {@link findNumberLiteralTexts}).
 * @param found - the texts so far
 * @param value - the number the literal reads as
 * @param text - the text MedTech makes of it
 */
export function noteNumberLiteralText(found: Map<number, string[]>, value: number, text: string): void {
  const texts = found.get(value);
  if (texts === undefined) {
    found.set(value, [text]);
  } else if (texts.length < 2 && texts[0] !== text) {
    texts.push(text);
  }
}

/**
 * Whether the text MedTech makes of a parsed number depends on how the message wrote it: an integer value from 10^15
 * up (digits beyond 2^53 lost, or a double's scientific notation) and a negative zero. (A `Map` key `-0` is `0`: look
 * such a value up only when this holds.)
 * @param value - a parsed JSON number
 */
export function dependsOnLiteral(value: number): boolean {
  return (
    (value >= MIN_LITERAL_SENSITIVE || value <= -MIN_LITERAL_SENSITIVE || (value === 0 && 1 / value < 0)) &&
    Number.isInteger(value)
  );
}

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

/** Characters that continue a number literal after its integer digits: fraction, exponent, their signs and digits. */
function isNumberPart(c: number): boolean {
  return c === CH_DOT || c === CH_E || c === CH_e || c === CH_MINUS || c === 43 || isDigit(c);
}
