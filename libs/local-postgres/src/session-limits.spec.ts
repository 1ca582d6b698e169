import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Client } from 'pg';
import { postgresTool } from './testing/postgres-tools';
import { bind, errorFields, execute, flush, parse, RawClient, syncMessage } from './testing/raw-client';
import { useLocalPostgres } from './testing/use-local-postgres';

/** A CancelRequest for the connection the client was told about in BackendKeyData. */
function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(80877102, 4);
    packet.writeInt32BE(processId, 8);
    packet.writeInt32BE(secretKey, 12);
    const socket = connect(port, '127.0.0.1', () => socket.write(packet));
    socket.on('error', reject);
    socket.on('close', () => resolve()); // the server closes it: that is the whole answer
  });
}

const keyOf = (client: Client) => client as unknown as { processID: number; secretKey: number };

describe('a client that holds the shared session idle', () => {
  const block = useLocalPostgres({ idleInTransactionTimeoutMs: 1_000, sessionWaitTimeoutMs: 120_000 });
  const open = block.connect;
  beforeAll(async () => {
    await (await open()).query('CREATE TABLE cut_me (id int)');
  });

  it('is disconnected with 25P03 once idle past the limit while another client waits; its transaction is rolled back and the waiter served', async () => {
    const idle = await open();
    await idle.query('BEGIN');
    await idle.query('INSERT INTO cut_me VALUES (1)');
    const ended = new Promise((resolve) => idle.once('end', resolve));

    const waiter = await open();
    expect((await waiter.query('SELECT count(*)::int AS n FROM cut_me')).rows).toEqual([{ n: 0 }]);

    await ended;
    expect(idle.errors[0]).toMatchObject({ code: '25P03', severity: 'FATAL', message: 'terminating connection due to idle-in-transaction timeout' });
    const cut = block.events.find((e) => e.event === 'connection.idle_cut');
    expect(cut).toMatchObject({ code: '25P03', status: 'T', waiting: 1 });
    expect(cut!.idleMs).toBeGreaterThanOrEqual(1_000);
    expect(block.events.some((e) => e.event === 'connection.rolled_back' && e.connection === cut!.connection)).toBe(true);
  });

  it('is left alone while nobody waits, however long it stays idle', async () => {
    const idle = await open();
    await idle.query('BEGIN');
    await idle.query('INSERT INTO cut_me VALUES (2)');
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // three times the limit, nobody waiting
    await idle.query('COMMIT');
    expect(idle.errors).toEqual([]);
    expect((await (await open()).query('SELECT count(*)::int AS n FROM cut_me WHERE id = 2')).rows).toEqual([{ n: 1 }]);
  });

  it('is disconnected mid extended-protocol sequence too (after Flush, before Sync), its implicit transaction aborted', async () => {
    const raw = await RawClient.connect(block.server.port);
    raw.send(parse('INSERT INTO cut_me VALUES (3)'), bind(), execute(), flush());
    await raw.until('C');
    expect((await (await open()).query('SELECT count(*)::int AS n FROM cut_me WHERE id = 3')).rows).toEqual([{ n: 0 }]);
    const [fatal] = (await raw.until('E')).slice(-1);
    expect(errorFields(fatal.body)).toMatchObject({ severity: 'FATAL', code: '25P03' });
    expect(await raw.next()).toBeNull(); // and the connection is closed
  });
});

describe('a client waiting for the shared session longer than the wait limit', () => {
  // A long idle limit and a short wait limit: the holder stays, the waiter gives up.
  const block = useLocalPostgres({ idleInTransactionTimeoutMs: 600_000, sessionWaitTimeoutMs: 500 });
  const open = block.connect;
  beforeAll(async () => {
    await (await open()).query('CREATE TABLE waited (id int)');
  });

  it('gets 55P03 after the wait limit and keeps a usable connection; the holder keeps its transaction', async () => {
    const holder = await open();
    await holder.query('BEGIN');
    await holder.query('INSERT INTO waited VALUES (1)');
    const waiter = await open();
    await expect(waiter.query('SELECT count(*) FROM waited')).rejects.toMatchObject({ code: '55P03', message: expect.stringMatching(/lock timeout.*shared session/) });
    await expect(waiter.query({ text: 'SELECT $1::int AS n', values: [1] })).rejects.toMatchObject({ code: '55P03' });
    await holder.query('COMMIT');
    expect((await waiter.query('SELECT count(*)::int AS n FROM waited')).rows).toEqual([{ n: 1 }]);
    expect(block.events.some((e) => e.event === 'session.wait_timed_out')).toBe(true);
  });

  it('after a timed-out Flush-ended group, skips to the Sync and answers it, as Postgres does after an error', async () => {
    const holder = await open();
    await holder.query('BEGIN');
    const raw = await RawClient.connect(block.server.port);
    raw.send(parse('SELECT 1'), bind(), execute(), flush());
    const [error] = await raw.until('E');
    expect(errorFields(error.body).code).toBe('55P03');
    raw.send(bind(), execute(), syncMessage());
    const answer = await raw.until('Z');
    expect(answer.map((m) => m.type)).toEqual(['Z']);
    expect(answer[0].body.toString()).toBe('I');
    await holder.query('COMMIT');
    raw.send(parse('SELECT 2'), bind(), execute(), syncMessage());
    expect((await raw.until('Z')).map((m) => m.type)).toEqual(['1', '2', 'D', 'C', 'Z']);
    raw.destroy();
  });
});

describe('a client waiting for the shared session, cancelled', () => {
  const block = useLocalPostgres({ idleInTransactionTimeoutMs: 600_000, sessionWaitTimeoutMs: 600_000 });
  const open = block.connect;

  it('is answered 57014 when its client sends a cancel request; a wrong secret key changes nothing', async () => {
    const holder = await open();
    await holder.query('BEGIN');
    const waiter = await open();
    const waiting = waiter.query('SELECT 42 AS n').then(
      (result) => result.rows,
      (error: Error & { code?: string }) => error.code,
    );
    await sendCancel(block.server.port, keyOf(waiter).processID, keyOf(waiter).secretKey + 1);
    await sendCancel(block.server.port, keyOf(waiter).processID, keyOf(waiter).secretKey);
    expect(await waiting).toBe('57014');
    expect(block.events.some((e) => e.event === 'cancel.refused')).toBe(true);
    await holder.query('COMMIT');
    expect((await waiter.query('SELECT 43 AS n')).rows).toEqual([{ n: 43 }]);
  });

  it("answers psql's cancel (libpq, on Ctrl-C) while psql waits, and pg_cancel_backend at once", async () => {
    const holder = await open();
    await holder.query('BEGIN');
    const psql = spawn(postgresTool('psql'), ['-X', '-c', '\\echo sending', '-c', "SELECT 'never shown'", block.server.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    psql.stdout.on('data', (d: Buffer) => (output += d));
    psql.stderr.on('data', (d: Buffer) => (output += d));
    const exited = new Promise<number | null>((resolve) => psql.once('exit', resolve));
    // psql sends its query right after the echo; once that waits for the session, Ctrl-C makes libpq
    // send a CancelRequest. A Ctrl-C that comes before the query is ignored by psql: repeat until it ends.
    for (let i = 0; i < 1_200 && !output.includes('sending'); i++) await new Promise((r) => setTimeout(r, 50));
    let done = false;
    void exited.then(() => (done = true));
    for (let i = 0; i < 120 && !done; i++) {
      await new Promise((r) => setTimeout(r, 500));
      if (!done) psql.kill('SIGINT');
    }
    expect(await exited).toBe(1);
    expect(output).toMatch(/canceling statement due to user request/);

    // PGlite has no other backends to signal: the function answers false, without waiting.
    await holder.query('COMMIT');
    const other = await open();
    expect((await holder.query('SELECT pg_cancel_backend($1) AS cancelled', [keyOf(other).processID])).rows).toEqual([{ cancelled: false }]);
  });
});
