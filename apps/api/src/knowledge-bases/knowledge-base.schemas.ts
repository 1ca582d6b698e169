import { Type, type Static } from '@sinclair/typebox';
import { CHUNK_OVERLAP, CHUNK_SIZE, EMBEDDING_PROVIDERS, SearchRequestSchema, TextSearchLanguageSchema } from '@docingest/contracts';

export const CreateKnowledgeBaseSchema = Type.Object(
  {
    knowledgebase_id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,40}$', description: 'readable slug, also names the vector table' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    embedding_provider: Type.Union(EMBEDDING_PROVIDERS.map((provider) => Type.Literal(provider))),
    embedding_model: Type.String({ minLength: 1, maxLength: 200 }),
    embedding_dimensions: Type.Optional(Type.Integer({ minimum: 1, maximum: 16000 })),
    chunk_size: Type.Integer({ ...CHUNK_SIZE }),
    chunk_overlap: Type.Integer({ ...CHUNK_OVERLAP }),
    text_search_language: Type.Optional(TextSearchLanguageSchema),
  },
  { additionalProperties: false },
);
export type CreateKnowledgeBase = Static<typeof CreateKnowledgeBaseSchema>;

export const SearchKnowledgeBaseSchema = Type.Object(
  {
    query: Type.String({ minLength: 1, maxLength: 10000 }),
    top_k: Type.Integer({ default: 5, minimum: 1, maximum: 100 }),
    file_uuid: Type.Optional(Type.String({ format: 'uuid' })),
    mode: SearchRequestSchema.properties.mode,
  },
  { additionalProperties: false },
);
export type SearchKnowledgeBase = Static<typeof SearchKnowledgeBaseSchema>;
