import type { EventBody } from '../deviceEvent.js';
import { printParseErrorCode, visit, type ParseError } from 'jsonc-parser';
import { MedTechError, type ErrorLocation } from '../errors.js';
import { parseJsonWithNonFiniteLiterals } from './nonFiniteLiterals.js';
import { findExcessiveNesting, offsetToPosition, toLineStarts } from '../mapping/locate.js';

/** Deepest body whose syntax error is located (the locating scan recurses per level). */
const MAX_LOCATED_DEPTH = 512;

/**
 * Outcome of {@link parseEventBody}: the parsed JSON value (with the text it was parsed from, when it was parsed here),
 * or the InvalidDataFormat error.
 */
export type ParsedEventBody = { ok: true; value: unknown; text?: string } | { ok: false; error: MedTechError };

// Lenient, as MedTech's UTF-8 StreamReader: each invalid sequence becomes one U+FFFD (both follow Unicode's
// "maximal subpart" practice); `ignoreBOM: false` (the default) strips a leading BOM.
const utf8 = new TextDecoder('utf-8');

/**
 * Parses an event body as JSON (reference-behaviour §1.2): bytes are decoded as UTF-8 (an invalid sequence reads as
 * U+FFFD, as MedTech reads it), a leading byte-order mark is tolerated, an already-parsed value is returned as is. The values
 * `NaN`, `Infinity` and `-Infinity` are read as MedTech reads them (as numbers). An empty body (no bytes at all) is `null`: MedTech parses a body only when it has bytes, and its templates still run.
 * @param body - the event body
 * @returns the value, or an InvalidDataFormat error (stage Normalization) whose message carries no payload text
 */
export function parseEventBody(body: EventBody): ParsedEventBody {
  let text: string;
  switch (body.kind) {
    case 'json':
      return { ok: true, value: body.value };
    case 'text':
      if (body.text.length === 0) {
        return { ok: true, value: null };
      }
      text = body.text.charCodeAt(0) === 0xfeff ? body.text.slice(1) : body.text;
      break;
    case 'bytes':
      if (body.bytes.length === 0) {
        return { ok: true, value: null };
      }
      text = utf8.decode(body.bytes);
      break;
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown, text };
  } catch {
    // `NaN`, `Infinity` and `-Infinity` as values (Python writes them), which MedTech's reader accepts.
    const withLiterals = parseJsonWithNonFiniteLiterals(text);
    if (withLiterals !== undefined) {
      return { ok: true, value: withLiterals.value, text };
    }
    // JSON.parse's own message quotes the payload; say only what is wrong, and where.
    return invalidJson(text);
  }
}

function invalid(message: string, location?: ErrorLocation): ParsedEventBody {
  return {
    ok: false,
    error: new MedTechError('InvalidDataFormat', 'Normalization', message, location === undefined ? {} : { location }),
  };
}

/**
 * The InvalidDataFormat error of a body JSON.parse refused, with the first syntax error's kind and position (found
 * again by a strict scan; the failure path only). The kind is a name such as `InvalidSymbol`, never the text there.
 */
function invalidJson(text: string): ParsedEventBody {
  // Empty means nothing but JSON's own white space: a no-break space is a character JSON does not allow, located below.
  if (/^[ \t\n\r]*$/.test(text)) {
    return invalid('The message body is empty, not JSON.');
  }
  // The scan below recurses per level: a body nested deeper than this is reported without a position.
  if (findExcessiveNesting(text, MAX_LOCATED_DEPTH) >= 0) {
    return invalid('The message body is not valid JSON.');
  }
  const errors: ParseError[] = [];
  visit(
    text,
    { onError: (error, offset) => errors.push({ error, offset, length: 0 }) },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  const first = errors[0];
  if (first === undefined) {
    return invalid('The message body is not valid JSON.');
  }
  const { line, column } = offsetToPosition(toLineStarts(text), first.offset);
  return invalid(
    `The message body is not valid JSON: ${printParseErrorCode(first.error)} at line ${line}, column ${column}.`,
    { line, column },
  );
}
