import { AdminClient } from './testing/admin-client';
import type { SystemContext } from './testing/context';
import { startE2eSystem } from './testing/e2e-system';
import { adminUiSuite } from './suites/admin-ui.suite';
import { ingestCliSuite } from './suites/ingest-cli.suite';
import { localStackSuite } from './suites/local-stack.suite';

/**
 * The system as `npm start` runs it (PGlite, the GCS server, a private Redis, the ingestion
 * service and the api as processes), started once; the command line, the admin UI in a real
 * browser and the launcher itself are driven against it as a user would.
 */
let context: SystemContext | undefined;
const get = () => {
  if (!context) throw new Error('the system did not start (see reports/system-e2e/system.log)');
  return context;
};

beforeAll(async () => {
  const e2e = await startE2eSystem('system');
  const admin = new AdminClient(e2e.apiUrl, e2e.adminKey);
  context = { e2e, admin, kb: { cli: 'cli-e2e', browser: 'browser-e2e' } };
  await admin.createLocalKnowledgeBase(context.kb.cli, 'CLI end to end');
  await admin.createLocalKnowledgeBase(context.kb.browser, 'Browser end to end');
}, 240_000);

afterAll(async () => {
  await context?.e2e.stop();
}, 120_000);

describe('ingest command line', () => ingestCliSuite(get));
describe('admin UI in a browser', () => adminUiSuite(get));
// Last: it stops and restarts the system.
describe('local stack', () => localStackSuite(get));
