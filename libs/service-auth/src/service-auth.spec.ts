import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GoogleAuth } from 'google-auth-library';
import { ApiKeyVerifier, AuthError, CompositeVerifier, GoogleIdTokenVerifier, apiKeyAuth, googleIdTokenAuth, requireCaller } from './index';

const keys = new ApiKeyVerifier({ system: 'system-secret', admin: 'admin-secret' });

describe('ApiKeyVerifier and requireCaller', () => {
  it('recognises the system key and the admin key by their schemes', async () => {
    await expect(keys.verify('Api-Key system-secret')).resolves.toEqual({ kind: 'system', subject: 'system-key' });
    await expect(keys.verify('Bearer admin-secret')).resolves.toEqual({ kind: 'admin', subject: 'admin-key' });
  });

  it.each([undefined, '', 'Api-Key wrong', 'Bearer system-secret', 'Api-Key admin-secret', 'Basic abc', 'Api-Key'])('recognises nothing in %j', async (header) => {
    await expect(keys.verify(header)).resolves.toBeNull();
  });

  it('answers 401 without or with a bad credential, 403 with the other kind', async () => {
    await expect(requireCaller(keys, undefined, 'system')).rejects.toMatchObject({ statusCode: 401 });
    await expect(requireCaller(keys, 'Api-Key nope', 'system')).rejects.toMatchObject({ statusCode: 401 });
    await expect(requireCaller(keys, 'Bearer admin-secret', 'system')).rejects.toMatchObject({ statusCode: 403 });
    await expect(requireCaller(keys, 'Api-Key system-secret', 'admin')).rejects.toBeInstanceOf(AuthError);
    await expect(requireCaller(keys, 'Api-Key system-secret', 'system')).resolves.toMatchObject({ kind: 'system' });
  });

  it('apiKeyAuth produces a header the verifier accepts', async () => {
    await expect(keys.verify((await apiKeyAuth('system-secret').headers()).Authorization)).resolves.toMatchObject({ kind: 'system' });
  });
});

/**
 * Google's side, at the HTTP boundary: a certificate endpoint (what OAuth2Client fetches to
 * check signatures) and a metadata server (what GoogleAuth asks for an ID token on Cloud Run).
 * The client library's own verification and token code runs unchanged.
 */
describe('Google ID tokens', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'test-key-1';
  const caller = 'api@project.iam.gserviceaccount.com';
  const audience = 'https://ingestion-abc.a.run.app';
  let server: Server;
  let base: string;

  const b64 = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

  function signToken(claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const head = b64({ alg: 'RS256', typ: 'JWT', kid });
    const body = b64({ iss: 'https://accounts.google.com', iat: now, exp: now + 3600, email_verified: true, ...claims });
    const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(privateKey);
    return `${head}.${body}.${b64(signature)}`;
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/certs') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ [kid]: publicKey.export({ type: 'spki', format: 'pem' }) }));
      } else if (url.pathname.endsWith('/service-accounts/default/identity')) {
        res.setHeader('Metadata-Flavor', 'Google');
        res.end(signToken({ aud: url.searchParams.get('audience'), email: caller, sub: '1' }));
      } else if (url.pathname.startsWith('/computeMetadata/v1')) {
        res.setHeader('Metadata-Flavor', 'Google');
        res.end('');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const verifier = () => new GoogleIdTokenVerifier({ audience, allowedServiceAccounts: [caller], certsUrl: `${base}/certs` });

  it('accepts a token for this audience from an allowed service account', async () => {
    const token = signToken({ aud: audience, email: caller });
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toEqual({ kind: 'system', subject: caller });
  });

  it('refuses a token minted for another audience', async () => {
    const token = signToken({ aud: 'https://api-xyz.a.run.app', email: caller });
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toBeNull();
  });

  it('refuses a token from a service account that is not allowed', async () => {
    const token = signToken({ aud: audience, email: 'someone@else.iam.gserviceaccount.com' });
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toBeNull();
  });

  it('refuses an expired token and a token signed by another key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signToken({ aud: audience, email: caller, iat: now - 7200, exp: now - 3600 });
    await expect(verifier().verify(`Bearer ${expired}`)).resolves.toBeNull();
    const [head, body] = signToken({ aud: audience, email: caller }).split('.');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = `${head}.${body}.${b64(createSign('RSA-SHA256').update(`${head}.${body}`).sign(other))}`;
    await expect(verifier().verify(`Bearer ${forged}`)).resolves.toBeNull();
  });

  it('mints a token through the metadata server that the receiving side accepts', async () => {
    const previous = { host: process.env.GCE_METADATA_HOST, detect: process.env.METADATA_SERVER_DETECTION };
    process.env.GCE_METADATA_HOST = base.replace('http://', '');
    process.env.METADATA_SERVER_DETECTION = 'assume-present';
    try {
      const outbound = googleIdTokenAuth(audience, new GoogleAuth());
      const headers = await outbound.headers();
      expect(headers.Authorization).toMatch(/^Bearer /);
      // Cloud Run's IAM check reads this one; the service verifies Authorization itself.
      expect(headers['X-Serverless-Authorization']).toBe(headers.Authorization);
      const combined = new CompositeVerifier([keys, verifier()]);
      await expect(combined.verify(headers.Authorization)).resolves.toEqual({ kind: 'system', subject: caller });
    } finally {
      for (const [key, value] of Object.entries({ GCE_METADATA_HOST: previous.host, METADATA_SERVER_DETECTION: previous.detect })) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
