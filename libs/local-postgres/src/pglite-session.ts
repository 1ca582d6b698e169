import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Log } from './json-log';
import { growInMemoryFilesByDoubling } from './memfs-growth';

export interface SessionOptions {
  /** Absent: in memory. */
  dataDir?: string;
  /**
   * A `dumpDataDir` tarball to start a new database from (about 4x faster than initdb): an
   * in-memory one, or a data dir that holds no database yet. An in-memory start makes it when
   * it is missing. null: initdb every time.
   */
  templateFile?: string | null;
  log: Log;
}

/** Where in-memory servers keep their template, one per PGlite and pgvector version. */
export function defaultTemplateFile(): string {
  const version = (pkg: string) => JSON.parse(readFileSync(join(dirname(require.resolve(pkg)), '..', 'package.json'), 'utf8')).version as string;
  const name = `pglite-${version('@electric-sql/pglite')}-pgvector-${version('@electric-sql/pglite-pgvector')}.tar`;
  return join(tmpdir(), 'docingest-local-postgres', name);
}

/** The ParameterStatus values a client is told at startup, as the session has them. */
const REPORTED_SETTINGS = [
  'server_version',
  'server_encoding',
  'client_encoding',
  'DateStyle',
  'IntervalStyle',
  'TimeZone',
  'integer_datetimes',
  'standard_conforming_strings',
  'is_superuser',
  'session_authorization',
];

/** The one PGlite session (real Postgres with pgvector, in WebAssembly) every client shares. */
export class PgliteSession {
  private constructor(
    private readonly db: PGlite,
    readonly serverParameters: Record<string, string>,
    /** How the database came to be: a data dir reopened, a template loaded, or a fresh initdb. */
    readonly origin: 'data-dir' | 'template' | 'fresh',
    /** How an in-memory database's files grow (memfs-growth.ts); null with a data dir, or when the file system was not found. */
    readonly fileGrowth: 'doubling' | null,
  ) {}

  static async open(options: SessionOptions): Promise<PgliteSession> {
    const { db, origin } = await openDatabase(options);
    await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
    const { rows } = await db.query<{ name: string; setting: string }>('SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name', [
      REPORTED_SETTINGS,
    ]);
    const parameters = Object.fromEntries(rows.map((row) => [row.name, row.setting]));
    const fileGrowth = !options.dataDir && growInMemoryFilesByDoubling(db) ? 'doubling' : null;
    return new PgliteSession(db, parameters, origin, fileGrowth);
  }

  /** Runs raw frontend messages, returning the backend's answer. Synchronous inside PGlite, so never interleaved. */
  exec(messages: Uint8Array): Promise<Uint8Array> {
    return this.db.execProtocolRaw(messages);
  }

  inTransaction(): boolean {
    return this.db.isInTransaction();
  }

  /** Closes PGlite, which flushes a data dir. */
  close(): Promise<void> {
    return this.db.close();
  }
}

const create = (dataDir: string | undefined, loadDataDir?: Blob) => PGlite.create({ dataDir, loadDataDir, extensions: { vector } });

async function openDatabase(options: SessionOptions): Promise<{ db: PGlite; origin: PgliteSession['origin'] }> {
  const { dataDir, templateFile, log } = options;
  if (dataDir && existsSync(join(dataDir, 'PG_VERSION'))) return { db: await create(dataDir), origin: 'data-dir' };
  const untouched = !dataDir || !existsSync(dataDir) || readdirSync(dataDir).length === 0;
  if (templateFile && existsSync(templateFile) && untouched) {
    try {
      return { db: await create(dataDir, new Blob([readFileSync(templateFile)])), origin: 'template' };
    } catch (error) {
      log('template.unusable', { templateFile, error: (error as Error).message });
      if (dataDir) rmSync(dataDir, { recursive: true, force: true }); // it was empty before: initdb needs it so again
    }
  }
  const db = await create(dataDir);
  if (templateFile && !dataDir) await writeTemplate(db, templateFile, log);
  return { db, origin: 'fresh' };
}

/** Dumps a fresh database (with pgvector) as the template; written whole or not at all. */
async function writeTemplate(db: PGlite, templateFile: string, log: Log): Promise<void> {
  const partial = `${templateFile}.${process.pid}.partial`;
  try {
    await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
    const dump = await db.dumpDataDir('none');
    mkdirSync(dirname(templateFile), { recursive: true });
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, templateFile); // atomic: servers starting at the same time never read half a file
    log('template.written', { templateFile, bytes: dump.size });
  } catch (error) {
    rmSync(partial, { force: true });
    log('template.not_written', { templateFile, error: (error as Error).message });
  }
}
