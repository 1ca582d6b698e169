// A small GCS JSON API server for local runs and tests, spoken to by the real
// @google-cloud/storage client:
//   const gcs = await startLocalGcs({ buckets: ['docs'] });            // in memory, free port
//   const storage = new Storage(localStorageOptions(gcs.url));          // no credentials needed
//   ... await gcs.stop();
// As a process: node -r @swc-node/register libs/local-gcs/src/server.main.ts --root DIR --bucket docs
export { startLocalGcs, type LocalGcs, type LocalGcsOptions } from './local-gcs-server';
export { localStorageOptions } from './local-storage-options';
export type { DownloadFaults } from './download-route';
export { crc32cUpdate, crc32cBase64 } from './crc32c';
