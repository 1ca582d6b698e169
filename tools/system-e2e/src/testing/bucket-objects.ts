import { Storage } from '@google-cloud/storage';
import { localStorageOptions } from '@docingest/local-gcs';
import type { E2eSystem } from './e2e-system';

/** Puts small text objects straight into the running system's bucket (as another tool would), for imports to find. */
export async function putObjects(e2e: E2eSystem, objects: Record<string, string>): Promise<void> {
  const { gcsEndpoint, bucket } = e2e.system;
  if (!gcsEndpoint) throw new Error('the system runs without its local GCS server');
  const storage = new Storage(localStorageOptions(gcsEndpoint));
  await Promise.all(Object.entries(objects).map(([name, text]) => storage.bucket(bucket).file(name).save(text, { resumable: false, contentType: 'text/plain' })));
}
