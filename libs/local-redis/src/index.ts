export { ensureRedis, DEFAULT_REDIS_URL, type EnsuredRedis } from './ensure-redis';
export { pingRedis } from './redis-ping';
export { startRedisServer, freePort, RedisUnavailableError, type RedisServerHandle, type RedisServerOptions } from './redis-server.process';
