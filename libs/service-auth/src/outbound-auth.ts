import { GoogleAuth } from 'google-auth-library';

/** Produces the credential headers for a call to the other service. */
export interface OutboundAuth {
  headers(): Promise<Record<string, string>>;
}

export function apiKeyAuth(systemKey: string): OutboundAuth {
  return { headers: async () => ({ Authorization: `Api-Key ${systemKey}` }) };
}

/**
 * On Cloud Run: an ID token for the receiving service's URL, minted from the metadata server
 * by the client library (cached and refreshed by it).
 *
 * The token goes in both headers: Cloud Run's IAM check reads X-Serverless-Authorization when
 * it is present and then hands Authorization to the container untouched, so the receiving
 * service can verify the audience and the caller itself whatever Cloud Run does to the token it
 * checked.
 */
export function googleIdTokenAuth(audience: string, auth = new GoogleAuth()): OutboundAuth {
  const client = auth.getIdTokenClient(audience);
  return {
    headers: async () => {
      const headers = await (await client).getRequestHeaders(audience);
      const value = headers.get('authorization');
      if (!value) throw new Error(`could not mint an ID token for ${audience}`);
      return { Authorization: value, 'X-Serverless-Authorization': value };
    },
  };
}
