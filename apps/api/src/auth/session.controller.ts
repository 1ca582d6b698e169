import { Body, Controller, Delete, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ApiError } from '../common/api-error';
import { ContractBody } from '../common/contract-body.pipe';
import { Public } from './auth.guard';
import { SESSION_COOKIE, issueSession } from './admin-session';

const SessionRequest = Type.Object({ key: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

/** Browser sign-in: trades the admin key for a signed HttpOnly session cookie. */
@ApiTags('auth')
@Controller('api/v1/auth/session')
export class SessionController {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  @Public()
  @Post()
  @HttpCode(204)
  signIn(@Body(new ContractBody<{ key: string }>(SessionRequest)) body: { key: string }, @Res({ passthrough: true }) response: Response): void {
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (!timingSafeEqual(digest(body.key), digest(this.config.ADMIN_API_KEY))) throw new ApiError(401, 'that key was not accepted', { code: 'invalid_credentials' });
    const session = issueSession(this.config.ADMIN_API_KEY);
    response.cookie(SESSION_COOKIE, session.value, { httpOnly: true, sameSite: 'strict', maxAge: session.maxAgeMs, path: '/' });
  }

  @Public()
  @Delete()
  @HttpCode(204)
  signOut(@Res({ passthrough: true }) response: Response): void {
    response.clearCookie(SESSION_COOKIE, { path: '/' });
  }
}
