import { ANY_SETTING, PLAIN_SETTING_NAME } from './statement-rules';
import { answersPerReady, firstErrorMessage, firstValue, simpleQuery } from './wire-messages';

/**
 * Session state one client leaves in the one PGlite session, and what happens to it when
 * another client takes the session (see README, "The embedded PostgreSQL's limits"):
 *   settings (SET, RESET, set_config)        carried: saved and reset at the hand-over, put back
 *                                             when their client next runs
 *   temporary tables, session advisory locks, kept: their client keeps the session while any
 *   holdable cursors                          exists (cut after the idle limit when others wait)
 *   SQL PREPARE, LISTEN                       refused (statement-rules.ts)
 * Everything left is dropped when the client goes, as DISCARD ALL would (less DEALLOCATE ALL:
 * the other clients' protocol-level statements live in the same session).
 */

type Exec = (messages: Uint8Array) => Promise<Uint8Array>;

/** Settings a client changed, as {name: value}, in JSON; null when none. */
export type CarriedSettings = string | null;

const SAVE_AND_RESET = simpleQuery("SELECT json_object_agg(name, current_setting(name))::text FROM pg_settings WHERE source = 'session'; RESET ALL");

const EXCLUSIVE_STATE = simpleQuery(
  `SELECT ((SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema())
         + (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory')
         + (SELECT count(*) FROM pg_cursors WHERE is_holdable))::text`,
);

/** What a departing client may have left, reset at once. Its protocol-level statements are closed by name. */
export const DISCARD_CLIENT_STATE = simpleQuery('CLOSE ALL; RESET ALL; SELECT pg_advisory_unlock_all(); DISCARD TEMP');

/** Longest list of names saved one by one; past it (or for ANY_SETTING) every setting is looked at. */
const MOST_NAMED_SETTINGS = 40;

/**
 * Saves and resets the named settings. Reading pg_settings costs about ten times a plain
 * statement inside PGlite, so it is read only when a name is not known.
 */
function saveAndReset(names: string[]): Buffer {
  if (names.includes(ANY_SETTING) || names.length > MOST_NAMED_SETTINGS || names.some((n) => !PLAIN_SETTING_NAME.test(n))) return SAVE_AND_RESET;
  const values = names.map((name) => `'${name}', current_setting('${name}', true)`).join(', ');
  return simpleQuery(`SELECT json_build_object(${values})::text; ${names.map((name) => `RESET ${name}`).join('; ')}`);
}

/**
 * Hands the settings over in one round trip: saves and resets those the client that had the
 * session named (when `save` is given), then puts back the incoming client's saved ones. Two
 * queries, each its own transaction, so a setting that cannot be put back never undoes the reset.
 */
export async function swapSettings(exec: Exec, save: string[] | null, restore: CarriedSettings): Promise<{ saved: CarriedSettings; restoreError: string | null }> {
  const restoring =
    restore === null ? [] : [simpleQuery(`SELECT count(set_config(key, value, false)) FROM json_each_text('${restore.replace(/'/g, "''")}') WHERE value IS NOT NULL`)];
  const answers = answersPerReady(await exec(Buffer.concat([...(save ? [saveAndReset(save)] : []), ...restoring])));
  const saveAnswer = save ? answers[0] : null;
  const saveError = saveAnswer ? firstErrorMessage(saveAnswer) : null;
  if (saveError) throw new Error(`saving a client's settings failed: ${saveError}`);
  const restoreAnswer = restore === null ? null : answers[save ? 1 : 0];
  return {
    saved: saveAnswer ? firstValue(saveAnswer) : null,
    restoreError: restoreAnswer ? firstErrorMessage(restoreAnswer) : restore === null ? null : 'no answer',
  };
}

/** Whether the session holds state its client cannot hand over: temporary tables, advisory locks, holdable cursors. */
export async function holdsExclusiveState(exec: Exec): Promise<boolean> {
  const answer = await exec(EXCLUSIVE_STATE);
  const error = firstErrorMessage(answer);
  if (error) throw new Error(`checking a client's session state failed: ${error}`);
  return Number(firstValue(answer)) > 0;
}
