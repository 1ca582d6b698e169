/**
 * What a client's statement means for the one session every client shares. Read from the SQL
 * text of a Query or Parse message, before it runs: cheap enough for every message, so that
 * the costly hand-over work (session-state.ts) is done only for clients that need it. A word
 * inside a string or comment can make a false alarm, which costs one check, never a wrong answer.
 */
export interface StatementRules {
  /** Set: the statement is not run; the client gets this as an ERROR (0A000) in its place. */
  refusal: string | null;
  /**
   * Settings it may change (SET, RESET, set_config), carried per client across hand-overs:
   * their names, or ANY_SETTING when a name cannot be read from the text (then all are looked at).
   */
  settings: string[];
  /** It may leave state that cannot be carried (temporary tables, session advisory locks, holdable cursors): its client keeps the session while that state exists. */
  exclusive: boolean;
}

const NO_RULES: StatementRules = { refusal: null, settings: [], exclusive: false };

/** A setting changed in a way whose name the text does not show. */
export const ANY_SETTING = '*';

// COPY ... FROM STDIN loses PGlite's protocol sync and leaves it in a busy loop, which would take
// every other client down with it.
const COPY_FROM_STDIN = /(^|;)\s*copy\b[^;]*\bfrom\s+stdin\b/i;
const COMMENTS = /--[^\n]*|\/\*[\s\S]*?\*\//g;
/** The first two words of each statement of a (possibly multi-statement) text, comments removed. */
const STATEMENT_START = /(?:^|;)\s*([a-z_]+)\b(?:\s+([a-z_]+))?/gi;
const SET_CONFIG = /\bset_config\s*\(\s*('[a-z_][\w$.]*'\s*,)?/gi;
/** SET/RESET [SESSION] name, and the forms with their own grammar. */
const SET_NAME = /^(?:set|reset)\s+(?:session\s+)?("?[a-z_][\w$.]*"?)(?:\s+([a-z_]+))?/i;
const SPECIAL_FORMS: Record<string, string[]> = {
  'time zone': ['timezone'],
  schema: ['search_path'],
  names: ['client_encoding'],
  characteristics: ['default_transaction_isolation', 'default_transaction_read_only', 'default_transaction_deferrable'],
  authorization: ['session_authorization'],
  all: [],
};
/** A setting name that can be written in SQL as it is. */
export const PLAIN_SETTING_NAME = /^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?$/;
const EXCLUSIVE =
  /\bcreate\s+(?:(?:global|local)\s+)?(?:temp|temporary)\b|\binto\s+(?:temp|temporary)\b|\bpg_temp\b|\bpg_(?:try_)?advisory_lock(?:_shared)?\s*\(|\bwith\s+hold\b/i;

export const REFUSALS = {
  copyFromStdin:
    'COPY ... FROM STDIN is not supported by the local PGlite server (it would break the session every client shares); use INSERT ... VALUES batches, or COPY from a real PostgreSQL',
  listen:
    'LISTEN is not supported by the local PGlite server: its one session is shared by every client, so a notification could not be delivered to the client that listens',
  prepare:
    "SQL PREPARE is not supported by the local PGlite server: its one session is shared by every client, so the statement's name would be seen by all of them; use your driver's prepared statements (protocol level), which are kept per connection",
};

/** The SQL text of a Query or Parse message; null for any other message. */
export function sqlText(type: string, message: Buffer): string | null {
  if (type === 'Q') return message.toString('utf8', 5, message.length - 1);
  if (type === 'P') {
    const start = message.indexOf(0, 5) + 1;
    return message.toString('utf8', start, message.indexOf(0, start));
  }
  return null;
}

export function statementRules(sql: string): StatementRules {
  if (COPY_FROM_STDIN.test(sql)) return { ...NO_RULES, refusal: REFUSALS.copyFromStdin };
  const text = sql.replace(COMMENTS, ' ');
  const settings = new Set<string>();
  for (const [, name] of text.matchAll(SET_CONFIG)) settings.add(name ? name.slice(1, name.lastIndexOf("'")).toLowerCase() : ANY_SETTING);
  for (const [, first, second = ''] of text.matchAll(STATEMENT_START)) {
    const [verb, object] = [first.toLowerCase(), second.toLowerCase()];
    if (verb === 'listen') return { ...NO_RULES, refusal: REFUSALS.listen };
    if (verb === 'prepare' && object !== 'transaction') return { ...NO_RULES, refusal: REFUSALS.prepare };
  }
  for (const statement of text.split(';')) {
    const trimmed = statement.trim();
    if (!/^(set|reset)\b/i.test(trimmed) || /^set\s+(local|transaction)\b/i.test(trimmed)) continue;
    for (const name of settingNames(trimmed)) settings.add(name);
  }
  return { refusal: null, settings: [...settings], exclusive: EXCLUSIVE.test(text) };
}

/** The settings a SET or RESET statement names. */
function settingNames(statement: string): string[] {
  const match = SET_NAME.exec(statement);
  if (!match) return [ANY_SETTING];
  const name = match[1].replace(/"/g, '').toLowerCase();
  const special = SPECIAL_FORMS[name === 'time' && match[2]?.toLowerCase() === 'zone' ? 'time zone' : name];
  if (special) return special;
  return PLAIN_SETTING_NAME.test(name) ? [name] : [ANY_SETTING];
}

/**
 * The message with its SQL replaced by a statement that raises the refusal inside the session,
 * so the client's transaction fails exactly as it would on any failing statement.
 */
export function refusedMessage(type: string, message: Buffer, refusal: string): Buffer {
  const raise = `DO $refused$ BEGIN RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = '${refusal.replace(/'/g, "''")}'; END $refused$`;
  const body =
    type === 'Q'
      ? Buffer.from(`${raise}\0`, 'utf8')
      : (() => {
          const nameEnd = message.indexOf(0, 5) + 1;
          const sqlEnd = message.indexOf(0, nameEnd);
          return Buffer.concat([message.subarray(5, nameEnd), Buffer.from(`${raise}\0`, 'utf8'), message.subarray(sqlEnd + 1)]);
        })();
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}
