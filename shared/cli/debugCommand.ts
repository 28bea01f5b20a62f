import type { Observation } from '@medplum/fhirtypes';
import { isMedTechError, type ErrorRecord } from '../core/errors.js';
import {
  requireFhirTemplate,
  groupMeasurements,
  measurementsByObservationGroup,
  parseFhirMapping,
  planObservationGroups,
  toObservationIdentifier,
  type FhirMapping,
  type MeasurementGroup,
} from '../core/fhir/index.js';
import { crossCheckMappings } from '../core/mapping/crossCheckMappings.js';
import { parseDeviceMapping } from '../core/mapping/parseDeviceMapping.js';
import type { MappingProblem, ParseResult } from '../core/mapping/problems.js';
import type { Measurement } from '../core/measurement.js';
import { ExitCode } from './exitCode.js';
import { normalizeMessages } from './normalizeCommand.js';
import { writeJsonDocument, type CliIo } from './io.js';
import { parseCommandArgs, usageError, type CommandUsage } from './parseCommandArgs.js';
import { isIsoTimestamp, readMessageInputs } from './readMessageFiles.js';
import { toUtcTimestamp } from '../core/normalize/toUtcTimestamp.js';
import { formatProblem, locateDeviceMappingProblems, readTextFile } from './validateCommand.js';
import { MemoryFhirStore } from '../adapters/fhir/memoryFhirStore.js';
import { createIdentityResolver, type IdentityResolutionType } from '../pipeline/resolveIdentity.js';
import type { FhirStore, IdentityResolver } from '../pipeline/ports.js';
import { persistObservation } from '../pipeline/persistObservation.js';
import { hasIdentifier, toIdentifierToken } from '../pipeline/resolveIdentity.js';
import { readFhirResources } from './readFhirResources.js';
import { readDeadLetterFiles } from './readDeadLetterFiles.js';

const help = `Usage: medtech debug --device-mapping FILE --fhir-mapping FILE
                    (--message FILE | --messages FILE | --dead-letter FILE)...
                    [--enqueued-time ISO] [--issued ISO] [--device-identifier-system SYSTEM]
                    [--resolution Create|Lookup|LookupWithEncounter] [--fhir-resources FILE]...

Runs device messages through both mappings, as MedTech's mapping debugger does, and prints ONE JSON document
{"measurements": [...], "observations": [...], "errors": [...]}: the Observations the messages would produce on a
FHIR server holding the --fhir-resources (none by default; Observations there are merged into, as the service
merges into what it wrote before), with the identity resolution --resolution (Create by
default: on an empty server, Patient and Device get the ids MedTech's Create gives them, so a measurement needs a
patient id). With Lookup (the service's default), give the Devices (linked to their Patients) the server holds, as
exported from it: then measurements without a patient id resolve too. Mapping problems and cross-check warnings go
to stderr.

A message file holds one message body. A file whose top-level object has a "Body" key is a whole envelope
{"Body", "Properties", "SystemProperties"}, so IoT Hub messages can be tested. An NDJSON file given with --messages
holds one such message per line (blank lines are skipped); its messages are named FILE:LINE and come after the
--message files. A dead letter, as GET /api/deadletters/{id} answers it, given with --dead-letter, is the message it
rejected (with its properties and enqueued time) or the measurements of the group it rejected, which go straight to
grouping and the FHIR mapping; these come last.

Options:
  --device-mapping FILE            the device mapping (devicecontent.json)
  --fhir-mapping FILE              the FHIR destination mapping (fhirmapping.json)
  --message FILE                   a device message; repeat for several
  --messages FILE                  an NDJSON file of device messages, one per line; repeat for several
  --dead-letter FILE               a dead letter (a rejected message or group); repeat for several
  --enqueued-time ISO              the Event Hubs enqueued time (ingestionTimeUtc); default: the envelope's
                                   iothub-enqueuedtime or x-opt-enqueued-time, else the current time
  --issued ISO                     the Observations' issued time; default: the current time
  --device-identifier-system SYSTEM  the default device identifier system (Device searches; created Device ids)
  --resolution TYPE                Create (default), Lookup or LookupWithEncounter, as the service's setting
  --fhir-resources FILE            resources the FHIR server holds (Device, Patient, Encounter, Observation): one
                                   resource, a Bundle, a JSON array or NDJSON; repeat for several
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
  /**
   * For a FHIRConversion error: the messages (0-based positions, as `messageIndex`) it concerns; a rejected group's
   * dead letter counts after the messages.
   */
  messageIndexes?: number[];
  /** For a FHIRConversion error: those messages' (and dead letters') files as given. */
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
  deadLetterFiles: string[];
  enqueuedTime: string | undefined;
  issued: string;
  deviceSystem: string | undefined;
  resolution: IdentityResolutionType;
  resourceFiles: string[];
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

  const read = await readMessageInputs(
    options.messageFiles,
    options.ndjsonFiles,
    { enqueuedTime: options.enqueuedTime, now },
    io,
    'debug',
  );
  const deadLetters = read === undefined ? undefined : await readDeadLetterFiles(options.deadLetterFiles, io, 'debug');
  if (read === undefined || deadLetters === undefined) {
    return ExitCode.usage;
  }
  // Rejected messages are normalized as messages; rejected groups' measurements join the normalized ones.
  const messages = [
    ...read,
    ...deadLetters.flatMap((input) => (input.kind === 'message' ? [{ file: input.file, event: input.event }] : [])),
  ];
  const groups = deadLetters.flatMap((input) => (input.kind === 'measurements' ? [input] : []));
  const held = await readFhirResources(options.resourceFiles, io, 'debug');
  if (held === undefined) {
    return ExitCode.usage;
  }
  const store = new MemoryFhirStore(held);
  const identity = createIdentityResolver(store, {
    resolutionType: options.resolution,
    ...(options.deviceSystem === undefined ? {} : { defaultDeviceIdentifierSystem: options.deviceSystem }),
  });

  const origins = new Map<Measurement, number>();
  const normalized = normalizeMessages(device, messages, io, origins);
  // A group's measurements are named by its file, after the messages (as `messageIndexes` and `messageFiles`).
  const sources = [...messages.map((m) => m.file), ...groups.map((g) => g.file)];
  groups.forEach((group, index) => {
    for (const measurement of group.measurements) {
      normalized.measurements.push(measurement);
      origins.set(measurement, messages.length + index);
    }
  });
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
    return { messageIndexes: indexes, messageFiles: indexes.map((i) => sources[i] ?? '') };
  };
  await transform(output, fhir, store, identity, options.issued, sourcesOf);
  const unresolved = output.errors.filter((e) => e.name === 'ResourceIdentityNotDefined').length;
  if (unresolved > 0 && options.resolution === 'Create') {
    // The usual reason: a mapping written for Lookup, the service's default, run here with Create.
    io.stderr(
      `medtech debug: ${unresolved} group(s) have no patient id, which Create needs to create a Patient; for a ` +
        'mapping meant for Lookup, give the Devices the FHIR server holds: --resolution Lookup --fhir-resources FILE\n',
    );
  }
  await writeJsonDocument(io, output);
  return ExitCode.ok;
}

/**
 * Groups and transforms the measurements of `output` into Observations and persists them on the in-memory FHIR
 * server, as the flush does (template, plan, identity, then create or merge, group after group): Observations the
 * server holds already are merged into. The Observations written are listed as the server then holds them, in the
 * order first written, without the in-memory server's `meta`.
 */
async function transform(
  output: DebugOutput,
  fhir: FhirMapping,
  store: FhirStore,
  identities: IdentityResolver,
  issued: string,
  sourcesOf: (measurements: readonly Measurement[]) => Pick<DebugErrorOutput, 'messageIndexes' | 'messageFiles'>,
): Promise<void> {
  const written = new Map<string, { system: string; value: string }>();
  for (const group of groupMeasurements(output.measurements)) {
    try {
      const template = requireFhirTemplate(fhir, group.key.type);
      const observationGroups = planObservationGroups(group, template);
      const identity = await identities.resolve(group.key);
      // Which measurements each failed Observation concerns, found once for all of them (only when one failed).
      let concerned: Measurement[][] | undefined;
      for (const [index, observationGroup] of observationGroups.entries()) {
        try {
          await persistObservation(store, { group: observationGroup, template, identity, issued });
          const identifier = toObservationIdentifier(identity, observationGroup);
          written.set(`${identifier.system}|${identifier.value}`, identifier);
        } catch (error) {
          concerned ??= measurementsByObservationGroup(group, observationGroups);
          recordGroupError(output, group, error, sourcesOf(concerned[index] ?? []));
        }
      }
    } catch (error) {
      recordGroupError(output, group, error, sourcesOf(group.measurements));
    }
  }
  for (const { system, value } of written.values()) {
    const found = await store.search<Observation>('Observation', {
      identifier: toIdentifierToken(value, system),
    });
    for (const observation of found.filter((o) => hasIdentifier(o, value, system))) {
      const { meta: _meta, ...shown } = observation;
      output.observations.push(shown);
    }
  }
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
      'dead-letter': { type: 'string', multiple: true },
      'enqueued-time': { type: 'string' },
      issued: { type: 'string' },
      'device-identifier-system': { type: 'string' },
      resolution: { type: 'string' },
      'fhir-resources': { type: 'string', multiple: true },
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
  const deadLetterFiles = values['dead-letter'] ?? [];
  if (deviceMappingFile === undefined) {
    return usageError(io, usage, 'missing --device-mapping FILE');
  }
  if (fhirMappingFile === undefined) {
    return usageError(io, usage, 'missing --fhir-mapping FILE');
  }
  if (messageFiles.length === 0 && ndjsonFiles.length === 0 && deadLetterFiles.length === 0) {
    return usageError(io, usage, 'missing --message FILE, --messages FILE or --dead-letter FILE');
  }
  const resolution = RESOLUTION_TYPES.find((t) => t.toLowerCase() === (values.resolution ?? 'Create').toLowerCase());
  if (resolution === undefined) {
    return usageError(io, usage, `--resolution must be one of ${RESOLUTION_TYPES.join(', ')}`);
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
    deadLetterFiles,
    enqueuedTime: values['enqueued-time'],
    // As a FHIR instant: UTC, milliseconds (an option without an offset is taken as UTC).
    issued: toUtcTimestamp(values.issued ?? now().toISOString()) ?? now().toISOString(),
    deviceSystem: values['device-identifier-system'],
    resolution,
    resourceFiles: values['fhir-resources'] ?? [],
  };
}

/** MedTech's resolution types, as the service's FHIR__RESOLUTION setting names them. */
const RESOLUTION_TYPES: readonly IdentityResolutionType[] = ['Create', 'Lookup', 'LookupWithEncounter'];
