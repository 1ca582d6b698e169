import { pingRedis } from './redis-ping';
import { RedisUnavailableError, redisServerBinary, startRedisServer } from './redis-server.process';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface EnsuredRedis {
  url: string;
  /** True when this call started the server (and `stop` will stop it). */
  started: boolean;
  stop(): Promise<void>;
}

/**
 * A Redis for a local run or a test: the one at `url` (default REDIS_URL, then 127.0.0.1:6379)
 * when it answers; otherwise a private redis-server on a free port; otherwise a clear error.
 */
export async function ensureRedis(url = process.env.REDIS_URL || DEFAULT_REDIS_URL): Promise<EnsuredRedis> {
  if (await pingRedis(url)) return { url, started: false, stop: async () => undefined };
  if (!redisServerBinary()) {
    throw new RedisUnavailableError(
      `Redis is not answering at ${url} and redis-server is not installed: install it (apt-get install redis-server) or set REDIS_URL to a running Redis`,
    );
  }
  const server = await startRedisServer();
  return { url: server.url, started: true, stop: () => server.stop() };
}
