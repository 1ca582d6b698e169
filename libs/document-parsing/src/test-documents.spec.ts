import { getDocumentProxy, getResolvedPDFJS } from 'unpdf';
import * as fixtures from './testing';

describe('test documents', () => {
  it('makes scanned pages that hold an image and no text', async () => {
    const pdf = await getDocumentProxy(await fixtures.buildPdf([['Text page.'], null]), { verbosity: 0 });
    try {
      expect(pdf.numPages).toBe(2);
      const scanned = await pdf.getPage(2);
      expect((await scanned.getTextContent()).items).toEqual([]);
      const { OPS } = await getResolvedPDFJS();
      expect((await scanned.getOperatorList()).fnArray).toContain(OPS.paintImageXObject);
    } finally {
      await pdf.destroy();
    }
  });

  it('flows text that does not fit onto further pages', async () => {
    const long = fixtures.proseSentences(200).join(' ');
    const pdf = await getDocumentProxy(await fixtures.buildPdf([[long]]), { verbosity: 0 });
    expect(pdf.numPages).toBeGreaterThan(1);
    await pdf.destroy();
  });

  it('writes repeatable prose', () => {
    expect(fixtures.proseSentences(3, 5)).toEqual(fixtures.proseSentences(3, 5));
    expect(fixtures.proseSentences(3, 5)).not.toEqual(fixtures.proseSentences(3, 6));
    expect(fixtures.proseSentences(2, 1, 10)[1]).toMatch(/^Note 11: /);
  });
});
