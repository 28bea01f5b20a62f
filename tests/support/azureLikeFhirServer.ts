/**
 * Two more behaviours of Azure's FHIR service (microsoft/fhir-server on SQL), which matter for ids with white space:
 * - every JSON string value written is stored trimmed (.NET `Trim()`): the JSON input formatter parses with Firely's
 *   FhirJsonParser, whose FhirJsonNode.Text returns `s.Trim()` for every string value;
 * - token search compares `Code = @p` / `System.Value = @p` in SQL Server, where `=` pads the shorter string with
 *   spaces (trailing U+0020 spaces are not significant; leading ones and other white space are).
 * Also `advance(ms)` moves the server clock (meta.lastUpdated).
 *
 * A small FHIR server over HTTP that answers the interactions the app uses as Azure's FHIR service (microsoft/fhir-server
 * on SQL) does where the embedded Medplum server answers otherwise — a fault the local servers cannot produce:
 * - versioning policy per resource type: `versioned` (default), `versioned-update` (a `PUT` without If-Match onto a
 *   resource that exists, deleted ones included, is a 400 `IfMatchHeaderRequiredForResource`) or `no-version` (no
 *   history kept; versions still counted);
 * - If-Match on another version → 412; If-Match onto an id never written → 404; version `1` → 201, later ones 200;
 * - a read of a deleted resource → 410 with the deleted version's ETag;
 * - `_history` newest first, deletions listed as `request.method` DELETE, pages of `_count` (default 10) with a
 *   `next` link to the one after (Azure's carries a continuation token, `ct`);
 * - identifier token search exact (case-sensitive), `,` ORing values, `\` escaping;
 * - `GET metadata`: a CapabilityStatement giving each resource type with a policy set its `versioning`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSearchToken, splitSearchValues } from '../../shared/adapters/fhir/memoryFhirStore.js';

/** .NET char.IsWhiteSpace code units (what Firely's `s.Trim()` removes). */
const DOTNET_WS = '[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const DOTNET_TRIM = new RegExp(`^${DOTNET_WS}+|${DOTNET_WS}+$`, 'g');

/** Every string in a JSON value trimmed as Firely's FhirJsonNode does. */
function trimStrings(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(DOTNET_TRIM, '');
  }
  if (Array.isArray(value)) {
    return value.map(trimStrings);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimStrings(v)]));
  }
  return value;
}

/** SQL Server `=` on (var)char: trailing spaces are padding. */
const sqlEquals = (a: string | undefined, b: string | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.replace(/ +$/, '') === b.replace(/ +$/, '');

/** A resource type's versioning policy. */
export type VersioningPolicy = 'versioned' | 'versioned-update' | 'no-version';

interface Version {
  versionId: string;
  lastUpdated: string;
  deleted: boolean;
  resource: Record<string, unknown>;
}

/** The running server. */
export interface AzureLikeFhirServer {
  /** Base URL. */
  url: string;
  /** Versioning policy by resource type (absent: `versioned`). */
  policy: Record<string, VersioningPolicy>;
  /** Deletes a resource as `DELETE` would (a new, deleted version). */
  remove(type: string, id: string): void;
  /** Moves the server clock on. */
  advance(ms: number): void;
  /** Stops the server. */
  close(): Promise<void>;
}

const outcome = (diagnostics: string): unknown => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'processing', diagnostics }],
});

/** Starts the server on a free port. */
export async function startAzureLikeFhirServer(): Promise<AzureLikeFhirServer> {
  const resources = new Map<string, Version[]>();
  const policy: Record<string, VersioningPolicy> = {};
  let clock = Date.parse('2024-05-01T12:00:00Z');
  const tick = (): string => new Date((clock += 1000)).toISOString();
  const withMeta = (v: Version): unknown => ({
    ...v.resource,
    meta: { versionId: v.versionId, lastUpdated: v.lastUpdated },
  });
  const append = (key: string, type: string, version: Version): void => {
    const versions = resources.get(key) ?? [];
    resources.set(key, policy[type] === 'no-version' ? [version] : [...versions, version]);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const [type = '', id, history] = url.pathname.split('/').filter((part) => part !== '');
      const key = `${type}/${id ?? ''}`;
      const versions = resources.get(key) ?? [];
      const latest = versions.at(-1);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && type === 'metadata') {
        const resource = Object.entries(policy).map(([name, versioning]) => ({ type: name, versioning }));
        send(200, { resourceType: 'CapabilityStatement', rest: [{ mode: 'server', resource }] });
        return;
      }
      if (req.method === 'GET' && id === undefined) {
        const tokens = splitSearchValues(url.searchParams.get('identifier') ?? '').map(parseSearchToken);
        const entry: unknown[] = [];
        for (const [resourceKey, stored] of resources) {
          const current = stored.at(-1);
          if (!resourceKey.startsWith(`${type}/`) || current === undefined || current.deleted) {
            continue;
          }
          const identifiers = (current.resource['identifier'] ?? []) as { system?: string; value?: string }[];
          // Exact, case-sensitive (the in-memory store's own comparison ignores case).
          const hit = tokens.some(({ system, value }) =>
            identifiers.some(
              (identifier) =>
                sqlEquals(identifier.value, value) &&
                (system === undefined ||
                  (system === null ? identifier.system === undefined : sqlEquals(identifier.system, system))),
            ),
          );
          if (hit) {
            entry.push({ resource: withMeta(current), search: { mode: 'match' } });
          }
        }
        send(200, { resourceType: 'Bundle', type: 'searchset', entry });
        return;
      }
      if (req.method === 'GET' && history === '_history') {
        if (latest === undefined) {
          send(404, outcome('not found'));
          return;
        }
        const count = Number(url.searchParams.get('_count') ?? 10);
        const skip = Number(url.searchParams.get('ct') ?? 0);
        const entry = [...versions]
          .reverse()
          .slice(skip, skip + count)
          .map((v) => ({ resource: withMeta(v), request: { method: v.deleted ? 'DELETE' : 'PUT', url: key } }));
        const link =
          skip + count < versions.length
            ? [
                {
                  relation: 'next',
                  url: `http://${req.headers.host ?? ''}/${key}/_history?_count=${count}&ct=${skip + count}`,
                },
              ]
            : [];
        send(200, { resourceType: 'Bundle', type: 'history', entry, link });
        return;
      }
      if (req.method === 'GET') {
        if (latest === undefined) {
          send(404, outcome('not found'));
        } else if (latest.deleted) {
          send(410, outcome('deleted'), { etag: `W/"${latest.versionId}"` });
        } else {
          send(200, withMeta(latest), { etag: `W/"${latest.versionId}"` });
        }
        return;
      }
      if (req.method === 'PUT') {
        const { meta: _meta, ...resource } = trimStrings(JSON.parse(Buffer.concat(chunks).toString('utf8'))) as Record<
          string,
          unknown
        >;
        const ifMatch = /^W\/"(.+)"$/.exec(String(req.headers['if-match'] ?? ''))?.[1];
        if (ifMatch !== undefined && latest !== undefined && ifMatch !== latest.versionId) {
          send(412, outcome('ResourceVersionConflict'));
        } else if (ifMatch !== undefined && latest === undefined) {
          send(404, outcome('ResourceNotFoundByIdAndVersion'));
        } else if (ifMatch === undefined && latest !== undefined && policy[type] === 'versioned-update') {
          send(400, outcome('IfMatchHeaderRequiredForResource'));
        } else {
          const versionId = String(latest === undefined ? 1 : Number(latest.versionId) + 1);
          const version: Version = { versionId, lastUpdated: tick(), deleted: false, resource };
          append(key, type, version);
          send(versionId === '1' ? 201 : 200, withMeta(version), { etag: `W/"${versionId}"` });
        }
        return;
      }
      send(405, outcome('not supported'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    policy,
    advance(ms) {
      clock += ms;
    },
    remove(type, id) {
      const latest = resources.get(`${type}/${id}`)?.at(-1);
      if (latest !== undefined) {
        const versionId = String(Number(latest.versionId) + 1);
        append(`${type}/${id}`, type, {
          versionId,
          lastUpdated: tick(),
          deleted: true,
          resource: { resourceType: type, id },
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
