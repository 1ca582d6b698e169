import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { INGESTION_EVENTS_MAX_LINKS, type IngestionView } from '@docingest/contracts';
import { hang, waitUntil } from '@docingest/contracts/testing';
import { ADMIN_KEY } from '../../../apps/api/src/testing/api-stack';
import { useApiStack } from '../../../apps/api/src/testing/use-api-stack';
import { ApiClient } from './api-client';
import { followLinks } from './follow-links';

jest.setTimeout(180_000);

describe('following more links than one event stream may name', () => {
  const { stack } = useApiStack({ standIn: hang, knowledgeBases: ['many'] });

  it('follows them through several streams, not by polling every link', async () => {
    const count = INGESTION_EVENTS_MAX_LINKS + 1;
    const { rows } = await stack.pool.query<{ id: number }>(
      `WITH f AS (
         INSERT INTO files (uuid, title, storage_path, size)
         SELECT gen_random_uuid(), 'f-' || i, 'gs://docs/many/' || i, 1 FROM generate_series(1, $1::int) i RETURNING uuid)
       INSERT INTO file_knowledge_base_links (file_uuid, knowledgebase_id, ingestion_status, chunk_count)
       SELECT uuid, 'many', 'completed', 1 FROM f RETURNING id`,
      [count],
    );
    const seen = new Map<number, IngestionView>();
    // A backstop poll slower than the test: the views can only come from the streams.
    const mode = await followLinks(
      new ApiClient(stack.apiUrl, ADMIN_KEY),
      'many',
      rows.map((r) => r.id),
      (view) => seen.set(view.link_id, view),
      {
        backstopMs: 600_000,
      },
    );
    expect(mode).toBe('events');
    expect(seen.size).toBe(count);
    expect([...seen.values()].every((view) => view.ingestion_status === 'completed')).toBe(true);
  });

  it('asks for links beside the stream a few at a time, however many are followed', async () => {
    const { rows } = await stack.pool.query<{ id: number }>(
      `WITH f AS (
         INSERT INTO files (uuid, title, storage_path, size)
         SELECT gen_random_uuid(), 'p-' || i, 'gs://docs/pending/' || i, 1 FROM generate_series(1, 100) i RETURNING uuid)
       INSERT INTO file_knowledge_base_links (file_uuid, knowledgebase_id, ingestion_status)
       SELECT uuid, 'many', 'processing' FROM f RETURNING id`,
    );
    const ids = rows.map((r) => r.id);
    // Every link view the api is asked for while the links are followed: how many at once, at most.
    const server = stack.app.getHttpServer() as Server;
    let open = 0;
    let most = 0;
    let asked = 0;
    const onRequest = (request: IncomingMessage, response: ServerResponse) => {
      if (!/^\/api\/v1\/ingestions\/\d+$/.test(request.url ?? '')) return;
      asked++;
      most = Math.max(most, ++open);
      response.once('close', () => open--);
    };
    server.on('request', onRequest);
    try {
      const following = followLinks(new ApiClient(stack.apiUrl, ADMIN_KEY), 'many', ids, () => undefined, { backstopMs: 50 });
      // The links end in the database only: no event says so, the backstop has to find out.
      await waitUntil('two rounds of the backstop', async () => asked >= 2 * ids.length, 60_000);
      await stack.pool.query(`UPDATE file_knowledge_base_links SET ingestion_status = 'completed' WHERE id = ANY($1::int[])`, [ids]);
      expect(await following).toBe('events');
    } finally {
      server.off('request', onRequest);
    }
    expect(most).toBeLessThanOrEqual(16);
  });
});
