import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { FullTextValues } from '@docingest/vector-store';
import { chunkSizedProse } from '../corpus/corpus-generator';
import { processCpuSeconds } from '../stack/process-memory';
import { round } from '../report/round';

/** One text set's full-text values, computed by to_tsvector and put together from spans (first pass, then again). */
export interface FullTextMeasure {
  texts: 'bench prose' | 'repository docs';
  chunks: number;
  /** The database's CPU ms per chunk for `to_tsvector` of the chunk's text (null off Linux). */
  toTsvectorDbMs: number | null;
  passes: Array<{
    pass: 'first' | 'second';
    /** The database's CPU ms per chunk: the spans it computed, then reading the put-together literal as a tsvector. */
    dbMs: number | null;
    /** This process's CPU ms per chunk putting the values together. */
    writerMs: number;
    /** Spans the database computed, of those read; texts computed whole (they name `<script` or `<style`). */
    spansComputedShare: number;
    wholeTexts: number;
  }>;
}

const CHUNK_CHARS = 4_000;
const BATCH = 100;

/** The repository's Markdown, in chunk-sized pieces: prose as people write it, words the bench's generator never uses. */
function repositoryDocs(): string[] {
  const root = process.cwd();
  const files = [join(root, 'README.md'), join(root, 'bench/README.md'), ...readdirSync(join(root, 'docs')).map((name) => join(root, 'docs', name))];
  return files
    .filter((path) => path.endsWith('.md'))
    .flatMap((path) => {
      const text = readFileSync(path, 'utf8');
      return Array.from({ length: Math.ceil(text.length / CHUNK_CHARS) }, (_, i) => text.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS));
    });
}

/**
 * What a chunk's full-text value costs each way, on the same PGlite: `to_tsvector` in the
 * database, against FullTextValues putting it together from spans (the database computing the
 * spans it has not seen, then reading the literal as the INSERT does), a first pass and a second.
 */
export async function measureFullTextValues(database: { url: string; pid: number }, log: (line: string) => void): Promise<FullTextMeasure[]> {
  const pool = new Pool({ connectionString: database.url, max: 1 });
  pool.on('error', () => undefined);
  const databaseCpu = () => processCpuSeconds(database.pid);
  const perChunk = (before: number | null, after: number | null, chunks: number) =>
    before === null || after === null ? null : round(((after - before) * 1000) / chunks, 3);
  try {
    const measures: FullTextMeasure[] = [];
    for (const [name, texts] of [
      ['bench prose', chunkSizedProse(2_000, 29)],
      ['repository docs', repositoryDocs()],
    ] as const) {
      log(`full-text values: ${texts.length} chunks of ${name}, to_tsvector against put together from spans`);
      const direct = databaseCpu();
      for (let i = 0; i < texts.length; i += BATCH)
        await pool.query(`SELECT count(*) FROM unnest($1::text[]) AS t WHERE to_tsvector('english', t) IS NOT NULL`, [texts.slice(i, i + BATCH)]);
      const measure: FullTextMeasure = { texts: name, chunks: texts.length, toTsvectorDbMs: perChunk(direct, databaseCpu(), texts.length), passes: [] };
      const fullText = new FullTextValues(pool);
      for (const pass of ['first', 'second'] as const) {
        const before = { db: databaseCpu(), writer: process.cpuUsage(), stats: fullText.stats };
        let writerMicros = 0;
        for (let i = 0; i < texts.length; i += BATCH) {
          const writer = process.cpuUsage();
          const values = await fullText.values('english', texts.slice(i, i + BATCH));
          const used = process.cpuUsage(writer);
          writerMicros += used.user + used.system;
          await pool.query(`SELECT count(*) FROM unnest($1::text[]) AS v WHERE v::tsvector IS NOT NULL`, [values]);
        }
        const stats = fullText.stats;
        measure.passes.push({
          pass,
          dbMs: perChunk(before.db, databaseCpu(), texts.length),
          writerMs: round(writerMicros / 1000 / texts.length, 3),
          spansComputedShare: round((stats.computed - before.stats.computed) / Math.max(1, stats.spans - before.stats.spans), 3),
          wholeTexts: stats.wholes - before.stats.wholes,
        });
      }
      measures.push(measure);
    }
    return measures;
  } finally {
    await pool.end();
  }
}
