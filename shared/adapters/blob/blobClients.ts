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
