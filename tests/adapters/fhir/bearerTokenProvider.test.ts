import { describe, expect, it } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { createBearerTokenProvider } from '../../../shared/adapters/fhir/bearerTokenProvider.js';
import { FhirRequestError } from '../../../shared/adapters/fhir/fhirRequestError.js';

const MINUTE = 60_000;

function fakeCredential(tokens: (AccessToken | Error | null)[]): TokenCredential & { scopes: (string | string[])[] } {
  const scopes: (string | string[])[] = [];
  return {
    scopes,
    getToken(scope) {
      scopes.push(scope);
      const next = tokens.shift();
      if (next instanceof Error) {
        return Promise.reject(next);
      }
      return Promise.resolve(next ?? null);
    },
  };
}

describe('createBearerTokenProvider', () => {
  it('asks the credential for the scope once and reuses the token while it is fresh', async () => {
    let now = 0;
    const credential = fakeCredential([{ token: 't1', expiresOnTimestamp: 60 * MINUTE }]);
    const provider = createBearerTokenProvider(credential, 'https://fhir.example/.default', () => now);

    const first = await provider.getToken();
    now = 50 * MINUTE;
    const second = await provider.getToken();

    expect([first, second]).toEqual(['t1', 't1']);
    expect(credential.scopes).toEqual(['https://fhir.example/.default']);
  });

  it('refreshes five minutes before expiry, or at the credential refresh time', async () => {
    let now = 0;
    const credential = fakeCredential([
      { token: 't1', expiresOnTimestamp: 60 * MINUTE },
      { token: 't2', expiresOnTimestamp: 120 * MINUTE, refreshAfterTimestamp: 70 * MINUTE },
      { token: 't3', expiresOnTimestamp: 180 * MINUTE },
    ]);
    const provider = createBearerTokenProvider(credential, 'scope', () => now);

    await provider.getToken();
    now = 55 * MINUTE;
    const refreshed = await provider.getToken();
    now = 69 * MINUTE;
    const stillFresh = await provider.getToken();
    now = 70 * MINUTE;
    const refreshedAgain = await provider.getToken();

    expect([refreshed, stillFresh, refreshedAgain]).toEqual(['t2', 't2', 't3']);
  });

  it('keeps using a token due for refresh while the credential fails, until a minute before it expires', async () => {
    let now = 0;
    const credential = fakeCredential([
      { token: 't1', expiresOnTimestamp: 60 * MINUTE, refreshAfterTimestamp: 30 * MINUTE },
      new Error('the token endpoint is busy'),
      new Error('still busy'),
      { token: 't2', expiresOnTimestamp: 120 * MINUTE },
      new Error('down'),
    ]);
    const provider = createBearerTokenProvider(credential, 'scope', () => now);

    await provider.getToken();
    now = 31 * MINUTE;
    const whileBusy = await provider.getToken();
    const stillBusy = await provider.getToken();
    const refreshed = await provider.getToken();
    // Invalidated (a 401): the token in hand is not sent again, however long it would still be valid.
    provider.invalidate();
    const afterUnauthorized = await provider.getToken().catch((e: unknown) => e);

    expect([whileBusy, stillBusy, refreshed]).toEqual(['t1', 't1', 't2']);
    expect(afterUnauthorized).toBeInstanceOf(FhirRequestError);
    // Too close to its expiry, the token in hand is not used when the refresh fails.
    const late = createBearerTokenProvider(
      fakeCredential([{ token: 't1', expiresOnTimestamp: 60 * MINUTE }, new Error('busy')]),
      'scope',
      () => now,
    );
    now = 0;
    await late.getToken();
    now = 59.5 * MINUTE;
    expect(await late.getToken().catch((e: unknown) => e)).toBeInstanceOf(FhirRequestError);
  });

  it('shares one credential call between concurrent requests', async () => {
    const credential = fakeCredential([{ token: 't1', expiresOnTimestamp: 60 * MINUTE }]);
    const provider = createBearerTokenProvider(credential, 'scope', () => 0);

    const tokens = await Promise.all([provider.getToken(), provider.getToken(), provider.getToken()]);

    expect(tokens).toEqual(['t1', 't1', 't1']);
    expect(credential.scopes).toHaveLength(1);
  });

  it('fetches a new token after being invalidated', async () => {
    const credential = fakeCredential([
      { token: 't1', expiresOnTimestamp: 60 * MINUTE },
      { token: 't2', expiresOnTimestamp: 60 * MINUTE },
    ]);
    const provider = createBearerTokenProvider(credential, 'scope', () => 0);

    await provider.getToken();
    provider.invalidate();

    expect(await provider.getToken()).toBe('t2');
  });

  it('turns a credential failure into a retriable FhirServiceError without the credential message', async () => {
    const failure = new Error('secret detail');
    failure.name = 'CredentialUnavailableError';
    const provider = createBearerTokenProvider(fakeCredential([failure, null]), 'scope', () => 0);

    const error = await provider.getToken().catch((e: unknown) => e);
    const noToken = await provider.getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirRequestError);
    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: true, interaction: 'token' });
    expect((error as Error).message).toContain('CredentialUnavailableError');
    expect((error as Error).message).not.toContain('secret detail');
    expect(noToken).toMatchObject({ name: 'FhirServiceError', retriable: true });
  });

  it('names the Entra ID error codes of a credential failure, which tell the operator what to fix', async () => {
    const failure = new Error(
      'AADSTS500011: The resource principal named https://wrong.example was not found in the tenant named contoso.',
    );
    failure.name = 'AuthenticationError';
    const provider = createBearerTokenProvider(fakeCredential([failure]), 'scope', () => 0);

    const error = await provider.getToken().catch((e: unknown) => e);

    expect((error as Error).message).toBe(
      'Could not get an access token for the FHIR service (AuthenticationError, AADSTS500011).',
    );
  });
});
