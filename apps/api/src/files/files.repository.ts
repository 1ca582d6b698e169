import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../database/database.module';
import type { FileRecord } from '../ingestions/link';

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
}
