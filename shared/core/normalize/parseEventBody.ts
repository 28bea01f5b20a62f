import type { EventBody } from '../deviceEvent.js';
import { printParseErrorCode, visit, type ParseError } from 'jsonc-parser';
import { MedTechError, type ErrorLocation } from '../errors.js';
import { findExcessiveNesting, offsetToPosition, toLineStarts } from '../mapping/locate.js';

/** Deepest body whose syntax error is located (the locating scan recurses per level). */
const MAX_LOCATED_DEPTH = 512;

/**
 * Outcome of {@link parseEventBody}: the parsed JSON value (with the text it was parsed from, when it was parsed here),
 * or the InvalidDataFormat error.
 */
export type ParsedEventBody = { ok: true; value: unknown; text?: string } | { ok: false; error: MedTechError };

// `fatal`: invalid UTF-8 is an error, not U+FFFD; `ignoreBOM: false` (the default) strips a leading BOM.
const utf8 = new TextDecoder('utf-8', { fatal: true });
// The faster lenient decoder, whose output has a U+FFFD wherever the bytes are not UTF-8: text without one is exact.
const lenientUtf8 = new TextDecoder('utf-8');
const REPLACEMENT_CHARACTER = '\ufffd';

/**
 * Parses an event body as JSON (reference-behaviour §1.2): bytes are decoded as UTF-8, a leading byte-order mark
 * is tolerated, an already-parsed value is returned as is.
 * @param body - the event body
 * @returns the value, or an InvalidDataFormat error (stage Normalization) whose message carries no payload text
 */
export function parseEventBody(body: EventBody): ParsedEventBody {
  let text: string;
  switch (body.kind) {
    case 'json':
      return { ok: true, value: body.value };
    case 'text':
      text = body.text.charCodeAt(0) === 0xfeff ? body.text.slice(1) : body.text;
      break;
    case 'bytes':
      text = lenientUtf8.decode(body.bytes);
      if (text.includes(REPLACEMENT_CHARACTER)) {
        // Invalid bytes, or a U+FFFD the sender wrote: the strict decoder tells them apart.
        try {
          text = utf8.decode(body.bytes);
        } catch {
          return invalid('The message body is not valid UTF-8.');
        }
      }
      break;
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown, text };
  } catch {
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
