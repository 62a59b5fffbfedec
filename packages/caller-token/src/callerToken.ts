import { parseKeyRing, type RingKey, ringKeyFor } from '@lfusys/config'
import { AppError } from '@lfusys/errors'
import { jwtVerify, SignJWT } from 'jose'

/**
 * The caller token: a short-lived HS256 JWT the gateway signs for each call to the sessions
 * service, naming the authenticated user and role. The sessions service takes the caller's identity
 * from it and from nothing else, so a process that can reach its port but holds no key (an uploads
 * task, anything else on the network) cannot act as anyone, least of all as an admin.
 */
export const CALLER_TOKEN_ISSUER = 'lfusys-gateway'
export const CALLER_TOKEN_AUDIENCE = 'lfusys-sessions'
/** gRPC metadata key carrying `Bearer <token>`. */
export const CALLER_TOKEN_METADATA = 'authorization'

export interface CallerIdentity {
  userId: string
  isAdmin: boolean
}

export type CallerTokenKey = RingKey

/** Parses SERVICE_TOKEN_KEYS (`kid:secret[,kid:secret]`; the first signs, every key verifies). */
export function parseCallerTokenKeys(value: string): CallerTokenKey[] {
  return parseKeyRing(value, 'SERVICE_TOKEN_KEYS')
}

export async function signCallerToken(
  keys: readonly CallerTokenKey[],
  caller: CallerIdentity,
  ttlSeconds = 60,
  now: Date = new Date(),
): Promise<string> {
  const key = keys[0]
  if (!key) throw new Error('no service token key to sign with')
  const iat = Math.floor(now.getTime() / 1000)
  return new SignJWT({ adm: caller.isAdmin })
    .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(CALLER_TOKEN_ISSUER)
    .setAudience(CALLER_TOKEN_AUDIENCE)
    .setSubject(caller.userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(key.secret)
}

/** The `authorization` metadata value of a call made for `caller`. */
export async function callerAuthorization(
  keys: readonly CallerTokenKey[],
  caller: CallerIdentity,
): Promise<string> {
  return `Bearer ${await signCallerToken(keys, caller)}`
}

/** Throws AppError UNAUTHENTICATED for a missing, forged, expired or malformed token. */
export async function verifyCallerToken(
  keys: readonly CallerTokenKey[],
  authorization: string | undefined,
  now: Date = new Date(),
): Promise<CallerIdentity> {
  const token = /^Bearer ([A-Za-z0-9._-]+)$/.exec(authorization ?? '')?.[1]
  if (!token) throw new AppError('UNAUTHENTICATED', 'the call carries no caller token')
  try {
    const { payload } = await jwtVerify(token, ringKeyFor(keys), {
      algorithms: ['HS256'],
      issuer: CALLER_TOKEN_ISSUER,
      audience: CALLER_TOKEN_AUDIENCE,
      currentDate: now,
      requiredClaims: ['sub', 'exp', 'iat'],
      // Two tasks' clocks may differ a little; the token lives a minute.
      clockTolerance: 5,
    })
    const { sub, adm } = payload as Record<string, unknown>
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128 || typeof adm !== 'boolean')
      throw new AppError('UNAUTHENTICATED', 'the caller token has malformed claims')
    return { userId: sub, isAdmin: adm }
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError('UNAUTHENTICATED', 'the caller token is invalid', { cause: err })
  }
}
