import { randomBytes } from 'node:crypto';
import { collect, rejection, startHarness, type Harness } from './testing/client-harness';

describe("the client's download integrity check is live against local-gcs", () => {
  let h: Harness;
  const data = randomBytes(300 * 1024);

  beforeAll(async () => {
    h = await startHarness({ buckets: ['docs'] });
    await h.storage.bucket('docs').file('doc.bin').save(data, { resumable: false });
  });

  afterAll(async () => {
    await h?.gcs.stop();
  });

  afterEach(() => {
    h.gcs.faults.corruptDownloads = false;
  });

  it('with corruptDownloads, the bytes really differ when validation is off', async () => {
    h.gcs.faults.corruptDownloads = true;
    const bytes = await collect(h.storage.bucket('docs').file('doc.bin').createReadStream({ validation: false }));
    expect(bytes.length).toBe(data.length);
    expect(bytes.equals(data)).toBe(false);
  });

  it.each([['crc32c'], ['md5']] as const)('with corruptDownloads, a %s-validated download fails with the checksum mismatch error', async (validation) => {
    h.gcs.faults.corruptDownloads = true;
    const error = await rejection(collect(h.storage.bucket('docs').file('doc.bin').createReadStream({ validation })));
    expect(error.code).toBe('CONTENT_DOWNLOAD_MISMATCH');
    expect(error.message).toMatch(/did not match the data from the server/);
  });

  it('file.download with the default validation fails too', async () => {
    h.gcs.faults.corruptDownloads = true;
    const error = await rejection(h.storage.bucket('docs').file('doc.bin').download());
    expect(error.code).toBe('CONTENT_DOWNLOAD_MISMATCH');
  });

  it('without the fault the same download validates and matches', async () => {
    const bytes = await collect(h.storage.bucket('docs').file('doc.bin').createReadStream({ validation: 'crc32c' }));
    expect(bytes.equals(data)).toBe(true);
  });
});
