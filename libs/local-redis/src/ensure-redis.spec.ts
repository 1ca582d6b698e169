import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ensureRedis, freePort, pingRedis, RedisUnavailableError, startRedisServer } from './index';

describe('ensureRedis', () => {
  it('uses a Redis that answers, without starting another', async () => {
    const server = await startRedisServer();
    try {
      const redis = await ensureRedis(server.url);
      expect(redis).toMatchObject({ url: server.url, started: false });
    } finally {
      await server.stop();
    }
  });

  it('starts a private redis-server when nothing answers at the url', async () => {
    const unused = `redis://127.0.0.1:${await freePort()}`;
    const redis = await ensureRedis(unused);
    try {
      expect(redis.started).toBe(true);
      expect(redis.url).not.toBe(unused);
      const client = new Redis(redis.url);
      await client.set('k', 'v');
      expect(await client.get('k')).toBe('v');
      client.disconnect();
    } finally {
      await redis.stop();
    }
    expect(await pingRedis(redis.url, 300)).toBe(false);
  });
});

describe('startRedisServer with persistence', () => {
  it('keeps data across a restart on the same port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-'));
    try {
      const first = await startRedisServer({ persistDir: dir });
      const client = new Redis(first.url, { maxRetriesPerRequest: 1 });
      await client.rpush('jobs', 'a', 'b');
      client.disconnect();
      await first.stop();

      const second = await startRedisServer({ persistDir: dir, port: first.port });
      const again = new Redis(second.url);
      expect(await again.lrange('jobs', 0, -1)).toEqual(['a', 'b']);
      again.disconnect();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never takes another Redis on its port for its own: a port already held fails to start', async () => {
    const other = await startRedisServer();
    try {
      await expect(startRedisServer({ port: other.port })).rejects.toThrow(RedisUnavailableError);
      expect(await pingRedis(other.url)).toBe(true);
    } finally {
      await other.stop();
    }
  });
});
