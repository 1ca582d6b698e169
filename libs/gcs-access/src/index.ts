export { GcsAccessError } from './gcs-errors';
export { resolveObject, allowedBuckets, type ObjectRef, type ResolveOptions } from './resolve-object';
export { resolvePrefix, type PrefixRef } from './resolve-prefix';
export { objectFilter } from './object-filter';
export { listObjectPage, MAX_PAGE_SIZE, type ListedObject, type ObjectPage } from './list-prefix';
export { downloadObject, statObject, type DownloadedBytes, type DownloadedObject, type DownloadOptions, type ObjectStat } from './download-object';
