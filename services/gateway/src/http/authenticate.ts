import { timingSafeEqual } from 'node:crypto'
import { AppError } from '@lfusys/errors'
import type { FastifyRequest } from 'fastify'
import type { Role } from '../accounts/AccountService.ts'
import type { CsrfTokens } from '../tokens/CsrfTokens.ts'
import type { SessionRevocations } from '../tokens/SessionRevocations.ts'
import type { TokenService } from '../tokens/TokenService.ts'
import type { Caller } from '../uploads/types.ts'
import type { App } from './context.ts'
import type { SessionCookies } from './cookies.ts'

export interface AuthContext {
  userId: string
  email: string
  familyId: string
  role: Role
  /** Cookie-borne credentials need CSRF protection; a bearer header cannot be sent by another site. */
  via: 'cookie' | 'bearer'
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function callerOf(request: FastifyRequest): Caller {
  const auth = request.auth
  if (!auth) throw new AppError('UNAUTHENTICATED', 'sign in first', { details: { reason: 'missing' } })
  return { userId: auth.userId, isAdmin: auth.role === 'admin' }
}

/**
 * A state-changing request that rides on cookies must carry the session's CSRF token in
 * `x-csrf-token`. The token is the readable CSRF cookie (another site can make the browser send our
 * cookies but can neither read this one nor set the header), and it must be the HMAC of this very
 * session's family id, so a token planted by a sibling site or kept from another session fails.
 */
export function csrfCheck(cookies: SessionCookies, csrf: CsrfTokens) {
  return (request: FastifyRequest, familyId: string): void => {
    if (SAFE_METHODS.has(request.method)) return
    const cookie = cookies.csrf(request)
    const header = request.headers['x-csrf-token']
    if (
      typeof header !== 'string' ||
      !cookie ||
      !sameString(header, cookie) ||
      !csrf.matches(header, familyId)
    ) {
      throw new AppError(
        'FORBIDDEN',
        `missing or wrong CSRF token (send the ${cookies.names.csrf} cookie in x-csrf-token)`,
        { details: { reason: 'csrf' } },
      )
    }
  }
}

export function registerAuthentication(
  app: App,
  deps: {
    tokens: TokenService
    revocations: SessionRevocations
    cookies: SessionCookies
    checkCsrf: (request: FastifyRequest, familyId: string) => void
  },
) {
  app.decorateRequest('auth', null)

  /** preHandler for every protected route: a valid, unrevoked access token, and CSRF for cookie writes. */
  const requireAuth = async (request: FastifyRequest) => {
    const header = request.headers.authorization
    let token: string | undefined
    let via: AuthContext['via'] = 'cookie'
    if (typeof header === 'string' && header.startsWith('Bearer ')) {
      token = header.slice('Bearer '.length).trim()
      via = 'bearer'
    } else {
      token = deps.cookies.access(request)
    }
    if (!token) throw new AppError('UNAUTHENTICATED', 'sign in first', { details: { reason: 'missing' } })
    const claims = await deps.tokens.verifyAccess(token)
    if (await deps.revocations.isRevoked(claims)) {
      throw new AppError('UNAUTHENTICATED', 'the session has ended', { details: { reason: 'revoked' } })
    }
    request.auth = {
      userId: claims.userId,
      email: claims.email,
      familyId: claims.familyId,
      role: claims.role,
      via,
    }
    if (via === 'cookie') deps.checkCsrf(request, claims.familyId)
  }
  return requireAuth
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
