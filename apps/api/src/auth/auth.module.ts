import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ApiKeyVerifier, CompositeVerifier, GoogleIdTokenVerifier } from '@docingest/service-auth';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { AdminSessions } from './admin-session';
import { AuthGuard, CREDENTIAL_VERIFIER } from './auth.guard';
import { SessionController } from './session.controller';

/**
 * Who may call what: the credential check on every route, admin sessions and the sign-in route.
 * Nothing is exported: adminOnly (what Express serves outside Nest's routing) reads the verifier
 * and the sessions from the app.
 */
@Module({
  imports: [
    // Used by the sign-in route only (SignInThrottle), not as a global guard.
    ThrottlerModule.forRootAsync({
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => ({ throttlers: [{ name: 'sign-in', ttl: 60_000, limit: config.SIGN_IN_ATTEMPTS_PER_MINUTE }] }),
    }),
  ],
  controllers: [SessionController],
  providers: [
    {
      provide: CREDENTIAL_VERIFIER,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => {
        const oidc = config.AUTH_MODE === 'oidc';
        return new CompositeVerifier([
          new ApiKeyVerifier({ admin: config.ADMIN_API_KEY, system: oidc ? undefined : config.SYSTEM_API_KEY }),
          ...(oidc ? [new GoogleIdTokenVerifier({ audience: config.OIDC_AUDIENCE, allowedServiceAccounts: config.OIDC_ALLOWED_CALLERS })] : []),
        ]);
      },
    },
    { provide: APP_GUARD, useClass: AuthGuard },
    AdminSessions,
  ],
})
export class AuthModule {}
