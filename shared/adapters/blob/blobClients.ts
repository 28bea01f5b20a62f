import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import type { ContainerClient } from '@azure/storage-blob';

/** How to reach Blob Storage: a connection string locally, account URL + managed identity in Azure. */
export type BlobConnectionOptions =
  | { connectionString: string }
  | {
      /** `https://<account>.blob.core.windows.net` */
      accountUrl: string;
      /** Token credential (default `DefaultAzureCredential`). */
      credential?: TokenCredential;
    };

/**
 * Why the Blob SDK cannot build a client from a connection string, or `undefined` when it can. The SDK reads it more
 * narrowly than Azure's other tools: an account key only with `DefaultEndpointsProtocol=` and `AccountKey=` (names
 * in this case), with `EndpointSuffix=` or `BlobEndpoint=`; anything else as a shared access signature with
 * `BlobEndpoint=`. Its messages name the part at fault, never a value.
 * @param connectionString - a Storage connection string
 */
export function blobConnectionStringProblem(connectionString: string): string | undefined {
  try {
    BlobServiceClient.fromConnectionString(connectionString);
    return undefined;
  } catch (error) {
    return sdkConnectionStringMessage(error);
  }
}

/**
 * An SDK's connection-string error as a text that holds nothing of the string: its own `Invalid … in the provided …
 * Connection String` messages (constants), else a generic one.
 * @param error - what the SDK threw
 */
export function sdkConnectionStringMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  return /^Invalid [A-Za-z]+ in the provided (?:SAS )?Connection String/.test(message)
    ? message.replace(/\..*$/s, '')
    : 'the SDK cannot read it (its names are case-sensitive: an account key needs DefaultEndpointsProtocol, ' +
        "AccountName, AccountKey and EndpointSuffix or the service's endpoint; a shared access signature needs " +
        "the service's endpoint)";
}

/** Default container of the mapping files, as MedTech names it. */
export const defaultMappingContainer = 'template';

/**
 * Creates a client of one blob container.
 * @param options - connection string, or account URL (+ credential)
 * @param containerName - the container (default `template`)
 */
export function createBlobContainerClient(
  options: BlobConnectionOptions,
  containerName: string = defaultMappingContainer,
): ContainerClient {
  const service =
    'connectionString' in options
      ? BlobServiceClient.fromConnectionString(options.connectionString)
      : new BlobServiceClient(options.accountUrl, options.credential ?? new DefaultAzureCredential());
  return service.getContainerClient(containerName);
}
