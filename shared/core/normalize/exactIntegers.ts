/**
 * Exact digits for JSON integers beyond 2^53. `JSON.parse` reads `123456789012345678` as the nearest double,
 * `123456789012345680`, so two device ids a few apart would become the same id. MedTech (Newtonsoft) keeps every digit
 * of such integers, and so must the ids and values we extract. The parsed value cannot say which literal it came from,
 * so the message text is searched for the integer literals that read as that double — only when such a value is
 * extracted, which keeps the common path free of any extra work.
 */

/** Fewest digits an integer literal can have and still lie beyond 2^53 (9,007,199,254,740,992 has 16). */
export const MIN_LARGE_INTEGER_DIGITS = 16;

const CH_QUOTE = 34;
const CH_BACKSLASH = 92;
const CH_MINUS = 45;
const CH_0 = 48;
const CH_9 = 57;
const CH_DOT = 46;
const CH_E = 69;
const CH_e = 101;

/**
 * The integer literals of 16 or more digits in a JSON text, outside strings, by the double they read as: the first
 * two distinct texts of each (a second one already makes a value ambiguous).
 */
export type LargeIntegerLiterals = ReadonlyMap<number, readonly string[]>;

/**
 * Lists the plain integer literals (no fraction, no exponent) of at least 16 digits in a JSON text, outside strings.
 * @param text - the JSON text of a message body
 * @returns literal texts by the number `JSON.parse` makes of them (each text once, at most two per number: a list of
 *   every text would be compared with each new one, quadratic in literals that read as one number)
 */
export function findLargeIntegerLiterals(text: string): LargeIntegerLiterals {
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
    if (plain && digits >= MIN_LARGE_INTEGER_DIGITS) {
      const literal = text.slice(start, i);
      noteLargeIntegerLiteral(found, Number(literal), literal);
    }
    if (i === start) {
      i++;
    }
  }
  return found;
}

/**
 * Records one literal of a large integer by the number it reads as: each text once, at most two per number (see
 * {@link findLargeIntegerLiterals}).
 * @param found - the literals so far
 * @param value - the number the literal reads as
 * @param literal - its digits
 */
export function noteLargeIntegerLiteral(found: Map<number, string[]>, value: number, literal: string): void {
  const texts = found.get(value);
  if (texts === undefined) {
    found.set(value, [literal]);
  } else if (texts.length < 2 && texts[0] !== literal) {
    texts.push(literal);
  }
}

/**
 * Whether a number lost digits when it was parsed: an integer beyond 2^53.
 * @param value - a parsed JSON number
 */
export function isInexactInteger(value: number): boolean {
  return Number.isInteger(value) && !Number.isSafeInteger(value);
}

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

/** Characters that continue a number literal after its integer digits: fraction, exponent, their signs and digits. */
function isNumberPart(c: number): boolean {
  return c === CH_DOT || c === CH_E || c === CH_e || c === CH_MINUS || c === 43 || isDigit(c);
}
