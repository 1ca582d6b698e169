import type { EmbeddingProvider } from '@docingest/contracts';

/** Base of every error this library throws; `stage` lets the pipeline report where it failed. */
export class EmbeddingError extends Error {
  readonly stage = 'embedding' as const;

  constructor(
    readonly provider: EmbeddingProvider | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The configuration cannot work (unknown provider or model, a size that is not a positive integer). */
export class EmbeddingConfigError extends EmbeddingError {}

/** A text the providers cannot embed; `index` is its position in the input. */
export class EmbeddingInputError extends EmbeddingError {
  constructor(
    provider: EmbeddingProvider,
    readonly index: number,
    message: string,
  ) {
    super(provider, message);
  }
}

/** The server refused the request for a reason a retry cannot fix (4xx other than 408/429). */
export class EmbeddingRequestError extends EmbeddingError {
  constructor(
    provider: EmbeddingProvider,
    readonly status: number,
    readonly serverMessage: string,
    message: string,
  ) {
    super(provider, message);
  }
}

/** The server asks to wait longer than the embedder is configured to wait. */
export class EmbeddingRateLimitedError extends EmbeddingError {
  constructor(
    provider: EmbeddingProvider,
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(provider, message);
  }
}

/** Every attempt failed with a retryable error (429, 5xx, network, timeout). */
export class EmbeddingRetriesExhaustedError extends EmbeddingError {
  constructor(
    provider: EmbeddingProvider,
    readonly attempts: number,
    readonly lastStatus: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(provider, message, options);
  }
}

/** The provider answered, but not with one well-formed vector per text. */
export class EmbeddingResponseError extends EmbeddingError {}

/** The local model could not be loaded in a worker thread. */
export class LocalModelLoadError extends EmbeddingError {
  constructor(message: string) {
    super('local', message);
  }
}

/** A worker thread failed or died while embedding a batch (the pool replaces a dead worker). */
export class LocalModelWorkerError extends EmbeddingError {
  constructor(message: string) {
    super('local', message);
  }
}

export class EmbedderClosedError extends EmbeddingError {
  constructor(provider: EmbeddingProvider) {
    super(provider, `the ${provider} embedder is closed: create a new one`);
  }
}

export class EmbeddingAbortedError extends EmbeddingError {
  constructor(provider: EmbeddingProvider, reason?: unknown) {
    super(provider, 'embedding was aborted by the caller', { cause: reason });
  }
}
