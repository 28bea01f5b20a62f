import type { BlobClient, ContainerClient } from '@azure/storage-blob';
import type { MappingProblem, ParseResult } from '../../core/mapping/problems.js';
import type { LoadedMapping, MappingStore } from '../../pipeline/stagingPorts.js';
import { MappingUnavailableError } from './mappingUnavailableError.js';
import type { MappingUnavailableReason } from './mappingUnavailableError.js';
import { decodeAsDotNetStreamReader } from '../../core/decodeDotNetText.js';

/** Blob names MedTech uses for the two mapping files. */
export const mappingBlobNames = { device: 'devicecontent.json', fhir: 'fhirmapping.json' } as const;

/** Something an operator must hear about, reported once per blob version (ETag) and kind. */
export interface MappingProblemReport {
  /** Blob name. */
  file: string;
  /**
   * `invalid`: the new version was rejected; `warnings`: accepted with warnings; `missing`: the blob is gone;
   * `noContainer`: its container does not exist (a misspelt container name, say); `unreachable`: Blob Storage
   * failed (reported on every failed refresh).
   */
  kind: 'invalid' | 'warnings' | 'missing' | 'noContainer' | 'unreachable';
  /** The container's name (`noContainer`). */
  container?: string;
  /** ETag of the version concerned, when there is one. */
  etag: string | undefined;
  problems: MappingProblem[];
  /** ETag of the last valid version still being served, if any. */
  servingEtag: string | undefined;
  /** HTTP status of a storage failure (`unreachable`), when there was one. */
  statusCode?: number;
}

/** Settings of {@link BlobMappingStore}. */
export interface BlobMappingStoreOptions<D, F> {
  /** The container holding the mapping files (default name `template`). */
  container: ContainerClient;
  /** Parses and validates `devicecontent.json`. */
  parseDeviceMapping: (text: string) => ParseResult<D>;
  /** Parses and validates `fhirmapping.json`. */
  parseFhirMapping: (text: string) => ParseResult<F>;
  /** Receives problems loudly (log them as errors/warnings); called once per version and kind. */
  onProblem: (report: MappingProblemReport) => void;
  /** Minimum time between two checks of a blob for a new version, in ms (default 30,000; 0 = every call). */
  refreshIntervalMs?: number;
  /** Largest mapping file accepted, in bytes (default 4 MiB). */
  maxBytes?: number;
  /**
   * Longest a caller waits for a check of a new version while a valid one is in hand, in real ms (default 2,000):
   * past it, the caller is served the valid version and the check goes on for the next callers.
   */
  refreshWaitMs?: number;
  /** Longest one download may take, headers and body, in real ms (default 30,000); past it, storage is unreachable. */
  downloadTimeoutMs?: number;
  /** Clock (default `Date.now`). */
  clock?: () => number;
  /** Blob names (defaults `devicecontent.json`, `fhirmapping.json`). */
  blobNames?: { device?: string; fhir?: string };
}

/**
 * The mapping store on Blob Storage: serves the last valid version of each mapping file, checking for a new version
 * with a conditional GET (`If-None-Match` → 304) at most once per refresh interval, and parsing only when the
 * ETag changed.
 */
export class BlobMappingStore<D, F> implements MappingStore<D, F> {
  private readonly device: CachedMappingBlob<D>;
  private readonly fhir: CachedMappingBlob<F>;

  /** @param options - container, parsers, problem reporter, refresh interval */
  constructor(options: BlobMappingStoreOptions<D, F>) {
    const settings: BlobCacheSettings = {
      refreshIntervalMs: options.refreshIntervalMs ?? 30_000,
      refreshWaitMs: options.refreshWaitMs ?? 2_000,
      downloadTimeoutMs: options.downloadTimeoutMs ?? 30_000,
      maxBytes: options.maxBytes ?? 4 * 1024 * 1024,
      clock: options.clock ?? Date.now,
      onProblem: options.onProblem,
    };
    const names = { ...mappingBlobNames, ...options.blobNames };
    this.device = new CachedMappingBlob(
      options.container.getBlobClient(names.device),
      options.parseDeviceMapping,
      settings,
    );
    this.fhir = new CachedMappingBlob(options.container.getBlobClient(names.fhir), options.parseFhirMapping, settings);
  }

  /**
   * The device mapping (see {@link MappingStore.getDeviceMapping}).
   * @throws MappingUnavailableError (retriable) when no valid version was ever loaded
   */
  getDeviceMapping(): Promise<LoadedMapping<D>> {
    return this.device.get();
  }

  /**
   * The FHIR destination mapping (see {@link MappingStore.getFhirMapping}).
   * @throws MappingUnavailableError (retriable) when no valid version was ever loaded
   */
  getFhirMapping(): Promise<LoadedMapping<F>> {
    return this.fhir.get();
  }
}

interface BlobCacheSettings {
  refreshIntervalMs: number;
  refreshWaitMs: number;
  downloadTimeoutMs: number;
  maxBytes: number;
  clock: () => number;
  onProblem: (report: MappingProblemReport) => void;
}

/** One mapping blob: last good version, last seen ETag, and why nothing newer is served. */
class CachedMappingBlob<T> {
  private lastGood: LoadedMapping<T> | undefined;
  /** ETag of the newest version downloaded (valid or not): the `If-None-Match` of the next check. */
  private seenEtag: string | undefined;
  private checkedAt: number | undefined;
  private failure: { reason: MappingUnavailableReason; problems: MappingProblem[]; cause?: unknown } = {
    reason: 'notLoaded',
    problems: [],
  };
  private lastReported: string | undefined;
  /** Why the version of {@link seenEtag} was refused, when it was: a 304 for it says the same again. */
  private seenRejection: MappingProblem[] | undefined;
  private refreshing: Promise<LoadedMapping<T>> | undefined;

  constructor(
    private readonly blob: BlobClient,
    private readonly parse: (text: string) => ParseResult<T>,
    private readonly settings: BlobCacheSettings,
  ) {}

  get(): Promise<LoadedMapping<T>> {
    // Concurrent callers share one refresh.
    if (this.refreshing === undefined) {
      const now = this.settings.clock();
      // With nothing valid to serve, check on every call (a conditional GET is cheap) so a fix is picked up at once.
      const fresh = this.checkedAt !== undefined && now - this.checkedAt < this.settings.refreshIntervalMs;
      if (fresh && this.lastGood !== undefined) {
        return Promise.resolve(this.lastGood);
      }
      this.refreshing = this.refresh(now).finally(() => {
        this.refreshing = undefined;
      });
    }
    const lastGood = this.lastGood;
    if (lastGood === undefined) {
      return this.refreshing;
    }
    // A valid version in hand: a slow or hanging Blob Storage delays the caller a little, never stalls it.
    const refreshing = this.refreshing;
    refreshing.catch(() => undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(lastGood), this.settings.refreshWaitMs);
      timer.unref();
      refreshing.then(
        (loaded) => {
          clearTimeout(timer);
          resolve(loaded);
        },
        () => {
          clearTimeout(timer);
          resolve(lastGood);
        },
      );
    });
  }

  private serve(): LoadedMapping<T> {
    if (this.lastGood !== undefined) {
      return this.lastGood;
    }
    throw new MappingUnavailableError(this.blob.name, this.failure.reason, this.failure.problems, this.failure.cause, {
      container: this.blob.containerName,
    });
  }

  private async refresh(now: number): Promise<LoadedMapping<T>> {
    this.checkedAt = now;
    let text: string;
    let etag: string;
    // Headers and body alike: a Blob Storage that stops answering fails the check instead of holding it for ever.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.settings.downloadTimeoutMs);
    timer.unref();
    try {
      const response = await this.blob.download(0, undefined, {
        abortSignal: abort.signal,
        ...(this.seenEtag === undefined ? {} : { conditions: { ifNoneMatch: this.seenEtag } }),
      });
      etag = response.etag ?? '';
      if ((response.contentLength ?? 0) > this.settings.maxBytes) {
        discard(response.readableStreamBody);
        this.seenEtag = etag;
        this.reject(etag, [tooLarge(this.settings.maxBytes)]);
        return this.serve();
      }
      text = await readText(response.readableStreamBody, abort.signal);
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode;
      if (status === 304) {
        if (this.lastGood === undefined && this.seenRejection !== undefined) {
          // Storage answers again, and the version it holds is still the refused one (not "unreachable" any more).
          this.failure = { reason: 'invalid', problems: this.seenRejection };
        }
        return this.serve();
      }
      if (status === 404) {
        this.seenEtag = undefined;
        this.seenRejection = undefined;
        // Storage names which is missing: the blob, or the container (x-ms-error-code).
        const noContainer = (error as { code?: unknown }).code === 'ContainerNotFound';
        if (this.lastGood === undefined) {
          this.failure = { reason: noContainer ? 'noContainer' : 'missing', problems: [] };
        }
        this.report(
          noContainer
            ? { kind: 'noContainer', etag: undefined, problems: [], container: this.blob.containerName }
            : { kind: 'missing', etag: undefined, problems: [] },
        );
        return this.serve();
      }
      if (this.lastGood === undefined) {
        this.failure = { reason: 'unreachable', problems: [], cause: error };
      }
      this.report({
        kind: 'unreachable',
        etag: undefined,
        problems: [],
        ...(typeof status === 'number' ? { statusCode: status } : {}),
      });
      return this.serve();
    } finally {
      clearTimeout(timer);
    }

    this.seenEtag = etag;
    const result = parseOrRefuse(this.parse, text);
    if (!result.ok) {
      this.reject(etag, result.problems);
      return this.serve();
    }
    this.lastGood = { value: result.value, etag, warnings: result.warnings };
    this.seenRejection = undefined;
    this.failure = { reason: 'notLoaded', problems: [] };
    if (result.warnings.length > 0) {
      this.report({ kind: 'warnings', etag, problems: result.warnings });
    } else {
      // A good version: whatever happens next (the blob deleted again, say) is news, even if it happened before.
      this.lastReported = undefined;
    }
    return this.lastGood;
  }

  private reject(etag: string, problems: MappingProblem[]): void {
    this.seenRejection = problems;
    if (this.lastGood === undefined) {
      this.failure = { reason: 'invalid', problems };
    }
    this.report({ kind: 'invalid', etag, problems });
  }

  /** Reports once per (kind, ETag); `unreachable` resets the memory so it is reported on every failed refresh. */
  private report(report: Omit<MappingProblemReport, 'file' | 'servingEtag'>): void {
    const key = `${report.kind}|${report.etag ?? ''}`;
    if (key === this.lastReported) {
      return;
    }
    this.lastReported = report.kind === 'unreachable' ? undefined : key;
    this.settings.onProblem({ ...report, file: this.blob.name, servingEtag: this.lastGood?.etag });
  }
}

/**
 * Parses a version; a parser that throws (a defect of ours) refuses the version with a problem that says so, rather
 * than leaving its ETag seen and the version neither served nor reported.
 */
function parseOrRefuse<T>(parse: (text: string) => ParseResult<T>, text: string): ParseResult<T> {
  try {
    return parse(text);
  } catch (error) {
    return {
      ok: false,
      problems: [
        {
          severity: 'error',
          name: 'InvalidTemplate',
          message: `the mapping could not be read: internal error (${error instanceof Error ? error.name : 'unknown'}); please report it`,
          location: {},
        },
      ],
    };
  }
}

function tooLarge(maxBytes: number): MappingProblem {
  return {
    severity: 'error',
    name: 'InvalidTemplate',
    message: `mapping file is larger than ${maxBytes} bytes`,
    location: {},
  };
}

function discard(stream: NodeJS.ReadableStream | undefined): void {
  if (stream !== undefined && 'destroy' in stream && typeof stream.destroy === 'function') {
    (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
}

async function readText(stream: NodeJS.ReadableStream | undefined, signal: AbortSignal): Promise<string> {
  if (stream === undefined) {
    return '';
  }
  const chunks: Buffer[] = [];
  // A body that stops half-way: the timeout ends the read (the stream is destroyed, which ends the loop with an error).
  const stop = (): void => discard(stream);
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stream) {
      if (signal.aborted) {
        throw new Error('the download timed out');
      }
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    }
  } finally {
    signal.removeEventListener('abort', stop);
  }
  if (signal.aborted) {
    throw new Error('the download timed out');
  }
  // Mapping files edited on Windows often start with a byte-order mark (UTF-8, or UTF-16 from PowerShell 5).
  return decodeAsDotNetStreamReader(Buffer.concat(chunks));
}
