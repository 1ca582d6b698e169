import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { FileScope } from './chunk-row';
import { metadataText, STORED_METADATA_KEYS } from './stored-metadata';
import { parseVectorText } from './vector-binary';
import type { VectorTable } from './vector-table';

/** What decides a chunk's vector besides its text: the same text through another model, or another size, is another vector. */
export interface EmbeddingSpace {
  provider: string;
  model: string;
  dimensions: number;
}

/**
 * The key a stored vector is found again by: sha256 over the provider, model, dimensions and the
 * chunk text's own sha256 (the chunker's content hash, so the text is not hashed twice). Equal
 * keys mean the embedder would answer the same vector; the file's position, page and chunk id
 * are left out on purpose, so a chunk that moved (a page inserted before it) is still reused.
 */
export function embeddingHash(space: EmbeddingSpace, textSha256: string): string {
  return createHash('sha256')
    .update(JSON.stringify([space.provider, space.model, space.dimensions, textSha256]))
    .digest('hex');
}

const { fileUuid: FILE_KEY, knowledgebaseId: KB_KEY, embeddingHash: HASH_KEY } = STORED_METADATA_KEYS;

/**
 * The vectors a file's stored chunks already have, by embedding hash, for a re-ingestion of that
 * file to take instead of embedding the same text again. Opening reads only the file's hashes
 * and row ids (one query on the file index); each `take` then reads the vectors of one batch of
 * hashes by primary key (one query per batch). A row replaced meanwhile (another attempt swapped
 * the file) is simply not found, and its chunk goes to the embedder.
 */
export class StoredEmbeddings {
  private constructor(
    private readonly source: { pool: Pool; table: VectorTable } | null,
    private readonly rowIds: Map<string, string>,
  ) {}

  static async open(pool: Pool, table: VectorTable, scope: FileScope): Promise<StoredEmbeddings> {
    const { rows } = await pool.query<{ id: string; hash: string }>(
      `SELECT id::text AS id, ${metadataText(HASH_KEY)} AS hash FROM ${table.qualified}
        WHERE ${metadataText(FILE_KEY)} = $1 AND ${metadataText(KB_KEY)} = $2 AND ${metadataText(HASH_KEY)} IS NOT NULL`,
      [scope.fileUuid, scope.knowledgebaseId],
    );
    const rowIds = new Map<string, string>();
    for (const row of rows) if (!rowIds.has(row.hash)) rowIds.set(row.hash, row.id);
    return new StoredEmbeddings({ pool, table }, rowIds);
  }

  /** An empty lookup: a table that does not exist yet, or a forced re-embedding. */
  static none(): StoredEmbeddings {
    return new StoredEmbeddings(null, new Map());
  }

  /** Distinct hashes stored for the file. */
  get size(): number {
    return this.rowIds.size;
  }

  /** The stored vectors of those hashes that have one (absent hashes are left out); at most one query. */
  async take(hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const ids = [...new Set(hashes.map((hash) => this.rowIds.get(hash)).filter((id): id is string => id !== undefined))];
    const found = new Map<string, Float32Array>();
    if (ids.length === 0 || !this.source) return found;
    const { rows } = await this.source.pool.query<{ hash: string; embedding: string }>(
      `SELECT ${metadataText(HASH_KEY)} AS hash, embedding::text AS embedding FROM ${this.source.table.qualified} WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    // pgvector prints float4 values in their shortest exact form: parsed back, they are the very same floats.
    for (const row of rows) if (row.hash && row.embedding) found.set(row.hash, Float32Array.from(parseVectorText(row.embedding)));
    return found;
  }
}
