import { OAuth2Client } from 'google-auth-library';
import type { Caller, CredentialVerifier } from './caller';
import { parseAuthorization } from './api-key.verifier';

export interface GoogleIdTokenOptions {
  /** This service's URL: the audience a token must be minted for. */
  audience: string;
  /** Service account emails allowed to call; a token from anyone else is refused. */
  allowedServiceAccounts: string[];
  /** Where Google's signing certificates are fetched from; tests point it at loopback. */
  certsUrl?: string;
}

const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

/** Cloud Run service-to-service calls: a Google-signed ID token for this service's audience. */
export class GoogleIdTokenVerifier implements CredentialVerifier {
  private readonly client: OAuth2Client;

  constructor(private readonly options: GoogleIdTokenOptions) {
    this.client = new OAuth2Client(options.certsUrl ? { endpoints: { oauth2FederatedSignonPemCertsUrl: options.certsUrl } } : {});
  }

  async verify(authorization: string | undefined): Promise<Caller | null> {
    const parsed = parseAuthorization(authorization);
    if (!parsed || parsed.scheme !== 'bearer' || parsed.credential.split('.').length !== 3) return null;
    try {
      const ticket = await this.client.verifyIdToken({ idToken: parsed.credential, audience: this.options.audience });
      const payload = ticket.getPayload();
      if (!payload || !GOOGLE_ISSUERS.includes(payload.iss)) return null;
      if (!payload.email || payload.email_verified === false) return null;
      if (!this.options.allowedServiceAccounts.includes(payload.email)) return null;
      return { kind: 'system', subject: payload.email };
    } catch {
      return null; // bad signature, wrong audience, expired: all simply "not a credential we accept"
    }
  }
}
