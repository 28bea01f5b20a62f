/**
 * Bearer tokens for the FHIR service from an Azure credential (managed identity in Azure), cached until shortly
 * before they expire and shared by concurrent requests.
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import { FhirRequestError } from './fhirRequestError.js';

/** Supplies the bearer token sent with each FHIR request. */
export interface BearerTokenProvider {
  /**
   * Returns a valid token, fetching a new one when the cached one is due for refresh.
   * @throws FhirRequestError (retriable) when no token can be obtained
   */
  getToken(): Promise<string>;
  /** Drops the cached token (e.g. after a 401) so the next call fetches a fresh one. */
  invalidate(): void;
}

/** Refresh this long before expiry when the credential gives no refresh time. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** A token closer to its expiry than this is not sent, even when no new one can be had (clock skew, transit). */
const EXPIRY_SAFETY_MS = 60 * 1000;

/**
 * Creates a caching token provider over an Azure credential.
 * @param credential - e.g. `DefaultAzureCredential`
 * @param scope - e.g. `https://<workspace>-<fhir>.fhir.azurehealthcareapis.com/.default`
 * @param now - current time in epoch milliseconds
 */
export function createBearerTokenProvider(
  credential: TokenCredential,
  scope: string,
  now: () => number,
): BearerTokenProvider {
  let cached: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;

  const isFresh = (token: AccessToken): boolean =>
    now() < (token.refreshAfterTimestamp ?? token.expiresOnTimestamp - REFRESH_MARGIN_MS);

  async function fetchToken(): Promise<AccessToken> {
    let token: AccessToken | null;
    try {
      token = await credential.getToken(scope);
    } catch (error) {
      // The credential's free text stays out of logs; its Entra ID error codes (AADSTS…) are what an operator needs to
      // tell a missing role from a wrong audience or tenant.
      const kind = error instanceof Error ? `${error.name}${entraCodes(error.message)}` : 'unknown error';
      throw new FhirRequestError(`Could not get an access token for the FHIR service (${kind}).`, {
        interaction: 'token',
        resourceType: '-',
        attempts: 1,
        retriable: true,
      });
    }
    if (token === null) {
      throw new FhirRequestError('The credential returned no access token for the FHIR service.', {
        interaction: 'token',
        resourceType: '-',
        attempts: 1,
        retriable: true,
      });
    }
    return token;
  }

  return {
    async getToken() {
      if (cached !== undefined && isFresh(cached)) {
        return cached.token;
      }
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      try {
        const token = await pending;
        cached = token;
        return token.token;
      } catch (error) {
        // Due for refresh is not expired: a credential that fails for a moment (the token endpoint busy) leaves the
        // token in hand usable until it expires; the next call tries to refresh again.
        if (cached !== undefined && now() < cached.expiresOnTimestamp - EXPIRY_SAFETY_MS) {
          return cached.token;
        }
        throw error;
      }
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** `, AADSTS500011` for the Entra ID error codes in a credential message (at most three), or nothing. */
function entraCodes(message: string): string {
  const codes = [...new Set(message.match(/\bAADSTS\d{4,7}\b/g) ?? [])].slice(0, 3);
  return codes.length === 0 ? '' : `, ${codes.join(', ')}`;
}
