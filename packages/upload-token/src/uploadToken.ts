import { parseKeyRing, type RingKey, ringKeyFor } from '@lfusys/config'
import { isId } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose'

/**
 * The upload token: a short-lived HS256 JWT that the sessions service signs and the uploads service
 * verifies from configuration alone, without a database call. It is scoped to one upload of one
 * user and carries the chunk plan, so the uploads service can check index and exact length.
 */
export const UPLOAD_TOKEN_ISSUER = 'lfusys-sessions'
export const UPLOAD_TOKEN_AUDIENCE = 'lfusys-uploads'

export interface UploadTokenClaims {
  userId: string
  uploadId: string
  fileSize: number
  chunkSize: number
  chunkCount: number
  /**
   * W3C traceparent of the upload's creation (claim `trc`), so the chunk PUTs on the uploads service
   * join the upload's trace whatever client sends them. Not verified by `verifyUploadToken`.
   */
  traceparent?: string
  /**
   * Chunk PUTs of this user the uploads service handles at once (claim `cif`), so one account cannot
   * hold the intake. Tokens signed without it get the uploads service's default.
   */
  maxChunksInFlight?: number
}

export type UploadTokenKey = RingKey

/** Parses UPLOAD_TOKEN_KEYS (`kid:secret[,kid:secret]`; the first signs, every key verifies). */
export function parseUploadTokenKeys(value: string): UploadTokenKey[] {
  return parseKeyRing(value, 'UPLOAD_TOKEN_KEYS')
}

export async function signUploadToken(
  keys: readonly UploadTokenKey[],
  claims: UploadTokenClaims,
  ttlSeconds: number,
  now: Date = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const key = keys[0]
  if (!key) throw new Error('no upload token key to sign with')
  const iat = Math.floor(now.getTime() / 1000)
  const exp = iat + ttlSeconds
  const token = await new SignJWT({
    upl: claims.uploadId,
    fsz: claims.fileSize,
    csz: claims.chunkSize,
    cnt: claims.chunkCount,
    ...(claims.traceparent ? { trc: claims.traceparent } : {}),
    ...(claims.maxChunksInFlight !== undefined ? { cif: claims.maxChunksInFlight } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(UPLOAD_TOKEN_ISSUER)
    .setAudience(UPLOAD_TOKEN_AUDIENCE)
    .setSubject(claims.userId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key.secret)
  return { token, expiresAt: new Date(exp * 1000) }
}

const safeInt = (v: unknown, min: number): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min

/** Throws AppError UNAUTHENTICATED (with `details.reason` expired|invalid) for any bad token. */
export async function verifyUploadToken(
  keys: readonly UploadTokenKey[],
  token: string,
  now: Date = new Date(),
): Promise<UploadTokenClaims & { expiresAt: Date }> {
  try {
    const { payload } = await jwtVerify(token, ringKeyFor(keys), {
      algorithms: ['HS256'],
      issuer: UPLOAD_TOKEN_ISSUER,
      audience: UPLOAD_TOKEN_AUDIENCE,
      currentDate: now,
      requiredClaims: ['sub', 'exp', 'iat'],
    })
    const { sub, upl, fsz, csz, cnt, exp, cif } = payload as Record<string, unknown>
    if (
      typeof sub !== 'string' ||
      sub.length === 0 ||
      !isId(upl) ||
      !safeInt(fsz, 0) ||
      !safeInt(csz, 1) ||
      !safeInt(cnt, 1) ||
      !safeInt(exp, 0) ||
      (cif !== undefined && !safeInt(cif, 1))
    ) {
      throw new AppError('UNAUTHENTICATED', 'upload token has malformed claims', {
        details: { reason: 'invalid' },
      })
    }
    return {
      userId: sub,
      uploadId: upl,
      fileSize: fsz,
      chunkSize: csz,
      chunkCount: cnt,
      ...(cif !== undefined ? { maxChunksInFlight: cif } : {}),
      expiresAt: new Date(exp * 1000),
    }
  } catch (err) {
    if (err instanceof AppError) throw err
    if (err instanceof joseErrors.JWTExpired) {
      throw new AppError('UNAUTHENTICATED', 'upload token has expired', {
        details: { reason: 'expired' },
        cause: err,
      })
    }
    throw new AppError('UNAUTHENTICATED', 'upload token is invalid', {
      details: { reason: 'invalid' },
      cause: err,
    })
  }
}
