import { answersPerReady, firstErrorMessage, simpleQuery, withReadyStatus } from './wire-messages';

/**
 * Preparing, describing or closing a named statement needs no transaction of its own, yet a
 * client that does it (libpq's PQprepare and PQdescribePrepared: Parse or Describe, then Sync)
 * blocks until it is answered. pgbench -M prepared prepares each statement that way on first
 * use, in the one thread that also drives its other connections: while one of them holds the
 * session inside its transaction, waiting for that client's Parse would wait for ever. Such a
 * group runs beside the open transaction instead, inside a savepoint that is rolled back, so
 * nothing of it — not even a failed Parse — touches the other client's transaction. (Named
 * statements are not transactional: they stay.) A group that ends with a Flush instead runs
 * the same way, with a Sync in the Flush's place (client-connection.ts).
 */

const SAVEPOINT = 'docingest_beside_transaction';
const OPEN = simpleQuery(`SAVEPOINT ${SAVEPOINT}`);
const CLOSE = simpleQuery(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}`);

type Exec = (messages: Uint8Array) => Promise<Uint8Array>;

/** Whether a group (its messages, Sync or Flush last) only parses, describes or closes named statements. */
export function touchesNamedStatementsOnly(messages: Buffer[]): boolean {
  const last = messages[messages.length - 1];
  if (messages.length < 2 || (last[0] !== 0x53 /* Sync */ && last[0] !== 0x48) /* Flush */) return false;
  return messages.slice(0, -1).every((m) => {
    const type = String.fromCharCode(m[0]);
    if (type === 'P') return m[5] !== 0;
    if (type === 'D' || type === 'C') return m[5] === 0x53 /* S */ && m[6] !== 0;
    return false;
  });
}

/**
 * Runs such a group while another client's transaction is open and idle (status 'T'); answers
 * what the client should get, its ReadyForQuery saying idle, as the client is not in a transaction.
 */
export async function runBesideTransaction(exec: Exec, group: Buffer): Promise<Buffer> {
  const [opened, answer, closed] = answersPerReady(await exec(Buffer.concat([OPEN, group, CLOSE])));
  const problem = firstErrorMessage(opened ?? Buffer.alloc(0)) ?? (closed ? firstErrorMessage(closed) : 'no answer to the savepoint release');
  if (problem || !answer) throw new Error(`running a statement beside another client's transaction failed: ${problem ?? 'no answer'}`);
  return withReadyStatus(answer, 'I');
}
