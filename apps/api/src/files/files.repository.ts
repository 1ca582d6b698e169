import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../database/database.module';
import { LINK_COLUMNS, type Link } from '../ingestions/link';

export interface FileRecord {
  uuid: string;
  title: string;
  storage_path: string;
  content_type: string | null;
  size: number;
  user_uuid: string | null;
  team_id: string | null;
  project_id: string | null;
  created_at: Date;
}

export type FileWithLink = FileRecord & Omit<Link, 'id' | 'file_uuid'> & { link_id: number };

const COLUMNS = 'uuid, title, storage_path, content_type, size::float8 AS size, user_uuid, team_id, project_id, created_at';

@Injectable()
export class FilesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async create(file: Omit<FileRecord, 'created_at'>): Promise<FileRecord> {
    const { rows } = await this.pool.query<FileRecord>(
      `INSERT INTO files (uuid, title, storage_path, content_type, size, user_uuid, team_id, project_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [file.uuid, file.title, file.storage_path, file.content_type, file.size, file.user_uuid, file.team_id, file.project_id],
    );
    return rows[0];
  }

  async find(uuid: string): Promise<FileRecord | undefined> {
    return (await this.pool.query<FileRecord>(`SELECT ${COLUMNS} FROM files WHERE uuid = $1`, [uuid])).rows[0];
  }

  async findMany(uuids: string[]): Promise<FileRecord[]> {
    return (await this.pool.query<FileRecord>(`SELECT ${COLUMNS} FROM files WHERE uuid = ANY($1::uuid[])`, [uuids])).rows;
  }

  /** The files of one knowledge base with their link's ingestion state, newest first. */
  async inKnowledgeBase(knowledgebaseId: string): Promise<FileWithLink[]> {
    const linkColumns = LINK_COLUMNS.split(',')
      .map((c) => c.trim())
      .filter((c) => c !== 'id' && c !== 'file_uuid')
      .map((c) => `l.${c}`)
      .join(', ');
    const { rows } = await this.pool.query<FileWithLink>(
      `SELECT f.uuid, f.title, f.storage_path, f.content_type, f.size::float8 AS size, f.user_uuid, f.team_id, f.project_id, f.created_at,
              l.id AS link_id, ${linkColumns}
         FROM file_knowledge_base_links l JOIN files f ON f.uuid = l.file_uuid
        WHERE l.knowledgebase_id = $1 ORDER BY f.created_at DESC, f.uuid`,
      [knowledgebaseId],
    );
    return rows;
  }
}
