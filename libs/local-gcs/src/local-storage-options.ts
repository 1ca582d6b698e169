import type { StorageOptions } from '@google-cloud/storage';

/**
 * The `@google-cloud/storage` options that point a client at a local-gcs server. With a custom
 * apiEndpoint the client (7.x) sends no credentials and looks none up, for JSON requests and
 * resumable uploads alike, unless `useAuthWithCustomEndpoint` is true; it is spelled out here so a
 * default change cannot make tests reach for Google credentials.
 */
export function localStorageOptions(url: string): StorageOptions {
  return { apiEndpoint: url, projectId: 'local', useAuthWithCustomEndpoint: false };
}
