import { AuthError, type Caller, type CallerKind, type CredentialVerifier } from './caller';

/** Tries each verifier in turn; the first that recognises the credential decides who calls. */
export class CompositeVerifier implements CredentialVerifier {
  constructor(private readonly verifiers: CredentialVerifier[]) {}

  async verify(authorization: string | undefined): Promise<Caller | null> {
    for (const verifier of this.verifiers) {
      const caller = await verifier.verify(authorization);
      if (caller) return caller;
    }
    return null;
  }
}

/** The caller if it is of the kind a route needs; otherwise an AuthError saying why. */
export async function requireCaller(verifier: CredentialVerifier, authorization: string | undefined, kind: CallerKind): Promise<Caller> {
  if (!authorization) throw new AuthError(401, 'missing credentials: send an Authorization header');
  const caller = await verifier.verify(authorization);
  if (!caller) throw new AuthError(401, 'invalid credentials');
  if (caller.kind !== kind) throw new AuthError(403, `this route needs the ${kind} credential`);
  return caller;
}
