import { timingSafeEqual } from 'node:crypto'
import { AppError } from '@lfusys/errors'
import type { FastifyRequest } from 'fastify'
import type { AccountService, Role } from '../accounts/AccountService.ts'
import type { TokenService } from '../tokens/TokenService.ts'
import type { Caller } from '../uploads/types.ts'
import type { App } from './context.ts'
import { ACCESS_COOKIE, CSRF_COOKIE } from './cookies.ts'

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
 * Double-submit check: a state-changing request that rides on cookies must repeat the readable
 * `lfusys_csrf` cookie in `x-csrf-token`. Another site can make the browser send our cookies but
 * can neither read this one nor set the header.
 */
export function checkCsrf(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return
  const cookie = request.cookies[CSRF_COOKIE]
  const header = request.headers['x-csrf-token']
  if (typeof header !== 'string' || !cookie || !sameString(header, cookie)) {
    throw new AppError(
      'FORBIDDEN',
      'missing or wrong CSRF token (send the lfusys_csrf cookie in x-csrf-token)',
      {
        details: { reason: 'csrf' },
      },
    )
  }
}

export function registerAuthentication(app: App, tokens: TokenService, accounts: AccountService) {
  app.decorateRequest('auth', null)

  /** preHandler for every protected route: a valid access token, and CSRF for cookie writes. */
  const requireAuth = async (request: FastifyRequest) => {
    const header = request.headers.authorization
    let token: string | undefined
    let via: AuthContext['via'] = 'cookie'
    if (typeof header === 'string' && header.startsWith('Bearer ')) {
      token = header.slice('Bearer '.length).trim()
      via = 'bearer'
    } else {
      token = request.cookies[ACCESS_COOKIE]
    }
    if (!token) throw new AppError('UNAUTHENTICATED', 'sign in first', { details: { reason: 'missing' } })
    const claims = await tokens.verifyAccess(token)
    request.auth = { ...claims, role: accounts.roleOf(claims.email), via }
    if (via === 'cookie') checkCsrf(request)
  }
  return requireAuth
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
