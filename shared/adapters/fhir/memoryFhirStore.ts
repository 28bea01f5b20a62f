/**
 * A FHIR server held in memory: the {@link FhirStore} `medtech debug` resolves identities against, seeded with the
 * resources an operator exported from a real server. No network, no clock.
 */
import type { Identifier, Resource } from '@medplum/fhirtypes';
import type { FhirStore, FhirUpdateOptions, FhirUpdateResult } from '../../pipeline/ports.js';
import { cloneFhirJson } from '../../core/fhir/fhirJson.js';

/**
 * An in-memory FHIR store. Identifier searches compare tokens as Azure's FHIR service does, ignoring letter case
 * (identity resolution then prefers exact matches itself); writes keep one current version per resource.
 */
export class MemoryFhirStore implements FhirStore {
  private readonly stored = new Map<string, Resource & { id: string }>();
  private requests = 0;

  /**
   * @param resources - what the server holds at first; each needs an `id` (a later one of the same type and id
   *   replaces an earlier one)
   */
  constructor(resources: readonly (Resource & { id: string })[] = []) {
    for (const resource of resources) {
      this.save(resource);
    }
  }

  /**
   * `GET {type}?identifier=[system|]value`: the resources of the type that carry the identifier, ignoring case.
   * @param resourceType - FHIR resource type
   * @param query - only `identifier` is understood (a `_count` is taken and ignored: every match is answered)
   */
  search<T extends Resource>(resourceType: T['resourceType'], query: Readonly<Record<string, string>>): Promise<T[]> {
    this.requests += 1;
    const token = query.identifier;
    if (token === undefined || Object.keys(query).some((name) => name !== 'identifier' && name !== '_count')) {
      return Promise.reject(new Error(`The in-memory FHIR store searches by identifier only (${resourceType}).`));
    }
    const wanted = splitSearchValues(token).map(parseSearchToken);
    const found = [...this.stored.values()].filter(
      (resource) =>
        resource.resourceType === resourceType &&
        wanted.some((one) => carries(resource as { identifier?: Identifier[] }, one)),
    );
    return Promise.resolve(found.map((resource) => cloneFhirJson(resource) as unknown as T));
  }

  /**
   * `GET {type}/{id}`.
   * @param resourceType - FHIR resource type
   * @param id - logical id
   */
  read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<T | undefined> {
    this.requests += 1;
    const found = this.stored.get(`${resourceType}/${id}`);
    return Promise.resolve(found === undefined ? undefined : (cloneFhirJson(found) as unknown as T));
  }

  /**
   * `GET {type}/{id}/_history`: the current version only.
   * @param resourceType - FHIR resource type
   * @param id - logical id
   */
  async history<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<T[]> {
    const current = await this.read<T>(resourceType, id);
    return current === undefined ? [] : [current];
  }

  /**
   * `PUT {type}/{id}`, refused with 412 when `ifMatchVersionId` is not the current version.
   * @param resource - the resource, with `id`
   * @param options - optimistic concurrency
   */
  update<T extends Resource>(resource: T & { id: string }, options?: FhirUpdateOptions): Promise<FhirUpdateResult<T>> {
    this.requests += 1;
    const existing = this.stored.get(`${resource.resourceType}/${resource.id}`);
    if (options?.ifMatchVersionId !== undefined && existing?.meta?.versionId !== options.ifMatchVersionId) {
      return Promise.resolve({ kind: 'conflict', status: 412 });
    }
    const saved = this.save(resource);
    return Promise.resolve({
      kind: 'saved',
      resource: cloneFhirJson(saved) as unknown as T,
      created: existing === undefined,
    });
  }

  /** Requests answered so far. */
  requestCount(): number {
    return this.requests;
  }

  /** Every resource held now, in the order first stored. */
  resources(): Resource[] {
    return [...this.stored.values()].map((resource) => cloneFhirJson(resource));
  }

  private save(resource: Resource & { id: string }): Resource & { id: string } {
    const key = `${resource.resourceType}/${resource.id}`;
    const version = Number(this.stored.get(key)?.meta?.versionId ?? '0') + 1;
    const saved = { ...cloneFhirJson(resource), meta: { ...resource.meta, versionId: String(version) } };
    this.stored.set(key, saved);
    return saved;
  }
}

/** A token search value: `value` (any system), `|value` (no system) or `system|value`, with `\` escapes. */
export interface SearchToken {
  /** Undefined: any system; null: none. */
  system: string | null | undefined;
  value: string;
}

/**
 * Splits a search parameter's value into the values it ORs: at each `,` not escaped by `\` (escapes are kept, for
 * {@link parseSearchToken}).
 * @param text - e.g. `urn:x|a,urn:x|b\,c`
 */
export function splitSearchValues(text: string): string[] {
  const values: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
    } else if (text[i] === ',') {
      values.push(text.slice(start, i));
      start = i + 1;
    }
  }
  values.push(text.slice(start));
  return values;
}

/**
 * Reads a token search value as FHIR writes it: the system ends at the first `|` not escaped, and `\` escapes `|`,
 * `,`, `$` and `\` in either part.
 * @param text - the value of a token search parameter, e.g. `urn:x|dev\,1`
 */
export function parseSearchToken(text: string): SearchToken {
  let bar = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
    } else if (text[i] === '|') {
      bar = i;
      break;
    }
  }
  const unescape = (part: string): string => part.replace(/\\(.)/g, '$1');
  if (bar < 0) {
    return { system: undefined, value: unescape(text) };
  }
  const system = unescape(text.slice(0, bar));
  return { system: system === '' ? null : system, value: unescape(text.slice(bar + 1)) };
}

function carries(resource: { identifier?: Identifier[] }, token: SearchToken): boolean {
  const same = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase();
  return (resource.identifier ?? []).some(
    (id) =>
      same(id.value, token.value) &&
      (token.system === undefined || (token.system === null ? id.system === undefined : same(id.system, token.system))),
  );
}
