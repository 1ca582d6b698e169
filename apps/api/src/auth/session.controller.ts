import { Body, Controller, Delete, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ApiError } from '../common/api-error';
import { ContractBody } from '../common/contract-body.pipe';
import { Public } from './auth.guard';
import { AdminSessions, SESSION_COOKIE, readCookie } from './admin-session';
import { SignInThrottle } from './sign-in-throttle.guard';

const SessionRequest = Type.Object({ key: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

/** Browser sign-in: trades the admin key for an HttpOnly session cookie the server can revoke. */
@ApiTags('auth')
@Controller('api/v1/auth/session')
export class SessionController {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly sessions: AdminSessions,
  ) {}

  @Public()
  @UseGuards(SignInThrottle)
  @Post()
  @HttpCode(204)
  async signIn(
    @Body(new ContractBody<{ key: string }>(SessionRequest)) body: { key: string },
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (!timingSafeEqual(digest(body.key), digest(this.config.ADMIN_API_KEY))) throw new ApiError(401, 'that key was not accepted', { code: 'invalid_credentials' });
    const session = await this.sessions.issue();
    // request.secure: HTTPS here, or (with TRUSTED_PROXY_HOPS) X-Forwarded-Proto from Cloud Run's front end.
    response.cookie(SESSION_COOKIE, session.value, { httpOnly: true, sameSite: 'strict', secure: request.secure, maxAge: session.maxAgeMs, path: '/' });
  }

  /** Revokes the session on the server, so a copy of the cookie stops working too, then clears it. */
  @Public()
  @Delete()
  @HttpCode(204)
  async signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    await this.sessions.revoke(readCookie(request.headers.cookie, SESSION_COOKIE));
    response.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: request.secure, path: '/' });
  }
}
