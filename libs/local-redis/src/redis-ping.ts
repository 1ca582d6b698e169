import Redis from 'ioredis';

/** What `ask` answers of the Redis at `url`, or `fallback` when none answers within `timeoutMs`. */
async function askRedis<T>(url: string, timeoutMs: number, fallback: T, ask: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await ask(client);
  } catch {
    return fallback;
  } finally {
    client.disconnect();
  }
}

/** True when a Redis at `url` answers PING within `timeoutMs`. */
export function pingRedis(url: string, timeoutMs = 1000): Promise<boolean> {
  return askRedis(url, timeoutMs, false, async (client) => (await client.ping()) === 'PONG');
}

/** The process id of the Redis at `url` (INFO server), or undefined when none answers within `timeoutMs`. */
export function redisProcessId(url: string, timeoutMs = 1000): Promise<number | undefined> {
  return askRedis(url, timeoutMs, undefined, async (client) => {
    const pid = /^process_id:(\d+)/m.exec(await client.info('server'))?.[1];
    return pid ? Number(pid) : undefined;
  });
}
