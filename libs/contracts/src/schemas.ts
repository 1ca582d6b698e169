import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { EMBEDDING_PROVIDERS, INGESTION_STAGES, REPORTED_STATUSES } from './status';

const literalUnion = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v))) as unknown as TSchema;

const Nullable = <T extends TSchema>(schema: T, description?: string) => Type.Union([schema, Type.Null()], { default: null, description });

/** A plain SQL identifier: the table name is interpolated into DDL, so nothing else is allowed. */
export const VECTOR_TABLE_NAME_PATTERN = '^[a-z_][a-z0-9_]{0,57}$';

export const CHUNK_SIZE = { default: 1000, minimum: 32, maximum: 8192 } as const;
export const CHUNK_OVERLAP = { default: 200, minimum: 0, maximum: 4096 } as const;

/** The request fields a caller may leave out of `/ingest-file`, with the values the schema fills in. */
export const INGEST_FILE_DEFAULTS = { batch_size: 20, progress_update_frequency: 10 } as const;

/**
 * The rule the schema cannot state: the overlap must leave room for new text in each chunk.
 * Answers the message naming the fields, or undefined when the pair can work.
 */
export function chunkOverlapProblem(chunkSize: number, chunkOverlap: number): string | undefined {
  return chunkOverlap >= chunkSize ? `chunk_overlap (${chunkOverlap}) must be smaller than chunk_size (${chunkSize})` : undefined;
}

/** The knowledge base's vector size, asked of models that can shorten theirs (sent only when the knowledge base set one). */
const EmbeddingDimensions = Type.Optional(
  Type.Union([Type.Integer({ minimum: 1, maximum: 16000 }), Type.Null()], { description: 'vector size the knowledge base was created with' }),
);

/**
 * PostgreSQL text search configurations a knowledge base may use for its full-text column. A
 * short allow-list: the name is written into the column's generated expression, and each of
 * these ships with every PostgreSQL (and PGlite) build.
 */
export const TEXT_SEARCH_LANGUAGES = ['simple', 'english', 'french', 'german', 'spanish', 'italian', 'portuguese', 'dutch'] as const;
export type TextSearchLanguage = (typeof TEXT_SEARCH_LANGUAGES)[number];
export const DEFAULT_TEXT_SEARCH_LANGUAGE: TextSearchLanguage = 'english';
export const TextSearchLanguageSchema = Type.Union(
  TEXT_SEARCH_LANGUAGES.map((v) => Type.Literal(v)),
  { default: DEFAULT_TEXT_SEARCH_LANGUAGE, description: 'PostgreSQL text search configuration of the full-text column' },
);

/** `vector`: nearest by cosine; `text`: full-text match; `hybrid`: both fused by reciprocal rank. */
export const SEARCH_MODES = ['vector', 'text', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** One version of a stored object, as GCS names it: the generation number and the CRC32C (base64) of its bytes. */
export const ObjectVersionSchema = Type.Object(
  {
    generation: Type.String({ minLength: 1, maxLength: 32, description: 'GCS object generation' }),
    crc32c: Type.String({ minLength: 1, maxLength: 16, description: 'CRC32C of the object, base64, as GCS reports it' }),
  },
  { additionalProperties: false },
);
export type ObjectVersion = Static<typeof ObjectVersionSchema>;

/** docs/wire-contract.md#re-ingestion: what an attempt did beside storing, in its answer and its final callback. */
const AttemptWorkFields = {
  object: Type.Optional(ObjectVersionSchema),
  skipped: Type.Optional(Type.Literal('unchanged', { description: 'the object matched skip_if_unchanged: nothing was read, embedded or stored' })),
  chunks_embedded: Type.Optional(Type.Integer({ minimum: 0, description: 'chunks sent to the embedder' })),
  chunks_reused: Type.Optional(Type.Integer({ minimum: 0, description: 'chunks that took the vector stored for the same text, model and dimensions' })),
  embedding_tokens: Type.Optional(Type.Integer({ minimum: 0, description: 'tokens (cl100k) of the texts sent to the embedder' })),
};

const Identifier = Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer()]);

/** docs/wire-contract.md#ingest-file: body of `POST /ingest-file`, field names as the original service takes them. */
export const IngestFileRequestSchema = Type.Object(
  {
    file_path: Type.String({ minLength: 1, maxLength: 2048, description: 'gs://bucket/key, or a key in the configured bucket' }),
    vector_table_name: Type.String({ pattern: VECTOR_TABLE_NAME_PATTERN, description: 'table suffix: rows go to {schema}.data_{name}' }),
    file_uuid: Type.String({ format: 'uuid' }),
    link_id: Nullable(Type.Integer({ minimum: 1 }), 'file–knowledge-base link the progress callbacks update'),
    embedding_provider: literalUnion(EMBEDDING_PROVIDERS),
    embedding_model: Type.String({ minLength: 1, maxLength: 200 }),
    embedding_dimensions: EmbeddingDimensions,
    chunk_size: Type.Integer({ ...CHUNK_SIZE, description: 'tokens per chunk' }),
    chunk_overlap: Type.Integer({ ...CHUNK_OVERLAP, description: 'tokens shared by neighbouring chunks' }),
    batch_size: Type.Integer({ default: INGEST_FILE_DEFAULTS.batch_size, minimum: 1, maximum: 2048, description: 'texts per embedding request' }),
    progress_update_frequency: Type.Integer({ default: INGEST_FILE_DEFAULTS.progress_update_frequency, minimum: 1, description: 'chunks between progress callbacks' }),
    user_uuid: Nullable(Type.String({ maxLength: 128 })),
    team_id: Nullable(Identifier),
    knowledgebase_id: Type.String({ minLength: 1, maxLength: 128 }),
    project_id: Nullable(Identifier),
    custom_metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
    attempt: Nullable(Type.Integer({ minimum: 1 }), 'attempt number, echoed in every callback'),
    text_search_language: Type.Optional(TextSearchLanguageSchema),
    skip_if_unchanged: Type.Optional(
      Type.Union([ObjectVersionSchema, Type.Null()], {
        description: 'the object version of the last completed attempt with these settings: if the object still is that version, nothing is done',
      }),
    ),
  },
  { additionalProperties: false },
);
export type IngestFileRequest = Static<typeof IngestFileRequestSchema> & {
  embedding_provider: (typeof EMBEDDING_PROVIDERS)[number];
  text_search_language?: TextSearchLanguage;
};

const StageTimings = Type.Object(
  {
    download: Type.Number(),
    parse: Type.Number(),
    chunk: Type.Number(),
    embed: Type.Number(),
    store: Type.Number(),
    callbacks: Type.Number(),
    total: Type.Number(),
  },
  { additionalProperties: false, description: 'milliseconds spent in each stage' },
);
export type StageTimingsMs = Static<typeof StageTimings>;

/** The answer of `/ingest-file`: the outcome, not a placeholder. */
export const IngestFileResponseSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('completed'), Type.Literal('failed')]),
    file_uuid: Type.String(),
    link_id: Type.Union([Type.Integer(), Type.Null()]),
    chunks: Type.Integer(),
    pages: Type.Integer(),
    pages_skipped: Type.Integer(),
    timings_ms: StageTimings,
    stage: Type.Optional(literalUnion(INGESTION_STAGES)),
    error: Type.Optional(Type.String()),
    ...AttemptWorkFields,
  },
  { additionalProperties: false },
);
export type IngestFileResponse = Static<typeof IngestFileResponseSchema> & {
  stage?: (typeof INGESTION_STAGES)[number];
};
/** What an attempt did beside storing (the object it read, a skip, chunks embedded and reused, tokens): in the answer and the final callback alike. */
export type AttemptWork = Pick<IngestFileResponse, 'object' | 'skipped' | 'chunks_embedded' | 'chunks_reused' | 'embedding_tokens'>;

/** docs/wire-contract.md#progress-callback: body of `POST /api/v1/files/{file_uuid}/update-progress`. */
export const ProgressUpdateSchema = Type.Object(
  {
    progress: Type.Number({ minimum: 0, maximum: 100 }),
    processed_docs: Type.Integer({ minimum: 0 }),
    total_docs: Type.Integer({ minimum: 0 }),
    link_id: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    status: literalUnion(REPORTED_STATUSES),
    stage: Type.Optional(literalUnion(INGESTION_STAGES)),
    chunks: Type.Optional(Type.Integer({ minimum: 0 })),
    error: Type.Optional(Type.String({ maxLength: 4000 })),
    attempt: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    pages: Type.Optional(Type.Integer({ minimum: 0, description: 'pages of the file (final completed report; also in the answer)' })),
    pages_skipped: Type.Optional(Type.Integer({ minimum: 0, description: 'pages without text that were skipped (final completed report)' })),
    ...AttemptWorkFields,
  },
  { additionalProperties: false },
);
export type ProgressUpdate = Static<typeof ProgressUpdateSchema> & {
  status: (typeof REPORTED_STATUSES)[number];
  stage?: (typeof INGESTION_STAGES)[number];
};

/**
 * Why the api no longer wants an attempt, told in its answer to a progress callback:
 * - `removed`: the file left the knowledge base (or the link is unknown): store nothing, and
 *   delete what was already stored for it.
 * - `superseded`: a newer attempt of the same link started: stop before storing; what a newer
 *   attempt stores is not this attempt's to delete.
 */
export const CANCEL_REASONS = ['removed', 'superseded'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/** The api's answer to `update-progress` (200). A 404 with code `unknown_link` means `cancel: removed`. */
export const UpdateProgressResponseSchema = Type.Object(
  {
    applied: Type.Boolean(),
    reason: Type.Optional(Type.String({ description: 'why the update was not applied: final, stale_attempt, behind' })),
    cancel: Type.Optional(literalUnion(CANCEL_REASONS)),
    link: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  {},
);
export type UpdateProgressResponse = Static<typeof UpdateProgressResponseSchema> & { cancel?: CancelReason };

/** The cancel an answer to a progress callback carries, if any (see UpdateProgressResponseSchema). */
export function cancelOf(status: number, body: unknown): CancelReason | undefined {
  const answer = (body ?? {}) as { cancel?: unknown; code?: unknown };
  if (status === 404 && answer.code === 'unknown_link') return 'removed';
  if (status < 300 && (CANCEL_REASONS as readonly unknown[]).includes(answer.cancel)) return answer.cancel as CancelReason;
  return undefined;
}

/** `POST /delete-vectors`: one file's chunks in one knowledge base. */
export const DeleteVectorsRequestSchema = Type.Object(
  {
    vector_table_name: Type.String({ pattern: VECTOR_TABLE_NAME_PATTERN }),
    file_uuid: Type.String({ format: 'uuid' }),
    knowledgebase_id: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);
export type DeleteVectorsRequest = Static<typeof DeleteVectorsRequestSchema>;
export const DeleteVectorsResponseSchema = Type.Object({ deleted: Type.Integer() }, { additionalProperties: false });
export type DeleteVectorsResponse = Static<typeof DeleteVectorsResponseSchema>;

/** `POST /search`: nearest chunks to a query, filtered by metadata. */
export const SearchRequestSchema = Type.Object(
  {
    query: Type.String({ minLength: 1, maxLength: 10000 }),
    vector_table_name: Type.String({ pattern: VECTOR_TABLE_NAME_PATTERN }),
    embedding_provider: literalUnion(EMBEDDING_PROVIDERS),
    embedding_model: Type.String({ minLength: 1, maxLength: 200 }),
    embedding_dimensions: EmbeddingDimensions,
    knowledgebase_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    file_uuid: Type.Optional(Type.String({ format: 'uuid' })),
    team_id: Type.Optional(Identifier),
    top_k: Type.Integer({ default: 5, minimum: 1, maximum: 100 }),
    mode: Type.Optional(
      Type.Union(
        SEARCH_MODES.map((v) => Type.Literal(v)),
        { default: 'vector', description: 'vector (cosine), text (full-text) or hybrid (reciprocal-rank fusion of both)' },
      ),
    ),
    text_search_language: Type.Optional(TextSearchLanguageSchema),
  },
  { additionalProperties: false },
);
export type SearchRequest = Static<typeof SearchRequestSchema> & {
  embedding_provider: (typeof EMBEDDING_PROVIDERS)[number];
  mode?: SearchMode;
  text_search_language?: TextSearchLanguage;
};

export const SearchHitSchema = Type.Object({
  score: Type.Number({ description: 'vector: cosine similarity (1 is identical); text: ts_rank; hybrid: reciprocal-rank fusion score' }),
  text: Type.String(),
  file_uuid: Type.String(),
  file_name: Type.Union([Type.String(), Type.Null()]),
  page: Type.Union([Type.Integer(), Type.Null()]),
  node_id: Type.String(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
});
export type SearchHit = Static<typeof SearchHitSchema>;
export const SearchResponseSchema = Type.Object({ results: Type.Array(SearchHitSchema) });
export type SearchResponse = Static<typeof SearchResponseSchema>;

/** The error body both services answer with. */
export const ErrorBodySchema = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String({ description: 'HTTP reason phrase' }),
    message: Type.String({ description: 'what went wrong, for a person' }),
    code: Type.Optional(Type.String({ description: 'stable machine-readable code' })),
    field: Type.Optional(Type.String({ description: 'the request field at fault' })),
    stage: Type.Optional(literalUnion(INGESTION_STAGES)),
    status: Type.Optional(Type.Literal('failed', { description: 'set by /ingest-file: the ingestion failed' })),
  },
  {},
);
export type ErrorBody = Static<typeof ErrorBodySchema> & { stage?: (typeof INGESTION_STAGES)[number] };
