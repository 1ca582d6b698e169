import { STATUS_CODES } from 'node:http';
import type { ErrorBody, IngestionStage } from '@docingest/contracts';
import { GcsAccessError } from '@docingest/gcs-access';
import { AuthError } from '@docingest/service-auth';
import { DimensionMismatchError, InvalidTableNameError } from '@docingest/vector-store';
import { DocumentLimitError, DocumentParseError } from '@docingest/document-parsing';
import { PARSE_LIMIT_SETTINGS } from './config';
import { ParseThreadError } from './pipeline/parse-pool';
import { ChunkSettingsError } from '@docingest/chunking';
import { EmbeddingAbortedError, EmbeddingConfigError, EmbeddingError, EmbeddingInputError, LocalModelLoadError, LocalModelWorkerError } from '@docingest/embeddings';

/** A failure of one stage of an ingestion, with the status code the request answers with. */
export class IngestionError extends Error {
  constructor(
    readonly stage: IngestionStage | undefined,
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; field?: string },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'IngestionError';
    this.field = options?.field;
  }
  readonly field?: string;
}

const PARSE_STATUS: Record<string, number> = { unsupported: 415, encrypted: 422, corrupt: 422, empty: 422, no_text: 422, limit_exceeded: 422 };

function embeddingStatus(error: EmbeddingError): number {
  if (error instanceof EmbeddingConfigError) return 400;
  if (error instanceof EmbeddingInputError) return 422;
  if (error instanceof EmbeddingAbortedError) return 503;
  if (error instanceof LocalModelLoadError || error instanceof LocalModelWorkerError) return 500;
  return 502; // the remote provider refused or failed
}

/** The one place errors become status codes and messages. */
export function toIngestionError(error: unknown, stage?: IngestionStage): IngestionError {
  if (error instanceof IngestionError) return error;
  if (error instanceof GcsAccessError) return new IngestionError(stage ?? 'downloading', error.statusCode, error.code, error.message, { cause: error });
  if (error instanceof DocumentLimitError) {
    // The message names the limit and the value that broke it; the setting tells an operator what raises it.
    return new IngestionError('parsing', 422, error.code, `${error.message} (setting ${PARSE_LIMIT_SETTINGS[error.limit]})`, { cause: error });
  }
  if (error instanceof ParseThreadError) return new IngestionError('parsing', 500, 'parser_failed', `parsing failed: ${error.message}`, { cause: error });
  if (error instanceof DocumentParseError) {
    return new IngestionError('parsing', PARSE_STATUS[error.code] ?? 422, error.code, error.message, { cause: error });
  }
  if (error instanceof ChunkSettingsError) return new IngestionError('chunking', 400, 'invalid_chunk_settings', error.message, { cause: error });
  if (error instanceof EmbeddingError) return new IngestionError('embedding', embeddingStatus(error), error.constructor.name, error.message, { cause: error });
  if (error instanceof DimensionMismatchError) return new IngestionError('storing', 409, 'dimension_mismatch', error.message, { cause: error });
  if (error instanceof InvalidTableNameError) return new IngestionError(stage, 400, 'invalid_table_name', error.message, { field: 'vector_table_name' });
  const message = error instanceof Error ? error.message : String(error);
  return new IngestionError(stage, 500, 'internal', stage ? `${stage} failed: ${message}` : message, { cause: error });
}

export function errorBody(error: IngestionError | AuthError | { statusCode: number; message: string; code?: string }): ErrorBody {
  const body: ErrorBody = {
    statusCode: error.statusCode,
    error: STATUS_CODES[error.statusCode] ?? 'Error',
    message: error.message,
  };
  if ('code' in error && error.code) body.code = error.code;
  if (error instanceof IngestionError) {
    if (error.stage) body.stage = error.stage;
    if (error.field) body.field = error.field;
  }
  return body;
}
