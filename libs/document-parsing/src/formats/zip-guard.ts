import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { DocumentParseError } from '../parsed-document';
import { DocumentLimitError, formatBytes, formatCount, type ParseLimits } from '../parse-limits';

/** Below this an entry's compression ratio says nothing: a few KB of XML may compress 500 times. */
const RATIO_CHECKED_FROM_BYTES = 1024 * 1024;

const openZip = (bytes: Buffer) =>
  new Promise<ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (error, zip) => (error ? reject(error) : resolve(zip!))),
  );

const entries = (zip: ZipFile) =>
  new Promise<Entry[]>((resolve, reject) => {
    const found: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      found.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(found));
    zip.on('error', reject);
    zip.readEntry();
  });

/**
 * How deep an XML part's elements nest, read as it is inflated: a parser that recurses per
 * element (mammoth's does) overflows its stack on a part nested a hundred thousand deep.
 * Quoted attribute values are skipped; comments, declarations and CDATA count as no element.
 */
class XmlDepthMeter {
  private depth = 0;
  private state: 'text' | 'tagStart' | 'open' | 'close' | 'other' = 'text';
  private quote = 0;
  private previous = 0;

  constructor(
    private readonly maxDepth: number,
    private readonly onTooDeep: () => never,
  ) {}

  read(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.quote) {
        if (c === this.quote) this.quote = 0;
        continue;
      }
      switch (this.state) {
        case 'text':
          if (c === 0x3c) this.state = 'tagStart';
          break;
        case 'tagStart':
          if (c === 0x2f) this.state = 'close';
          else if (c === 0x3f || c === 0x21) this.state = 'other';
          else {
            this.state = 'open';
            if (++this.depth > this.maxDepth) this.onTooDeep();
          }
          break;
        default:
          if (this.state !== 'other' && (c === 0x22 || c === 0x27)) this.quote = c;
          else if (c === 0x3e) {
            if (this.state === 'close' || (this.state === 'open' && this.previous === 0x2f)) this.depth--;
            this.state = 'text';
          }
      }
      this.previous = c;
    }
  }
}

/**
 * Inflates one entry into nothing, counting (yauzl fails the stream when it gives more than the
 * directory said) and, for an XML part, measuring its nesting.
 */
const inflateAndMeasure = (zip: ZipFile, entry: Entry, meter: XmlDepthMeter | null) =>
  new Promise<number>((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => {
      if (error) return reject(error);
      let bytes = 0;
      stream!.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        try {
          meter?.read(chunk);
        } catch (tooDeep) {
          stream!.destroy();
          reject(tooDeep);
        }
      });
      stream!.on('end', () => resolve(bytes));
      stream!.on('error', reject);
    }),
  );

/**
 * Checks a ZIP-based document (DOCX) before any parser inflates it: the directory's sizes and
 * each entry's compression ratio first, then every entry inflated as a stream and counted, which
 * proves the directory told the truth (an entry that inflates past its declared size is a zip
 * bomb too), its XML parts' nesting measured on the way. Only then may a parser that trusts the
 * archive (mammoth) read it.
 */
export async function checkZipArchive(bytes: Buffer, limits: Pick<ParseLimits, 'maxUnzippedBytes' | 'maxZipRatio' | 'maxDepth'>, kind = 'Word document'): Promise<void> {
  const what = `the ${kind}`;
  let zip: ZipFile;
  let list: Entry[];
  try {
    zip = await openZip(bytes);
    list = await entries(zip);
  } catch (error) {
    throw new DocumentParseError('corrupt', `the file is not a valid ${kind} (corrupt or truncated)`, { cause: error });
  }
  try {
    let declared = 0;
    for (const entry of list) {
      declared += entry.uncompressedSize;
      const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
      if (entry.uncompressedSize > RATIO_CHECKED_FROM_BYTES && ratio > limits.maxZipRatio) {
        throw new DocumentLimitError(
          'maxZipRatio',
          `${what} is a zip bomb: its part ${entry.fileName} would inflate from ${formatBytes(entry.compressedSize)} to ${formatBytes(entry.uncompressedSize)} (${formatCount(Math.round(ratio))} times); the limit is ${formatCount(limits.maxZipRatio)} times`,
        );
      }
    }
    if (declared > limits.maxUnzippedBytes) {
      throw new DocumentLimitError(
        'maxUnzippedBytes',
        `${what} would inflate to ${formatBytes(declared)} (${formatCount(list.length)} parts in a ${formatBytes(bytes.length)} file); the limit is ${formatBytes(limits.maxUnzippedBytes)}`,
      );
    }
    for (const entry of list) {
      if (entry.fileName.endsWith('/')) continue;
      const tooDeep = (): never => {
        throw new DocumentLimitError(
          'maxDepth',
          `${what} nests the elements of its part ${entry.fileName} more than ${formatCount(limits.maxDepth)} deep; the limit is ${formatCount(limits.maxDepth)} levels`,
        );
      };
      const meter = /\.(xml|rels)$/i.test(entry.fileName) ? new XmlDepthMeter(limits.maxDepth, tooDeep) : null;
      try {
        await inflateAndMeasure(zip, entry, meter);
      } catch (error) {
        if (error instanceof DocumentLimitError) throw error;
        const message = (error as Error).message ?? '';
        if (/too many bytes/i.test(message)) {
          throw new DocumentLimitError(
            'maxUnzippedBytes',
            `${what} is a zip bomb: its part ${entry.fileName} inflates to more than the ${formatBytes(entry.uncompressedSize)} its directory declares`,
          );
        }
        throw new DocumentParseError('corrupt', `the file is not a valid ${kind} (corrupt or truncated): its part ${entry.fileName} cannot be read`, { cause: error });
      }
    }
  } finally {
    zip.close();
  }
}
