import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bind, errorFields, execute, parse, query, RawClient, syncMessage, typed } from './testing/raw-client';
import { useLocalPostgres } from './testing/use-local-postgres';

const ROOT = join(__dirname, '../../..');

const run = (sql: string) => [parse(sql), bind(), execute()];
const terminate = () => typed('X', Buffer.alloc(0));

/**
 * Statements of the extended protocol sent after the last Sync (a pipeline) run as they arrive,
 * in the implicit transaction PostgreSQL gives them: committed at the Sync, rolled back whole
 * when one fails or when the connection ends before it.
 */
describe('implicit transactions of unsynced extended-protocol sequences', () => {
  const { server, events, connect: client } = useLocalPostgres();
  const ids = async () => (await (await client()).query('SELECT id FROM piped ORDER BY id')).rows.map((r) => r.id as number);
  const rolledBack = () => events.filter((e) => e.event === 'connection.rolled_back');
  /** The server's process id for the raw client, from its first statement's answer. */
  async function connectionId(raw: RawClient): Promise<number> {
    raw.send(query('SELECT 1'));
    await raw.until('Z');
    const opened = events.filter((e) => e.event === 'connection.opened');
    return opened[opened.length - 1].connection as number;
  }
  async function rolledBackFor(connection: number): Promise<Record<string, unknown>> {
    for (;;) {
      const found = rolledBack().find((e) => e.connection === connection);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    await (await client()).query('CREATE TABLE piped (id int PRIMARY KEY)');
  });
  // After useLocalPostgres has ended the test's clients.
  afterEach(async () => {
    await (await client()).query('TRUNCATE piped');
  });

  it('runs a pipeline as it arrives and rolls it back when the connection is cut before its Sync; the client waiting behind it is served', async () => {
    const raw = await RawClient.connect(server.port);
    const id = await connectionId(raw);
    raw.send(...run('INSERT INTO piped VALUES (1)'), ...run('INSERT INTO piped VALUES (2)'));
    await raw.until('C');
    await raw.until('C'); // both inserts ran: the implicit transaction holds them, and the session
    const waiting = (await client()).query('SELECT count(*)::int AS n FROM piped');
    raw.destroy();
    expect((await waiting).rows).toEqual([{ n: 0 }]);
    expect(await ids()).toEqual([]);
    expect(await rolledBackFor(id)).toMatchObject({ transaction: 'implicit' });
  });

  it('rolls back the pipeline of a client process killed before its Sync', async () => {
    const before = rolledBack().length;
    // Startup, then Parse, Bind and Execute with no Sync; says so once the CommandComplete is back.
    const messages = [...run('INSERT INTO piped VALUES (3)')].map((m) => m.toString('base64'));
    const script = `const socket = require('node:net').connect(${server.port}, '127.0.0.1');
      const params = Buffer.from('user\\0postgres\\0database\\0postgres\\0\\0'); const head = Buffer.alloc(8);
      head.writeInt32BE(8 + params.length, 0); head.writeInt32BE(196608, 4); socket.write(Buffer.concat([head, params]));
      let got = Buffer.alloc(0), sent = false;
      socket.on('data', (chunk) => { got = Buffer.concat([got, chunk]);
        for (;;) { if (got.length < 5 || got.length < 1 + got.readInt32BE(1)) break; const type = String.fromCharCode(got[0]); got = got.subarray(1 + got.readInt32BE(1));
          if (type === 'Z' && !sent) { sent = true; socket.write(Buffer.concat(${JSON.stringify(messages)}.map((m) => Buffer.from(m, 'base64')))); }
          if (type === 'C') console.log('inserted'); } });`;
    const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('inserted') && resolve()));
      child.kill('SIGKILL');
      expect(await ids()).toEqual([]);
      // The server's log reaches this process on its own pipe, not in step with the query's answer.
      while (rolledBack().length <= before) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(rolledBack().slice(before)).toContainEqual(expect.objectContaining({ transaction: 'implicit' }));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('rolls back a pipeline ended by Terminate instead of Sync', async () => {
    const raw = await RawClient.connect(server.port);
    const id = await connectionId(raw);
    raw.send(...run('INSERT INTO piped VALUES (4)'), terminate());
    await expect(raw.until('Z')).rejects.toThrow(/closed before/);
    expect(await rolledBackFor(id)).toMatchObject({ transaction: 'implicit' });
    expect(await ids()).toEqual([]);
  });

  it('rolls back the statements before a failing one, skips the rest up to the Sync, and the connection stays usable', async () => {
    const raw = await RawClient.connect(server.port);
    raw.send(...run('INSERT INTO piped VALUES (5)'), ...run('INSERT INTO piped VALUES (5)'));
    const failed = (await raw.until('E')).pop()!; // answered before any Sync was sent
    expect(errorFields(failed.body).message).toMatch(/duplicate key/);
    raw.send(...run('INSERT INTO piped VALUES (6)'), syncMessage());
    const answer = await raw.until('Z');
    expect(answer.map((m) => m.type)).toEqual(['Z']); // the insert after the failure was skipped
    expect(answer[0].body.toString('latin1')).toBe('I');
    expect(await ids()).toEqual([]);
    raw.send(...run('INSERT INTO piped VALUES (7)'), syncMessage());
    expect((await raw.until('Z')).map((m) => m.type)).toEqual(['1', '2', 'C', 'Z']);
    expect(await ids()).toEqual([7]);
    raw.destroy();
  });

  it('commits a pipeline at its Sync, and not before', async () => {
    const raw = await RawClient.connect(server.port);
    raw.send(...run('INSERT INTO piped VALUES (8)'), ...run('INSERT INTO piped VALUES (9)'));
    await raw.until('C');
    await raw.until('C');
    const waiting = (await client()).query('SELECT array_agg(id ORDER BY id) AS ids FROM piped');
    raw.send(syncMessage());
    expect((await raw.until('Z')).pop()!.body.toString('latin1')).toBe('I');
    // The reader waited for the Sync: it sees both rows, never one.
    expect((await waiting).rows).toEqual([{ ids: [8, 9] }]);
    raw.destroy();
  });

  it('keeps an explicit transaction begun inside a pipeline open after its Sync, as PostgreSQL does', async () => {
    const raw = await RawClient.connect(server.port);
    const id = await connectionId(raw);
    raw.send(...run('BEGIN'), ...run('INSERT INTO piped VALUES (10)'), syncMessage());
    expect((await raw.until('Z')).pop()!.body.toString('latin1')).toBe('T');
    raw.destroy();
    expect(await rolledBackFor(id)).toMatchObject({ transaction: 'explicit' });
    expect(await ids()).toEqual([]);
  });
});
