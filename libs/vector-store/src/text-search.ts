import type { Pool, PoolClient } from 'pg';
import { TEXT_SEARCH_LANGUAGES, type TextSearchLanguage } from '@docingest/contracts';
import { underTableLock } from './transaction';
import type { VectorTable } from './vector-table';

/**
 * The configurations the full-text column may be built with: the contract's allow-list. The name
 * is written into SQL (the trigger's argument, the staging insert), so nothing outside it gets there.
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

/** The trigger function, one per schema; the table's configuration is the trigger's argument. */
const TRIGGER_FUNCTION = 'text_search_tsv_from_text';
/** On INSERT, only for a row that comes without its value: one that carries it never enters plpgsql. */
const TRIGGER = 'text_search_tsv';
/** On every UPDATE of `text`: the value follows the text. */
const UPDATE_TRIGGER = 'text_search_tsv_on_update';

/** The SQL expression of a chunk's full-text value: what the trigger computes, what staging computes ahead. */
export function tsvectorSql(config: TextSearchConfig, textSql: string): string {
  return `to_tsvector('${textSearchConfig(config)}'::regconfig, ${textSql})`;
}

/**
 * The full-text column of LlamaIndex PGVectorStore's hybrid layout, `text_search_tsv`: the tsvector
 * of `text` in the table's configuration, GIN-indexed, stored with the row. It is kept by triggers
 * (computed on INSERT when the writer leaves it out, as LlamaIndex's writers do, and on every UPDATE
 * of `text`) rather than as a generated column, because a generated column is computed by every
 * INSERT, with no way to hand it a value: a staged file's swap then parsed every chunk's text inside
 * the swap transaction, about 0.8 ms per 4 KB chunk on PGlite and three quarters of a 100 MB file's
 * storing. With the trigger the writer hands the value in, put together from its spans' values
 * (FullTextValues) while the file is still being embedded, and the swap copies the staged value
 * (StagingTable.publish). The INSERT trigger's WHEN leaves a row that carries its value out of
 * plpgsql altogether; a row written without one (LlamaIndex's writers, a value not computed) gets
 * it from the trigger.
 *
 * Answers the table's configuration. A table keeps the one it was first given: a table made when
 * the column was generated keeps its expression's configuration (the expression is dropped, the
 * values stay); a table made before the column existed gets it, filled for its rows, in
 * `requested`; a table with the one trigger of INSERT and UPDATE that came before gets the two.
 * Idempotent, and cheap once done (one catalogue read).
 */
export async function ensureTextSearchColumn(pool: Pool, table: VectorTable, requested: TextSearchConfig): Promise<TextSearchConfig> {
  const ready = await readTextSearch(pool, table);
  if (ready.trigger && ready.current) return ready.trigger;
  return underTableLock(pool, table, (client) => setUpTextSearch(client, table, requested));
}

/** ensureTextSearchColumn's work, inside a transaction that holds the table's DDL lock. */
export async function setUpTextSearch(client: PoolClient, table: VectorTable, requested: TextSearchConfig): Promise<TextSearchConfig> {
  const state = await readTextSearch(client, table);
  if (state.trigger && state.current) return state.trigger;
  if (state.trigger) {
    await createTriggers(client, table, state.trigger);
    return state.trigger;
  }
  const config = state.generated ?? textSearchConfig(requested);
  // One function per schema, replaced under its own lock: two tables set up at once must not race on it.
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ddl:"${table.schema}".${TRIGGER_FUNCTION}`]);
  await client.query(
    `CREATE OR REPLACE FUNCTION "${table.schema}".${TRIGGER_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fn$
     BEGIN
       IF TG_OP = 'UPDATE' OR NEW.text_search_tsv IS NULL THEN
         NEW.text_search_tsv := to_tsvector(TG_ARGV[0]::regconfig, NEW.text);
       END IF;
       RETURN NEW;
     END $fn$`,
  );
  await client.query(`ALTER TABLE ${table.qualified} ADD COLUMN IF NOT EXISTS text_search_tsv tsvector`);
  if (state.generated) await client.query(`ALTER TABLE ${table.qualified} ALTER COLUMN text_search_tsv DROP EXPRESSION IF EXISTS`);
  await createTriggers(client, table, config);
  await client.query(`UPDATE ${table.qualified} SET text_search_tsv = ${tsvectorSql(config, 'text')} WHERE text_search_tsv IS NULL`);
  await client.query(`CREATE INDEX IF NOT EXISTS "${table.unqualified}_text_search_tsv_idx" ON ${table.qualified} USING gin (text_search_tsv)`);
  return config;
}

/** The two triggers, in place of whatever the table had (the earlier one of INSERT and UPDATE). */
async function createTriggers(client: PoolClient, table: VectorTable, config: TextSearchConfig): Promise<void> {
  const call = `EXECUTE FUNCTION "${table.schema}".${TRIGGER_FUNCTION}('${textSearchConfig(config)}')`;
  await client.query(`DROP TRIGGER IF EXISTS ${TRIGGER} ON ${table.qualified}`);
  await client.query(`DROP TRIGGER IF EXISTS ${UPDATE_TRIGGER} ON ${table.qualified}`);
  await client.query(`CREATE TRIGGER ${TRIGGER} BEFORE INSERT ON ${table.qualified} FOR EACH ROW WHEN (NEW.text_search_tsv IS NULL) ${call}`);
  await client.query(`CREATE TRIGGER ${UPDATE_TRIGGER} BEFORE UPDATE OF text ON ${table.qualified} FOR EACH ROW ${call}`);
}

/**
 * The configuration of the table's trigger, or of its generated column (the earlier layout);
 * `current`: the table has both triggers as createTriggers makes them.
 */
async function readTextSearch(db: Pool | PoolClient, table: VectorTable): Promise<{ trigger?: TextSearchConfig; generated?: TextSearchConfig; current: boolean }> {
  const { rows } = await db.query<{ expr: string | null; trigger: string | null; update_trigger: boolean }>(
    `SELECT (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE a.attrelid = c.oid AND a.attname = 'text_search_tsv' AND a.attgenerated = 's') AS expr,
            (SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = $3) AS trigger,
            EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = $4) AS update_trigger
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [table.schema, table.unqualified, TRIGGER, UPDATE_TRIGGER],
  );
  const configIn = (text: string | null | undefined, pattern: RegExp) => {
    const name = text?.match(pattern)?.[1];
    return name === undefined ? undefined : textSearchConfig(name);
  };
  const trigger = rows[0]?.trigger;
  return {
    trigger: configIn(trigger, new RegExp(`${TRIGGER_FUNCTION}\\('(\\w+)'\\)`)),
    generated: configIn(rows[0]?.expr, /to_tsvector\('(\w+)'::regconfig/),
    current: Boolean(rows[0]?.update_trigger) && /\bWHEN\b/.test(trigger ?? ''),
  };
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
