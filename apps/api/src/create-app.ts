import { ConsoleLogger, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { mountAdmin } from './admin/mount-admin';
import { AppModule } from './app.module';
import type { ApiConfig } from './config/api-config';
import { migrate } from './database/migrate';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** The configured app, not yet listening: main.ts and the tests start it the same way. */
export async function createApp(config: ApiConfig): Promise<INestApplication> {
  const logger = new ConsoleLogger({ json: true, logLevels: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL as LogLevel) + 1) });
  if (config.MIGRATE_ON_START) {
    const applied = await migrate(config.DATABASE_URL);
    if (applied.length) logger.log(JSON.stringify({ event: 'migrations.applied', names: applied }), 'database');
  }
  const app = await NestFactory.create(AppModule.forConfig(config), { logger, bodyParser: true, abortOnError: false });
  app.enableShutdownHooks();
  mountAdmin(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('docingest api')
      .setDescription('Knowledge bases, files, ingestion status. Admin routes take `Authorization: Bearer <ADMIN_API_KEY>`.')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
  return app;
}
