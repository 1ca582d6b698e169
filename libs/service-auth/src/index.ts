export * from './caller';
export { ApiKeyVerifier, parseAuthorization, type ApiKeys } from './api-key.verifier';
export { GoogleIdTokenVerifier, type GoogleIdTokenOptions } from './google-id-token.verifier';
export { CompositeVerifier, requireCaller } from './composite.verifier';
export { apiKeyAuth, googleIdTokenAuth, type OutboundAuth } from './outbound-auth';
