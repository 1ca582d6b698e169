import type { Pool } from 'pg';
import { TEXT_SEARCH_LANGUAGES, type TextSearchLanguage } from '@docingest/contracts';
import { createTableOnce } from './transaction';
import type { VectorTable } from './vector-table';

/**
 * The configurations the full-text column may be built with: the contract's allow-list. The name
 * is written into the column's generated expression, so nothing outside it reaches SQL.
 */
const TEXT_SEARCH_CONFIGS: readonly string[] = TEXT_SEARCH_LANGUAGES;
export type TextSearchConfig = TextSearchLanguage;

export class InvalidTextSearchConfigError extends Error {
  constructor(config: string) {
    super(`'${config}' is not a text search configuration this store builds: use one of ${TEXT_SEARCH_CONFIGS.join(', ')}`);
    this.name = 'InvalidTextSearchConfigError';
  }
}

export function textSearchConfig(config: string): TextSearchConfig {
  if (!TEXT_SEARCH_CONFIGS.includes(config)) throw new InvalidTextSearchConfigError(config);
  return config as TextSearchConfig;
}

/**
 * The full-text column of LlamaIndex PGVectorStore's hybrid layout (`text_search_tsv`, generated
 * from `text`) and its GIN index. Both statements are idempotent, so a table made before the
 * column existed gets it the first time it is written or searched; the ALTER rewrites the table
 * once, under the table's DDL lock. A table keeps the configuration it was first given.
 */
export function addTextSearchColumn(pool: Pool, table: VectorTable, config: TextSearchConfig): Promise<void> {
  return createTableOnce(pool, table, textSearchDdl(table, config));
}

export function textSearchDdl(table: VectorTable, config: TextSearchConfig): string[] {
  return [
    `ALTER TABLE ${table.qualified} ADD COLUMN IF NOT EXISTS text_search_tsv tsvector
       GENERATED ALWAYS AS (to_tsvector('${textSearchConfig(config)}'::regconfig, text)) STORED`,
    `CREATE INDEX IF NOT EXISTS "${table.unqualified}_text_search_tsv_idx" ON ${table.qualified} USING gin (text_search_tsv)`,
  ];
}

/**
 * The query LlamaIndex's sparse search builds: the words of `plainto_tsquery` joined by OR instead
 * of AND, so a chunk matching some of a question's words still ranks (by ts_rank).
 */
export function orQuerySql(configParam: string, queryParam: string): string {
  return `to_tsquery(${configParam}::regconfig, replace(plainto_tsquery(${configParam}::regconfig, ${queryParam})::text, '&', '|'))`;
}

/** Reciprocal-rank fusion constant, as in the paper (Cormack et al. 2009) and LlamaIndex's fusion retriever. */
export const RRF_K = 60;

/** Fuses ranked lists: each item scores the sum of 1/(k + rank) over the lists it appears in. */
export function reciprocalRankFusion<T>(lists: T[][], key: (item: T) => string, k = RRF_K): Array<{ item: T; score: number }> {
  const fused = new Map<string, { item: T; score: number }>();
  for (const list of lists) {
    list.forEach((item, index) => {
      const id = key(item);
      const entry = fused.get(id) ?? { item, score: 0 };
      entry.score += 1 / (k + index + 1);
      fused.set(id, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}
