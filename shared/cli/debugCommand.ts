import type { Observation } from '@medplum/fhirtypes';
import { isMedTechError, MedTechError, type ErrorRecord } from '../core/errors.js';
import {
  buildObservation,
  findFhirTemplate,
  groupMeasurements,
  measurementsByObservationGroup,
  mergeObservation,
  parseFhirMapping,
  planObservationGroups,
  toCreatedDeviceId,
  toCreatedPatientId,
  type FhirMapping,
  type MeasurementGroup,
  type ResolvedIdentity,
} from '../core/fhir/index.js';
import { crossCheckMappings } from '../core/mapping/crossCheckMappings.js';
import { parseDeviceMapping } from '../core/mapping/parseDeviceMapping.js';
import type { MappingProblem, ParseResult } from '../core/mapping/problems.js';
import type { Measurement } from '../core/measurement.js';
import { ExitCode } from './exitCode.js';
import { normalizeMessages } from './normalizeCommand.js';
import type { CliIo } from './io.js';
import { parseCommandArgs, usageError, type CommandUsage } from './parseCommandArgs.js';
import { isIsoTimestamp, readMessageInputs } from './readMessageFiles.js';
import { toUtcTimestamp } from '../core/normalize/toUtcTimestamp.js';
import { formatProblem, locateDeviceMappingProblems, readTextFile } from './validateCommand.js';

const help = `Usage: medtech debug --device-mapping FILE --fhir-mapping FILE (--message FILE | --messages FILE)...
                    [--enqueued-time ISO] [--issued ISO] [--device-identifier-system SYSTEM]

Runs device messages through both mappings, as MedTech's mapping debugger does, and prints ONE JSON document
{"measurements": [...], "observations": [...], "errors": [...]}: the Observations the messages would produce on an
empty FHIR server with the Create identity resolution (Patient and Device ids are the ids MedTech's Create gives
them; on an empty server no Encounter is linked). Mapping problems and cross-check warnings go to stderr.

A message file holds one message body. A file whose top-level object has a "Body" key is a whole envelope
{"Body", "Properties", "SystemProperties"}, so IoT Hub messages can be tested. An NDJSON file given with --messages
holds one such message per line (blank lines are skipped); its messages are named FILE:LINE and come after the
--message files.

Options:
  --device-mapping FILE            the device mapping (devicecontent.json)
  --fhir-mapping FILE              the FHIR destination mapping (fhirmapping.json)
  --message FILE                   a device message; repeat for several
  --messages FILE                  an NDJSON file of device messages, one per line; repeat for several
  --enqueued-time ISO              the Event Hubs enqueued time (ingestionTimeUtc); default: the envelope's
                                   iothub-enqueuedtime or x-opt-enqueued-time, else the current time
  --issued ISO                     the Observations' issued time; default: the current time
  --device-identifier-system SYSTEM  the default device identifier system (changes the created Device ids)
  -h, --help                       show this help

Exit codes: 0 both mappings are valid (even if some messages or groups failed), 1 a mapping is invalid,
2 usage error or unreadable file.
`;

const usage: CommandUsage = { command: 'debug', help };

/** One error of the `debug` output: the MedTech error record and what it concerns. */
export interface DebugErrorOutput extends ErrorRecord {
  /** For a Normalization error: 0-based position of the message (`--message` files first, then `--messages` lines). */
  messageIndex?: number;
  /** For a Normalization error: the message file as given (`FILE:LINE` for a line of a `--messages` file). */
  messageFile?: string;
  /** For a FHIRConversion error: the measurement type of the group. */
  type?: string;
  /** For a FHIRConversion error: the device id of the group. */
  deviceId?: string;
  /** For a FHIRConversion error: the messages (0-based positions, as `messageIndex`) it concerns. */
  messageIndexes?: number[];
  /** For a FHIRConversion error: those messages' files as given. */
  messageFiles?: string[];
}

/** The single JSON document `medtech debug` prints. */
export interface DebugOutput {
  measurements: Measurement[];
  observations: Observation[];
  errors: DebugErrorOutput[];
}

interface DebugOptions {
  deviceMappingFile: string;
  fhirMappingFile: string;
  messageFiles: string[];
  ndjsonFiles: string[];
  enqueuedTime: string | undefined;
  issued: string;
  deviceSystem: string | undefined;
}

/**
 * `medtech debug`: normalizes device messages, groups and transforms the measurements, and prints the
 * measurements, the Observations and every error as one JSON document.
 * @param argv - the arguments after `debug`
 * @param io - where output goes
 * @param now - the clock for defaults (enqueued and issued time); injected for tests
 * @returns 0 when both mappings are valid, 1 when one is invalid, 2 on a usage error or an unreadable file
 */
export async function runDebugCommand(argv: string[], io: CliIo, now: () => Date = () => new Date()): Promise<number> {
  const options = toOptions(argv, io, now);
  if (typeof options === 'number') {
    return options;
  }
  const deviceText = await readTextFile(options.deviceMappingFile, io, 'debug');
  const fhirText = deviceText === undefined ? undefined : await readTextFile(options.fhirMappingFile, io, 'debug');
  if (deviceText === undefined || fhirText === undefined) {
    return ExitCode.usage;
  }
  const device = report(options.deviceMappingFile, parseDeviceMapping(deviceText), io);
  const fhir = report(options.fhirMappingFile, parseFhirMapping(fhirText), io);
  if (device === undefined || fhir === undefined) {
    io.stderr('medtech debug: invalid mapping; no message was processed\n');
    return ExitCode.invalid;
  }
  for (const warning of locateDeviceMappingProblems(deviceText, crossCheckMappings(device, fhir))) {
    io.stderr(`${formatProblem(options.deviceMappingFile, warning)}\n`);
  }

  const messages = await readMessageInputs(
    options.messageFiles,
    options.ndjsonFiles,
    { enqueuedTime: options.enqueuedTime, now },
    io,
    'debug',
  );
  if (messages === undefined) {
    return ExitCode.usage;
  }

  const origins = new Map<Measurement, number>();
  const normalized = normalizeMessages(device, messages, io, origins);
  const output: DebugOutput = {
    measurements: normalized.measurements,
    observations: [],
    errors: [...normalized.errors],
  };
  // Which message files a failing group's measurements came from, so an error among many messages can be traced.
  const sourcesOf = (
    measurements: readonly Measurement[],
  ): Pick<DebugErrorOutput, 'messageIndexes' | 'messageFiles'> => {
    const indexes = [...new Set(measurements.map((m) => origins.get(m)).filter((i) => i !== undefined))].sort(
      (a, b) => a - b,
    );
    return { messageIndexes: indexes, messageFiles: indexes.map((i) => messages[i]?.file ?? '') };
  };
  transform(output, fhir, options, sourcesOf);
  io.stdout(`${JSON.stringify(output, null, 2)}\n`);
  return ExitCode.ok;
}

/**
 * Groups and transforms the measurements of `output` into Observations, as a run against an empty FHIR server:
 * Observations that share an identifier are merged in order, as the persist stage would.
 */
function transform(
  output: DebugOutput,
  fhir: FhirMapping,
  options: DebugOptions,
  sourcesOf: (measurements: readonly Measurement[]) => Pick<DebugErrorOutput, 'messageIndexes' | 'messageFiles'>,
): void {
  const observations = new Map<string, Observation>();
  for (const group of groupMeasurements(output.measurements)) {
    try {
      const template = findFhirTemplate(fhir, group.key.type);
      if (template === undefined) {
        throw new MedTechError(
          'TemplateNotFound',
          'FHIRConversion',
          `No FHIR template has typeName '${group.key.type}'`,
        );
      }
      const identity = toCreatedIdentity(group, options.deviceSystem);
      const observationGroups = planObservationGroups(group, template);
      // Which measurements each failed Observation concerns, found once for all of them (only when one failed).
      let concerned: Measurement[][] | undefined;
      observationGroups.forEach((observationGroup, index) => {
        try {
          const built = buildObservation(observationGroup, template, identity, options.issued);
          const id = built.id ?? '';
          const existing = observations.get(id);
          observations.set(
            id,
            existing === undefined
              ? built
              : mergeObservation(existing, observationGroup, template, identity, options.issued).observation,
          );
        } catch (error) {
          concerned ??= measurementsByObservationGroup(group, observationGroups);
          recordGroupError(output, group, error, sourcesOf(concerned[index] ?? []));
        }
      });
    } catch (error) {
      recordGroupError(output, group, error, sourcesOf(group.measurements));
    }
  }
  output.observations.push(...observations.values());
}

/** The ids MedTech's Create resolution gives a new Patient and Device (reference-behaviour §4). */
function toCreatedIdentity(group: MeasurementGroup, deviceSystem: string | undefined): ResolvedIdentity {
  const patientId = group.key.patientId;
  if (patientId === undefined || patientId.trim() === '') {
    throw new MedTechError(
      'ResourceIdentityNotDefined',
      'FHIRConversion',
      'The measurements carry no patient id: the Create resolution cannot create a Patient',
      { location: { field: 'patientId' } },
    );
  }
  return { patientId: toCreatedPatientId(patientId), deviceId: toCreatedDeviceId(group.key.deviceId, deviceSystem) };
}

function recordGroupError(
  output: DebugOutput,
  group: MeasurementGroup,
  error: unknown,
  sources: Pick<DebugErrorOutput, 'messageIndexes' | 'messageFiles'>,
): void {
  if (!isMedTechError(error)) {
    throw error;
  }
  output.errors.push({ ...error.toRecord(), type: group.key.type, deviceId: group.key.deviceId, ...sources });
}

function report<T>(file: string, result: ParseResult<T>, io: CliIo): T | undefined {
  const problems: MappingProblem[] = result.ok ? result.warnings : result.problems;
  for (const problem of problems) {
    io.stderr(`${formatProblem(file, problem)}\n`);
  }
  return result.ok ? result.value : undefined;
}

function toOptions(argv: string[], io: CliIo, now: () => Date): DebugOptions | number {
  const args = parseCommandArgs(
    argv,
    {
      'device-mapping': { type: 'string' },
      'fhir-mapping': { type: 'string' },
      message: { type: 'string', multiple: true },
      messages: { type: 'string', multiple: true },
      'enqueued-time': { type: 'string' },
      issued: { type: 'string' },
      'device-identifier-system': { type: 'string' },
    },
    usage,
    io,
  );
  if (args.kind === 'exit') {
    return args.exitCode;
  }
  const { values } = args;
  const deviceMappingFile = values['device-mapping'];
  const fhirMappingFile = values['fhir-mapping'];
  const messageFiles = values.message ?? [];
  const ndjsonFiles = values.messages ?? [];
  if (deviceMappingFile === undefined) {
    return usageError(io, usage, 'missing --device-mapping FILE');
  }
  if (fhirMappingFile === undefined) {
    return usageError(io, usage, 'missing --fhir-mapping FILE');
  }
  if (messageFiles.length === 0 && ndjsonFiles.length === 0) {
    return usageError(io, usage, 'missing --message FILE or --messages FILE');
  }
  for (const name of ['enqueued-time', 'issued'] as const) {
    const value = values[name];
    if (value !== undefined && !isIsoTimestamp(value)) {
      return usageError(io, usage, `--${name} must be an ISO-8601 timestamp, e.g. 2024-01-01T00:00:00Z`);
    }
  }
  return {
    deviceMappingFile,
    fhirMappingFile,
    messageFiles,
    ndjsonFiles,
    enqueuedTime: values['enqueued-time'],
    // As a FHIR instant: UTC, milliseconds (an option without an offset is taken as UTC).
    issued: toUtcTimestamp(values.issued ?? now().toISOString()) ?? now().toISOString(),
    deviceSystem: values['device-identifier-system'],
  };
}
