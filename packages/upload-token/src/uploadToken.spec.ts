import { AppError } from '@lfusys/errors'
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { parseUploadTokenKeys, signUploadToken, verifyUploadToken } from './index.ts'

const keys = parseUploadTokenKeys(
  'k2:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,k1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
)
const claims = {
  userId: 'user-1',
  uploadId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  fileSize: 100,
  chunkSize: 64,
  chunkCount: 2,
}

async function reason(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(AppError)
  expect((err as AppError).code).toBe('UNAUTHENTICATED')
  return (err as AppError).details?.reason
}

describe('upload token', () => {
  it('round-trips its claims and signs with the first key', async () => {
    const { token, expiresAt } = await signUploadToken(keys, claims, 600)
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).kid).toBe('k2')
    const verified = await verifyUploadToken(keys, token)
    expect(verified).toEqual({ ...claims, expiresAt })
  })

  it('carries the per-user chunks-in-flight cap; tokens without it verify without it', async () => {
    const { token } = await signUploadToken(keys, { ...claims, maxChunksInFlight: 6 }, 600)
    expect(await verifyUploadToken(keys, token)).toMatchObject({ maxChunksInFlight: 6 })
    const plain = await verifyUploadToken(keys, (await signUploadToken(keys, claims, 600)).token)
    expect(plain.maxChunksInFlight).toBeUndefined()
    const key = keys[0]
    if (!key) throw new Error('no key')
    const zero = await new SignJWT({ upl: claims.uploadId, fsz: 1, csz: 1, cnt: 1, cif: 0 })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .setIssuer('lfusys-sessions')
      .setAudience('lfusys-uploads')
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key.secret)
    expect(await reason(verifyUploadToken(keys, zero))).toBe('invalid')
  })

  it('still verifies tokens signed with an older key', async () => {
    const old = parseUploadTokenKeys('k1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
    const { token } = await signUploadToken(old, claims, 600)
    await expect(verifyUploadToken(keys, token)).resolves.toMatchObject({ uploadId: claims.uploadId })
  })

  it('rejects expired, forged, unsigned and unknown-key tokens', async () => {
    const past = new Date(Date.now() - 3600_000)
    const { token: expired } = await signUploadToken(keys, claims, 60, past)
    expect(await reason(verifyUploadToken(keys, expired))).toBe('expired')

    const other = parseUploadTokenKeys('k2:cccccccccccccccccccccccccccccccccccc')
    const { token: forged } = await signUploadToken(other, claims, 600)
    expect(await reason(verifyUploadToken(keys, forged))).toBe('invalid')

    const unsigned = new UnsecuredJWT({ upl: claims.uploadId, fsz: 1, csz: 1, cnt: 1 })
      .setIssuer('lfusys-sessions')
      .setAudience('lfusys-uploads')
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime('10m')
      .encode()
    expect(await reason(verifyUploadToken(keys, unsigned))).toBe('invalid')

    const unknownKid = parseUploadTokenKeys('k9:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
    const { token: nine } = await signUploadToken(unknownKid, claims, 600)
    expect(await reason(verifyUploadToken(keys, nine))).toBe('invalid')
    expect(await reason(verifyUploadToken(keys, 'garbage'))).toBe('invalid')
  })

  it('rejects well-signed tokens with malformed claims', async () => {
    const key = keys[0]
    if (!key) throw new Error('no key')
    const bad = await new SignJWT({ upl: 'not-an-id', fsz: 1, csz: 1, cnt: 1 })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .setIssuer('lfusys-sessions')
      .setAudience('lfusys-uploads')
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key.secret)
    expect(await reason(verifyUploadToken(keys, bad))).toBe('invalid')
  })

  it('refuses weak or malformed key configuration', () => {
    expect(() => parseUploadTokenKeys('short:abc')).toThrow(/at least 32/)
    expect(() => parseUploadTokenKeys('nokid')).toThrow(/kid:secret/)
    expect(() => parseUploadTokenKeys('')).toThrow(/at least one/)
    expect(() =>
      parseUploadTokenKeys('a:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,a:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'),
    ).toThrow(/unique/)
  })
})
