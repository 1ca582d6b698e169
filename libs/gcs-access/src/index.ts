export { GcsAccessError } from './gcs-errors';
export { resolveObject, type ObjectRef, type ResolveOptions } from './resolve-object';
export { downloadObject, type DownloadedObject, type DownloadOptions } from './download-object';
