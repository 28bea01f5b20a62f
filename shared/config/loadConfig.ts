/**
 * App settings → validated configuration, read once, with every problem reported together.
 * Nested settings use `__` (Linux Function apps reject `:` in setting names).
 */
import { DEFAULT_RETRY_POLICY, longestRequestMs } from '../adapters/fhir/retryPolicy.js';
import { blobConnectionStringProblem } from '../adapters/blob/blobClients.js';
import { queueConnectionStringProblem } from '../adapters/queue/flushQueue.js';

/** How devices and patients are resolved on the FHIR server (reference-behaviour §4). */
export type ResolutionType = 'Lookup' | 'Create' | 'LookupWithEncounter';

/** Credentials for an Azure service: a connection string/key locally, managed identity in Azure. */
export type FhirAuth = 'none' | 'managedIdentity';

/** The validated configuration of the app. */
export interface AppConfig {
  fhir: {
    url: string;
    auth: FhirAuth;
    /** Token audience with managed identity; absent → the FHIR URL (its `/.default` scope). */
    audience: string | undefined;
    resolution: ResolutionType;
    defaultDeviceIdentifierSystem: string | undefined;
    concurrency: number;
    timeoutMs: number;
    maxAttempts: number;
  };
  identityCache: { maxEntries: number; slidingMs: number };
  cosmos: {
    endpoint: string;
    /** Account key; absent → managed identity (DefaultAzureCredential). */
    key: string | undefined;
    database: string;
    stagingContainer: string;
    deadLetterContainer: string;
    leaseContainer: string;
  };
  staging: {
    windowMinutes: number;
    graceSeconds: number;
    maxDocumentBytes: number;
    leaseSeconds: number;
    /** How long a staging may still be writing (see `CosmosStagingStoreOptions.settleMs`). */
    settleSeconds: number;
  };
  mappings: {
    /** Storage connection string; absent → `accountUrl` with managed identity. */
    connectionString: string | undefined;
    accountUrl: string | undefined;
    container: string;
    refreshSeconds: number;
  };
  flush: {
    /** `queue`: the timer enqueues one message per work unit for the queue worker; `inline`: the timer does the work. */
    mode: 'queue' | 'inline';
    /** The flush queue's name (`flush-work`, unread, when inline); the queue settings below are unset when inline. */
    queueName: string;
    /** Storage connection for the flush queue (the binding uses the `FLUSH_QUEUE_CONNECTION` setting name). */
    queueConnectionString: string | undefined;
    queueAccountUrl: string | undefined;
  };
}

/** Outcome of {@link loadConfig}. */
export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; problems: string[] };

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether the flush runs inline (the timer flushes the units itself), read as {@link loadConfig} reads `FLUSH__MODE`
 * (trimmed, any case), for the registration of the queue worker, which happens before the configuration is loaded.
 * @param env - the settings (e.g. `process.env`)
 */
export function isInlineFlush(env: Env): boolean {
  return env['FLUSH__MODE']?.trim().toLowerCase() === 'inline';
}

/**
 * How far apart the hosts' clocks may be for a work unit's lease to fence its writes: a lease's expiry is written by
 * its holder's clock and read by the next worker's.
 */
const HOST_CLOCK_ALLOWANCE_MS = 5_000;

/**
 * How long a flush's lease must still have to run when it sends a write (see `FlushDeps.writeMarginMs`): the FHIR
 * client's longest request with its retries and its token, and the hosts' clocks apart.
 * @param fhir - the FHIR client's timeout and attempts
 */
export function flushWriteMarginMs(fhir: Pick<AppConfig['fhir'], 'timeoutMs' | 'maxAttempts' | 'auth'>): number {
  const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: fhir.maxAttempts, requestTimeoutMs: fhir.timeoutMs };
  return longestRequestMs(policy, fhir.auth === 'managedIdentity') + HOST_CLOCK_ALLOWANCE_MS;
}

/**
 * Reads and validates the app settings.
 * @param env - the settings (e.g. `process.env`)
 * @returns the configuration, or every problem found (setting name and what is wrong; never a secret's value)
 */
export function loadConfig(env: Env): ConfigResult {
  const problems: string[] = [];
  const r = new Reader(env, problems);

  const fhirUrl = r.url('FHIR__URL', { required: true });
  const flushMode = r.oneOf('FLUSH__MODE', ['queue', 'inline'] as const, 'queue');
  const config: AppConfig = {
    fhir: {
      url: fhirUrl ?? '',
      auth: r.oneOf('FHIR__AUTH', ['none', 'managedIdentity'] as const, 'none'),
      audience: r.url('FHIR__AUDIENCE', { required: false }),
      resolution: r.oneOf('FHIR__RESOLUTION', ['Lookup', 'Create', 'LookupWithEncounter'] as const, 'Lookup'),
      defaultDeviceIdentifierSystem: r.text('FHIR__DEFAULT_DEVICE_IDENTIFIER_SYSTEM'),
      concurrency: r.int('FHIR__CONCURRENCY', 8, 1, 256),
      // At most 2 minutes: a request retried within its 2-minute budget must end well inside the function's 10.
      timeoutMs: r.int('FHIR__TIMEOUT_MS', 30_000, 100, 120_000),
      maxAttempts: r.int('FHIR__MAX_ATTEMPTS', 5, 1, 20),
    },
    identityCache: {
      // At least 1 each: the cache cannot be switched off (a zero made the service fail at every start).
      maxEntries: r.int('IDENTITY_CACHE__MAX_ENTRIES', 5_000, 1, 10_000_000),
      slidingMs: r.int('IDENTITY_CACHE__SLIDING_MINUTES', 120, 1, 10_080) * 60_000,
    },
    cosmos: {
      endpoint: r.url('COSMOS__ENDPOINT', { required: true }) ?? '',
      key: r.text('COSMOS__KEY'),
      database: r.name('COSMOS__DATABASE', 'medtech'),
      stagingContainer: r.name('COSMOS__STAGING_CONTAINER', 'staging'),
      deadLetterContainer: r.name('COSMOS__DEADLETTER_CONTAINER', 'deadletter'),
      leaseContainer: r.name('COSMOS__LEASE_CONTAINER', 'leases'),
    },
    staging: {
      windowMinutes: r.int('STAGING__WINDOW_MINUTES', 15, 1, 1_440),
      graceSeconds: r.int('STAGING__GRACE_SECONDS', 60, 0, 3_600),
      maxDocumentBytes: r.int('STAGING__MAX_DOCUMENT_BYTES', 1_500_000, 10_000, 1_900_000),
      leaseSeconds: r.int('STAGING__LEASE_SECONDS', 300, 10, 3_600),
      // The function timeout (host.json, 10 minutes) and a minute's margin; raise both together.
      settleSeconds: r.int('STAGING__SETTLE_SECONDS', 660, 0, 86_400),
    },
    mappings: {
      connectionString: r.storageConnection('MAPPINGS__CONNECTION_STRING', blobConnectionStringProblem),
      accountUrl: r.url('MAPPINGS__ACCOUNT_URL', { required: false }),
      container: r.storageName('MAPPINGS__CONTAINER', 'template'),
      refreshSeconds: r.int('MAPPINGS__REFRESH_SECONDS', 30, 0, 86_400),
    },
    // Inline, no queue is used: settings left over from queue mode are not read, so a stale one cannot stop the app.
    flush:
      flushMode === 'inline'
        ? { mode: flushMode, queueName: 'flush-work', queueConnectionString: undefined, queueAccountUrl: undefined }
        : {
            mode: flushMode,
            queueName: r.queueName('FLUSH_QUEUE_NAME', 'flush-work'),
            queueConnectionString: r.storageConnection('FLUSH_QUEUE_CONNECTION', queueConnectionStringProblem),
            queueAccountUrl: r.url('FLUSH_QUEUE_CONNECTION__queueServiceUri', { required: false }),
          },
  };

  // Given but refused (a problem already says why) is not "missing".
  const given = (name: string): boolean => (env[name] ?? '').trim() !== '';
  if (!given('MAPPINGS__CONNECTION_STRING') && !given('MAPPINGS__ACCOUNT_URL')) {
    problems.push('MAPPINGS__CONNECTION_STRING or MAPPINGS__ACCOUNT_URL: one of them is required');
  }
  if (
    config.flush.mode === 'queue' &&
    !given('FLUSH_QUEUE_CONNECTION') &&
    !given('FLUSH_QUEUE_CONNECTION__queueServiceUri')
  ) {
    problems.push(
      'FLUSH_QUEUE_CONNECTION or FLUSH_QUEUE_CONNECTION__queueServiceUri: one of them is required when FLUSH__MODE is queue',
    );
  }
  const marginMs = flushWriteMarginMs(config.fhir);
  if (config.staging.leaseSeconds * 1000 <= marginMs) {
    // A flush writes only while its lease has a write's time to run: a shorter lease could not keep a stalled worker's
    // write from landing after another worker took the unit over.
    problems.push(
      `STAGING__LEASE_SECONDS: must be longer than a FHIR write can take with its retries, ${Math.ceil(marginMs / 1000)} s with FHIR__TIMEOUT_MS ${config.fhir.timeoutMs}, FHIR__MAX_ATTEMPTS ${config.fhir.maxAttempts} and FHIR__AUTH ${config.fhir.auth} (got ${config.staging.leaseSeconds})`,
    );
  }
  const queueName = env['FLUSH_QUEUE_NAME'] ?? '';
  if (config.flush.mode === 'queue' && queueName.trim() === '') {
    // The queue trigger binding reads %FLUSH_QUEUE_NAME% from the app settings; a binding has no default.
    problems.push('FLUSH_QUEUE_NAME: required when FLUSH__MODE is queue (the flush worker trigger binds to it)');
  } else if (config.flush.mode === 'queue' && queueName !== queueName.trim()) {
    // The binding reads the setting as it is: the worker would listen on another queue than the timer sends to.
    problems.push('FLUSH_QUEUE_NAME: remove the white space around the name (the trigger binding reads it as it is)');
  }
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}

class Reader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  text(name: string): string | undefined {
    const raw = this.env[name];
    if (raw === undefined) {
      return undefined;
    }
    const trimmed = raw.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  /**
   * An Azure Storage connection string: `UseDevelopmentStorage=true`, or `Name=value` pairs with an account name and
   * key, or an endpoint with a shared access signature. Checked here so that a malformed one is named (the SDK's
   * error names neither the setting nor the problem); its value is never quoted. One that looks right is then read
   * by the SDK that will use it (`sdkProblem`), which reads some forms Azure's other tools take (`AccountName=…;
   * AccountKey=…` alone, lower-case names) as none.
   * @param name - the setting
   * @param sdkProblem - why the service's SDK cannot build a client from the string, if it cannot
   */
  storageConnection(name: string, sdkProblem: (value: string) => string | undefined): string | undefined {
    const value = this.text(name);
    if (value === undefined) {
      return undefined;
    }
    const pairs = new Map<string, string>();
    for (const part of value.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0) {
        pairs.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
      } else if (part.trim() !== '') {
        pairs.set('', '');
      }
    }
    const has = (key: string): boolean => (pairs.get(key) ?? '') !== '';
    const wellFormed =
      !pairs.has('') &&
      (pairs.get('usedevelopmentstorage')?.toLowerCase() === 'true' ||
        (has('accountname') && has('accountkey')) ||
        (has('sharedaccesssignature') && ['blobendpoint', 'queueendpoint', 'accountname'].some(has)));
    if (!wellFormed) {
      this.problems.push(
        `${name}: not a Storage connection string (expected DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;EndpointSuffix=…, an endpoint with ` +
          'SharedAccessSignature=…, or UseDevelopmentStorage=true)',
      );
      return undefined;
    }
    const problem = sdkProblem(value);
    if (problem !== undefined) {
      this.problems.push(`${name}: the Azure Storage SDK cannot use this connection string: ${problem}`);
      return undefined;
    }
    return value;
  }

  url(name: string, options: { required: boolean }): string | undefined {
    const value = this.text(name);
    if (value === undefined) {
      if (options.required) {
        this.problems.push(`${name}: required (an http(s) URL)`);
      }
      return undefined;
    }
    if (!/^https?:\/\/[^\s/]+/i.test(value)) {
      this.problems.push(`${name}: must be an http(s) URL`);
      return undefined;
    }
    return value.replace(/\/+$/, '');
  }

  name(name: string, fallback: string): string {
    const value = this.text(name) ?? fallback;
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,254}$/.test(value)) {
      this.problems.push(`${name}: must be letters, digits and '-' (got "${value}")`);
    }
    return value;
  }

  /** A Blob container or Storage queue name: 3–63 lower-case letters, digits and single hyphens, as Azure requires. */
  storageName(name: string, fallback: string): string {
    const value = this.text(name) ?? fallback;
    if (!/^(?=.{3,63}$)[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/.test(value)) {
      this.problems.push(
        `${name}: must be 3 to 63 lower-case letters, digits and single '-', starting and ending with a letter or digit (got "${value.slice(0, 80)}")`,
      );
    }
    return value;
  }

  /**
   * A queue a Functions trigger reads: a {@link storageName} that leaves room for its poison queue. The trigger moves
   * a message that failed `maxDequeueCount` times to `{name}-poison`; for a name of more than 56 characters (the poison
   * queue's would pass 63) or one ending in `-poison` it has none, and leaves such a message to come back every
   * visibility timeout until it expires.
   */
  queueName(name: string, fallback: string): string {
    const problems = this.problems.length;
    const value = this.storageName(name, fallback);
    if (this.problems.length === problems && (value.length > 56 || value.endsWith('-poison'))) {
      this.problems.push(
        `${name}: must be 56 characters at most and not end in '-poison', so that the trigger has a poison queue (\`${value.slice(0, 80)}-poison\`)`,
      );
    }
    return value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.text(name);
    if (value === undefined) {
      return fallback;
    }
    if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name}: must be a whole number from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return Number(value);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.text(name);
    if (value === undefined) {
      return fallback;
    }
    const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (match === undefined) {
      this.problems.push(`${name}: must be one of ${allowed.join(', ')} (got "${value}")`);
      return fallback;
    }
    return match;
  }
}
