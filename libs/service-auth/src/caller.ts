/**
 * Who is calling. `system` is the other service (the ingestion service calling back the api,
 * or the api dispatching to the ingestion service); `admin` is a person or script with the
 * admin credential. Each route accepts exactly one kind.
 */
export type CallerKind = 'system' | 'admin';

export interface Caller {
  kind: CallerKind;
  /** Service account email for an OIDC caller, or the credential's name for a key. */
  subject: string;
}

/** Why a request was refused; mapped to 401 (no or bad credential) or 403 (wrong kind). */
export class AuthError extends Error {
  constructor(
    readonly statusCode: 401 | 403,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface CredentialVerifier {
  /** The caller, or null when the header holds no credential this verifier recognises. */
  verify(authorization: string | undefined): Promise<Caller | null>;
}
