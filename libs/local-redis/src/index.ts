export { ensureRedis, DEFAULT_REDIS_URL, type EnsuredRedis } from './ensure-redis';
export { pingRedis } from './redis-ping';
export { startRedisServer, RedisUnavailableError, type RedisServerHandle, type RedisServerOptions } from './redis-server.process';
export { freePort } from './free-port';
