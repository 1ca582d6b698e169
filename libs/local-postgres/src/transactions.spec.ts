import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { bind, execute, flush, parse, RawClient } from './testing/raw-client';
import { useLocalPostgres } from './testing/use-local-postgres';

const ROOT = join(__dirname, '../../..');

describe('transactions on the shared session', () => {
  // Its clients' errors are collected, not thrown: the killed ones report there.
  const { server, connect: client } = useLocalPostgres();
  const count = async (table: string) => (await (await client()).query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

  beforeAll(async () => {
    await (await client()).query('CREATE TABLE once (id int PRIMARY KEY); CREATE TABLE orphan (id int)');
  });

  it('rolls back a transaction that failed, keeping nothing of it', async () => {
    const c = await client();
    await c.query('BEGIN');
    await c.query('INSERT INTO once VALUES (1), (2)');
    await expect(c.query('INSERT INTO once VALUES (2)')).rejects.toThrow(/duplicate key/);
    await expect(c.query('INSERT INTO once VALUES (3)')).rejects.toThrow(/current transaction is aborted/);
    await c.query('ROLLBACK');
    expect(await count('once')).toBe(0);
    // The session is idle again for everyone.
    expect((await (await client()).query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('rolls back the transaction of a client process killed mid-transaction, and serves the client waiting behind it', async () => {
    const script = `const { Client } = require('pg');
      (async () => { const c = new Client({ connectionString: ${JSON.stringify(server.url)} }); await c.connect();
        await c.query('BEGIN'); await c.query('INSERT INTO orphan VALUES (1)'); console.log('inserted'); setInterval(() => {}, 1000); })();`;
    const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('inserted') && resolve()));
      // This reader needs the session, which the child holds inside its transaction.
      const waiting = (await client()).query('SELECT count(*)::int AS n FROM orphan');
      child.kill('SIGKILL');
      expect((await waiting).rows).toEqual([{ n: 0 }]);
      expect(await count('orphan')).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('rolls back the transaction of a client whose socket is destroyed', async () => {
    const c = await client();
    await c.query('BEGIN');
    await c.query('INSERT INTO orphan VALUES (2)');
    (c as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
    expect(await count('orphan')).toBe(0);
  });

  it('rolls back a client that terminates (pg end) inside a transaction', async () => {
    const c = new Client({ connectionString: server.url });
    await c.connect();
    await c.query('BEGIN');
    await c.query('INSERT INTO orphan VALUES (3)');
    await c.end();
    expect(await count('orphan')).toBe(0);
  });

  it('aborts the implicit transaction of a client that vanishes mid extended-protocol sequence (after Execute and Flush, before Sync)', async () => {
    const raw = await RawClient.connect(server.port);
    raw.send(parse('INSERT INTO orphan VALUES (4)'), bind(), execute(), flush());
    await raw.until('C'); // CommandComplete: the insert ran, its transaction is open
    raw.destroy();
    expect(await count('orphan')).toBe(0);
  });

  it('refuses COPY ... FROM STDIN with an error, the connection staying usable', async () => {
    const c = await client();
    await expect(c.query('COPY orphan FROM STDIN')).rejects.toMatchObject({ code: '0A000', message: expect.stringMatching(/COPY \.\.\. FROM STDIN is not supported/) });
    expect((await c.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    // Inside a transaction it fails the transaction, as any failing statement would.
    await c.query('BEGIN');
    await c.query('INSERT INTO orphan VALUES (5)');
    await expect(c.query('COPY orphan FROM STDIN')).rejects.toThrow(/not supported/);
    await expect(c.query('SELECT 1')).rejects.toThrow(/current transaction is aborted/);
    await c.query('ROLLBACK');
    expect(await count('orphan')).toBe(0);
  });
});
