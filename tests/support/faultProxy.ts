/**
 * An HTTP proxy for tests that forwards to a real server, except for requests it was told to fail:
 * throttle (429 + Retry-After), unavailable (503), a precondition failure (412), a canned response, a delay
 * long enough to make the client time out, or a lost answer (the server does the work, the client hears a failure).
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does instead of (or before) forwarding a request. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  /** A canned answer; `body` undefined answers with no body at all. */
  | { kind: 'respond'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  /** The request reaches the server, which does its work; its answer is dropped and the client gets `status`. */
  | { kind: 'lose-response'; status: number };

/** The part of a request a rule can match on. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, e.g. `/Observation?identifier=…`, decoded. */
  path: string;
  headers: IncomingHttpHeaders;
}

/** A fault applied to the next `times` requests that match. */
export interface FaultRule {
  fault: Fault;
  /** How many matching requests get the fault (default 1; `Infinity` for all). */
  times?: number;
  /** Which requests the rule applies to (default: all). */
  match?: (request: ProxiedRequest) => boolean;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** Base URL of the proxy (no trailing slash). */
  url: string;
  /** Adds a rule; rules are tried in the order they were added. */
  inject(rule: FaultRule): void;
  /** Removes all rules. */
  clear(): void;
  /** Every request received, in order, with whether a fault was applied and its body as text. */
  requests(): readonly LoggedRequest[];
  /** Forgets the request log. */
  resetLog(): void;
  /** Stops the proxy. */
  close(): Promise<void>;
}

/** A request as the proxy logged it. */
export type LoggedRequest = ProxiedRequest & { faulted: boolean; body: string };

interface ActiveRule {
  fault: Fault;
  remaining: number;
  match: (request: ProxiedRequest) => boolean;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'host',
  'upgrade',
  'proxy-connection',
]);

/**
 * Starts a fault-injecting proxy on 127.0.0.1 (OS-assigned port) in front of `targetUrl`.
 * @param targetUrl - base URL of the real server
 * @throws Error when the port cannot be bound
 */
export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = targetUrl.replace(/\/+$/, '');
  let rules: ActiveRule[] = [];
  let log: LoggedRequest[] = [];
  const pendingTimers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(502).end();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const request: ProxiedRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: safeDecode(req.url ?? '/'),
      headers: req.headers,
    };
    const rule = rules.find((candidate) => candidate.remaining > 0 && candidate.match(request));
    log.push({ ...request, faulted: rule !== undefined, body: body.toString('utf8') });
    if (rule !== undefined) {
      rule.remaining -= 1;
      const fault = rule.fault;
      switch (fault.kind) {
        case 'status':
          reply(res, fault.status, outcome(`Injected ${fault.status}`), {
            ...(fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter }),
          });
          return;
        case 'respond':
          reply(res, fault.status, fault.body, fault.headers ?? {});
          return;
        case 'lose-response':
          await send(req, body);
          reply(res, fault.status, outcome(`Injected ${fault.status} after the server answered`), {});
          return;
        case 'delay':
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              pendingTimers.delete(timer);
              resolve();
            }, fault.ms);
            pendingTimers.add(timer);
          });
          if (res.destroyed || req.socket.destroyed) {
            return;
          }
          break;
      }
    }
    await forward(req, res, body);
  }

  /** Sends the request to the real server; its status, headers (hop-by-hop ones left out) and body. */
  async function send(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; payload: Buffer }> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) {
        continue;
      }
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const upstream = await fetch(`${target}${req.url ?? '/'}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' || body.length === 0 ? undefined : body,
    });
    const payload = Buffer.from(await upstream.arrayBuffer());
    const responseHeaders: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name) && name !== 'content-encoding') {
        responseHeaders[name] = value;
      }
    });
    return { status: upstream.status, headers: responseHeaders, payload };
  }

  async function forward(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const { status, headers, payload } = await send(req, body);
    if (res.destroyed) {
      return;
    }
    res.writeHead(status, { ...headers, 'Content-Length': payload.length });
    res.end(payload);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    inject: (rule) => {
      rules.push({ fault: rule.fault, remaining: rule.times ?? 1, match: rule.match ?? (() => true) });
    },
    clear: () => {
      rules = [];
    },
    requests: () => log,
    resetLog: () => {
      log = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of pendingTimers) {
          clearTimeout(timer);
        }
        pendingTimers.clear();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

/**
 * Builds a rule matcher from a method and a path pattern.
 * @param method - HTTP method to match (case-insensitive), or undefined for any
 * @param path - substring or regular expression the decoded path must match
 */
export function requestMatching(method: string | undefined, path?: string | RegExp): (r: ProxiedRequest) => boolean {
  return (request) =>
    (method === undefined || request.method === method.toUpperCase()) &&
    (path === undefined || (typeof path === 'string' ? request.path.includes(path) : path.test(request.path)));
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/fhir+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

function outcome(text: string): unknown {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: text }] };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
