/**
 * Peak memory of reading a large text file: parseDocument (one string) against
 * readDocumentSections (a section at a time). Each mode runs in a fresh process.
 *
 *   cd /work/main && node -r @swc-node/register libs/document-parsing/bench/text-memory.bench.ts [MB] [whole|sections]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fixtures from '@docingest/document-parsing/testing';
import { parseDocument, readDocumentSections } from '@docingest/document-parsing';

const megabytes = Number(process.argv[2] ?? 100);
const mode = process.argv[3];
const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function measure(path: string, how: string): Promise<void> {
  const baseline = peakMb();
  const started = Date.now();
  let chars = 0;
  if (how === 'whole') {
    const parsed = await parseDocument({ path, fileName: 'big.txt' });
    chars = parsed.pages[0].text.length;
  } else {
    for await (const section of readDocumentSections({ path, fileName: 'big.txt' })) chars += section.text.length;
  }
  console.log(JSON.stringify({ mode: how, megabytes, chars, seconds: (Date.now() - started) / 1000, baselineRssMb: baseline, peakRssMb: peakMb() }));
}

async function main(): Promise<void> {
  if (mode) return measure(process.argv[4], mode);
  const dir = mkdtempSync(join(tmpdir(), 'text-memory-'));
  try {
    const path = join(dir, 'big.txt');
    await fixtures.writeProseFile(path, megabytes * 1024 * 1024);
    for (const how of ['whole', 'sections']) {
      spawnSync(process.execPath, [...process.execArgv, __filename, String(megabytes), how, path], { stdio: 'inherit' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
