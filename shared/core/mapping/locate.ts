import { findNodeAtLocation, parseTree, type Node, type ParseError, printParseErrorCode } from 'jsonc-parser';

/** Line/column (1-based) of a place in a text. */
export interface TextPosition {
  line: number;
  column: number;
}

/** A JSON document parsed with a syntax tree, so problems found later can be given a line and column. */
export interface LocatedJson {
  /** The parsed value (plain JSON). */
  value: unknown;
  /** The source text. */
  text: string;
  /** Root of the syntax tree (undefined for an empty text). */
  tree: Node | undefined;
  /** Offsets of line starts, for offset → line/column. */
  lineStarts: number[];
}

/** A JSON syntax problem with its position. */
export interface JsonSyntaxProblem {
  message: string;
  line: number;
  column: number;
}

/**
 * Parses strict JSON text keeping a syntax tree for locations.
 * @param text - the file content
 * @returns the located document, or every syntax problem found
 */
export function parseLocatedJson(
  text: string,
): { ok: true; doc: LocatedJson } | { ok: false; problems: JsonSyntaxProblem[] } {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const lineStarts = toLineStarts(text);
  if (errors.length > 0 || tree === undefined) {
    const problems = errors.map((e) => ({
      message: `JSON syntax error: ${printParseErrorCode(e.error)}`,
      ...offsetToPosition(lineStarts, e.offset),
    }));
    if (problems.length === 0) {
      problems.push({ message: 'JSON syntax error: the document is empty', line: 1, column: 1 });
    }
    return { ok: false, problems };
  }
  // JSON.parse gives the exact same value jsonc-parser accepted (no comments/trailing commas allowed above).
  return { ok: true, doc: { value: JSON.parse(text) as unknown, text, tree, lineStarts } };
}

/** Where a node of a mapping file is written: its pointer, as the file spells it, and its line and column. */
export interface WrittenAt extends TextPosition {
  /** RFC 6901 pointer to the node in the file (`/template/0/template/values/2/valueExpression`). */
  pointer: string;
}

/**
 * Where the node a pointer names is written: the pointer itself, with the line and column {@link locatePointer} gives.
 * @param doc - the located document
 * @param pointer - RFC 6901 JSON pointer, as the file spells its names
 */
export function writtenAt(doc: LocatedJson, pointer: string): WrittenAt {
  return { pointer, ...locatePointer(doc, pointer) };
}

/**
 * Line and column of the JSON node a pointer names; the nearest existing ancestor when the node does not exist
 * (e.g. a missing required property points at its parent object).
 * @param doc - the located document
 * @param pointer - RFC 6901 JSON pointer (`""` is the root)
 */
export function locatePointer(doc: LocatedJson, pointer: string): TextPosition {
  if (doc.tree === undefined) {
    return { line: 1, column: 1 };
  }
  const segments = toPathSegments(pointer);
  for (let n = segments.length; n >= 0; n--) {
    const node = findNodeAtLocation(doc.tree, segments.slice(0, n));
    if (node !== undefined) {
      // For a property value, point at the property (its key) so editors highlight the name.
      const target = node.parent?.type === 'property' ? node.parent : node;
      return offsetToPosition(doc.lineStarts, target.offset);
    }
  }
  return offsetToPosition(doc.lineStarts, doc.tree.offset);
}

/**
 * The literal text of the JSON number a pointer names (its digits, which `JSON.parse` may have rounded), or undefined
 * when the pointer names no number in the text.
 * @param doc - the located document
 * @param pointer - RFC 6901 JSON pointer
 */
export function numberLiteralAt(doc: LocatedJson, pointer: string): string | undefined {
  let node = doc.tree;
  for (const segment of toPathSegments(pointer)) {
    node = node === undefined ? undefined : childAt(node, segment);
  }
  return node?.type === 'number' ? doc.text.slice(node.offset, node.offset + node.length) : undefined;
}

/**
 * The child of an object or array node: of a name written twice, the last, which `JSON.parse` keeps (as
 * Newtonsoft's JObject does); `findNodeAtLocation` would give the first.
 */
function childAt(node: Node, segment: string | number): Node | undefined {
  if (node.type === 'array') {
    return typeof segment === 'number' ? node.children?.[segment] : undefined;
  }
  if (node.type !== 'object') {
    return undefined;
  }
  const key = String(segment);
  return node.children?.findLast((property) => property.children?.[0]?.value === key)?.children?.[1];
}

/**
 * Splits an RFC 6901 pointer into path segments (array indexes as numbers).
 * @param pointer - e.g. `/template/0/template/values/1`
 */
export function toPathSegments(pointer: string): (string | number)[] {
  if (pointer === '') {
    return [];
  }
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : seg;
    });
}

/**
 * Builds an RFC 6901 pointer from path segments.
 * @param segments - property names and array indexes
 */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * Offsets at which each line of a text starts (for offset → line/column). A line ends at `\n`, `\r\n` or a lone
 * `\r`, as editors and Newtonsoft's reader (whose line numbers MedTech reports) count lines.
 * @param text - the text
 */
export function toLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) {
      starts.push(i + 1);
    }
  }
  return starts;
}

const LF = 10;
const CR = 13;

/**
 * Line and column (1-based) of an offset.
 * @param lineStarts - from {@link toLineStarts}
 * @param offset - 0-based offset in the text
 */
export function offsetToPosition(lineStarts: readonly number[], offset: number): TextPosition {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
}

/**
 * The offset of the first `[` or `{` that opens a level deeper than `max`, or -1; strings and comments are skipped.
 * @param text - the file's text
 * @param max - the deepest level allowed
 */
export function findExcessiveNesting(text: string, max: number): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, escapes included.
      for (i++; i < n && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c) {
          i++;
        }
      }
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2f) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        return i;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return -1;
}

/**
 * Where an item of a list MedTech's reader builds is written: the spelling of the member that holds it (a list may be
 * written under several, `values` and `Values`), whether it sits inside a `{"$values": [...]}` wrapper, and its index.
 */
export interface ItemOrigin {
  key: string;
  index: number;
  wrapped: boolean;
}

/**
 * Where each item of a list written under one member is written.
 * @param key - the member's spelling
 * @param items - the list
 * @param wrapped - whether the member holds `{"$values": [...]}` rather than the list itself
 */
export function itemOriginsOf(key: string, items: readonly unknown[], wrapped: boolean): ItemOrigin[] {
  return items.map((_item, index) => ({ key, index, wrapped }));
}

/**
 * Whether some item of a list is written elsewhere than at its own index under one member (a list joined from several
 * spellings, or unwrapped from `$values`): only then are its item origins worth keeping.
 * @param items - where each item of the list is written
 */
export function movesItems(items: readonly ItemOrigin[]): boolean {
  return items.some((item) => item.key !== items[0]?.key || item.wrapped);
}

/**
 * The path segments from the object holding a list to one of its items, as the file writes them.
 * @param item - where the item is written
 */
export function itemPath(item: ItemOrigin): (string | number)[] {
  return item.wrapped ? [item.key, '$values', item.index] : [item.key, item.index];
}
