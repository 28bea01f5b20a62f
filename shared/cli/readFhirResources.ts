import type { Resource } from '@medplum/fhirtypes';
import { isRecord } from '../core/isRecord.js';
import type { CliIo } from './io.js';
import { ndjsonLines } from './readMessageFiles.js';
import { readTextFile } from './validateCommand.js';

/** A resource as a FHIR server holds it: with its logical id. */
export type StoredResource = Resource & { id: string };

/**
 * Reads the resources files hold, for a FHIR server held in memory: each file one resource, a Bundle (its entries'
 * resources), a JSON array of resources, or NDJSON with one resource (or Bundle) a line, as a FHIR bulk export or
 * `npm run local -- --export` writes it.
 * @param files - the files, in order (a later resource of the same type and id replaces an earlier one)
 * @param io - where problems go
 * @param command - the command name, for messages
 * @returns the resources, or undefined when a file cannot be read or holds something else (said on stderr)
 */
export async function readFhirResources(
  files: readonly string[],
  io: CliIo,
  command: string,
): Promise<StoredResource[] | undefined> {
  const resources: StoredResource[] = [];
  for (const file of files) {
    const text = await readTextFile(file, io, command);
    if (text === undefined) {
      return undefined;
    }
    const problem = collectFile(text, file, resources);
    if (problem !== undefined) {
      io.stderr(`medtech ${command}: ${problem}\n`);
      return undefined;
    }
  }
  return resources;
}

/** Adds the resources of one file's text; the problem, when it holds something else. */
function collectFile(text: string, file: string, into: StoredResource[]): string | undefined {
  let whole: unknown;
  try {
    whole = JSON.parse(text) as unknown;
  } catch {
    whole = undefined;
  }
  if (whole !== undefined) {
    return collect(whole, file, into);
  }
  for (const line of ndjsonLines(text)) {
    let value: unknown;
    try {
      value = JSON.parse(line.text) as unknown;
    } catch {
      return `${file}:${line.number}: not JSON (a file of FHIR resources holds a resource, a Bundle, an array or NDJSON)`;
    }
    const problem = collect(value, `${file}:${line.number}`, into);
    if (problem !== undefined) {
      return problem;
    }
  }
  return undefined;
}

function collect(value: unknown, where: string, into: StoredResource[]): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = collect(item, `${where}, item ${index + 1}`, into);
      if (problem !== undefined) {
        return problem;
      }
    }
    return undefined;
  }
  if (!isRecord(value) || typeof value.resourceType !== 'string') {
    return `${where}: not a FHIR resource (no resourceType)`;
  }
  if (value.resourceType === 'OperationOutcome') {
    // What a server says along with a search's results (a saved `GET Device?identifier=…`): nothing it holds.
    return undefined;
  }
  if (value.resourceType === 'Bundle') {
    const entries = Array.isArray(value.entry) ? (value.entry as unknown[]) : [];
    for (const [index, entry] of entries.entries()) {
      const problem = collect(isRecord(entry) ? entry.resource : entry, `${where}, entry ${index + 1}`, into);
      if (problem !== undefined) {
        return problem;
      }
    }
    return undefined;
  }
  // Named by its place, never by its id or content (a Patient's id may be its record number); its type only when it
  // looks like one.
  const type = /^[A-Z][A-Za-z]{1,63}$/.test(value.resourceType) ? value.resourceType : 'resource';
  if (typeof value.id !== 'string' || value.id === '') {
    return `${where}: a ${type} without an id, which nothing could refer to`;
  }
  if (value.identifier !== undefined && !isIdentifierList(value.identifier)) {
    return (
      `${where}: a ${type} has an identifier that is not a list of ` +
      '{"system", "value"} texts (FHIR: "identifier": [{"system": "…", "value": "…"}])'
    );
  }
  into.push(value as unknown as StoredResource);
  return undefined;
}

/** Whether a resource's `identifier` is what FHIR makes it: a list of objects whose system and value are texts. */
function isIdentifierList(identifier: unknown): boolean {
  return (
    Array.isArray(identifier) &&
    identifier.every(
      (item) =>
        isRecord(item) &&
        (item.value === undefined || typeof item.value === 'string') &&
        (item.system === undefined || typeof item.system === 'string'),
    )
  );
}
