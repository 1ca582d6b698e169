import type { BucketRecord, ObjectRecord } from './object-store';

/** JSON API resources as GCS returns them; `baseUrl` is how the caller reached this server. */
export function objectResource(record: ObjectRecord, baseUrl: string): Record<string, unknown> {
  const encoded = encodeURIComponent(record.name);
  const resource: Record<string, unknown> = {
    kind: 'storage#object',
    id: `${record.bucket}/${record.name}/${record.generation}`,
    selfLink: `${baseUrl}/storage/v1/b/${record.bucket}/o/${encoded}`,
    mediaLink: `${baseUrl}/download/storage/v1/b/${record.bucket}/o/${encoded}?generation=${record.generation}&alt=media`,
    name: record.name,
    bucket: record.bucket,
    generation: record.generation,
    metageneration: record.metageneration,
    contentType: record.contentType,
    storageClass: 'STANDARD',
    size: String(record.size),
    md5Hash: record.md5Hash,
    crc32c: record.crc32c,
    etag: objectEtag(record),
    timeCreated: record.timeCreated,
    updated: record.updated,
    timeStorageClassUpdated: record.timeCreated,
  };
  for (const field of ['contentEncoding', 'contentDisposition', 'contentLanguage', 'cacheControl'] as const) {
    if (record[field]) resource[field] = record[field];
  }
  if (Object.keys(record.metadata).length > 0) resource.metadata = record.metadata;
  return resource;
}

export function objectEtag(record: ObjectRecord): string {
  return Buffer.from(`${record.generation}/${record.metageneration}`).toString('base64');
}

export function bucketResource(record: BucketRecord, baseUrl: string): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    // The Node client builds Bucket objects from `id` when listing, so it must equal the name.
    id: record.name,
    selfLink: `${baseUrl}/storage/v1/b/${record.name}`,
    name: record.name,
    projectNumber: '0',
    metageneration: '1',
    location: 'US',
    locationType: 'multi-region',
    storageClass: 'STANDARD',
    etag: 'CAE=',
    timeCreated: record.timeCreated,
    updated: record.updated,
  };
}
