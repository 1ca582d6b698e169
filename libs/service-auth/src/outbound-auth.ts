import { GoogleAuth } from 'google-auth-library';

/** Produces the Authorization header for a call to the other service. */
export interface OutboundAuth {
  header(): Promise<string>;
}

export function apiKeyAuth(systemKey: string): OutboundAuth {
  return { header: async () => `Api-Key ${systemKey}` };
}

/**
 * On Cloud Run: an ID token for the receiving service's URL, minted from the metadata server
 * by the client library (cached and refreshed by it).
 */
export function googleIdTokenAuth(audience: string, auth = new GoogleAuth()): OutboundAuth {
  const client = auth.getIdTokenClient(audience);
  return {
    header: async () => {
      const headers = await (await client).getRequestHeaders(audience);
      const value = headers.get('authorization');
      if (!value) throw new Error(`could not mint an ID token for ${audience}`);
      return value;
    },
  };
}
