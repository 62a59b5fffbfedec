import { AppError } from '@lfusys/errors'
import { type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import type { SigningKey } from './signingKeys.ts'

const ISSUER = 'lfusys-gateway'
/** Distinct audiences keep a refresh token from ever passing as an access token and vice versa. */
const ACCESS_AUDIENCE = 'lfusys-api'
const REFRESH_AUDIENCE = 'lfusys-refresh'

export interface AccessClaims {
  userId: string
  email: string
  familyId: string
  /** Decided when the token is issued (admin needs a verified email), not on each request. */
  role: 'user' | 'admin'
  sessionEpoch: number
}

export interface RefreshClaims {
  userId: string
  familyId: string
  tokenId: string
  sessionEpoch: number
}

export interface SignedToken {
  token: string
  expiresAt: Date
}

export interface TokenServiceOptions {
  keys: readonly SigningKey[]
  accessTtlSeconds: number
  refreshTtlSeconds: number
  now?: () => Date
}

export class TokenService {
  readonly accessTtlSeconds: number
  readonly refreshTtlSeconds: number
  private readonly keys: readonly SigningKey[]
  private readonly now: () => Date

  constructor(options: TokenServiceOptions) {
    if (options.keys.length === 0) throw new Error('no signing key')
    this.keys = options.keys
    this.accessTtlSeconds = options.accessTtlSeconds
    this.refreshTtlSeconds = options.refreshTtlSeconds
    this.now = options.now ?? (() => new Date())
  }

  signAccess(claims: AccessClaims): Promise<SignedToken> {
    return this.sign(
      { email: claims.email, fam: claims.familyId, role: claims.role, sep: claims.sessionEpoch },
      claims.userId,
      ACCESS_AUDIENCE,
      this.accessTtlSeconds,
    )
  }

  signRefresh(claims: RefreshClaims): Promise<SignedToken> {
    return this.sign(
      { fam: claims.familyId, jti: claims.tokenId, sep: claims.sessionEpoch },
      claims.userId,
      REFRESH_AUDIENCE,
      this.refreshTtlSeconds,
    )
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const payload = await this.verify(token, ACCESS_AUDIENCE)
    if (
      typeof payload.email !== 'string' ||
      typeof payload.fam !== 'string' ||
      typeof payload.sub !== 'string' ||
      (payload.role !== 'user' && payload.role !== 'admin') ||
      !isEpoch(payload.sep)
    ) {
      throw invalid()
    }
    return {
      userId: payload.sub,
      email: payload.email,
      familyId: payload.fam,
      role: payload.role,
      sessionEpoch: payload.sep,
    }
  }

  async verifyRefresh(token: string): Promise<RefreshClaims> {
    const payload = await this.verify(token, REFRESH_AUDIENCE)
    if (
      typeof payload.fam !== 'string' ||
      typeof payload.jti !== 'string' ||
      typeof payload.sub !== 'string' ||
      !isEpoch(payload.sep)
    ) {
      throw invalid()
    }
    return { userId: payload.sub, familyId: payload.fam, tokenId: payload.jti, sessionEpoch: payload.sep }
  }

  private async sign(
    payload: JWTPayload,
    subject: string,
    audience: string,
    ttlSeconds: number,
  ): Promise<SignedToken> {
    const key = this.keys[0]
    if (!key) throw new Error('no signing key')
    const iat = Math.floor(this.now().getTime() / 1000)
    const exp = iat + ttlSeconds
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key.secret)
    return { token, expiresAt: new Date(exp * 1000) }
  }

  private async verify(token: string, audience: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          // Only HS256 with a known kid: `alg: none`, other algorithms and unknown keys fail here.
          const key = this.keys.find((k) => k.kid === header.kid)
          if (!key || header.alg !== 'HS256') throw invalid()
          return key.secret
        },
        {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience,
          // jose checks exp and iat only when present: a token without an expiry would live forever.
          requiredClaims: ['exp', 'iat', 'sub'],
          currentDate: this.now(),
        },
      )
      return payload
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) {
        throw new AppError('UNAUTHENTICATED', 'the token has expired', { details: { reason: 'expired' } })
      }
      throw invalid(err)
    }
  }
}

function isEpoch(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}

function invalid(cause?: unknown): AppError {
  return new AppError('UNAUTHENTICATED', 'the token is invalid', {
    details: { reason: 'invalid' },
    ...(cause === undefined ? {} : { cause }),
  })
}
