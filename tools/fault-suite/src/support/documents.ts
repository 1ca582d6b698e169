import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkDocument, type Chunk } from '@docingest/chunking';
import { parseDocument } from '@docingest/document-parsing';
import { proseSentences } from '@docingest/document-parsing/testing';

/** Repeatable prose of `sentences` sentences; the seed makes files differ. */
export function proseText(sentences: number, seed: number): string {
  const lines = proseSentences(sentences, seed);
  const paragraphs: string[] = [];
  for (let i = 0; i < lines.length; i += 6) paragraphs.push(lines.slice(i, i + 6).join(' '));
  return `${paragraphs.join('\n\n')}\n`;
}

/**
 * The chunks the pipeline must store for this file, worked out independently with the same
 * parser and chunker the service uses: the count and the node ids a test checks the table against.
 */
export async function expectedChunks(
  text: string,
  fileName: string,
  settings: { chunkSize: number; chunkOverlap: number; fileUuid: string; knowledgebaseId: string },
  contentType = 'text/plain',
): Promise<Chunk[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fault-doc-'));
  try {
    const path = join(dir, fileName);
    writeFileSync(path, text);
    const document = await parseDocument({ path, fileName, contentType });
    return chunkDocument(document.pages, settings);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
