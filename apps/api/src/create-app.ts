import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Express } from 'express';
import { PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { mountAdmin } from './admin/mount-admin';
import { adminOnly } from './auth/admin-only.middleware';
import { AppModule } from './app.module';
import type { ApiConfig } from './config/api-config';
import { readInstallationId } from './database/installation';
import { migrate } from './database/migrate';
import { queuePrefix } from './ingestion-queue/ingestion-job';
import { CloudLogger, apiLoggerParams, apiRootLogger } from './logging/cloud-logger';

/** The configured app, not yet listening: main.ts and the tests start it the same way. */
export async function createApp(config: ApiConfig, options: { logDestination?: DestinationStream } = {}): Promise<INestApplication> {
  const root = apiRootLogger(config, options.logDestination);
  if (config.MIGRATE_ON_START) {
    const applied = await migrate(config.DATABASE_URL);
    if (applied.length) root.info({ event: 'migrations.applied', names: applied, context: 'database' });
  }
  const installationId = await readInstallationId(config.DATABASE_URL);
  root.info({ event: 'installation', id: installationId, queue_prefix: queuePrefix(installationId), context: 'database' });
  const loggerParams = apiLoggerParams(config, root);
  const app = await NestFactory.create(AppModule.forConfig(config, installationId, loggerParams), { bufferLogs: true, bodyParser: true, abortOnError: false });
  // Nest's own lines and every Logger call site go through pino from here on.
  app.useLogger(new CloudLogger(new PinoLogger(loggerParams), loggerParams));
  app.flushLogs();
  try {
    app.enableShutdownHooks();
    // Cloud Run's front end terminates TLS: req.ip and req.secure come from its X-Forwarded-* headers.
    (app.getHttpAdapter().getInstance() as Express).set('trust proxy', config.TRUSTED_PROXY_HOPS);
    mountAdmin(app);
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('docingest api')
        .setDescription('Knowledge bases, files, ingestion status. Admin routes take `Authorization: Bearer <ADMIN_API_KEY>`.')
        .addBearerAuth()
        .build(),
    );
    // docs/wire-contract.md#authentication: nothing but health checks is open, the description of the API included.
    const server = app.getHttpAdapter().getInstance() as Express;
    server.use(['/api/docs', '/api/docs-json', '/api/docs-yaml'], adminOnly(app));
    SwaggerModule.setup('api/docs', app, document);
    return app;
  } catch (error) {
    // The queue and the pool are already connected: close them, or the caller's process never exits.
    await app.close().catch(() => undefined);
    throw error;
  }
}
