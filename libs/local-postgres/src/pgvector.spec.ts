import { Client, type PoolClient } from 'pg';
import pgvector from 'pgvector/pg';
import { vectorParam } from './index';
import { useLocalPostgres } from './testing/use-local-postgres';

describe('pgvector on the local server', () => {
  const { server, pool } = useLocalPostgres();

  it('has the vector extension from the start, and CREATE EXTENSION is harmless', async () => {
    await pool.query('CREATE EXTENSION IF NOT EXISTS vector');
    const { rows } = await pool.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
    expect(rows).toEqual([{ extversion: expect.stringMatching(/^0\.\d+\.\d+$/) }]);
  });

  it('answers a cosine query through an HNSW index with the nearest row', async () => {
    await pool.query('CREATE TABLE items (id int PRIMARY KEY, embedding vector(3))');
    await pool.query(`INSERT INTO items SELECT i, ARRAY[cos(i / 10.0), sin(i / 10.0), 0.1]::vector FROM generate_series(1, 60) AS i`);
    await pool.query('CREATE INDEX items_embedding ON items USING hnsw (embedding vector_cosine_ops)');
    const target = `[${Math.cos(2.3)},${Math.sin(2.3)},0.1]`; // the direction of row 23
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off'); // LOCAL: the session is everyone's
      const plan = await client.query('EXPLAIN SELECT id FROM items ORDER BY embedding <=> $1 LIMIT 3', [target]);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan using items_embedding/);
      const { rows } = await client.query('SELECT id, embedding <=> $1 AS distance FROM items ORDER BY embedding <=> $1 LIMIT 3', [target]);
      await client.query('COMMIT');
      expect(rows.map((r) => r.id)).toEqual([23, expect.any(Number), expect.any(Number)]);
      expect(new Set(rows.slice(1).map((r) => r.id))).toEqual(new Set([22, 24]));
      expect(rows[0].distance).toBeLessThan(1e-6);
    } finally {
      client.release();
    }
  });

  it('works with the pgvector package: registerTypes parses vectors, toSql sends them', async () => {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      await pgvector.registerTypes(client);
      await client.query('CREATE TABLE typed (id int, embedding vector(3))');
      await client.query('INSERT INTO typed VALUES ($1, $2)', [1, pgvector.toSql([1, 2.5, -3])]);
      const { rows } = await client.query('SELECT embedding FROM typed WHERE id = 1');
      expect(rows).toEqual([{ embedding: [1, 2.5, -3] }]);
    } finally {
      await client.end();
    }
  });

  it('takes vectors as binary parameters (pg sends a Buffer in binary format) in the layout vector_send produces', async () => {
    const values = [1, 2.5, -3, 0.1];
    // The server's own binary form of the same vector is byte for byte what vectorParam builds.
    const sent = await pool.query("SELECT vector_send('[1,2.5,-3,0.1]'::vector) AS bytes");
    expect(Buffer.compare(sent.rows[0].bytes, vectorParam(values))).toBe(0);

    await pool.query('CREATE TABLE binary_in (id int, embedding vector(4))');
    await pool.query('INSERT INTO binary_in VALUES ($1, $2)', [1, vectorParam(values)]);
    const stored = await pool.query('SELECT embedding::text AS text, embedding <=> $1::vector AS distance FROM binary_in', [vectorParam(values)]);
    // Text input would have failed on these bytes: they reached vector_recv.
    expect(stored.rows).toEqual([{ text: '[1,2.5,-3,0.1]', distance: 0 }]);
  });

  it('inserts 2000 vectors of 512 dimensions as text and as binary parameters, storing the same values (rows/s printed)', async () => {
    const ROWS = 2000;
    const DIMS = 512;
    const BATCH = 250;
    const vectors = Array.from({ length: ROWS }, (_, row) => Array.from({ length: DIMS }, (_, d) => Math.sin(row * 0.37 + d * 0.011)));
    await pool.query(`CREATE TABLE warm_up (id int PRIMARY KEY, embedding vector(${DIMS}))`);
    await pool.query(`CREATE TABLE as_text (id int PRIMARY KEY, embedding vector(${DIMS})); CREATE TABLE as_binary (id int PRIMARY KEY, embedding vector(${DIMS}))`);

    const insertAll = async (table: string, encode: (v: number[]) => string | Buffer) => {
      const client: PoolClient = await pool.connect();
      const started = process.hrtime.bigint();
      try {
        await client.query('BEGIN');
        for (let first = 0; first < ROWS; first += BATCH) {
          const rows = vectors.slice(first, first + BATCH);
          const placeholders = rows.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ');
          await client.query(
            `INSERT INTO ${table} (id, embedding) VALUES ${placeholders}`,
            rows.flatMap((v, i) => [first + i, encode(v)]),
          );
        }
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      return Math.round(ROWS / seconds);
    };

    // PGlite's WebAssembly runs slowly until V8 has optimized it: the first few thousand rows
    // insert 2-3x slower than the rest, which would blur the comparison.
    await insertAll('warm_up', vectorParam);
    const textRate = await insertAll('as_text', (v) => pgvector.toSql(v) as string);
    const binaryRate = await insertAll('as_binary', vectorParam);
    console.log(`2000 x 512-dim vectors in batches of ${BATCH} rows: text ${textRate} rows/s, binary ${binaryRate} rows/s`);

    const same = await pool.query('SELECT count(*)::int AS n FROM as_text t JOIN as_binary b USING (id) WHERE t.embedding = b.embedding');
    expect(same.rows).toEqual([{ n: ROWS }]);
    const sample = await pool.query('SELECT embedding::text AS text FROM as_binary WHERE id = 1234');
    const expected = vectors[1234].map((v) => Math.fround(v));
    const stored = (sample.rows[0].text as string).slice(1, -1).split(',').map(Number);
    expect(stored.map((v) => Math.fround(v))).toEqual(expected);
  });
});
