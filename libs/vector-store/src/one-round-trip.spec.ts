import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { inOneRoundTrip } from './one-round-trip';

/**
 * On the machine's PostgreSQL 15 (PG15_URL, as the api's tests), in a schema of its own: PGlite
 * has one session, so no statement there ever waits for a lock and none can show what follows.
 */
const PG15_URL = process.env.PG15_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

describe('inOneRoundTrip on PostgreSQL 15', () => {
  const schema = `one_round_trip_${process.pid}_${randomBytes(4).toString('hex')}`;
  const table = `"${schema}".chunks`;
  let pool: Pool;

  const replacement = (file: string, texts: string[]) => [
    { text: 'SELECT pg_advisory_xact_lock(hashtext($1))', values: [`lock:${file}`] },
    { text: `DELETE FROM ${table} WHERE file = $1`, values: [file] },
    ...texts.map((text) => ({ text: `INSERT INTO ${table} (file, text) VALUES ($1, $2)`, values: [file, text] })),
  ];
  const textsOf = async (file: string) => (await pool.query(`SELECT text FROM ${table} WHERE file = $1 ORDER BY id`, [file])).rows.map((r) => r.text);

  beforeAll(async () => {
    pool = new Pool({ connectionString: PG15_URL, max: 4 });
    await pool.query(`CREATE SCHEMA "${schema}"`);
    await pool.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, file text NOT NULL, text text NOT NULL CHECK (text <> 'bad'))`);
  });
  afterAll(async () => {
    await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
  });

  it('runs every statement after the lock is granted: rows committed by the writer it waited for are deleted, not kept beside its own', async () => {
    const holder = await pool.connect();
    const sender = await pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['lock:f1']);
      const waiting = inOneRoundTrip(sender, replacement('f1', ['new 1', 'new 2']));
      // Until the round trip waits for the lock, nothing of it has run.
      for (;;) {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
        if (rows[0].n > 0) break;
      }
      await holder.query(`INSERT INTO ${table} (file, text) VALUES ('f1', 'old')`);
      await holder.query('COMMIT');
      // A single statement (DELETE in a CTE) would read with a snapshot from before the wait and keep 'old'.
      expect(await waiting).toEqual([1, 1, 1, 1]);
      expect(await textsOf('f1')).toEqual(['new 1', 'new 2']);
    } finally {
      holder.release();
      sender.release();
    }
  });

  it('rolls every statement back when a later one fails, and leaves the connection ready', async () => {
    const client = await pool.connect();
    try {
      expect(await inOneRoundTrip(client, replacement('f2', ['a', 'b']))).toEqual([1, 0, 1, 1]);
      await expect(inOneRoundTrip(client, replacement('f2', ['c', 'bad', 'd']))).rejects.toThrow(/check constraint/);
      expect(await client.query('SELECT 1 AS one').then((r) => r.rows)).toEqual([{ one: 1 }]);
      expect(await textsOf('f2')).toEqual(['a', 'b']);
      const told: Array<[number, number]> = [];
      await inOneRoundTrip(client, replacement('f2', ['e']), (index, count) => told.push([index, count]));
      expect(told).toEqual([
        [0, 1],
        [1, 2],
        [2, 1],
      ]);
      expect(await textsOf('f2')).toEqual(['e']);
    } finally {
      client.release();
    }
  });

  it('refuses a value that is not text, a Buffer or null before sending anything', async () => {
    const client = await pool.connect();
    try {
      expect(() => inOneRoundTrip(client, [{ text: 'SELECT $1', values: [42 as unknown as string] }])).toThrow(/text, Buffer or null/);
      expect(await client.query('SELECT 2 AS two').then((r) => r.rows)).toEqual([{ two: 2 }]);
    } finally {
      client.release();
    }
  });
});
