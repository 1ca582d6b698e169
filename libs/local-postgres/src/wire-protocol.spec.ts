import { ProtocolError, VectorParamError } from './errors';
import { FrontendReader, type FrontendPacket } from './frontend-reader';
import { serverSettings } from './server-settings';
import { StatementNames } from './statement-names';
import { ANY_SETTING, REFUSALS, refusedMessage, sqlText, statementRules } from './statement-rules';
import { vectorParam } from './vector-param';
import { errorResponse, lastReadyStatus, readyForQuery, simpleQuery, sync } from './wire-messages';

function typed(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}
const parse = (name: string, sql: string) => typed('P', Buffer.concat([Buffer.from(`${name}\0${sql}\0`), Buffer.alloc(2)]));
const bind = (portal: string, statement: string) => typed('B', Buffer.concat([Buffer.from(`${portal}\0${statement}\0`), Buffer.alloc(6)]));
const describe_ = (kind: 'S' | 'P', name: string) => typed('D', Buffer.from(`${kind}${name}\0`));
const close = (kind: 'S' | 'P', name: string) => typed('C', Buffer.from(`${kind}${name}\0`));

function startup(params: Record<string, string>): Buffer {
  const body = Buffer.from(
    `${Object.entries(params)
      .map(([k, v]) => `${k}\0${v}\0`)
      .join('')}\0`,
  );
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

describe('FrontendReader', () => {
  const ssl = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
  const stream = Buffer.concat([
    ssl,
    startup({ user: 'postgres', database: 'postgres' }),
    parse('', 'SELECT $1'),
    bind('', ''),
    typed('E', Buffer.alloc(5)),
    sync(),
    simpleQuery('SELECT 1'),
  ]);
  const summary = (packets: FrontendPacket[]) =>
    packets.map((p) => (p.kind === 'message' ? `${p.type}:${p.bytes.toString('hex')}` : p.kind === 'startup' ? `startup:${JSON.stringify(p.params)}` : p.kind));
  const whole = summary(new FrontendReader().push(stream));

  it('cuts a stream into the startup phase packets and whole typed messages', () => {
    expect(whole.map((s) => s.split(':')[0])).toEqual(['encryption-request', 'startup', 'P', 'B', 'E', 'S', 'Q']);
    expect(whole[1]).toBe('startup:{"user":"postgres","database":"postgres"}');
  });

  it('gives the same messages however the bytes are split across reads', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const reader = new FrontendReader();
      expect(summary([...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))])).toEqual(whole);
    }
    const byteByByte = new FrontendReader();
    expect(summary([...stream].flatMap((byte) => byteByByte.push(Buffer.from([byte]))))).toEqual(whole);
  });

  it('refuses a message whose length cannot be right', () => {
    const reader = new FrontendReader();
    reader.push(startup({ user: 'postgres' }));
    expect(() => reader.push(Buffer.from([0x51, 0, 0, 0, 2]))).toThrow(ProtocolError);
    expect(() => new FrontendReader().push(Buffer.from([0x16, 0x03, 0x01, 0x02, 0, 0, 0, 0]))).toThrow(/Startup packet has an invalid length/); // a TLS hello
  });
});

describe('StatementNames', () => {
  it('prefixes named statements in Parse, Bind, Describe and Close, and leaves unnamed ones and portals alone', () => {
    const names = new StatementNames('c7:');
    expect(names.rewrite('P', parse('get', 'SELECT 1'))).toEqual(parse('c7:get', 'SELECT 1'));
    expect(names.rewrite('B', bind('portal', 'get'))).toEqual(bind('portal', 'c7:get'));
    expect(names.rewrite('D', describe_('S', 'get'))).toEqual(describe_('S', 'c7:get'));
    expect(names.rewrite('D', describe_('P', 'portal'))).toEqual(describe_('P', 'portal'));
    expect(names.rewrite('P', parse('', 'SELECT 2'))).toEqual(parse('', 'SELECT 2'));
    expect(names.rewrite('B', bind('', ''))).toEqual(bind('', ''));
    names.rewrite('P', parse('other', 'SELECT 3'));
    expect(names.prepared).toEqual(['c7:get', 'c7:other']);
    expect(names.rewrite('C', close('S', 'get'))).toEqual(close('S', 'c7:get'));
    expect(names.prepared).toEqual(['c7:other']);
  });
});

describe('wire messages', () => {
  it('finds the transaction status of the last ReadyForQuery, walking message boundaries', () => {
    // A DataRow whose bytes end like a ReadyForQuery 'T' must not count.
    const lookalike = typed('D', Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 6]), Buffer.from('Z\0\0\0\x05T', 'latin1')]));
    expect(lastReadyStatus(Buffer.concat([lookalike, readyForQuery('I')]))).toBe('I');
    expect(lastReadyStatus(Buffer.concat([readyForQuery('I'), errorResponse('22012', 'division by zero'), readyForQuery('E')]))).toBe('E');
    expect(lastReadyStatus(lookalike)).toBeNull(); // the answer to a Flush
  });
});

describe('statementRules', () => {
  const rules = (sql: string) => statementRules(sql);

  it('refuses COPY ... FROM STDIN, LISTEN and SQL PREPARE, in a Query or a Parse, and nothing else', () => {
    expect(rules('copy t (a, b) from stdin with (format csv)').refusal).toBe(REFUSALS.copyFromStdin);
    expect(rules('SELECT 1; COPY t FROM STDIN').refusal).toBe(REFUSALS.copyFromStdin);
    expect(rules(sqlText('P', parse('s', 'COPY t FROM STDIN'))!).refusal).toBe(REFUSALS.copyFromStdin);
    expect(rules('/* hi */ LISTEN jobs').refusal).toBe(REFUSALS.listen);
    expect(rules('PREPARE q (int) AS SELECT $1').refusal).toBe(REFUSALS.prepare);
    expect(rules('prepare "Q" AS SELECT 1').refusal).toBe(REFUSALS.prepare);
    for (const fine of ['COPY t TO STDOUT', "SELECT 'copy from stdin'", 'EXECUTE q(1)', "NOTIFY jobs, 'x'", "SELECT 'listen'"]) expect(rules(fine).refusal).toBeNull();
  });

  it('flags settings a statement may change, and state that ties the session to its client', () => {
    expect(rules('SET search_path = app').settings).toEqual(['search_path']);
    expect(rules('begin; -- note\nset statement_timeout = 5; SET SESSION "Work_Mem" TO 1; commit').settings).toEqual(['statement_timeout', 'work_mem']);
    expect(rules("SELECT set_config('myapp.tenant', '8', false), set_config($1, $2, false)").settings).toEqual(['myapp.tenant', ANY_SETTING]);
    expect(rules("SET TIME ZONE 'UTC'; SET NAMES 'UTF8'; SET ROLE nobody").settings).toEqual(['timezone', 'client_encoding', 'role']);
    expect(rules('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY').settings).toEqual([
      'default_transaction_isolation',
      'default_transaction_read_only',
      'default_transaction_deferrable',
    ]);
    expect(rules('RESET ALL').settings).toEqual([]);
    expect(rules("SET 'odd' = 1").settings).toEqual([ANY_SETTING]);
    for (const local of ['SET LOCAL work_mem = 1', 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'UPDATE t SET a = 1', 'SELECT 1'])
      expect(rules(local).settings).toEqual([]);
    for (const kept of [
      'CREATE TEMP TABLE x (a int)',
      'create temporary view v as select 1',
      'SELECT 1 INTO TEMP t',
      'SELECT pg_try_advisory_lock(1)',
      'DECLARE c CURSOR WITH HOLD FOR SELECT 1',
    ])
      expect(rules(kept).exclusive).toBe(true);
    for (const free of ['SELECT pg_advisory_xact_lock(1)', 'CREATE TABLE t (a int)', 'SELECT 1']) expect(rules(free).exclusive).toBe(false);
  });

  it('replaces a refused statement by one raising the refusal, keeping the Parse name and parameter types', () => {
    const refused = refusedMessage('P', parse('s', 'COPY t FROM STDIN'), 'no "copy" here');
    expect(refused.subarray(5, 7).toString()).toBe('s\0');
    expect(sqlText('P', refused)).toBe(`DO $refused$ BEGIN RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = 'no "copy" here'; END $refused$`);
    expect(refused.subarray(-2)).toEqual(Buffer.alloc(2)); // no parameter types, as sent
    expect(refused.readInt32BE(1)).toBe(refused.length - 1);
    expect(sqlText('Q', refusedMessage('Q', simpleQuery('LISTEN x'), "it's refused"))).toContain("MESSAGE = 'it''s refused'");
  });
});

describe('vectorParam', () => {
  it('writes pgvector binary: int16 dimensions, int16 zero, big-endian float32 values', () => {
    expect(vectorParam([1, -2.5]).toString('hex')).toBe('0002' + '0000' + '3f800000' + 'c0200000');
    expect(vectorParam(new Float32Array([0.5])).toString('hex')).toBe('000100003f000000');
  });

  it('refuses what pgvector would refuse, saying why', () => {
    expect(() => vectorParam([])).toThrow(VectorParamError);
    expect(() => vectorParam(new Array(16_001).fill(0))).toThrow(/16001 dimensions/);
    expect(() => vectorParam([0, Number.NaN])).toThrow(/index 1/);
    expect(() => vectorParam([1e39])).toThrow(/not a finite float32/);
  });
});

describe('serverSettings', () => {
  it('takes flags over environment variables over defaults', () => {
    const env = { LOCAL_PG_PORT: '6000', LOCAL_PG_HOST: '0.0.0.0', LOCAL_PG_DATA_DIR: '/srv/pg' };
    expect(serverSettings(['--port', '7000', '--no-template'], env)).toEqual({
      host: '0.0.0.0',
      port: 7000,
      dataDir: '/srv/pg',
      templateFile: null,
      exitWithStdin: false,
      idleInTransactionTimeoutMs: 30_000,
      sessionWaitTimeoutMs: 120_000,
    });
    expect(serverSettings(['--idle-in-transaction-timeout-ms', '1500'], { LOCAL_PG_SESSION_WAIT_TIMEOUT_MS: '9000' })).toMatchObject({
      idleInTransactionTimeoutMs: 1500,
      sessionWaitTimeoutMs: 9000,
    });
    expect(serverSettings([], {})).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      dataDir: undefined,
      templateFile: expect.stringMatching(/pglite-0\.5\.14-pgvector-0\.0\.15\.tar$/),
    });
    expect(() => serverSettings(['--port', '70000'], {})).toThrow(/Port must be 0-65535/);
    expect(() => serverSettings([], { LOCAL_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS: '10s' })).toThrow(
      /LOCAL_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS .*must be a whole number of milliseconds.*got "10s"/,
    );
    expect(() => serverSettings(['--session-wait-timeout-ms', '0'], {})).toThrow(/LOCAL_PG_SESSION_WAIT_TIMEOUT_MS/);
  });
});
