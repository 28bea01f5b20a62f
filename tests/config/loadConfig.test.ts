import { describe, expect, it } from 'vitest';
import { flushWriteMarginMs, isInlineFlush, loadConfig } from '../../shared/config/loadConfig.js';

const minimal = {
  FHIR__URL: 'http://127.0.0.1:8103/fhir/R4/',
  COSMOS__ENDPOINT: 'http://127.0.0.1:3000',
  MAPPINGS__CONNECTION_STRING: 'UseDevelopmentStorage=true',
  FLUSH_QUEUE_CONNECTION: 'UseDevelopmentStorage=true',
  FLUSH_QUEUE_NAME: 'flush-work',
};

describe('loadConfig', () => {
  it('applies the documented defaults to a minimal configuration', () => {
    const result = loadConfig(minimal);
    expect(result.ok).toBe(true);
    if (!result.ok) {
      return;
    }
    expect(result.config.fhir).toMatchObject({
      url: 'http://127.0.0.1:8103/fhir/R4',
      resolution: 'Lookup',
      auth: 'none',
    });
    expect(result.config.staging).toEqual({
      windowMinutes: 15,
      graceSeconds: 60,
      maxDocumentBytes: 1_500_000,
      leaseSeconds: 300,
      settleSeconds: 660,
    });
    expect(result.config.mappings.refreshSeconds).toBe(30);
    expect(result.config.flush.mode).toBe('queue');
    expect(result.config.identityCache).toEqual({ maxEntries: 5_000, slidingMs: 7_200_000 });
    expect(result.config.cosmos).toMatchObject({ database: 'medtech', stagingContainer: 'staging', key: undefined });
    expect(result.config.mappings.container).toBe('template');
  });

  it('reports every problem at once, naming each setting', () => {
    const result = loadConfig({
      FHIR__RESOLUTION: 'Guess',
      STAGING__WINDOW_MINUTES: 'ten',
      COSMOS__ENDPOINT: 'not a url',
      FLUSH__MODE: 'queue',
    });
    expect(result.ok).toBe(false);
    if (result.ok) {
      return;
    }
    expect(result.problems).toEqual([
      'FHIR__URL: required (an http(s) URL)',
      'FHIR__RESOLUTION: must be one of Lookup, Create, LookupWithEncounter (got "Guess")',
      'COSMOS__ENDPOINT: must be an http(s) URL',
      'STAGING__WINDOW_MINUTES: must be a whole number from 1 to 1440 (got "ten")',
      'MAPPINGS__CONNECTION_STRING or MAPPINGS__ACCOUNT_URL: one of them is required',
      'FLUSH_QUEUE_CONNECTION or FLUSH_QUEUE_CONNECTION__queueServiceUri: one of them is required when FLUSH__MODE is queue',
      'FLUSH_QUEUE_NAME: required when FLUSH__MODE is queue (the flush worker trigger binds to it)',
    ]);
  });

  it('keeps staging documents below the 2 MB Cosmos DB item limit', () => {
    const result = loadConfig({ ...minimal, STAGING__MAX_DOCUMENT_BYTES: '2000000' });

    expect(result.ok || result.problems).toEqual([
      'STAGING__MAX_DOCUMENT_BYTES: must be a whole number from 10000 to 1900000 (got "2000000")',
    ]);
    expect(loadConfig({ ...minimal, STAGING__MAX_DOCUMENT_BYTES: '1900000' }).ok).toBe(true);
  });

  it('matches enumerated values case-insensitively and keeps the canonical spelling', () => {
    const result = loadConfig({ ...minimal, FHIR__RESOLUTION: 'create', FHIR__AUTH: 'MANAGEDIDENTITY' });
    expect(result.ok && result.config.fhir.resolution).toBe('Create');
    expect(result.ok && result.config.fhir.auth).toBe('managedIdentity');
  });

  it('takes the settle time in seconds, 0 included, and refuses one below 0', () => {
    const zero = loadConfig({ ...minimal, STAGING__SETTLE_SECONDS: '0' });
    const negative = loadConfig({ ...minimal, STAGING__SETTLE_SECONDS: '-1' });

    expect(zero.ok && zero.config.staging.settleSeconds).toBe(0);
    expect(negative.ok || negative.problems.some((p) => p.startsWith('STAGING__SETTLE_SECONDS'))).toBe(true);
    expect(negative.ok).toBe(false);
  });

  it('never echoes the value of a secret setting', () => {
    const result = loadConfig({ ...minimal, COSMOS__KEY: 's3cret', STAGING__LEASE_SECONDS: '1' });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('s3cret');
  });

  it('checks Blob container and queue names by the rules Azure Storage applies, not at the first request', () => {
    const result = loadConfig({ ...minimal, MAPPINGS__CONTAINER: 'Template', FLUSH_QUEUE_NAME: 'flush--work' });

    expect(result.ok).toBe(false);
    expect(result.ok || result.problems).toEqual([
      `MAPPINGS__CONTAINER: must be 3 to 63 lower-case letters, digits and single '-', starting and ending with a letter or digit (got "Template")`,
      `FLUSH_QUEUE_NAME: must be 3 to 63 lower-case letters, digits and single '-', starting and ending with a letter or digit (got "flush--work")`,
    ]);
    expect(loadConfig({ ...minimal, MAPPINGS__CONTAINER: 'mappings-2', FLUSH_QUEUE_NAME: 'abc' }).ok).toBe(true);
  });

  it('takes a FHIR token audience other than the FHIR URL, without its trailing slash', () => {
    const result = loadConfig({ ...minimal, FHIR__AUDIENCE: 'https://contoso.fhir.azurehealthcareapis.com/' });

    expect(result.ok && result.config.fhir.audience).toBe('https://contoso.fhir.azurehealthcareapis.com');
    const plain = loadConfig(minimal);
    expect(plain.ok && plain.config.fhir.audience).toBeUndefined();
  });
});

describe('isInlineFlush', () => {
  it('reads FLUSH__MODE as loadConfig does, so the queue worker is left unbound exactly when the flush is inline', () => {
    for (const mode of ['inline', 'Inline', ' INLINE ', 'queue', 'Queue', '', undefined]) {
      const env = { ...minimal, FLUSH__MODE: mode };
      const result = loadConfig(env);

      expect(isInlineFlush(env), String(mode)).toBe(result.ok && result.config.flush.mode === 'inline');
    }
  });
});

describe('loadConfig identity cache', () => {
  it('refuses a zero size or expiry, which the cache cannot work with, instead of failing at every start', () => {
    for (const [name, value] of [
      ['IDENTITY_CACHE__MAX_ENTRIES', '0'],
      ['IDENTITY_CACHE__SLIDING_MINUTES', '0'],
    ] as const) {
      const result = loadConfig({ ...minimal, [name]: value });

      expect(result.ok ? [] : result.problems).toEqual([expect.stringMatching(new RegExp(`^${name}: .* from 1 to`))]);
    }
  });
});

describe('loadConfig FHIR timeout', () => {
  it('wants a lease longer than a FHIR write with its retries and token, since a flush writes only within it', () => {
    const identity = { ...minimal, FHIR__AUTH: 'managedIdentity' };
    const tooShort = loadConfig({ ...identity, STAGING__LEASE_SECONDS: '185' });
    const longerTimeout = loadConfig({ ...identity, FHIR__TIMEOUT_MS: '90000' });

    // 2 minutes of retries, a request of 30 s and (with managed identity) its token as long, 5 s of clocks.
    expect(flushWriteMarginMs({ timeoutMs: 30_000, maxAttempts: 5, auth: 'managedIdentity' })).toBe(185_000);
    expect(flushWriteMarginMs({ timeoutMs: 30_000, maxAttempts: 5, auth: 'none' })).toBe(155_000);
    expect(loadConfig({ ...identity, STAGING__LEASE_SECONDS: '186' }).ok).toBe(true);
    expect(loadConfig({ ...minimal, STAGING__LEASE_SECONDS: '156' }).ok).toBe(true);
    expect(tooShort.ok ? [] : tooShort.problems).toEqual([
      'STAGING__LEASE_SECONDS: must be longer than a FHIR write can take with its retries, 185 s with FHIR__TIMEOUT_MS 30000, FHIR__MAX_ATTEMPTS 5 and FHIR__AUTH managedIdentity (got 185)',
    ]);
    // The default lease (5 minutes) is too short for a 90-second timeout with a token: raise both together.
    expect(longerTimeout.ok ? [] : longerTimeout.problems).toEqual([
      'STAGING__LEASE_SECONDS: must be longer than a FHIR write can take with its retries, 305 s with FHIR__TIMEOUT_MS 90000, FHIR__MAX_ATTEMPTS 5 and FHIR__AUTH managedIdentity (got 300)',
    ]);
    expect(loadConfig({ ...minimal, FHIR__TIMEOUT_MS: '90000' }).ok).toBe(true);
  });

  it('keeps a FHIR request within the function time limit: at most 2 minutes', () => {
    expect(loadConfig({ ...minimal, FHIR__TIMEOUT_MS: '120000', STAGING__LEASE_SECONDS: '400' }).ok).toBe(true);
    const result = loadConfig({ ...minimal, FHIR__TIMEOUT_MS: '120001' });
    expect(result.ok ? [] : result.problems).toEqual([
      expect.stringMatching(/^FHIR__TIMEOUT_MS: .* from 100 to 120000/),
    ]);
  });

  it('names a malformed Storage connection string without quoting it, and takes the forms Azure gives', () => {
    const secret = 'AccountKey=c2VjcmV0';
    const result = loadConfig({
      ...minimal,
      MAPPINGS__CONNECTION_STRING: `AccountName=acct;${secret};`.replace('AccountName', 'AccountNam'),
      FLUSH_QUEUE_CONNECTION: 'https://acct.queue.core.windows.net',
    });

    expect(result.ok ? [] : result.problems).toEqual([
      expect.stringMatching(/^MAPPINGS__CONNECTION_STRING: not a Storage connection string/),
      expect.stringMatching(/^FLUSH_QUEUE_CONNECTION: not a Storage connection string/),
    ]);
    expect(JSON.stringify(result)).not.toContain('c2VjcmV0');
    for (const good of [
      'UseDevelopmentStorage=true',
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5==;EndpointSuffix=core.windows.net',
      'BlobEndpoint=https://acct.blob.core.windows.net/;QueueEndpoint=https://acct.queue.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=bq&sig=x%3D',
    ]) {
      expect(loadConfig({ ...minimal, MAPPINGS__CONNECTION_STRING: good, FLUSH_QUEUE_CONNECTION: good }).ok).toBe(true);
    }
  });

  it('refuses a queue name that leaves the trigger no poison queue: past 56 characters, or ending in -poison', () => {
    for (const name of ['a'.repeat(57), 'a'.repeat(63), 'flush-poison']) {
      const result = loadConfig({ ...minimal, FLUSH_QUEUE_NAME: name });
      expect(result.ok ? [] : result.problems).toEqual([
        `FLUSH_QUEUE_NAME: must be 56 characters at most and not end in '-poison', so that the trigger has a poison queue (\`${name}-poison\`)`,
      ]);
    }
    expect(loadConfig({ ...minimal, FLUSH_QUEUE_NAME: 'a'.repeat(56) }).ok).toBe(true);
    expect(loadConfig({ ...minimal, FLUSH_QUEUE_NAME: 'poison-flush' }).ok).toBe(true);
  });

  it("refuses a connection string the Storage SDK cannot use, though Azure's other tools take it", () => {
    const forms = [
      // The account name and key alone; lower-case names; no endpoint suffix; a signature without an endpoint.
      'AccountName=acct;AccountKey=c2VjcmV0',
      'defaultendpointsprotocol=https;accountname=acct;accountkey=c2VjcmV0;endpointsuffix=core.windows.net',
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0',
      'AccountName=acct;SharedAccessSignature=sv=2022-11-02&sig=c2VjcmV0',
    ];
    for (const form of forms) {
      const result = loadConfig({ ...minimal, MAPPINGS__CONNECTION_STRING: form, FLUSH_QUEUE_CONNECTION: form });

      expect(result.ok ? [] : result.problems).toEqual([
        expect.stringMatching(
          /^MAPPINGS__CONNECTION_STRING: the Azure Storage SDK cannot use this connection string: /,
        ),
        expect.stringMatching(/^FLUSH_QUEUE_CONNECTION: the Azure Storage SDK cannot use this connection string: /),
      ]);
      expect(JSON.stringify(result)).not.toContain('c2VjcmV0');
    }
    // Each service's SDK wants its own endpoint: a signature for Blob only serves the mappings.
    const blobOnly = 'BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=x';
    const result = loadConfig({ ...minimal, MAPPINGS__CONNECTION_STRING: blobOnly, FLUSH_QUEUE_CONNECTION: blobOnly });
    expect(result.ok ? [] : result.problems).toEqual([expect.stringMatching(/^FLUSH_QUEUE_CONNECTION: /)]);
  });

  it('refuses a queue name with white space around it, which the trigger binding would read as it is', () => {
    for (const name of [' flush-work', 'flush-work ', '   ']) {
      const result = loadConfig({ ...minimal, FLUSH_QUEUE_NAME: name });
      expect(result.ok ? [] : result.problems).toEqual([expect.stringMatching(/^FLUSH_QUEUE_NAME: /)]);
    }
  });

  it('needs no flush-queue setting when the flush is inline', () => {
    const { FLUSH_QUEUE_CONNECTION: _connection, FLUSH_QUEUE_NAME: _name, ...inline } = minimal;
    expect(loadConfig({ ...inline, FLUSH__MODE: 'inline' }).ok).toBe(true);
  });

  it('does not read flush-queue settings left over from queue mode when the flush is inline', () => {
    const leftovers = {
      FLUSH_QUEUE_CONNECTION: 'AccountName=old;AccountKey=b2xk',
      FLUSH_QUEUE_CONNECTION__queueServiceUri: 'not a url',
      FLUSH_QUEUE_NAME: ' Old_Queue-poison ',
    };
    const queued = loadConfig({ ...minimal, ...leftovers });
    expect(new Set(queued.ok ? [] : queued.problems.map((problem) => problem.split(':')[0]))).toEqual(
      new Set(['FLUSH_QUEUE_CONNECTION', 'FLUSH_QUEUE_CONNECTION__queueServiceUri', 'FLUSH_QUEUE_NAME']),
    );
    const inline = loadConfig({ ...minimal, ...leftovers, FLUSH__MODE: ' Inline ' });
    expect(inline.ok ? inline.config.flush : inline.problems).toEqual({
      mode: 'inline',
      queueName: 'flush-work',
      queueConnectionString: undefined,
      queueAccountUrl: undefined,
    });
  });
});
