import type { FastifyInstance } from 'fastify';
import { SearchRequestSchema, SearchResponseSchema, type SearchRequest, type SearchResponse } from '@docingest/contracts';
import type { VectorStore } from '@docingest/vector-store';
import type { EmbedderRegistry } from '../embedder-registry';

/** The chunks best matching a query (by vector, full text or both), with their source file and page. */
export function registerSearchRoute(app: FastifyInstance, deps: { vectors: VectorStore; embedders: EmbedderRegistry }): void {
  app.post<{ Body: SearchRequest }>(
    '/search',
    { schema: { body: SearchRequestSchema, response: { 200: SearchResponseSchema } } },
    async (request): Promise<SearchResponse> => {
      const body = request.body;
      const mode = body.mode ?? 'vector';
      const embedder = deps.embedders.get(body.embedding_provider, body.embedding_model, body.embedding_dimensions);
      // A text search needs no embedding: the embedder (and its model) is not touched.
      const vector = mode === 'text' ? null : (await embedder.embed([body.query], { purpose: 'query' }))[0];
      const hits = await deps.vectors.search(
        body.vector_table_name,
        vector,
        { knowledgebaseId: body.knowledgebase_id, fileUuid: body.file_uuid, teamId: body.team_id },
        body.top_k,
        { mode, text: body.query, textSearchConfig: body.text_search_language },
      );
      return {
        results: hits.map((hit) => ({
          score: hit.score,
          text: hit.text,
          node_id: hit.nodeId,
          file_uuid: String(hit.metadata.file_uuid ?? ''),
          file_name: typeof hit.metadata.file_name === 'string' ? hit.metadata.file_name : null,
          page: typeof hit.metadata.page === 'number' ? hit.metadata.page : null,
          metadata: Object.fromEntries(Object.entries(hit.metadata).filter(([key]) => !key.startsWith('_node'))),
        })),
      };
    },
  );
}
