import type { CookieSerializeOptions } from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuthSession } from '../accounts/AccountService.ts'
import type { CsrfTokens } from '../tokens/CsrfTokens.ts'

export interface CookieNames {
  access: string
  refresh: string
  /** Readable by the web app's script on purpose: it echoes the value in `x-csrf-token`. */
  csrf: string
  oauthState: string
}

const plainNames: CookieNames = {
  access: 'lfusys_access',
  refresh: 'lfusys_refresh',
  csrf: 'lfusys_csrf',
  oauthState: 'lfusys_oauth_state',
}

/**
 * `__Host-` cookies are only accepted by browsers when Secure, without Domain and with Path=/, so no
 * sibling subdomain and no plain-http page can set or overwrite them (cookie tossing).
 */
const hostNames: CookieNames = {
  access: '__Host-lfusys_access',
  refresh: '__Host-lfusys_refresh',
  csrf: '__Host-lfusys_csrf',
  oauthState: '__Host-lfusys_oauth_state',
}

export const ACCESS_PATH = '/api'
/** The refresh token only travels to the two endpoints that use it (outside production). */
export const REFRESH_PATH = '/api/v1/auth'

export interface CookiePolicy {
  /** Secure cookies everywhere except plain-http local development. */
  secure: boolean
  /** `__Host-` names and Path=/ (production). */
  hostPrefix: boolean
  csrf: CsrfTokens
}

export class SessionCookies {
  readonly names: CookieNames
  private readonly policy: CookiePolicy

  constructor(policy: CookiePolicy) {
    this.policy = policy
    this.names = policy.hostPrefix ? hostNames : plainNames
  }

  private base(): CookieSerializeOptions {
    return { secure: this.policy.secure || this.policy.hostPrefix, sameSite: 'lax' }
  }

  private path(scoped: string): string {
    return this.policy.hostPrefix ? '/' : scoped
  }

  access(request: FastifyRequest): string | undefined {
    return request.cookies[this.names.access]
  }

  refresh(request: FastifyRequest): string | undefined {
    return request.cookies[this.names.refresh]
  }

  csrf(request: FastifyRequest): string | undefined {
    return request.cookies[this.names.csrf]
  }

  oauthState(request: FastifyRequest): string | undefined {
    return request.cookies[this.names.oauthState]
  }

  set(reply: FastifyReply, session: AuthSession) {
    const maxAge = (expiresAt: Date) => Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000))
    reply.setCookie(this.names.access, session.access.token, {
      ...this.base(),
      httpOnly: true,
      path: this.path(ACCESS_PATH),
      maxAge: maxAge(session.access.expiresAt),
    })
    reply.setCookie(this.names.refresh, session.refresh.token, {
      ...this.base(),
      httpOnly: true,
      // Only ever sent by the app's own fetches; no cross-site navigation needs it.
      sameSite: 'strict',
      path: this.path(REFRESH_PATH),
      maxAge: maxAge(session.refresh.expiresAt),
    })
    reply.setCookie(this.names.csrf, this.policy.csrf.tokenFor(session.familyId), {
      ...this.base(),
      httpOnly: false,
      path: '/',
      maxAge: maxAge(session.refresh.expiresAt),
    })
  }

  clear(reply: FastifyReply) {
    reply.clearCookie(this.names.access, { ...this.base(), httpOnly: true, path: this.path(ACCESS_PATH) })
    reply.clearCookie(this.names.refresh, {
      ...this.base(),
      httpOnly: true,
      sameSite: 'strict',
      path: this.path(REFRESH_PATH),
    })
    reply.clearCookie(this.names.csrf, { ...this.base(), path: '/' })
  }

  setOAuthState(reply: FastifyReply, provider: string, state: string) {
    reply.setCookie(this.names.oauthState, state, {
      ...this.base(),
      httpOnly: true,
      // Lax: the provider's redirect back is a top-level GET navigation, which Lax still carries.
      sameSite: 'lax',
      path: this.path(`/api/v1/auth/${provider}/callback`),
      maxAge: 600,
    })
  }

  clearOAuthState(reply: FastifyReply, provider: string) {
    reply.clearCookie(this.names.oauthState, {
      ...this.base(),
      httpOnly: true,
      path: this.path(`/api/v1/auth/${provider}/callback`),
    })
  }
}
