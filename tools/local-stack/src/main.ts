import { startSystem } from './system-stack';
import { prettyLogLine } from './pretty-log';
import { stackSettings } from './stack-settings';

/**
 * `npm start`: the whole system on its embedded defaults, the same code paths as production
 * (the services talk over HTTP and DATABASE_URL). Ctrl-C stops everything.
 */
async function main(): Promise<void> {
  let system: Awaited<ReturnType<typeof startSystem>> | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // Still starting: exiting is enough, every started part dies with this process.
    if (!system) process.exit(code || 130);
    console.log('stopping…');
    await system.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const settings = stackSettings();
    const started = await startSystem(settings, {
      // The default knowledge base embeds with the local model: loaded as the service starts, not by the first file.
      ingestionEnv: { LOCAL_MODEL_WARM_UP: process.env.LOCAL_MODEL_WARM_UP || 'true' },
      format: prettyLogLine(process.stdout.isTTY === true),
      onServiceExit: (service, code) => {
        if (!system) return; // a failed start is reported once, by startSystem's error
        console.error(`${service.name} exited (code ${code}); stopping the stack`);
        void stopAll(1);
      },
    });
    system = started;
    const { apiUrl, ingestionUrl, adminKey } = started;
    await ensureDefaultKnowledgeBase(apiUrl, adminKey);

    console.log(
      [
        '',
        'docingest is running',
        `  admin UI      ${apiUrl}/admin   (sign in with the admin key: ${adminKey})`,
        `  REST API      ${apiUrl}/api/v1  (Authorization: Bearer ${adminKey}); docs at ${apiUrl}/api/docs`,
        `  queues        ${apiUrl}/admin/queues`,
        `  ingestion     ${ingestionUrl}`,
        `  data          ${settings.dataDir}`,
        `  ingest a file npm run ingest -- path/to/file.pdf${apiUrl === 'http://127.0.0.1:3000' ? '' : `   (with API_URL=${apiUrl})`}`,
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    // One line that says what to change: startSystem has already stopped what it started.
    console.error(`cannot start: ${(error as Error).message}`);
    if (system) await system.stop().catch(() => undefined);
    process.exit(1);
  }
}

async function ensureDefaultKnowledgeBase(apiUrl: string, adminKey: string): Promise<void> {
  const response = await fetch(`${apiUrl}/api/v1/knowledge-bases`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      knowledgebase_id: 'default',
      name: 'Default',
      embedding_provider: 'local',
      embedding_model: 'universal-sentence-encoder-lite',
    }),
  });
  if (!response.ok && response.status !== 409) {
    throw new Error(`could not create the default knowledge base: HTTP ${response.status} ${await response.text()}`);
  }
}

void main();
