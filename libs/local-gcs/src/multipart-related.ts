import { badRequest } from './gcs-errors';

/** Receives one part's bytes as they stream in. */
export interface PartConsumer {
  write(chunk: Buffer): Promise<void>;
}

export type PartHeaders = Record<string, string>;

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The boundary from a `multipart/related; boundary=...` Content-Type, or a 400. */
export function multipartBoundary(contentType: string | undefined): string {
  const match = /^\s*multipart\/related\s*;(?:.*;)?\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw badRequest(`a multipart upload needs Content-Type multipart/related with a boundary, not "${contentType ?? ''}"`);
  return boundary;
}

function parseHeaders(block: string): PartHeaders {
  const headers: PartHeaders = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * Streams a multipart body part by part without holding a whole part in memory: each part's
 * bytes go to the consumer `onPart` returns for it, in order, awaited (so backpressure holds).
 * Returns the number of parts. A body cut short before its closing boundary is a 400.
 */
export async function readMultipart(
  source: AsyncIterable<Buffer>,
  boundary: string,
  onPart: (index: number, headers: PartHeaders) => PartConsumer | Promise<PartConsumer>,
): Promise<number> {
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  type State = 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'done';
  let state = 'preamble' as State;
  let pending: Buffer = Buffer.alloc(0);
  let consumer: PartConsumer | undefined;
  let parts = 0;

  // Consumes what it can of `pending`; false when it needs more bytes.
  const step = async (): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        const at = pending.indexOf(opening);
        if (at < 0) {
          pending = pending.subarray(Math.max(0, pending.length - opening.length + 1));
          return false;
        }
        pending = pending.subarray(at + opening.length);
        state = 'afterDelimiter';
        return true;
      }
      case 'afterDelimiter': {
        if (pending.length < 2) return false;
        if (pending[0] === 0x2d && pending[1] === 0x2d) {
          state = 'done';
          return false;
        }
        const lineEnd = pending.indexOf(CRLF);
        if (lineEnd < 0) {
          if (pending.length > 1024) throw badRequest('multipart boundary line is not followed by CRLF');
          return false;
        }
        if (pending.subarray(0, lineEnd).toString('latin1').trim() !== '') throw badRequest('multipart boundary line has trailing garbage');
        pending = pending.subarray(lineEnd + 2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        let block: string;
        if (pending.length >= 2 && pending[0] === 0x0d && pending[1] === 0x0a) {
          block = '';
          pending = pending.subarray(2);
        } else {
          const end = pending.indexOf(HEADER_END);
          if (end < 0) {
            if (pending.length > MAX_HEADER_BYTES) throw badRequest(`multipart part headers are longer than ${MAX_HEADER_BYTES} bytes`);
            return false;
          }
          block = pending.subarray(0, end).toString('utf8');
          pending = pending.subarray(end + HEADER_END.length);
        }
        consumer = await onPart(parts++, parseHeaders(block));
        state = 'body';
        return true;
      }
      case 'body': {
        const at = pending.indexOf(delimiter);
        if (at >= 0) {
          if (at > 0) await consumer!.write(pending.subarray(0, at));
          pending = pending.subarray(at + delimiter.length);
          state = 'afterDelimiter';
          return true;
        }
        // Keep just enough of the tail to recognise a delimiter split across reads.
        const safe = pending.length - (delimiter.length - 1);
        if (safe > 0) {
          await consumer!.write(pending.subarray(0, safe));
          pending = pending.subarray(safe);
        }
        return false;
      }
      case 'done':
        return false;
    }
  };

  for await (const chunk of source) {
    if (state === 'done') continue; // epilogue: ignored, but drained
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (await step());
  }
  if (state !== 'done') throw badRequest('the multipart body ended before its closing boundary');
  return parts;
}
