import { decodeAsDotNetStreamReader } from '../decodeDotNetText.js';
import type { EventBody } from '../deviceEvent.js';
import { MedTechError, type ErrorLocation } from '../errors.js';
import { offsetToPosition, toLineStarts } from '../mapping/locate.js';
import type { NumberLiteralTexts } from './exactIntegers.js';
import { readJsonAsMedTech } from './medTechJsonReader.js';

/**
 * Outcome of {@link parseEventBody}: the parsed JSON value (with the text it was parsed from, when it was parsed here),
 * or the InvalidDataFormat error.
 */
export type ParsedEventBody =
  | {
      ok: true;
      value: unknown;
      text?: string;
      /** For a body only MedTech's reader accepts: the texts of its literal-sensitive numbers (see exactIntegers). */
      numberTexts?: NumberLiteralTexts;
      /** Said of a body only MedTech's reader accepts (never its content). */
      warning?: string;
    }
  | { ok: false; error: MedTechError };

/**
 * Parses an event body as JSON (reference-behaviour §1.2): bytes are decoded as UTF-8 (an invalid sequence reads as
 * U+FFFD, as MedTech reads it) or, after a UTF-16 or UTF-32 byte-order mark, in that encoding; a leading byte-order
 * mark is tolerated; an already-parsed value is returned as is.
 * A body `JSON.parse` refuses (or one with a surrogate escape) is read as MedTech's reader reads it
 * ({@link readJsonAsMedTech}: comments, trailing commas, single quotes, `NaN`, content after the value…), so what
 * MedTech normalized is normalized here too. An empty body (no bytes at all) is `null`: MedTech parses a body only
 * when it has bytes, and its templates still run.
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
      // As MedTech's StreamReader: UTF-8 (each invalid sequence one U+FFFD, as both follow Unicode's "maximal
      // subpart" practice), or UTF-16 or UTF-32 after its byte-order mark; a byte-order mark is dropped.
      text = decodeAsDotNetStreamReader(body.bytes);
      break;
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return readAsMedTech(text, false);
  }
  // `\uD800` alone is U+FFFD to MedTech's reader, a lone surrogate to JSON.parse: such a body is read as MedTech
  // reads it (a search the engine does natively; the regular expression runs only on a body with a `\u` escape).
  if (text.includes('\\u') && SURROGATE_ESCAPE.test(text)) {
    const read = readAsMedTech(text, true);
    // Strict JSON is read at any depth (the reader stops at 64 levels, as Newtonsoft does).
    if (read.ok) {
      return read;
    }
  }
  return { ok: true, value, text };
}

/** A `\u` escape of a UTF-16 surrogate (or, harmlessly, text that only looks like one). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Warning for a body only MedTech's reader accepts. */
export const NON_STRICT_BODY_WARNING =
  'The message body is not strict JSON (comments, trailing commas, single quotes, NaN…); it was read as MedTech reads it.';
/** Warning for a body with content after its value. */
export const TRAILING_CONTENT_WARNING =
  'The message body holds more after its first JSON value; the rest was ignored, as MedTech ignores it.';

/**
 * A body JSON.parse refused, read as MedTech reads it; else the InvalidDataFormat error with the first problem's kind
 * and position (a name such as `UnexpectedCharacter`, never the text there).
 */
function readAsMedTech(text: string, strict: boolean): ParsedEventBody {
  const read = readJsonAsMedTech(text);
  if (read.ok) {
    const body: ParsedEventBody = { ok: true, value: read.value, text, numberTexts: read.numberTexts };
    if (!strict) {
      body.warning = read.trailingContent ? TRAILING_CONTENT_WARNING : NON_STRICT_BODY_WARNING;
    }
    return body;
  }
  if (read.problem === 'NoContent') {
    return invalid('The message body is empty, not JSON.');
  }
  const { line, column } = offsetToPosition(toLineStarts(text), read.offset);
  return invalid(`The message body is not valid JSON: ${read.problem} at line ${line}, column ${column}.`, {
    line,
    column,
  });
}

function invalid(message: string, location?: ErrorLocation): ParsedEventBody {
  return {
    ok: false,
    error: new MedTechError('InvalidDataFormat', 'Normalization', message, location === undefined ? {} : { location }),
  };
}
