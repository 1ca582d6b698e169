/** A client sent bytes that are not the Postgres frontend protocol (v3); its connection is closed. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(`${message}. Connect with a PostgreSQL driver speaking protocol 3.0 (pg, libpq), without SSL (sslmode=disable).`);
    this.name = 'ProtocolError';
  }
}

/** A statement this server refuses before it reaches PGlite, because it would break the session for everyone. */
export class UnsupportedStatementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedStatementError';
  }
}

/** The server process did not come up; the message carries the end of its output. */
export class LocalPostgresStartError extends Error {
  constructor(reason: string, output: string) {
    super(`local PostgreSQL (PGlite) did not start: ${reason}${output ? `\n--- its last output ---\n${output}` : ''}`);
    this.name = 'LocalPostgresStartError';
  }
}

/** A vector that pgvector's binary format cannot carry. */
export class VectorParamError extends Error {
  constructor(message: string) {
    super(`${message}; pgvector takes 1 to 16000 finite numbers.`);
    this.name = 'VectorParamError';
  }
}
