import type { ContainerClient } from '@azure/storage-blob';
import { mappingBlobNames } from './blobMappingStore.js';

/** Mapping file contents to upload; absent ones are left as they are. */
export interface MappingFiles {
  /** Text of `devicecontent.json`. */
  deviceContent?: string;
  /** Text of `fhirmapping.json`. */
  fhirMapping?: string;
}

/** ETags of the uploaded blobs. */
export interface UploadedMappings {
  deviceEtag?: string;
  fhirEtag?: string;
}

/**
 * Uploads mapping files to their container (created when missing), as the operator would: for the local run and
 * tests.
 * @param container - the mapping container (default name `template`)
 * @param files - the texts to upload
 * @param names - blob names (defaults `devicecontent.json`, `fhirmapping.json`)
 * @throws RestError when Blob Storage rejects the upload
 */
export async function uploadMappings(
  container: ContainerClient,
  files: MappingFiles,
  names: { device: string; fhir: string } = mappingBlobNames,
): Promise<UploadedMappings> {
  await container.createIfNotExists();
  const upload = async (name: string, text: string): Promise<string> => {
    const body = Buffer.from(text, 'utf8');
    const response = await container.getBlockBlobClient(name).upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
    return response.etag ?? '';
  };
  const uploaded: UploadedMappings = {};
  if (files.deviceContent !== undefined) {
    uploaded.deviceEtag = await upload(names.device, files.deviceContent);
  }
  if (files.fhirMapping !== undefined) {
    uploaded.fhirEtag = await upload(names.fhir, files.fhirMapping);
  }
  return uploaded;
}
