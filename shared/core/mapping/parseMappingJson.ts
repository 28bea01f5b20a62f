import { parseTree, printParseErrorCode, visit, type Node, type ParseError } from 'jsonc-parser';
import { isDotNetWhiteSpace } from '../dotNetWhiteSpace.js';
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
  'the file is not strict JSON (comments, trailing commas, single quotes or unquoted names): MedTech accepts it, strict JSON tools do not';

/**
 * Parses a mapping file. Strict JSON first; failing that, what MedTech's reader (Newtonsoft.Json) also accepts:
 * comments, trailing commas, single-quoted strings and names, unquoted names, `\'` escapes, control characters inside
 * strings, and .NET white space or NUL characters between tokens; so a mapping that loads in MedTech loads here too
 * (`nonStrictAt` says where the text first departs from strict JSON, for a warning). Anything else is a syntax error
 * with its line and column.
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
  let tree = parseTree(text, errors, lenient);
  let source = text;
  const lineStarts = toLineStarts(text);
  if (tree === undefined || errors.length > 0) {
    if (errors.length === 0) {
      return strict;
    }
    const rewritten = toJsonWithComments(text);
    const rewrittenErrors: ParseError[] = [];
    const rewrittenTree = rewritten === undefined ? undefined : parseTree(rewritten.text, rewrittenErrors, lenient);
    if (rewritten === undefined || rewrittenTree === undefined || rewrittenErrors.length > 0) {
      return {
        ok: false,
        problems: errors.map((e) => ({
          message: `JSON syntax error: ${printParseErrorCode(e.error)}`,
          ...offsetToPosition(lineStarts, e.offset),
        })),
      };
    }
    tree = remapOffsets(rewrittenTree, rewritten.toOriginal);
    source = rewritten.text;
  }
  // Blank out comments and trailing commas, then let JSON.parse build the value (it keeps `__proto__` as data).
  const value = JSON.parse(blankNonStrictParts(source)) as unknown;
  const first = strict.problems[0];
  const doc: LocatedJson = { value, text, tree, lineStarts };
  return first === undefined
    ? { ok: true, doc }
    : { ok: true, doc, nonStrictAt: { line: first.line, column: first.column } };
}

/** Deepest nesting of arrays and objects a mapping file may have. */
export const MAX_MAPPING_DEPTH = 128;

/** Text rewritten to JSON with comments, and the offset in the original text of each offset in it (and its end). */
interface RewrittenText {
  text: string;
  toOriginal: number[];
}

/**
 * Rewrites what Newtonsoft.Json reads beyond JSON with comments and trailing commas into that form: single-quoted
 * strings and unquoted property names get double quotes, `\'` loses its backslash, control characters in strings are
 * escaped, and .NET white space or NUL characters between tokens become spaces. Comments are kept as they are.
 * @param text - the file content
 * @returns the rewritten text, or `undefined` when there was nothing to rewrite
 */
function toJsonWithComments(text: string): RewrittenText | undefined {
  let out = '';
  const toOriginal: number[] = [];
  const emit = (chunk: string, at: number): void => {
    out += chunk;
    for (let k = 0; k < chunk.length; k++) {
      toOriginal.push(at);
    }
  };
  // Containers open at this point ('{' or '['), and whether a property name may come next.
  const open: string[] = [];
  let nameNext = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const code = c.charCodeAt(0);
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const end = c === '/' && text[i + 1] === '/' ? lineCommentEnd(text, i) : blockCommentEnd(text, i);
      for (let k = i; k < end; k++) {
        emit(text[k]!, k);
      }
      i = end;
    } else if (c === '"' || c === "'") {
      i = copyString(text, i, emit);
      nameNext = false;
    } else if (nameNext && /[\p{L}\p{Nd}_$]/u.test(c)) {
      let end = i;
      while (end < text.length && /[\p{L}\p{Nd}_$]/u.test(text[end]!)) {
        end++;
      }
      emit('"', i);
      for (let k = i; k < end; k++) {
        emit(text[k]!, k);
      }
      emit('"', end);
      i = end;
      nameNext = false;
    } else {
      if (code === 0 || (isDotNetWhiteSpace(code) && !/[ \t\n\r]/.test(c))) {
        emit(' ', i);
      } else {
        emit(c, i);
      }
      if (c === '{' || c === '[') {
        open.push(c);
        nameNext = c === '{';
      } else if (c === '}' || c === ']') {
        open.pop();
        nameNext = false;
      } else if (c === ',') {
        nameNext = open.at(-1) === '{';
      } else if (!isDotNetWhiteSpace(code) && code !== 0) {
        nameNext = false;
      }
      i++;
    }
  }
  toOriginal.push(text.length);
  return out === text ? undefined : { text: out, toOriginal };
}

function lineCommentEnd(text: string, start: number): number {
  const end = text.slice(start).search(/[\r\n]/);
  return end < 0 ? text.length : start + end;
}

function blockCommentEnd(text: string, start: number): number {
  const end = text.indexOf('*/', start + 2);
  return end < 0 ? text.length : end + 2;
}

/**
 * Copies a string starting at a quote as a double-quoted JSON string.
 * @returns the offset after its closing quote (the end of the text when it is unterminated)
 */
function copyString(text: string, start: number, emit: (chunk: string, at: number) => void): number {
  const quote = text[start]!;
  emit('"', start);
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === quote) {
      emit('"', i);
      return i + 1;
    }
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      emit(next === "'" ? "'" : `\\${next}`, i);
      i += 2;
      continue;
    }
    const code = c.charCodeAt(0);
    if (c === '"') {
      emit('\\"', i);
    } else if (code < 0x20) {
      emit(`\\u${code.toString(16).padStart(4, '0')}`, i);
    } else {
      emit(c, i);
    }
    i++;
  }
  return i;
}

/** A copy of a tree parsed from rewritten text, with every node at its offsets in the original text. */
function remapOffsets(node: Node, toOriginal: readonly number[], parent?: Node): Node {
  const at = (offset: number): number => toOriginal[offset] ?? offset;
  const start = at(node.offset);
  const children: Node[] | undefined = node.children === undefined ? undefined : [];
  const copy: Node = {
    type: node.type,
    value: node.value as unknown,
    offset: start,
    length: at(node.offset + node.length) - start,
    ...(node.colonOffset === undefined ? {} : { colonOffset: at(node.colonOffset) }),
    ...(parent === undefined ? {} : { parent }),
    ...(children === undefined ? {} : { children }),
  };
  for (const child of node.children ?? []) {
    children?.push(remapOffsets(child, toOriginal, copy));
  }
  return copy;
}

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
