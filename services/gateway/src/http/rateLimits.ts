import { AppError } from '@lfusys/errors'
import type { FastifyRequest } from 'fastify'
import { normaliseEmail } from '../accounts/normaliseEmail.ts'
import type { App } from './App.ts'

export interface RateLimitSettings {
  authIpMax: number
  authAccountMax: number
  authWindowSeconds: number
  uploadCreateMax: number
  uploadCreateWindowSeconds: number
  mailMax: number
  mailWindowSeconds: number
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
  private readonly linkIp: Limiter
  private readonly mailUser: Limiter
  private readonly mailEmail: Limiter
  private readonly mailIp: Limiter

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
    // Link tokens carry 256 random bits, so guessing is hopeless; the limit only bounds the table reads.
    this.linkIp = app.createRateLimit({
      max: settings.authIpMax,
      timeWindow: settings.authWindowSeconds * 1000,
      keyGenerator: (req) => `link:ip:${req.ip}`,
      skipOnError: false,
    })
    // Every email costs money and reputation, and must not become a way to flood someone's inbox.
    this.mailUser = app.createRateLimit({
      max: settings.mailMax,
      timeWindow: settings.mailWindowSeconds * 1000,
      keyGenerator: (req) => `mail:user:${req.auth?.userId ?? req.ip}`,
      skipOnError: false,
    })
    this.mailEmail = app.createRateLimit({
      max: settings.mailMax,
      timeWindow: settings.mailWindowSeconds * 1000,
      keyGenerator: (req) => `mail:email:${bodyEmail(req)}`,
      skipOnError: false,
    })
    this.mailIp = app.createRateLimit({
      max: settings.mailMax * 10,
      timeWindow: settings.mailWindowSeconds * 1000,
      keyGenerator: (req) => `mail:ip:${req.ip}`,
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

  /** preHandler for the endpoints that consume email link tokens. */
  readonly links = async (request: FastifyRequest) => {
    await enforce(this.linkIp, request, 'too many attempts from this address')
  }

  /** preHandler for resending the verification email (after authentication). */
  readonly mailForUser = async (request: FastifyRequest) => {
    await enforce(this.mailUser, request, 'too many emails requested for this account; try again later')
  }

  /**
   * preHandler for the forgot-password request. Counted whether or not the address has an account,
   * so the limit does not tell either.
   */
  readonly mailForEmail = async (request: FastifyRequest) => {
    await enforce(this.mailIp, request, 'too many emails requested from this address; try again later')
    await enforce(this.mailEmail, request, 'too many emails requested for this account; try again later')
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
