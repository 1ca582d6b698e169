import type { EmbeddingProvider } from '@docingest/contracts';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { TextSearchLanguage } from '@docingest/contracts';
import { PG_POOL } from '../database/database.module';

export interface KnowledgeBase {
  knowledgebase_id: string;
  name: string;
  vector_table_name: string;
  embedding_provider: EmbeddingProvider;
  embedding_model: string;
  embedding_dimensions: number | null;
  chunk_size: number;
  chunk_overlap: number;
  text_search_language: TextSearchLanguage;
  created_at: Date;
}

const COLUMNS =
  'knowledgebase_id, name, vector_table_name, embedding_provider, embedding_model, embedding_dimensions, chunk_size, chunk_overlap, text_search_language, created_at';

@Injectable()
export class KnowledgeBasesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Inserts; undefined when the id or the vector table is taken. */
  async create(kb: Omit<KnowledgeBase, 'created_at'>): Promise<KnowledgeBase | undefined> {
    const { rows } = await this.pool.query<KnowledgeBase>(
      `INSERT INTO knowledge_bases (knowledgebase_id, name, vector_table_name, embedding_provider, embedding_model, embedding_dimensions, chunk_size, chunk_overlap, text_search_language)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [
        kb.knowledgebase_id,
        kb.name,
        kb.vector_table_name,
        kb.embedding_provider,
        kb.embedding_model,
        kb.embedding_dimensions,
        kb.chunk_size,
        kb.chunk_overlap,
        kb.text_search_language,
      ],
    );
    return rows[0];
  }

  async findByVectorTable(vectorTableName: string): Promise<KnowledgeBase | undefined> {
    return (await this.pool.query<KnowledgeBase>(`SELECT ${COLUMNS} FROM knowledge_bases WHERE vector_table_name = $1`, [vectorTableName])).rows[0];
  }

  async list(): Promise<KnowledgeBase[]> {
    return (await this.pool.query<KnowledgeBase>(`SELECT ${COLUMNS} FROM knowledge_bases ORDER BY created_at, knowledgebase_id`)).rows;
  }

  async find(id: string): Promise<KnowledgeBase | undefined> {
    return (await this.pool.query<KnowledgeBase>(`SELECT ${COLUMNS} FROM knowledge_bases WHERE knowledgebase_id = $1`, [id])).rows[0];
  }

  /** The files linked to the knowledge base. */
  async fileUuids(id: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ file_uuid: string }>('SELECT file_uuid FROM file_knowledge_base_links WHERE knowledgebase_id = $1 ORDER BY id', [id]);
    return rows.map((r) => r.file_uuid);
  }

  /**
   * Deletes the knowledge base and its links (the files stay); answers the links it had, as
   * they were, so the caller can tell which attempts were still open.
   */
  async remove(id: string): Promise<Array<{ id: number; file_uuid: string; ingestion_status: string; attempt: number }>> {
    const { rows } = await this.pool.query<{ id: number; file_uuid: string; ingestion_status: string; attempt: number }>(
      `DELETE FROM file_knowledge_base_links WHERE knowledgebase_id = $1 RETURNING id, file_uuid, ingestion_status, attempt`,
      [id],
    );
    await this.pool.query('DELETE FROM knowledge_bases WHERE knowledgebase_id = $1', [id]);
    return rows;
  }
}
