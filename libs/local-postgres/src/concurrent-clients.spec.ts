import { connect } from 'node:net';
import { Client, Pool } from 'pg';
import { prepareLedger, runLedgerWorkload } from './testing/ledger-workload';
import { useLocalPostgres } from './testing/use-local-postgres';

describe('many clients on the one PGlite session', () => {
  const { server } = useLocalPostgres();

  it('gives every connection its own results under concurrent transactions, reads and rollbacks from 4 pools', async () => {
    await prepareLedger(server.url);
    const shape = { pools: 4, connectionsPerPool: 4, workersPerPool: 4, readersPerPool: 2, transactionsPerWorker: 12, readsPerReader: 30, payloadBytes: 100_000 };

    const { problems, committed } = await runLedgerWorkload(server.url, shape);

    expect(problems).toEqual([]);
    const check = new Client({ connectionString: server.url });
    await check.connect();
    try {
      const perWorker = await check.query('SELECT worker, count(*)::int AS rows, sum(amount)::int AS sum FROM ledger GROUP BY worker ORDER BY worker');
      const expected = [...committed.entries()].sort(([a], [b]) => a - b).map(([worker, done]) => ({ worker, ...done }));
      expect(perWorker.rows).toEqual(expected);
      // 12 transactions per worker: seq % 4 = 0 and 1 commit, 2 rolls back, 3 fails then rolls back.
      const total = await check.query('SELECT count(*)::int AS rows, sum(amount)::bigint::text AS sum, count(*) FILTER (WHERE seq % 4 >= 2)::int AS undone FROM ledger');
      const workers = [...committed.keys()];
      const expectedSum = workers.reduce((sum, w) => sum + [0, 1, 4, 5, 8, 9].reduce((s, seq) => s + w * 1000 + seq, 0), 0);
      expect(total.rows).toEqual([{ rows: 16 * 6, sum: String(expectedSum), undone: 0 }]);
    } finally {
      await check.end();
    }
  });

  it('keeps prepared statements of the same name apart between connections', async () => {
    const a = new Client({ connectionString: server.url });
    const b = new Client({ connectionString: server.url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      for (let round = 0; round < 3; round++) {
        const [fromA, fromB] = await Promise.all([
          a.query({ name: 'same-name', text: 'SELECT $1::int * 10 AS v', values: [round] }),
          b.query({ name: 'same-name', text: "SELECT $1::text || '!' AS v", values: [`b${round}`] }),
        ]);
        expect(fromA.rows).toEqual([{ v: round * 10 }]);
        expect(fromB.rows).toEqual([{ v: `b${round}!` }]);
      }
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    // The departed connections' statements are gone: a new client may use the name afresh.
    const c = new Client({ connectionString: server.url });
    await c.connect();
    expect((await c.query({ name: 'same-name', text: 'SELECT 7 AS v' })).rows).toEqual([{ v: 7 }]);
    expect((await c.query("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE '%same-name'")).rows).toEqual([{ n: 1 }]);
    await c.end();
  });

  it('accepts new connections after pools have ended, many times over', async () => {
    for (let round = 0; round < 4; round++) {
      const pool = new Pool({ connectionString: server.url, max: 4 });
      const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => pool.query('SELECT $1::int * $2::int AS v', [n, round])));
      expect(results.map((r) => r.rows[0].v)).toEqual([1, 2, 3, 4, 5, 6].map((n) => n * round));
      await pool.end();
    }
  });

  it("answers SSLRequest with 'N' and closes a CancelRequest connection, serving others meanwhile", async () => {
    const ssl = await rawExchange(server.port, Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
    expect(ssl.bytes.toString('latin1')).toBe('N');
    expect(ssl.closedByServer).toBe(false); // it waits for the startup packet

    const cancel = Buffer.alloc(16);
    cancel.writeInt32BE(16, 0);
    cancel.writeInt32BE(80877102, 4);
    cancel.writeInt32BE(1, 8);
    cancel.writeInt32BE(12345, 12);
    expect(await rawExchange(server.port, cancel)).toEqual({ bytes: Buffer.alloc(0), closedByServer: true });

    const client = new Client({ connectionString: server.url });
    await client.connect();
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
  });
});

/** Writes bytes on a fresh connection and collects what comes back until the server closes it or 500 ms of quiet. */
function rawExchange(port: number, bytes: Buffer): Promise<{ bytes: Buffer; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    let closedByServer = false;
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let quiet = setTimeout(() => socket.destroy(), 500);
    socket.on('data', (chunk) => {
      received.push(chunk);
      clearTimeout(quiet);
      quiet = setTimeout(() => socket.destroy(), 500);
    });
    socket.on('end', () => (closedByServer = true));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(quiet);
      resolve({ bytes: Buffer.concat(received), closedByServer });
    });
  });
}
