import type { Pool, PoolClient } from 'pg';
import type { ChunkRow } from './chunk-row';
import { encodeVector } from './vector-binary';

export interface InsertExtras {
  /** Values first in every row (the staging table's replacement id), shared as $1... */
  leading?: { columns: string[]; values: unknown[] };
  /** A column computed by the server from each row's text parameter (the staged full-text value). */
  computed?: { column: string; fromText: (textParam: string) => string };
  /** A column given per row, cast to `type` (null leaves it to the table's default or trigger). */
  given?: { column: string; type: string; values: ReadonlyArray<string | null> };
}

/**
 * One multi-row INSERT of chunk rows into `qualifiedTable`, vectors as binary parameters.
 * Measured on PGlite with chunk-sized rows: 50 to 1,000 rows per statement and named (prepared)
 * statements all land within the run-to-run noise; the server's work per row decides.
 */
export async function insertRows(db: Pool | PoolClient, qualifiedTable: string, rows: readonly ChunkRow[], extras: InsertExtras = {}): Promise<number> {
  if (rows.length === 0) return 0;
  const leading = extras.leading ?? { columns: [], values: [] };
  const values: unknown[] = [...leading.values];
  const shared = leading.values.map((_, i) => `$${i + 1}`);
  const { given } = extras;
  const tuples = rows.map((row, i) => {
    const p = values.length;
    values.push(row.text, JSON.stringify(row.metadata), row.nodeId, encodeVector(row.embedding));
    const computed = extras.computed ? [extras.computed.fromText(`$${p + 1}`)] : [];
    if (given) values.push(given.values[i] ?? null);
    const givenParam = given ? [`$${p + 5}::${given.type}`] : [];
    return `(${[...shared, `$${p + 1}::text`, `$${p + 2}::jsonb`, `$${p + 3}`, `$${p + 4}`, ...computed, ...givenParam].join(', ')})`;
  });
  const columns = [
    ...leading.columns,
    'text',
    'metadata_',
    'node_id',
    'embedding',
    ...(extras.computed ? [extras.computed.column] : []),
    ...(given ? [given.column] : []),
  ].join(', ');
  const result = await db.query(`INSERT INTO ${qualifiedTable} (${columns}) VALUES ${tuples.join(', ')}`, values);
  return result.rowCount ?? 0;
}
