import { isMedTechError, type ErrorRecord } from '../core/errors.js';
import type { DeviceMapping } from '../core/mapping/deviceMapping.js';
import { parseDeviceMapping } from '../core/mapping/parseDeviceMapping.js';
import type { Measurement } from '../core/measurement.js';
import { normalizeEvent } from '../core/normalize/normalizeEvent.js';
import { ExitCode } from './exitCode.js';
import { writeJsonDocument, type CliIo } from './io.js';
import { parseCommandArgs, usageError, type CommandUsage } from './parseCommandArgs.js';
import { isIsoTimestamp, readMessageInputs, type MessageFile } from './readMessageFiles.js';
import { formatProblem, readTextFile } from './validateCommand.js';
import { readDeadLetterFiles } from './readDeadLetterFiles.js';

const help = `Usage: medtech normalize --device-mapping FILE (--message FILE | --messages FILE | --dead-letter FILE)...
                        [--enqueued-time ISO]

Normalizes device messages with a device mapping, as MedTech's mapping debugger does, and prints ONE JSON
document {"measurements": [...], "errors": [...]}. Each error names the message (messageIndex, messageFile).

A message file holds one message body (any bytes; a body that is not JSON gives an InvalidDataFormat error).
A file whose top-level object has a "Body" key is a whole envelope {"Body", "Properties", "SystemProperties"},
so IoT Hub messages can be tested. An NDJSON file given with --messages holds one such message per line (blank
lines are skipped); its messages are named FILE:LINE and come after the --message files. A dead letter of a
rejected message, as GET /api/deadletters/{id} answers it, given with --dead-letter, is that message with its
properties and enqueued time; these come last.

Options:
  --device-mapping FILE  the device mapping (devicecontent.json)
  --message FILE         a device message; repeat for several
  --messages FILE        an NDJSON file of device messages, one per line; repeat for several
  --dead-letter FILE     a rejected message's dead letter; repeat for several
  --enqueued-time ISO    the Event Hubs enqueued time (the measurements' ingestionTimeUtc); default: the envelope's
                         SystemProperties iothub-enqueuedtime or x-opt-enqueued-time, else the current time
  -h, --help             show this help

Exit codes: 0 the mapping is valid (even if some messages failed), 1 the mapping is invalid (problems on stderr),
2 usage error or unreadable file.
`;

const usage: CommandUsage = { command: 'normalize', help };

/** One error of the `normalize` output: the MedTech error record plus the message it concerns. */
export interface NormalizeErrorOutput extends ErrorRecord {
  /** 0-based position of the message: the `--message` files first, then the lines of the `--messages` files. */
  messageIndex: number;
  /** The message file as given on the command line (`FILE:LINE` for a line of a `--messages` file). */
  messageFile: string;
}

/** The single JSON document `medtech normalize` prints. */
export interface NormalizeOutput {
  measurements: Measurement[];
  errors: NormalizeErrorOutput[];
}

/**
 * `medtech normalize`: runs device messages through a device mapping and prints the measurements and errors.
 * @param argv - the arguments after `normalize`
 * @param io - where output goes
 * @param now - the clock used when no enqueued time is given or found (injected for tests)
 * @returns 0 when the mapping is valid, 1 when it is invalid, 2 on a usage error or an unreadable file
 */
export async function runNormalizeCommand(
  argv: string[],
  io: CliIo,
  now: () => Date = () => new Date(),
): Promise<number> {
  const args = parseCommandArgs(
    argv,
    {
      'device-mapping': { type: 'string' },
      message: { type: 'string', multiple: true },
      messages: { type: 'string', multiple: true },
      'dead-letter': { type: 'string', multiple: true },
      'enqueued-time': { type: 'string' },
    },
    usage,
    io,
  );
  if (args.kind === 'exit') {
    return args.exitCode;
  }
  const { values } = args;
  const mappingFile = values['device-mapping'];
  const messageFiles = values.message ?? [];
  const ndjsonFiles = values.messages ?? [];
  const deadLetterFiles = values['dead-letter'] ?? [];
  const enqueuedTime = values['enqueued-time'];
  if (mappingFile === undefined) {
    return usageError(io, usage, 'missing --device-mapping FILE');
  }
  if (messageFiles.length === 0 && ndjsonFiles.length === 0 && deadLetterFiles.length === 0) {
    return usageError(io, usage, 'missing --message FILE, --messages FILE or --dead-letter FILE');
  }
  if (enqueuedTime !== undefined && !isIsoTimestamp(enqueuedTime)) {
    return usageError(io, usage, '--enqueued-time must be an ISO-8601 timestamp, e.g. 2024-01-01T00:00:00Z');
  }

  const mappingText = await readTextFile(mappingFile, io, 'normalize');
  if (mappingText === undefined) {
    return ExitCode.usage;
  }
  const parsed = parseDeviceMapping(mappingText);
  const problems = parsed.ok ? parsed.warnings : parsed.problems;
  for (const problem of problems) {
    io.stderr(`${formatProblem(mappingFile, problem)}\n`);
  }
  if (!parsed.ok) {
    io.stderr(`${mappingFile}: invalid device mapping; no message was normalized\n`);
    return ExitCode.invalid;
  }

  const read = await readMessageInputs(messageFiles, ndjsonFiles, { enqueuedTime, now }, io, 'normalize');
  const deadLetters = read === undefined ? undefined : await readDeadLetterFiles(deadLetterFiles, io, 'normalize');
  if (read === undefined || deadLetters === undefined) {
    return ExitCode.usage;
  }
  const groups = deadLetters.filter((input) => input.kind === 'measurements');
  if (groups[0] !== undefined) {
    const hint = 'it holds the measurements of a rejected group, not a message: give it to medtech debug';
    return usageError(io, usage, `${groups[0].file}: ${hint}`);
  }
  const messages = [
    ...read,
    ...deadLetters.flatMap((input) => (input.kind === 'message' ? [{ file: input.file, event: input.event }] : [])),
  ];
  const output = normalizeMessages(parsed.value, messages, io);
  await writeJsonDocument(io, output);
  return ExitCode.ok;
}

/** Said of a message that yields no measurement and no error. */
const NOTHING_MATCHED =
  "no template's typeMatchExpression selected anything in this message, so it yields no measurement (MedTech " +
  'counts it as a DroppedEvent)';

/**
 * Normalizes message files with a device mapping; data errors are collected per message, warnings go to stderr.
 * @param mapping - the device mapping
 * @param messages - the message files, as read by readMessageFiles
 * @param io - where warnings are written
 * @param origins - if given, filled with the 0-based message index of every measurement (for later errors)
 */
export function normalizeMessages(
  mapping: DeviceMapping,
  messages: readonly MessageFile[],
  io: CliIo,
  origins?: Map<Measurement, number>,
): NormalizeOutput {
  const output: NormalizeOutput = { measurements: [], errors: [] };
  messages.forEach(({ file: messageFile, event, enqueuedTimeFrom, bodyNote }, messageIndex) => {
    if (bodyNote !== undefined) {
      io.stderr(`${messageFile}: warning: ${bodyNote}\n`);
    }
    try {
      const result = normalizeEvent(mapping, event);
      for (const measurement of result.measurements) {
        output.measurements.push(measurement);
        origins?.set(measurement, messageIndex);
      }
      for (const error of result.errors) {
        const record = error.toRecord();
        // Name the envelope property the user wrote, not the event field it became.
        if (enqueuedTimeFrom !== undefined && record.location?.field === 'enqueuedTimeUtc') {
          record.location = { ...record.location, field: enqueuedTimeFrom };
        }
        output.errors.push({ ...record, messageIndex, messageFile });
      }
      for (const warning of result.warnings ?? []) {
        io.stderr(`${messageFile}: warning: ${warning}\n`);
      }
      if (result.measurements.length === 0 && result.errors.length === 0) {
        // The one outcome the JSON document cannot show: nothing at all, without an error to say why.
        io.stderr(`${messageFile}: note: ${NOTHING_MATCHED}\n`);
      }
    } catch (error) {
      // normalizeEvent reports data problems as results; a thrown MedTechError still belongs to this message only.
      if (!isMedTechError(error)) {
        throw error;
      }
      output.errors.push({ ...error.toRecord(), messageIndex, messageFile });
    }
  });
  return output;
}
