/**
 * JSON with the literals `NaN`, `Infinity` and `-Infinity` as values, as Python's `json.dumps` writes a reading that
 * is not a number and as MedTech's reader (Newtonsoft.Json) accepts them: parsed into the JavaScript numbers they
 * name, so that the other fields of such a message still normalize (a field holding one is a non-finite number, as
 * in MedTech it is no usable value). Only called for a body `JSON.parse` refused.
 */

/** The literals, each as it may stand where a JSON value does. */
const LITERALS: readonly (readonly [string, number])[] = [
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['NaN', Number.NaN],
];

/**
 * Starts a literal's stand-in string: a NUL character, written escaped (JSON strings hold no raw control character).
 * A body that escapes a NUL itself is left alone, so no string of it can be taken for a stand-in.
 */
const ESCAPED_MARK = '\\u0000';

/**
 * Parses JSON text whose values may include `NaN`, `Infinity` and `-Infinity` (outside strings).
 * @param text - the body text
 * @returns the value, or `undefined` when the text holds none of the literals or is not JSON with them either
 */
export function parseJsonWithNonFiniteLiterals(text: string): { value: unknown } | undefined {
  if (/\\u0000/i.test(text)) {
    // A string of the body may hold a NUL (escaped): its stand-ins could not be told from it.
    return undefined;
  }
  let out = '';
  let copied = 0;
  let replaced = false;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i = stringEnd(text, i);
      continue;
    }
    const literal = c === 45 /* - */ || c === 73 /* I */ || c === 78 /* N */ ? literalAt(text, i) : undefined;
    if (literal !== undefined) {
      out += `${text.slice(copied, i)}"${ESCAPED_MARK}${literal}"`;
      i += literal.length;
      copied = i;
      replaced = true;
      continue;
    }
    i++;
  }
  if (!replaced) {
    return undefined;
  }
  out += text.slice(copied);
  try {
    return { value: JSON.parse(out, restoreLiteral) as unknown };
  } catch {
    return undefined;
  }
}

/** The literal at `at` when it stands alone (not part of a longer word or number), else `undefined`. */
function literalAt(text: string, at: number): string | undefined {
  for (const [literal] of LITERALS) {
    if (text.startsWith(literal, at) && !isWordCharacter(text.charCodeAt(at + literal.length))) {
      return literal;
    }
  }
  return undefined;
}

function isWordCharacter(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95 ||
    code === 46
  );
}

/** The offset after the string that starts with the quote at `start` (the end of the text when it is unclosed). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      i += 2;
    } else if (c === 34) {
      return i + 1;
    } else {
      i++;
    }
  }
  return i;
}

function restoreLiteral(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.charCodeAt(0) === 0) {
    for (const [literal, number] of LITERALS) {
      if (value.length === literal.length + 1 && value.endsWith(literal)) {
        return number;
      }
    }
  }
  return value;
}
