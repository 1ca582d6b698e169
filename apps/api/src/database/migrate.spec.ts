import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Pool } from 'pg';
import { startLocalPostgres, type LocalPostgres } from '@docingest/local-postgres';
import { createPg15Database, DATABASE_ENGINES } from '../testing/postgres15';
import { MIGRATIONS_DIR, migrate } from './migrate';

/** docs/data-model.md: the columns each app table must have. */
const DOCUMENTED_COLUMNS: Record<string, string[]> = {
  knowledge_bases: ['knowledgebase_id', 'name', 'vector_table_name', 'embedding_provider', 'embedding_model', 'embedding_dimensions', 'chunk_size', 'chunk_overlap'],
  files: ['uuid', 'title', 'storage_path', 'content_type', 'size', 'user_uuid', 'team_id', 'project_id', 'created_at', 'updated_at', 'source_generation'],
  file_knowledge_base_links: [
    'id',
    'file_uuid',
    'knowledgebase_id',
    'ingestion_status',
    'ingestion_progress',
    'processed_docs',
    'total_docs',
    'chunk_count',
    'current_stage',
    'ingestion_error',
    'ingestion_started_at',
    'ingestion_completed_at',
    'last_progress_at',
    'attempt',
    'embedding_model',
    'chunk_size',
    'chunk_overlap',
    'object_generation',
    'object_crc32c',
    'chunks_embedded',
    'chunks_reused',
    'embedding_tokens',
    'forced',
    'completed_object',
    'trace_id',
  ],
  imports: [
    'id',
    'knowledgebase_id',
    'gcs_uri',
    'bucket',
    'prefix',
    'include',
    'exclude',
    'status',
    'pages_listed',
    'next_page_token',
    'listing_ms',
    'error',
    'created_at',
    'listed_at',
    'completed_at',
  ],
  import_items: ['import_id', 'object_name', 'generation', 'file_uuid', 'link_id', 'attempt', 'outcome'],
  installation: ['id'],
  admin_sessions: ['id_hash', 'expires_at'],
};

/** The migration that builds the indexes on files CONCURRENTLY, outside a transaction. */
const INDEX_MIGRATION = '1764950000000_files-storage-path-indexes-concurrently';

/** As if that migration had never run: its indexes gone, its row too. */
async function undoIndexMigration(pool: Pool): Promise<void> {
  await pool.query(`DROP INDEX IF EXISTS files_one_per_imported_object; DROP INDEX IF EXISTS files_storage_path_idx`);
  await pool.query(`DELETE FROM pgmigrations WHERE name = $1`, [INDEX_MIGRATION]);
}

/** The indexes on files' storage_path, with whether each is valid (usable by queries). */
async function filesIndexes(pool: Pool): Promise<Array<{ name: string; valid: boolean }>> {
  const { rows } = await pool.query(
    `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'files'::regclass AND c.relname = ANY($1) ORDER BY 1`,
    [['files_one_per_imported_object', 'files_storage_path_idx']],
  );
  return rows;
}

describe.each(DATABASE_ENGINES)('database migrations (node-pg-migrate on a fresh database, %s)', (engine) => {
  let database: { url: string; stop(): Promise<void> };
  let pool: Pool;
  const migrationNames = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.replace(/\.js$/, ''))
    .sort();

  beforeAll(async () => {
    if (engine === 'PostgreSQL 15') {
      const own = await createPg15Database('migrate');
      database = { url: own.url, stop: () => own.drop() };
    } else {
      const local: LocalPostgres = await startLocalPostgres({});
      database = { url: local.url, stop: () => local.stop() };
    }
    pool = new Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.stop();
  });

  const schemaSnapshot = async () =>
    (
      await pool.query(
        `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
          WHERE table_schema = 'public' ORDER BY table_name, column_name`,
      )
    ).rows;

  it('applies every migration on a fresh database and creates the tables of docs/data-model.md', async () => {
    expect(migrationNames.length).toBeGreaterThan(0);
    const applied = await migrate(database.url);
    expect(applied).toEqual(migrationNames);

    const { rows } = await pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    for (const [table, columns] of Object.entries(DOCUMENTED_COLUMNS)) {
      const present = rows.filter((r) => r.table_name === table).map((r) => r.column_name);
      expect({ table, missing: columns.filter((c) => !present.includes(c)) }).toEqual({ table, missing: [] });
    }
  });

  it('creates exactly one installation id with the database', async () => {
    const { rows } = await pool.query<{ id: string }>('SELECT id FROM installation');
    expect(rows).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) }]);
    await expect(pool.query('INSERT INTO installation DEFAULT VALUES')).rejects.toThrow(/unique|duplicate/);
    await expect(pool.query('INSERT INTO installation (one_row) VALUES (false)')).rejects.toThrow(/check/);
  });

  it('gives the design defaults and refuses rows that break the rules', async () => {
    await pool.query(
      `INSERT INTO knowledge_bases (knowledgebase_id, name, vector_table_name, embedding_provider, embedding_model) VALUES ('kb', 'kb', 'kb_kb', 'local', 'use-lite')`,
    );
    const kb = (await pool.query(`SELECT chunk_size, chunk_overlap FROM knowledge_bases WHERE knowledgebase_id = 'kb'`)).rows[0];
    expect(kb).toEqual({ chunk_size: 1000, chunk_overlap: 200 });
    await expect(
      pool.query(`INSERT INTO knowledge_bases (knowledgebase_id, name, vector_table_name, embedding_provider, embedding_model, chunk_size, chunk_overlap)
                  VALUES ('kb2', 'kb2', 'kb_kb2', 'local', 'use-lite', 100, 100)`),
    ).rejects.toThrow(/overlap/);

    const file = '0b6c3c52-4d0b-4a33-9a3c-0f4f3b0e6a10';
    await pool.query(`INSERT INTO files (uuid, title, storage_path, size) VALUES ($1, 'a.txt', 'gs://docs/a.txt', 3)`, [file]);
    const link = (
      await pool.query(`INSERT INTO file_knowledge_base_links (file_uuid, knowledgebase_id) VALUES ($1, 'kb') RETURNING ingestion_status, ingestion_progress, attempt`, [
        file,
      ])
    ).rows[0];
    expect(link).toEqual({ ingestion_status: 'not_started', ingestion_progress: 0, attempt: 0 });
    await expect(pool.query(`INSERT INTO file_knowledge_base_links (file_uuid, knowledgebase_id) VALUES ($1, 'kb')`, [file])).rejects.toThrow(/links_one_per_pair/);
    await expect(pool.query(`UPDATE file_knowledge_base_links SET ingestion_status = 'done' WHERE file_uuid = $1`, [file])).rejects.toThrow(/links_status_known/);

    // Deleting a file takes its links with it: no link may point at nothing.
    await pool.query(`DELETE FROM files WHERE uuid = $1`, [file]);
    expect((await pool.query(`SELECT count(*)::int AS n FROM file_knowledge_base_links`)).rows[0].n).toBe(0);
  });

  it('three api instances migrating one fresh database at once: each migration applied once, one installation id', async () => {
    const fresh =
      engine === 'PostgreSQL 15'
        ? await createPg15Database('migrate_race').then((own) => ({ url: own.url, stop: () => own.drop() }))
        : await startLocalPostgres({}).then((local) => ({ url: local.url, stop: () => local.stop() }));
    const freshPool = new Pool({ connectionString: fresh.url, max: 1 });
    try {
      const outcomes = await Promise.allSettled([migrate(fresh.url), migrate(fresh.url), migrate(fresh.url)]);
      const problems = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
      expect(problems).toEqual([]);
      const applied = outcomes.flatMap((o) => (o as PromiseFulfilledResult<string[]>).value);
      expect([...applied].sort()).toEqual(migrationNames);
      expect((await freshPool.query('SELECT count(*)::int AS n FROM installation')).rows[0].n).toBe(1);
      expect((await freshPool.query('SELECT count(*)::int AS n FROM pgmigrations')).rows[0].n).toBe(migrationNames.length);
    } finally {
      await freshPool.end();
      await fresh.stop();
    }
  });

  it('builds the indexes on files again when an interrupted concurrent build left one INVALID', async () => {
    await undoIndexMigration(pool);
    const [a, b] = [randomUUID(), randomUUID()];
    await pool.query(`INSERT INTO files (uuid, title, storage_path, size, source_generation) VALUES ($1, 'a', 'gs://b/same', 1, '1'), ($2, 'b', 'gs://b/same', 1, '2')`, [
      a,
      b,
    ]);
    // A unique build that meets a duplicate fails as a crash would, and leaves its index behind, INVALID.
    await expect(
      pool.query(`CREATE UNIQUE INDEX CONCURRENTLY files_one_per_imported_object ON files (storage_path) WHERE source_generation IS NOT NULL`),
    ).rejects.toThrow(/could not create unique index/);
    expect(await filesIndexes(pool)).toEqual([{ name: 'files_one_per_imported_object', valid: false }]);
    await pool.query(`DELETE FROM files WHERE uuid = $1`, [b]);

    expect(await migrate(database.url)).toEqual([INDEX_MIGRATION]);
    expect(await filesIndexes(pool)).toEqual([
      { name: 'files_one_per_imported_object', valid: true },
      { name: 'files_storage_path_idx', valid: true },
    ]);
    await expect(pool.query(`INSERT INTO files (uuid, title, storage_path, size, source_generation) VALUES ($1, 'b', 'gs://b/same', 1, '2')`, [b])).rejects.toThrow(
      /files_one_per_imported_object/,
    );
    await pool.query(`DELETE FROM files WHERE uuid = $1`, [a]);
  });

  it('is a no-op when run again: nothing applied, schema and rows unchanged', async () => {
    const before = await schemaSnapshot();
    const rowsBefore = (await pool.query(`SELECT * FROM knowledge_bases ORDER BY knowledgebase_id`)).rows;
    expect(await migrate(database.url)).toEqual([]);
    expect(await migrate(database.url)).toEqual([]);
    expect(await schemaSnapshot()).toEqual(before);
    expect((await pool.query(`SELECT * FROM knowledge_bases ORDER BY knowledgebase_id`)).rows).toEqual(rowsBefore);
    const recorded = (await pool.query<{ name: string }>(`SELECT name FROM pgmigrations ORDER BY run_on, id`)).rows.map((r) => r.name);
    expect(recorded).toEqual(migrationNames);
  });
});

describe('database migrations on PostgreSQL 15: the indexes on files are built CONCURRENTLY', () => {
  let database: { url: string; drop(): Promise<void> };
  let pool: Pool;

  beforeAll(async () => {
    database = await createPg15Database('migrate_concurrently');
    pool = new Pool({ connectionString: database.url, max: 4 });
    await migrate(database.url);
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('lets writes to files go on while the build waits for a transaction that wrote to files before it', async () => {
    await undoIndexMigration(pool);
    const writer = await pool.connect();
    const other = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`INSERT INTO files (uuid, title, storage_path, size) VALUES ($1, 'open', 'gs://b/open', 1)`, [randomUUID()]);
      let settled = false;
      const migrating = migrate(database.url).finally(() => (settled = true));
      // The build waits for the open transaction (a plain CREATE INDEX for its lock, a concurrent one for the transaction to end).
      while (!settled) {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ILIKE 'CREATE%INDEX%files%' AND wait_event_type = 'Lock'`);
        if (rows[0].n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Behind a plain CREATE INDEX's lock request this INSERT would wait until the open transaction ends: the bound turns that wait into a failure.
      await other.query(`SET lock_timeout = '10s'`);
      await other.query(`INSERT INTO files (uuid, title, storage_path, size) VALUES ($1, 'during', 'gs://b/during', 1)`, [randomUUID()]);
      await writer.query('COMMIT');
      expect(await migrating).toEqual([INDEX_MIGRATION]);
      expect(await filesIndexes(pool)).toEqual([
        { name: 'files_one_per_imported_object', valid: true },
        { name: 'files_storage_path_idx', valid: true },
      ]);
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined);
      writer.release();
      other.release();
    }
  });
});
