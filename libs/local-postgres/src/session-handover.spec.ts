import { Client } from 'pg';
import { bindValues, describeStatement, errorFields, execute, flush, parse, RawClient, syncMessage } from './testing/raw-client';
import { useLocalPostgres } from './testing/use-local-postgres';

describe('handing the shared session from one client to the next', () => {
  const { server, events, connect: open } = useLocalPostgres({ idleInTransactionTimeoutMs: 4_000 });
  const value = async (client: Client, sql: string) => Object.values((await client.query(sql)).rows[0])[0];

  beforeAll(async () => {
    await (await open()).query('CREATE TABLE handed (id int)');
  });

  it("gives each client its own settings: another client's SET is reset for the next and put back for its own", async () => {
    const [a, b] = [await open(), await open()];
    const defaultPath = await value(a, 'SHOW search_path');
    await a.query("SET work_mem = '9MB'; SELECT set_config('application_name', 'client a', false)");
    await b.query('SET search_path = pg_catalog, public');
    // A name only known at run time: every setting is looked at.
    await b.query('SELECT set_config($1, $2, false)', ['statement_timeout', '12345']);
    for (let round = 0; round < 3; round++) {
      expect(await value(a, 'SHOW statement_timeout')).toBe('0');
      expect(await value(b, 'SHOW statement_timeout')).toBe('12345ms');
      expect(await value(a, 'SHOW work_mem')).toBe('9MB');
      expect(await value(b, 'SHOW work_mem')).toBe('4MB');
      expect(await value(a, 'SHOW search_path')).toBe(defaultPath);
      expect(await value(b, 'SHOW search_path')).toBe('pg_catalog, public');
      expect(await value(a, "SELECT current_setting('application_name')")).toBe('client a');
    }
    await a.query('RESET work_mem');
    expect(await value(a, 'SHOW work_mem')).toBe('4MB');
    await a.end();
    await b.end();
    const c = await open();
    expect([await value(c, 'SHOW work_mem'), await value(c, 'SHOW search_path'), await value(c, "SELECT current_setting('application_name')")]).toEqual([
      '4MB',
      defaultPath,
      '',
    ]);
  });

  it('keeps the session with a client that has temporary tables, cuts it (57P05) when it idles while others wait, and drops them', async () => {
    const owner = await open();
    await owner.query('CREATE TEMP TABLE mine (x int); INSERT INTO mine VALUES (1)');
    await owner.query('INSERT INTO mine VALUES (2)'); // the table is still there for its owner
    expect(await value(owner, 'SELECT count(*)::int FROM mine')).toBe(2);
    const ended = new Promise((resolve) => owner.once('end', resolve));
    const other = await open();
    // It waits for the owner, which is cut after its idle limit; the table goes with it.
    expect(await value(other, "SELECT to_regclass('pg_temp.mine')::text")).toBeNull();
    await ended;
    expect(owner.errors[0]).toMatchObject({ code: '57P05', message: 'terminating connection due to idle-session timeout' });
    expect(events.some((e) => e.event === 'session.kept_for_state')).toBe(true);
  });

  it('gives temporary tables that end with their transaction (ON COMMIT DROP) no hold on the session', async () => {
    const a = await open();
    await a.query('BEGIN; CREATE TEMP TABLE passing (x int) ON COMMIT DROP; INSERT INTO passing VALUES (1); COMMIT');
    expect(await value(await open(), "SELECT to_regclass('pg_temp.passing')::text")).toBeNull();
    expect(a.errors).toEqual([]);
  });

  it('makes session advisory locks exclude other clients as on a real server, and releases them when their client goes', async () => {
    const [first, second] = [await open(), await open()];
    expect(await value(first, 'SELECT pg_try_advisory_lock(77)')).toBe(true);
    const order: string[] = [];
    const secondTakes = second.query('SELECT pg_try_advisory_lock(77) AS got').then((r) => {
      order.push('second locked');
      return r.rows[0].got;
    });
    await first.query('INSERT INTO handed VALUES (77)');
    order.push('first still working');
    expect(await value(first, 'SELECT pg_advisory_unlock(77)')).toBe(true);
    expect(await secondTakes).toBe(true);
    expect(order).toEqual(['first still working', 'second locked']);
    // The second leaves without unlocking: the lock goes with it.
    await second.end();
    expect(await value(await open(), "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory'")).toBe(0);
    expect(events.filter((e) => e.event === 'connection.cleanup_failed')).toEqual([]);
  });

  it('refuses LISTEN and SQL PREPARE with 0A000, failing the transaction they are in as any failed statement would', async () => {
    const c = await open();
    await expect(c.query('LISTEN jobs')).rejects.toMatchObject({ code: '0A000', message: expect.stringMatching(/LISTEN is not supported/) });
    await expect(c.query('PREPARE q AS SELECT 1')).rejects.toMatchObject({ code: '0A000', message: expect.stringMatching(/SQL PREPARE is not supported/) });
    await c.query('BEGIN');
    await c.query('INSERT INTO handed VALUES (1)');
    await expect(c.query('PREPARE q AS SELECT 1')).rejects.toThrow(/not supported/);
    await expect(c.query('INSERT INTO handed VALUES (2)')).rejects.toThrow(/current transaction is aborted/);
    await c.query('ROLLBACK');
    expect(await value(c, 'SELECT count(*)::int FROM handed WHERE id IN (1, 2)')).toBe(0);
    expect(await value(c, 'SELECT count(*)::int FROM pg_listening_channels()')).toBe(0);
  });

  it("answers a Parse or Describe of a named statement beside another client's idle transaction, without touching it", async () => {
    const holder = await open();
    await holder.query('BEGIN');
    await holder.query('INSERT INTO handed VALUES (500)');

    const raw = await RawClient.connect(server.port);
    raw.send(parse('SELECT $1::int * 2 AS doubled', 'twice'), describeStatement('twice'), syncMessage());
    const prepared = await raw.until('Z');
    expect(prepared.map((m) => m.type)).toEqual(['1', 't', 'T', 'Z']);
    expect(prepared[3].body.toString()).toBe('I'); // this client is in no transaction

    raw.send(parse('SELEKT broken', 'bad'), syncMessage());
    const failed = await raw.until('Z');
    expect(failed.map((m) => m.type)).toEqual(['E', 'Z']);
    expect(errorFields(failed[0].body).code).toBe('42601');
    expect(failed[1].body.toString()).toBe('I');

    // The holder's transaction neither failed nor ended: it goes on and commits.
    expect(await value(holder, 'SELECT count(*)::int FROM handed WHERE id = 500')).toBe(1);
    await holder.query('COMMIT');
    // Running the statement needs the session, which is free again.
    raw.send(bindValues('twice', ['21']), execute(), syncMessage());
    const ran = await raw.until('Z');
    expect(ran.map((m) => m.type)).toEqual(['2', 'D', 'C', 'Z']);
    expect(ran[1].body.subarray(6).toString()).toBe('42');
    raw.destroy();
  });

  it('answers the same ended by a Flush instead of a Sync, without holding the session, skipping to the Sync after an error', async () => {
    const holder = await open();
    await holder.query('BEGIN');
    await holder.query('INSERT INTO handed VALUES (600)');
    const raw = await RawClient.connect(server.port);
    raw.send(parse('SELECT $1::int + 1 AS next', 'flushed'), describeStatement('flushed'), flush());
    expect((await raw.until('T')).map((m) => m.type)).toEqual(['1', 't', 'T']); // no ReadyForQuery: none was asked for

    raw.send(parse('SELEKT broken', 'bad'), flush());
    expect((await raw.until('E')).map((m) => m.type)).toEqual(['E']);
    raw.send(bindValues('flushed', ['1']), execute(), syncMessage()); // skipped up to the Sync, as after any error
    expect((await raw.until('Z')).map((m) => [m.type, m.body.toString()])).toEqual([['Z', 'I']]);

    // Meanwhile the holder's transaction went on untouched; the statement runs once it ends.
    expect(await value(holder, 'SELECT count(*)::int FROM handed WHERE id = 600')).toBe(1);
    await holder.query('COMMIT');
    raw.send(bindValues('flushed', ['41']), execute(), syncMessage());
    const ran = await raw.until('Z');
    expect(ran.map((m) => m.type)).toEqual(['2', 'D', 'C', 'Z']);
    expect(ran[1].body.subarray(6).toString()).toBe('42');
    raw.destroy();
  });
});
