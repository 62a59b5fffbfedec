import { AppError } from '@lfusys/errors'
import type { FastifyRequest } from 'fastify'
import { normaliseEmail } from '../accounts/normaliseEmail.ts'
import type { App } from './context.ts'

export interface RateLimitSettings {
  authIpMax: number
  authAccountMax: number
  authWindowSeconds: number
  uploadCreateMax: number
  uploadCreateWindowSeconds: number
}

type Limiter = ReturnType<App['createRateLimit']>

function bodyEmail(request: FastifyRequest): string {
  const body = request.body
  if (typeof body === 'object' && body !== null && 'email' in body && typeof body.email === 'string') {
    return normaliseEmail(body.email)
  }
  return ''
}

/**
 * Limits on top of @fastify/rate-limit (its counters live in Redis, see FallbackRateLimitStore).
 * Auth limits count every attempt, per client IP and per email, and fall back to per-instance
 * memory counters when Redis is down; the upload creation limit fails open then, because refusing
 * uploads would turn a cache outage into a product outage.
 */
export class RateLimits {
  private readonly authIp: Limiter
  private readonly authAccount: Limiter
  private readonly uploadCreate: Limiter
  private readonly oauthIp: Limiter

  constructor(app: App, settings: RateLimitSettings) {
    this.authIp = app.createRateLimit({
      max: settings.authIpMax,
      timeWindow: settings.authWindowSeconds * 1000,
      keyGenerator: (req) => `auth:ip:${req.ip}`,
      skipOnError: false,
    })
    this.authAccount = app.createRateLimit({
      max: settings.authAccountMax,
      timeWindow: settings.authWindowSeconds * 1000,
      keyGenerator: (req) => `auth:account:${bodyEmail(req)}`,
      skipOnError: false,
    })
    // Each OAuth start stores a state in Redis for 10 minutes: bounded per address like sign-ins.
    this.oauthIp = app.createRateLimit({
      max: settings.authIpMax,
      timeWindow: settings.authWindowSeconds * 1000,
      keyGenerator: (req) => `oauth:ip:${req.ip}`,
      skipOnError: false,
    })
    this.uploadCreate = app.createRateLimit({
      max: settings.uploadCreateMax,
      timeWindow: settings.uploadCreateWindowSeconds * 1000,
      keyGenerator: (req) => `upload:user:${req.auth?.userId ?? req.ip}`,
      skipOnError: true,
    })
  }

  /** preHandler for register and login. */
  readonly auth = async (request: FastifyRequest) => {
    await enforce(this.authIp, request, 'too many sign-in attempts from this address')
    if (bodyEmail(request) !== '') {
      await enforce(this.authAccount, request, 'too many sign-in attempts for this account')
    }
  }

  /** preHandler for OAuth start. */
  readonly oauth = async (request: FastifyRequest) => {
    await enforce(this.oauthIp, request, 'too many sign-in attempts from this address')
  }

  /** preHandler for upload creation (after authentication). */
  readonly uploads = async (request: FastifyRequest) => {
    await enforce(this.uploadCreate, request, 'too many uploads started; slow down')
  }
}

async function enforce(limiter: Limiter, request: FastifyRequest, message: string) {
  const result = await limiter(request)
  if (!result.isAllowed && result.isExceeded) {
    throw new AppError('RATE_LIMITED', message, { retryAfterSeconds: Math.max(1, result.ttlInSeconds) })
  }
}
