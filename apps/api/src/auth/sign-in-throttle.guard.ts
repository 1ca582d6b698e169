import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { ApiError } from '../common/api-error';

/**
 * Sign-in attempts per client address (SIGN_IN_ATTEMPTS_PER_MINUTE), so the admin key cannot be
 * guessed at speed. The address is Express's req.ip: behind Cloud Run's front end that is the
 * caller's own only with TRUSTED_PROXY_HOPS=1. Counts are per instance (in memory).
 */
@Injectable()
export class SignInThrottle extends ThrottlerGuard {
  protected async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire));
    throw new ApiError(429, `too many sign-in attempts from this address (${detail.limit} a minute): try again in ${seconds} s`, { code: 'too_many_attempts' });
  }
}
