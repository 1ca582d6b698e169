/**
 * Polls until `check` gives a value (a check that throws counts as not yet); fails with `what`
 * and the last value or error seen.
 */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const value = await check().catch((error: Error) => {
      last = `error: ${error.message}`;
      return undefined;
    });
    if (value) return value;
    if (value !== undefined) last = value;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
