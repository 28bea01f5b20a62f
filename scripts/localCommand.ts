/**
 * The `npm run local` command (scripts/local.ts runs it): the whole pipeline on bundled samples (or your files), on
 * embedded local services, through the real Function handlers. No cloud account needed.
 */
import { constants } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { describeFsError } from '../shared/cli/validateCommand.js';
import { defaultMessagesFile, parseLocalArgs } from './localArgs.js';
import { readMessagesFile, startLocalPipeline, toComparableResource, type LocalMessage } from './localPipeline.js';

const help = `Usage: npm run local -- [options]

Runs the whole pipeline locally: embedded Azurite, a Cosmos wire-compatible server and a Medplum FHIR server;
uploads the mappings to Blob Storage; delivers the messages to the real ingest handler in Event Hubs-shaped batches;
advances the clock so every window closes; runs the real timer and flush-worker handlers; prints a summary.

Options:
  --device-mapping FILE   device mapping (default samples/devicecontent.json)
  --fhir-mapping FILE     FHIR destination mapping (default samples/fhirmapping.json)
  --messages FILE         JSON object, JSON array or NDJSON (default samples/messages.ndjson); repeat for more
  --resolution MODE       Lookup or Create (default Create)
  --redeliver             deliver every batch twice, as Event Hubs may
  --export FILE           write every FHIR resource as NDJSON at the end (without meta and issued: when it
                          was written), so two runs can be compared
  --start-time ISO        simulated clock start (default now)
  --keep                  leave the services running and print their endpoints (Ctrl+C stops)
  --verbose               print handler logs
  -h, --help              this help
`;

/**
 * Runs `npm run local` with its arguments (see the help text).
 * @param argv - the arguments after the script name
 * @returns the exit code: 0 done, 1 a flush failed, 2 a usage error or a file that cannot be read or written
 */
export async function runLocal(argv: readonly string[]): Promise<number> {
  const parsed = parseLocalArgs([...argv]);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.message}\nRun 'npm run local -- --help' for the options.\n`);
    return 2;
  }
  const values = parsed.values;
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const resolution = values.resolution.toLowerCase() === 'lookup' ? 'Lookup' : 'Create';
  if (!['lookup', 'create'].includes(values.resolution.toLowerCase())) {
    process.stderr.write(`--resolution must be Lookup or Create\n`);
    return 2;
  }
  const startTime = values['start-time'] === undefined ? new Date() : new Date(values['start-time']);
  if (Number.isNaN(startTime.getTime())) {
    process.stderr.write(`--start-time must be an ISO-8601 time\n`);
    return 2;
  }
  // Every file is read, and the export's folder checked, before any service starts: a wrong path is one line.
  const texts = new Map<string, string>();
  const messageFiles = values.messages ?? [defaultMessagesFile];
  for (const file of [values['device-mapping'], values['fhir-mapping'], ...messageFiles]) {
    try {
      texts.set(file, await readFile(file, 'utf8'));
    } catch (error) {
      process.stderr.write(`npm run local: cannot read ${file}: ${describeFsError(error)}\n`);
      return 2;
    }
  }
  if (values.export !== undefined) {
    try {
      await access(dirname(values.export), constants.W_OK);
    } catch (error) {
      process.stderr.write(`npm run local: cannot write ${values.export}: ${describeFsError(error)}\n`);
      return 2;
    }
  }
  const messages: LocalMessage[] = [];
  for (const file of messageFiles) {
    for (const message of readMessagesFile(texts.get(file) ?? '')) {
      messages.push(message);
    }
  }
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };

  say('Starting embedded Azurite, Cosmos and FHIR servers …');
  const pipeline = await startLocalPipeline({
    deviceMapping: texts.get(values['device-mapping']) ?? '',
    fhirMapping: texts.get(values['fhir-mapping']) ?? '',
    resolution,
    startTime,
    ...(values.verbose ? { log: (line: string) => say(`  ${line}`) } : {}),
    // The app's warnings and errors (a mapping's problems when it loads) are shown without --verbose too.
    warn: (line: string) => say(line.replace(/^/gm, '  ')),
  });
  try {
    say(`Mappings uploaded to ${pipeline.endpoints.blob}/template`);
    say(
      `Delivering ${messages.length} message(s) to the ingest handler${values.redeliver ? ' (every batch twice)' : ''} …`,
    );
    const ingested = await pipeline.deliver(messages, { redeliver: values.redeliver });
    const sum = (pick: (s: (typeof ingested)[number]) => number): number => ingested.reduce((n, s) => n + pick(s), 0);
    say(
      `  ${ingested.length} batch invocation(s): ${sum((s) => s.deviceEvents)} events, ` +
        `${sum((s) => s.measurements)} measurements staged, ${sum((s) => s.rejectedEvents)} rejected, ` +
        `${sum((s) => s.droppedEvents)} matched no template, ` +
        `${sum((s) => s.stagingDocuments)} staging document write(s)`,
    );
    say('Advancing the clock past the window; running the timer and the flush workers …');
    const flushed = await pipeline.flush();
    for (const failure of flushed.failures) {
      say(`  flush failure (data stays staged): ${failure}`);
    }
    const total = (pick: (s: (typeof flushed.units)[number]) => number): number =>
      flushed.units.reduce((n, s) => n + pick(s), 0);
    const deadLetters = await pipeline.deadLetterCounts();
    const resources = await pipeline.exportResources();
    const count = (type: string): number => resources.filter((r) => r.resourceType === type).length;

    say('');
    say('Summary');
    say(`  events delivered            ${messages.length}${values.redeliver ? ' (each batch twice)' : ''}`);
    say(`  measurements staged         ${sum((s) => s.measurements)}`);
    say(`  work units flushed          ${flushed.units.filter((u) => u.status === 'flushed').length}`);
    say(`  measurement groups          ${total((s) => s.groups)}`);
    say(`  Observations created        ${total((s) => s.created)}`);
    say(`  Observations updated        ${total((s) => s.updated)}`);
    say(`  Observations unchanged      ${total((s) => s.noop)}`);
    say(
      `  FHIR server now holds       ${count('Observation')} Observation, ${count('Patient')} Patient, ${count('Device')} Device`,
    );
    const deadLetterTotal = Object.values(deadLetters).reduce((n, v) => n + v, 0);
    say(`  dead-lettered               ${deadLetterTotal}`);
    for (const [name, n] of Object.entries(deadLetters).sort()) {
      say(`    ${name.padEnd(26)}${n}`);
    }
    if (values.export !== undefined) {
      // `meta` and `issued` record when a resource was written, not what it says: left out so runs compare equal.
      const lines = resources.map((r) => {
        const { issued: _issued, ...rest } = toComparableResource(r) as Resource & { issued?: string };
        return JSON.stringify(rest);
      });
      await writeFile(values.export, lines.join('\n') + (lines.length > 0 ? '\n' : ''));
      say(`  exported ${resources.length} resource(s) to ${values.export}`);
    }
    if (values.keep) {
      say('');
      say('Services are running (Ctrl+C to stop):');
      say(`  Blob      ${pipeline.endpoints.blob}`);
      say(`  Queue     ${pipeline.endpoints.queue}`);
      say(`  Cosmos    ${pipeline.endpoints.cosmos}`);
      say(`  FHIR      ${pipeline.endpoints.fhir}`);
      say(`  Storage connection string: ${pipeline.endpoints.storageConnectionString}`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return flushed.failures.length === 0 ? 0 : 1;
  } finally {
    await pipeline.close();
  }
}
