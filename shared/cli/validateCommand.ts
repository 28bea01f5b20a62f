import { readFile } from 'node:fs/promises';
import { decodeAsDotNetStreamReader } from '../core/decodeDotNetText.js';
import type { FhirMapping } from '../core/fhir/contract.js';
import { parseFhirMapping } from '../core/fhir/fhirMapping.js';
import { crossCheckMappings } from '../core/mapping/crossCheckMappings.js';
import type { DeviceMapping } from '../core/mapping/deviceMapping.js';
import { locatePointer } from '../core/mapping/locate.js';
import { parseDeviceMapping } from '../core/mapping/parseDeviceMapping.js';
import { parseMappingJson } from '../core/mapping/parseMappingJson.js';
import type { MappingProblem, ParseResult } from '../core/mapping/problems.js';
import { ExitCode } from './exitCode.js';
import type { CliIo } from './io.js';
import { parseCommandArgs, usageError, type CommandUsage } from './parseCommandArgs.js';

const help = `Usage: medtech validate [--device-mapping FILE] [--fhir-mapping FILE] [--json]

Validates MedTech mapping files, as the mapping debugger's validator does: the device mapping (devicecontent.json:
JSON syntax, schemas/devicecontent.schema.json, every JSONPath/JMESPath expression) and the FHIR destination mapping
(fhirmapping.json: JSON syntax, schemas/fhirmapping.schema.json, periodInterval, blank or duplicate typeNames).
Give either file or both. Given both, and both valid, they are also cross-checked: a warning for each device
mapping type that no FHIR template matches (typeNames are compared case-insensitively), and for each device value
the FHIR template does not use (valueNames are case-sensitive). Every problem is printed as
  FILE:line:column: error|warning NAME: message (template N, /pointer)

Options:
  --device-mapping FILE  the device mapping to validate
  --fhir-mapping FILE    the FHIR destination mapping to validate
  --json                 print one JSON document {valid, deviceMapping, fhirMapping, crossCheck} instead of lines
  -h, --help             show this help

Exit codes: 0 valid (warnings, including every cross-check warning, allowed), 1 a mapping has an error,
2 usage error or unreadable file.
`;

const usage: CommandUsage = { command: 'validate', help };

/**
 * Formats one mapping problem as a compiler-style line: `FILE:line:column: severity NAME: message (template N, /ptr)`.
 * @param file - the file name as given on the command line
 * @param problem - the problem
 */
export function formatProblem(file: string, problem: MappingProblem): string {
  const { line, column, templateIndex, pointer } = problem.location;
  const position = `${file}:${line ?? 1}:${column ?? 1}`;
  const where =
    templateIndex !== undefined
      ? ` (template ${templateIndex}, ${pointer ?? ''})`
      : pointer !== undefined && pointer !== ''
        ? ` (${pointer})`
        : '';
  return `${position}: ${problem.severity} ${problem.name}: ${problem.message}${where}`;
}

/**
 * Reads a whole mapping file as text (UTF-8, or UTF-16 with its byte-order mark, as MedTech reads mapping blobs),
 * reporting a failure on stderr.
 * @param file - path
 * @param io - where the failure is reported
 * @param command - command name for the message
 * @returns the text, or `undefined` when the file cannot be read
 */
export async function readTextFile(file: string, io: CliIo, command: string): Promise<string | undefined> {
  try {
    return decodeAsDotNetStreamReader(await readFile(file));
  } catch (error) {
    io.stderr(`medtech ${command}: cannot read ${file}: ${describeFsError(error)}\n`);
    return undefined;
  }
}

/** Plain words for the file-system errors a user meets. */
const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
};

/**
 * Describes a file-system error in plain words with its code (e.g. `no such file (ENOENT)`), falling back to the code
 * or the message.
 * @param error - what `node:fs` threw
 */
export function describeFsError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) {
      return error.message;
    }
    const words = FS_ERRORS[code];
    return words === undefined ? code : `${words} (${code})`;
  }
  return String(error);
}

/**
 * Gives a line and column to problems that only carry a JSON pointer into a device mapping (the cross-check
 * warnings), by finding the pointer in the mapping's text.
 * @param text - the device mapping file's content
 * @param problems - the problems, pointing into that mapping
 * @returns the problems, located where the text allows (the others unchanged)
 */
export function locateDeviceMappingProblems(text: string, problems: readonly MappingProblem[]): MappingProblem[] {
  // The same parse as parseDeviceMapping's (a byte-order mark dropped alike), so positions agree with its problems.
  const parsed = parseMappingJson(text);
  return problems.map((problem) => {
    const { pointer, line } = problem.location;
    if (!parsed.ok || pointer === undefined || line !== undefined) {
      return problem;
    }
    const position = locatePointer(parsed.doc, pointer);
    return { ...problem, location: { ...problem.location, line: position.line, column: position.column } };
  });
}

/** The result of validating one mapping file, as `medtech validate --json` prints it. */
export interface MappingReport {
  /** The file as given on the command line. */
  file: string;
  /** False when a problem is an error. */
  valid: boolean;
  /** Number of templates of a valid mapping. */
  templateCount?: number;
  /** Every problem (errors and warnings), in file order. */
  problems: MappingProblem[];
}

/** The cross-check section of `medtech validate --json`. */
export interface CrossCheckReport {
  /** Whether the mappings were cross-checked: only when both are given and valid. */
  checked: boolean;
  /** Why they were not cross-checked. */
  reason?: string;
  /** The cross-check warnings, located in the device mapping. */
  problems: MappingProblem[];
}

/** The single JSON document `medtech validate --json` prints; a mapping not given is `null`. */
export interface ValidateOutput {
  /** True when no mapping has an error. */
  valid: boolean;
  deviceMapping: MappingReport | null;
  fhirMapping: MappingReport | null;
  crossCheck: CrossCheckReport;
}

interface Checked<T> {
  report: MappingReport;
  value: T | undefined;
}

/**
 * `medtech validate`: validates a device mapping, a FHIR mapping or both, cross-checks two valid mappings, and prints
 * every problem.
 * @param argv - the arguments after `validate`
 * @param io - where output goes
 * @returns 0 valid (warnings allowed), 1 a mapping has an error, 2 usage error or unreadable file
 */
export async function runValidateCommand(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    argv,
    { 'device-mapping': { type: 'string' }, 'fhir-mapping': { type: 'string' }, json: { type: 'boolean' } },
    usage,
    io,
  );
  if (args.kind === 'exit') {
    return args.exitCode;
  }
  const { values } = args;
  const deviceFile = values['device-mapping'];
  const fhirFile = values['fhir-mapping'];
  if (deviceFile === undefined && fhirFile === undefined) {
    return usageError(io, usage, 'missing --device-mapping FILE or --fhir-mapping FILE');
  }

  // Both files are read before anything is printed: an unreadable file is a usage error, not a half report.
  const deviceText = deviceFile === undefined ? undefined : await readTextFile(deviceFile, io, 'validate');
  const fhirText = fhirFile === undefined ? undefined : await readTextFile(fhirFile, io, 'validate');
  if ((deviceFile !== undefined && deviceText === undefined) || (fhirFile !== undefined && fhirText === undefined)) {
    return ExitCode.usage;
  }

  const device =
    deviceFile === undefined || deviceText === undefined
      ? undefined
      : toChecked(deviceFile, parseDeviceMapping(deviceText), (m: DeviceMapping) => m.templates.length);
  const fhir =
    fhirFile === undefined || fhirText === undefined
      ? undefined
      : toChecked(fhirFile, parseFhirMapping(fhirText), (m: FhirMapping) => m.templates.size);
  const crossCheck = toCrossCheck(device, fhir, deviceText ?? '');
  const output: ValidateOutput = {
    valid: device?.report.valid !== false && fhir?.report.valid !== false,
    deviceMapping: device?.report ?? null,
    fhirMapping: fhir?.report ?? null,
    crossCheck,
  };

  if (values.json === true) {
    io.stdout(`${JSON.stringify(output, null, 2)}\n`);
  } else {
    printText(output, io);
  }
  return output.valid ? ExitCode.ok : ExitCode.invalid;
}

function toChecked<T>(file: string, result: ParseResult<T>, countTemplates: (mapping: T) => number): Checked<T> {
  if (!result.ok) {
    return { report: { file, valid: false, problems: result.problems }, value: undefined };
  }
  return {
    report: { file, valid: true, templateCount: countTemplates(result.value), problems: result.warnings },
    value: result.value,
  };
}

function toCrossCheck(
  device: Checked<DeviceMapping> | undefined,
  fhir: Checked<FhirMapping> | undefined,
  deviceText: string,
): CrossCheckReport {
  if (device === undefined || fhir === undefined) {
    return { checked: false, reason: 'needs both --device-mapping and --fhir-mapping', problems: [] };
  }
  if (device.value === undefined || fhir.value === undefined) {
    return { checked: false, reason: 'a mapping is invalid', problems: [] };
  }
  return {
    checked: true,
    problems: locateDeviceMappingProblems(deviceText, crossCheckMappings(device.value, fhir.value)),
  };
}

function printText(output: ValidateOutput, io: CliIo): void {
  const { deviceMapping, fhirMapping, crossCheck } = output;
  if (deviceMapping !== null) {
    printMapping(deviceMapping, 'device mapping', 'content template', io);
  }
  if (fhirMapping !== null) {
    printMapping(fhirMapping, 'FHIR mapping', 'FHIR template', io);
  }
  if (deviceMapping === null || fhirMapping === null) {
    return;
  }
  if (!crossCheck.checked) {
    io.stdout(`${deviceMapping.file}: not cross-checked against ${fhirMapping.file}: ${crossCheck.reason ?? ''}\n`);
    return;
  }
  for (const problem of crossCheck.problems) {
    io.stdout(`${formatProblem(deviceMapping.file, problem)}\n`);
  }
  io.stdout(
    `${deviceMapping.file}: cross-checked against ${fhirMapping.file} (${plural(crossCheck.problems.length, 'warning')})\n`,
  );
}

function printMapping(report: MappingReport, kind: string, template: string, io: CliIo): void {
  for (const problem of report.problems) {
    io.stdout(`${formatProblem(report.file, problem)}\n`);
  }
  const errors = report.problems.filter((p) => p.severity === 'error').length;
  const warnings = plural(report.problems.length - errors, 'warning');
  const summary = report.valid
    ? `valid ${kind} (${plural(report.templateCount ?? 0, template)}, ${warnings})`
    : `invalid ${kind} (${plural(errors, 'error')}, ${warnings})`;
  io.stdout(`${report.file}: ${summary}\n`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
