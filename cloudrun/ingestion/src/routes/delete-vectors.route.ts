import type { FastifyInstance } from 'fastify';
import { DeleteVectorsRequestSchema, DeleteVectorsResponseSchema, type DeleteVectorsRequest } from '@docingest/contracts';
import type { VectorStore } from '@docingest/vector-store';

/** Really deletes one file's chunks in one knowledge base and says how many went. */
export function registerDeleteVectorsRoute(app: FastifyInstance, vectors: VectorStore): void {
  app.post<{ Body: DeleteVectorsRequest }>(
    '/delete-vectors',
    { schema: { body: DeleteVectorsRequestSchema, response: { 200: DeleteVectorsResponseSchema } } },
    async (request) => {
      const { vector_table_name, file_uuid, knowledgebase_id } = request.body;
      const deleted = await vectors.deleteFileChunks(vector_table_name, { fileUuid: file_uuid, knowledgebaseId: knowledgebase_id });
      request.log.info({ event: 'vectors.deleted', file_uuid, knowledgebase_id, deleted });
      return { deleted };
    },
  );
}
