import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';

/** Liveness needs nothing; readiness proves the database answers. */
export function registerHealthRoutes(app: FastifyInstance, pool: Pool): void {
  app.get('/', { config: { public: true }, schema: { tags: ['health'] } }, async () => ({ service: 'ingestion', status: 'ok' }));
  app.get('/health/ready', { config: { public: true }, schema: { tags: ['health'] } }, async (_request, reply) => {
    try {
      await pool.query('SELECT 1');
      return { status: 'ready', database: 'ok' };
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', database: (error as Error).message });
    }
  });
}
