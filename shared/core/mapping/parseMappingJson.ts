import { parseTree, printParseErrorCode, visit, type ParseError } from 'jsonc-parser';
import {
  findExcessiveNesting,
  offsetToPosition,
  parseLocatedJson,
  toLineStarts,
  type JsonSyntaxProblem,
  type LocatedJson,
  type TextPosition,
} from './locate.js';

/** A mapping file parsed as JSON, noting where it first departs from strict JSON when MedTech would still read it. */
export type MappingJsonResult =
  { ok: true; doc: LocatedJson; nonStrictAt?: TextPosition } | { ok: false; problems: JsonSyntaxProblem[] };

const lenient = { allowTrailingComma: true, disallowComments: false } as const;

/** The warning a mapping file gets at its first comment or trailing comma (see {@link MappingJsonResult}). */
export const NON_STRICT_JSON_WARNING =
  'the file is not strict JSON (comments or trailing commas): MedTech accepts it, strict JSON tools do not';

/**
 * Parses a mapping file. Strict JSON first; failing that, JSON with comments and trailing commas, which MedTech's
 * reader (Newtonsoft.Json) accepts, so a mapping that loads in MedTech loads here too (`nonStrictAt` says where the
 * first comment or trailing comma is, for a warning). Anything else is a syntax error with its line and column.
 * A leading byte-order mark is dropped: lines, columns and the document's `text` are those after it.
 * @param content - the file content
 */
export function parseMappingJson(content: string): MappingJsonResult {
  // MedTech reads the blob through a BOM-aware reader; editors do not count the BOM as a column.
  const text = content.startsWith('\uFEFF') ? content.slice(1) : content;
  // The parsers and validators below recurse per level: a hostile or broken file thousands of levels deep would
  // overflow the stack. Real mappings are a few levels deep.
  const tooDeep = findExcessiveNesting(text, MAX_MAPPING_DEPTH);
  if (tooDeep >= 0) {
    return {
      ok: false,
      problems: [
        {
          message: `the file nests arrays and objects more than ${MAX_MAPPING_DEPTH} levels deep`,
          ...offsetToPosition(toLineStarts(text), tooDeep),
        },
      ],
    };
  }
  const strict = parseLocatedJson(text);
  if (strict.ok) {
    return strict;
  }
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, lenient);
  const lineStarts = toLineStarts(text);
  if (tree === undefined || errors.length > 0) {
    if (errors.length === 0) {
      return strict;
    }
    return {
      ok: false,
      problems: errors.map((e) => ({
        message: `JSON syntax error: ${printParseErrorCode(e.error)}`,
        ...offsetToPosition(lineStarts, e.offset),
      })),
    };
  }
  // Blank out comments and trailing commas, then let JSON.parse build the value (it keeps `__proto__` as data).
  const value = JSON.parse(blankNonStrictParts(text)) as unknown;
  const first = strict.problems[0];
  const doc: LocatedJson = { value, text, tree, lineStarts };
  return first === undefined
    ? { ok: true, doc }
    : { ok: true, doc, nonStrictAt: { line: first.line, column: first.column } };
}

/** Deepest nesting of arrays and objects a mapping file may have. */
export const MAX_MAPPING_DEPTH = 128;

function blankNonStrictParts(text: string): string {
  const ranges: { offset: number; length: number }[] = [];
  let pendingComma: { offset: number; length: number } | undefined;
  const closeContainer = (): void => {
    if (pendingComma !== undefined) {
      ranges.push(pendingComma);
    }
    pendingComma = undefined;
  };
  const otherToken = (): void => {
    pendingComma = undefined;
  };
  visit(
    text,
    {
      onComment: (offset, length) => ranges.push({ offset, length }),
      onSeparator: (character, offset, length) => {
        pendingComma = character === ',' ? { offset, length } : undefined;
      },
      onObjectEnd: closeContainer,
      onArrayEnd: closeContainer,
      onObjectBegin: otherToken,
      onArrayBegin: otherToken,
      onObjectProperty: otherToken,
      onLiteralValue: otherToken,
    },
    lenient,
  );
  let result = '';
  let last = 0;
  for (const { offset, length } of ranges.sort((a, b) => a.offset - b.offset)) {
    result += text.slice(last, offset) + ' '.repeat(length);
    last = offset + length;
  }
  return result + text.slice(last);
}
