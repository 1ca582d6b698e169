import { AdminClient } from './testing/admin-client';
import type { SystemContext } from './testing/context';
import { startE2eSystem } from './testing/e2e-system';
import { startHeldEmbeddings, type HeldEmbeddings } from './testing/held-embeddings';
import { adminUiAccessSuite } from './suites/admin-ui-access.suite';
import { adminUiSuite } from './suites/admin-ui.suite';
import { adminUiImportSuite } from './suites/admin-ui-import.suite';
import { ingestCliSuite } from './suites/ingest-cli.suite';
import { localStackSuite } from './suites/local-stack.suite';

/**
 * The system as `npm start` runs it (PGlite, the GCS server, a private Redis, the ingestion
 * service and the api as processes), started once; the command line, the admin UI in a real
 * browser and the launcher itself are driven against it as a user would.
 */
let context: SystemContext | undefined;
let embeddings: HeldEmbeddings | undefined;
const get = () => {
  if (!context) throw new Error('the system did not start (see reports/system-e2e/system.log)');
  return context;
};

beforeAll(async () => {
  embeddings = await startHeldEmbeddings();
  const e2e = await startE2eSystem('system', { ingestionEnv: { OPENAI_API_KEY: 'sk-e2e', OPENAI_BASE_URL: embeddings.baseURL } });
  const admin = new AdminClient(e2e.apiUrl, e2e.adminKey);
  context = { e2e, admin, embeddings, kb: { cli: 'cli-e2e', browser: 'browser-e2e', access: 'access-e2e' } };
  await admin.createLocalKnowledgeBase(context.kb.cli, 'CLI end to end');
  await admin.createLocalKnowledgeBase(context.kb.browser, 'Browser end to end');
  await admin.createKnowledgeBase({
    knowledgebase_id: context.kb.access,
    name: 'Every screen and every user',
    embedding_provider: 'openai',
    embedding_model: 'text-embedding-3-small',
  });
}, 240_000);

afterAll(async () => {
  await context?.e2e.stop();
  await embeddings?.close();
}, 120_000);

describe('ingest command line', () => ingestCliSuite(get));
describe('admin UI in a browser', () => adminUiSuite(get));
describe('admin UI: import from a bucket folder', () => adminUiImportSuite(get));
describe('admin UI at every width, by keyboard, checked by axe', () => adminUiAccessSuite(get));
// Last: it stops and restarts the system.
describe('local stack', () => localStackSuite(get));
