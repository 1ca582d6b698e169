// COPY ... FROM STDIN loses PGlite's protocol sync and leaves it in a busy loop, which would take
// every other client down with it; such a statement is refused before it reaches the session.
const COPY_FROM_STDIN = /(^|;)\s*copy\b[^;]*\bfrom\s+stdin\b/i;

/** Whether a Query or Parse message carries a COPY ... FROM STDIN. */
export function isCopyFromStdin(type: string, message: Buffer): boolean {
  let sql: string;
  if (type === 'Q') {
    sql = message.toString('utf8', 5, message.length - 1);
  } else if (type === 'P') {
    const start = message.indexOf(0, 5) + 1;
    sql = message.toString('utf8', start, message.indexOf(0, start));
  } else {
    return false;
  }
  return COPY_FROM_STDIN.test(sql);
}
