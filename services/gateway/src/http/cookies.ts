import { randomBytes } from 'node:crypto'
import type { CookieSerializeOptions } from '@fastify/cookie'
import type { FastifyReply } from 'fastify'
import type { AuthSession } from '../accounts/AccountService.ts'

export const ACCESS_COOKIE = 'lfusys_access'
export const REFRESH_COOKIE = 'lfusys_refresh'
/** Readable by the web app's script on purpose: it echoes the value in `x-csrf-token`. */
export const CSRF_COOKIE = 'lfusys_csrf'
export const OAUTH_STATE_COOKIE = 'lfusys_oauth_state'

export const ACCESS_PATH = '/api'
/** The refresh token only travels to the two endpoints that use it. */
export const REFRESH_PATH = '/api/v1/auth'

export interface CookiePolicy {
  /** Secure cookies everywhere except plain-http local development. */
  secure: boolean
}

export class SessionCookies {
  private readonly policy: CookiePolicy

  constructor(policy: CookiePolicy) {
    this.policy = policy
  }

  private base(): CookieSerializeOptions {
    return { secure: this.policy.secure, sameSite: 'lax' }
  }

  set(reply: FastifyReply, session: AuthSession) {
    const maxAge = (expiresAt: Date) => Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000))
    reply.setCookie(ACCESS_COOKIE, session.access.token, {
      ...this.base(),
      httpOnly: true,
      path: ACCESS_PATH,
      maxAge: maxAge(session.access.expiresAt),
    })
    reply.setCookie(REFRESH_COOKIE, session.refresh.token, {
      ...this.base(),
      httpOnly: true,
      // Only ever sent by the app's own fetches; no cross-site navigation needs it.
      sameSite: 'strict',
      path: REFRESH_PATH,
      maxAge: maxAge(session.refresh.expiresAt),
    })
    reply.setCookie(CSRF_COOKIE, randomBytes(32).toString('base64url'), {
      ...this.base(),
      httpOnly: false,
      path: '/',
      maxAge: maxAge(session.refresh.expiresAt),
    })
  }

  clear(reply: FastifyReply) {
    reply.clearCookie(ACCESS_COOKIE, { ...this.base(), httpOnly: true, path: ACCESS_PATH })
    reply.clearCookie(REFRESH_COOKIE, {
      ...this.base(),
      httpOnly: true,
      sameSite: 'strict',
      path: REFRESH_PATH,
    })
    reply.clearCookie(CSRF_COOKIE, { ...this.base(), path: '/' })
  }

  setOAuthState(reply: FastifyReply, provider: string, state: string) {
    reply.setCookie(OAUTH_STATE_COOKIE, state, {
      ...this.base(),
      httpOnly: true,
      // Lax: the provider's redirect back is a top-level GET navigation, which Lax still carries.
      sameSite: 'lax',
      path: `/api/v1/auth/${provider}/callback`,
      maxAge: 600,
    })
  }

  clearOAuthState(reply: FastifyReply, provider: string) {
    reply.clearCookie(OAUTH_STATE_COOKIE, {
      ...this.base(),
      httpOnly: true,
      path: `/api/v1/auth/${provider}/callback`,
    })
  }
}
