import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { parse, parseTree, type ParseError } from 'jsonc-parser';
import type { DeviceEvent } from '../core/deviceEvent.js';
import { decodeAsDotNetStreamReader } from '../core/decodeDotNetText.js';
import { toUtcTimestamp } from '../core/normalize/toUtcTimestamp.js';
import type { CliIo } from './io.js';
import { describeFsError } from './validateCommand.js';
import { isRecord } from '../core/isRecord.js';

/** One `--message` file read into the device event normalization receives. */
export interface MessageFile {
  /** The file as given on the command line. */
  file: string;
  /** The event: the file as the body, or the envelope the file holds. */
  event: DeviceEvent;
  /**
   * Where an unusable enqueued time came from (`SystemProperties.iothub-enqueuedtime`), so that the error about it can
   * name what the user wrote; absent when the enqueued time is usable.
   */
  enqueuedTimeFrom?: string;
  /** Said of an envelope whose `Body` is a string that holds JSON text (taken as the string it is). */
  bodyNote?: string;
}

/** How `readMessageFiles` stamps the events. */
export interface MessageFileOptions {
  /** The `--enqueued-time` option; wins over an envelope's enqueued time. */
  enqueuedTime: string | undefined;
  /** The clock used when no enqueued time is given or found. */
  now: () => Date;
}

/**
 * Reads the `--message` files, then the `--messages` NDJSON files, of `normalize` and `debug` into device events:
 * each line of an NDJSON file that is not blank is one message (as if it were a `--message` file of its own, named
 * `FILE:LINE`), read after decoding the file as a message body is decoded.
 * @param files - the `--message` files, in command-line order
 * @param ndjsonFiles - the `--messages` files, in command-line order
 * @param options - the enqueued time option and the clock
 * @param io - where an unreadable file is reported
 * @param command - the command name for that report
 * @returns the events, or `undefined` when a file cannot be read (reported on stderr)
 */
export async function readMessageInputs(
  files: readonly string[],
  ndjsonFiles: readonly string[],
  options: MessageFileOptions,
  io: CliIo,
  command: string,
): Promise<MessageFile[] | undefined> {
  const single = await readMessageFiles(files, options, io, command);
  const ndjson = single === undefined ? undefined : await readFiles(ndjsonFiles, io, command);
  if (single === undefined || ndjson === undefined) {
    return undefined;
  }
  const lines: MessageFile[] = [];
  ndjson.forEach((bytes, fileIndex) => {
    for (const { number, text } of ndjsonLines(decodeAsDotNetStreamReader(bytes))) {
      const file = `${ndjsonFiles[fileIndex] ?? ''}:${number}`;
      lines.push({ file, ...toDeviceEvent(Buffer.from(text, 'utf8'), options) });
    }
  });
  return [...single, ...lines];
}

/**
 * The lines of an NDJSON text that are not blank, each with its 1-based number and without its line end (`\n` or
 * `\r\n`); the text is otherwise as written.
 * @param text - the file's text
 */
export function ndjsonLines(text: string): { number: number; text: string }[] {
  const lines: { number: number; text: string }[] = [];
  text.split('\n').forEach((line, index) => {
    const content = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (content.trim() !== '') {
      lines.push({ number: index + 1, text: content });
    }
  });
  return lines;
}

/**
 * The bytes of each file, or `undefined` once one cannot be read (reported on stderr, naming the command).
 * @param files - the files, in command-line order
 * @param io - where an unreadable file is reported
 * @param command - the command name for that report
 */
export async function readFiles(
  files: readonly string[],
  io: CliIo,
  command: string,
): Promise<Uint8Array[] | undefined> {
  const contents: Uint8Array[] = [];
  for (const file of files) {
    try {
      contents.push(await readFile(file));
    } catch (error) {
      io.stderr(`medtech ${command}: cannot read ${file}: ${describeFsError(error)}\n`);
      return undefined;
    }
  }
  return contents;
}

/**
 * Reads the `--message` files of `normalize` and `debug` into device events. A file holds one message body (any
 * bytes: a body that is not JSON is left for normalization to report as InvalidDataFormat); a file whose top-level
 * JSON object has a `Body` key is a whole envelope `{"Body", "Properties", "SystemProperties"}`, so IoT Hub messages
 * can be tested. The enqueued time is `--enqueued-time`, else the envelope's `iothub-enqueuedtime` or
 * `x-opt-enqueued-time`, else the current time.
 * @param files - the files, in command-line order
 * @param options - the enqueued time option and the clock
 * @param io - where an unreadable file is reported
 * @param command - the command name for that report
 * @returns the events in file order, or `undefined` when a file cannot be read (reported on stderr)
 */
export async function readMessageFiles(
  files: readonly string[],
  options: MessageFileOptions,
  io: CliIo,
  command: string,
): Promise<MessageFile[] | undefined> {
  const contents = await readFiles(files, io, command);
  if (contents === undefined) {
    return undefined;
  }
  // Every file is read before any event is stamped, so an unreadable file stops the command before any output.
  return contents.map((bytes, index) => ({ file: files[index] ?? '', ...toDeviceEvent(bytes, options) }));
}

/**
 * Tells whether an option value is an ISO-8601 timestamp with at least a date, hours and minutes, valid as the
 * engine reads timestamps (a real calendar date; no offset means UTC).
 * @param text - the option value
 */
export function isIsoTimestamp(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) && toUtcTimestamp(text) !== undefined;
}

/**
 * One message file's bytes as the device event `normalize` and `debug` give the engine: the bytes as the body, or the
 * envelope they hold (see {@link readMessageFiles}).
 * @param bytes - the file's bytes
 * @param options - the enqueued time option and the clock
 * @returns the event, and where an unusable enqueued time came from
 */
export function toDeviceEvent(bytes: Uint8Array, { enqueuedTime, now }: MessageFileOptions): Omit<MessageFile, 'file'> {
  const envelope = toEnvelope(bytes);
  if (envelope === undefined) {
    const enqueuedTimeUtc = enqueuedTime ?? now().toISOString();
    return {
      event: {
        body: { kind: 'bytes', bytes },
        properties: {},
        // As the ingest adapter fills it, from the enqueued time the host gives (see withEnqueuedTime).
        systemProperties: { 'x-opt-enqueued-time': enqueuedTimeUtc },
        enqueuedTimeUtc,
      },
    };
  }
  const { members, bodyText } = envelope;
  const properties = isRecord(members.Properties) ? members.Properties : {};
  const written = isRecord(members.SystemProperties) ? members.SystemProperties : {};
  const found = enqueuedTime === undefined ? enqueuedTimeOf(written) : undefined;
  const enqueuedTimeUtc = enqueuedTime ?? found?.value ?? now().toISOString();
  const event: DeviceEvent = {
    body: { kind: 'text', text: bodyText },
    properties,
    systemProperties: withEnqueuedTime(written, enqueuedTimeUtc),
    enqueuedTimeUtc,
  };
  const read: Omit<MessageFile, 'file'> = { event };
  if (found?.unusableFrom !== undefined) {
    read.enqueuedTimeFrom = found.unusableFrom;
  }
  if (holdsJsonText(members.Body)) {
    read.bodyNote = QUOTED_BODY;
  }
  return read;
}

/**
 * System properties with Event Hubs' `x-opt-enqueued-time` filled in when they lack it, as the ingest adapter fills
 * it on every event (so a template reading it finds it in `debug` as in the service).
 */
function withEnqueuedTime(systemProperties: Record<string, unknown>, enqueuedTimeUtc: string): Record<string, unknown> {
  return 'x-opt-enqueued-time' in systemProperties
    ? systemProperties
    : { ...systemProperties, 'x-opt-enqueued-time': enqueuedTimeUtc };
}

/** Said of an envelope whose `Body` is a string holding a JSON object or array. */
const QUOTED_BODY =
  "the envelope's Body is a string that holds JSON text; the body is that string (as if the device had sent it " +
  'quoted), so the templates see no members in it; write the JSON itself under "Body" to test the message it holds';

/** Whether a value is a string whose text is a JSON object or array. */
function holdsJsonText(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\s*[{[]/.test(value)) {
    return false;
  }
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

/** An envelope file: its members, and the text of its `Body` as the file writes it. */
interface Envelope {
  members: Record<string, unknown>;
  bodyText: string;
}

/** How an envelope file is read when it is not strict JSON: comments and trailing commas allowed. */
const LENIENT = { allowTrailingComma: true, disallowComments: false };

function toEnvelope(bytes: Uint8Array): Envelope | undefined {
  let value: unknown;
  // As a message body is read (PowerShell 5 writes UTF-16 with a byte-order mark); the decoder drops the mark.
  const text = decodeAsDotNetStreamReader(bytes);
  try {
    value = JSON.parse(text);
  } catch {
    // An envelope written by hand may hold comments or trailing commas (a mapping file may too).
    const errors: ParseError[] = [];
    value = parse(text, errors, LENIENT);
    if (errors.length > 0) {
      return undefined;
    }
  }
  if (!isRecord(value) || !Object.hasOwn(value, 'Body')) {
    return undefined;
  }
  // The body is handed on as the text the file writes, not as JSON.parse's value, so that it is read as the body of
  // a real event is: an integer past 2^53 keeps its digits, `1.0` stays a float, as in MedTech.
  const body = parseTree(text, undefined, LENIENT)
    ?.children?.filter((member) => member.children?.[0]?.value === 'Body')
    .at(-1)?.children?.[1];
  return {
    members: value,
    bodyText: body === undefined ? JSON.stringify(value.Body) : text.slice(body.offset, body.offset + body.length),
  };
}

/**
 * The enqueued time an envelope carries: IoT Hub's `iothub-enqueuedtime`, else Event Hubs' `x-opt-enqueued-time`
 * (a timestamp, or epoch milliseconds as a number or digits). When neither is usable, the first value given is passed
 * on for normalization to reject, with where it came from.
 */
function enqueuedTimeOf(
  systemProperties: Record<string, unknown>,
): { value: string; unusableFrom?: string } | undefined {
  let unusable: { value: string; unusableFrom: string } | undefined;
  for (const key of ['iothub-enqueuedtime', 'x-opt-enqueued-time']) {
    const value = systemProperties[key];
    const millis = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
    if (typeof millis === 'number' && Math.abs(millis) <= 8.64e15) {
      return { value: new Date(millis).toISOString() };
    }
    if (typeof value === 'string' && value.trim() !== '') {
      if (toUtcTimestamp(value) !== undefined) {
        return { value };
      }
      unusable ??= { value, unusableFrom: `SystemProperties.${key}` };
    }
  }
  return unusable;
}
