import { CreateImportRequestSchema, IMPORT_RESULTS_CSV_HEADER, importResultCsvLines, importResultsCsv, validatorFor, type CreateImportRequest } from './index';

const validate = validatorFor<CreateImportRequest>(CreateImportRequestSchema);

describe('CreateImportRequest', () => {
  it('fills empty include and exclude lists', () => {
    const result = validate({ gcs_uri: 'gs://docs/reports/' });
    expect(result).toEqual({ ok: true, value: { gcs_uri: 'gs://docs/reports/', include: [], exclude: [] } });
  });

  it('refuses unknown fields, a glob that is not a string and too many globs, naming the field', () => {
    expect(validate({ gcs_uri: 'gs://docs/', recursive: true })).toMatchObject({ ok: false, errors: [{ field: 'recursive' }] });
    expect(validate({ gcs_uri: 'gs://docs/', include: [3] })).toMatchObject({ ok: false, errors: [{ field: 'include.0' }] });
    expect(validate({ gcs_uri: 'gs://docs/', exclude: Array(21).fill('*.tmp') })).toMatchObject({ ok: false, errors: [{ field: 'exclude' }] });
  });
});

describe('importResultsCsv', () => {
  it('writes the header and one line per object, quoting commas, quotes and line breaks', () => {
    const csv = importResultsCsv([
      { object: 'gs://docs/a.txt', status: 'completed', chunks: 3, error: null },
      { object: 'gs://docs/b, "odd".pdf', status: 'failed', chunks: null, error: 'the file is empty\nre-upload it' },
    ]);
    expect(csv).toBe('object,status,chunks,error\r\ngs://docs/a.txt,completed,3,\r\n"gs://docs/b, ""odd"".pdf",failed,,"the file is empty\nre-upload it"\r\n');
  });

  it('is the header and the lines of each batch written one after the other, as the streamed download writes it', () => {
    const rows = [
      { object: 'gs://docs/a.txt', status: 'completed' as const, chunks: 3, error: null },
      { object: 'gs://docs/b.txt', status: 'failed' as const, chunks: null, error: 'bad, very' },
    ];
    expect(IMPORT_RESULTS_CSV_HEADER + importResultCsvLines(rows.slice(0, 1)) + importResultCsvLines(rows.slice(1))).toBe(importResultsCsv(rows));
    expect(importResultCsvLines([])).toBe('');
  });
});
