import 'reflect-metadata';
import { createApp } from './create-app';
import { ConfigError, loadApiConfig } from './config/api-config';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const app = await createApp(config);
  await app.listen(config.PORT, config.HOST);
}

main().catch((error) => {
  const message = error instanceof ConfigError ? error.message : `api failed to start: ${(error as Error).stack ?? error}`;
  process.stderr.write(`${JSON.stringify({ severity: 'CRITICAL', service: 'api', message })}\n`);
  process.exit(1);
});
