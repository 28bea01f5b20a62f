/**
 * White space as .NET (and so MedTech) sees it: `char.IsWhiteSpace`, which `string.IsNullOrWhiteSpace`, `Trim()` and
 * the parsers use. It differs from JavaScript's `trim()` in two characters: U+0085 (NEXT LINE) is white space to .NET
 * and not to JavaScript; U+FEFF (the byte-order mark) is white space to JavaScript and not to .NET.
 */

/**
 * Whether a UTF-16 code unit is white space to .NET's `char.IsWhiteSpace`: U+0009–U+000D, U+0020, U+0085, U+00A0 and
 * the Unicode space, line and paragraph separators.
 * @param code - a UTF-16 code unit
 */
export function isDotNetWhiteSpace(code: number): boolean {
  if (code < 0x100) {
    return code === 32 || (code >= 9 && code <= 13) || code === 0x85 || code === 0xa0;
  }
  return (
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** A run of white space to .NET's `char.IsWhiteSpace` (the code units {@link isDotNetWhiteSpace} names). */
const DOTNET_WHITE_SPACE_RUN = /[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

/**
 * The text with each run of .NET white space replaced by one space, as `DateTime.Parse` takes any such run between
 * the parts of a timestamp (a tab, U+202F…).
 * @param text - the text
 */
export function collapseDotNetWhiteSpace(text: string): string {
  return text.replace(DOTNET_WHITE_SPACE_RUN, ' ');
}

/**
 * The text without .NET white space at either end, as .NET's `Trim()`; with `nul`, NUL characters are trimmed too
 * (as `Boolean.Parse` does).
 * @param text - the text
 * @param nul - whether U+0000 is trimmed as well
 */
export function trimDotNet(text: string, nul = false): string {
  let start = 0;
  let end = text.length;
  while (start < end && isTrimmed(text.charCodeAt(start), nul)) {
    start++;
  }
  while (end > start && isTrimmed(text.charCodeAt(end - 1), nul)) {
    end--;
  }
  return text.slice(start, end);
}

/**
 * The text without .NET white space at its end, as .NET's `TrimEnd()` (Newtonsoft's JSONPath parser trims the last
 * member name of a path this way).
 * @param text - the text
 */
export function trimEndDotNet(text: string): string {
  let end = text.length;
  while (end > 0 && isDotNetWhiteSpace(text.charCodeAt(end - 1))) {
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

/**
 * Whether the text is empty or white space only, as .NET's `string.IsNullOrWhiteSpace` (MedTech's test for a blank
 * required value).
 * @param text - the text
 */
export function isDotNetBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (!isDotNetWhiteSpace(text.charCodeAt(i))) {
      return false;
    }
  }
  return true;
}

function isTrimmed(code: number, nul: boolean): boolean {
  return isDotNetWhiteSpace(code) || (nul && code === 0);
}
