import { Storage } from '@google-cloud/storage';
import { localStorageOptions } from '@docingest/local-gcs';
import { BUCKET } from '../testing/api-stack';
import { hang } from '@docingest/contracts/testing';
import { useApiStack } from '../testing/use-api-stack';
import { ImportsRepository } from './imports.repository';

describe('an import whose first page fails after the import was created', () => {
  const { stack } = useApiStack({ standIn: hang, knowledgeBases: ['cut'], apiEnv: { GCS_ALLOWED_BUCKETS: BUCKET } });

  it('is recorded failed with the reason, not left listing forever with nothing to continue it', async () => {
    const storage = new Storage(localStorageOptions(stack.gcs.url));
    await storage.bucket(BUCKET).file('cut/a.txt').save('The tide tables are printed on Fridays.', { resumable: false, contentType: 'text/plain' });
    // The database goes away between the import's creation and the end of its first page.
    const repository = stack.app.get(ImportsRepository);
    const cut = jest.spyOn(repository, 'recordPage').mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
    try {
      const answer = await stack.request('POST', '/api/v1/knowledge-bases/cut/imports', { gcs_uri: `gs://${BUCKET}/cut/` });
      expect(answer.status).toBe(500);
    } finally {
      cut.mockRestore();
    }
    const { rows } = await stack.pool.query(`SELECT status, error FROM imports WHERE gcs_uri = $1`, [`gs://${BUCKET}/cut/`]);
    expect(rows).toEqual([{ status: 'failed', error: 'listing failed: Connection terminated unexpectedly' }]);
  });
});
