import { AppError } from '@lfusys/errors'
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { parseSigningKeys } from './signingKeys.ts'
import { TokenService } from './TokenService.ts'

const SECRET_A = 'a'.repeat(40)
const SECRET_B = 'b'.repeat(40)
const keysA = parseSigningKeys(`k1:${SECRET_A}`)
const claims = {
  userId: 'u1',
  email: 'a@example.com',
  familyId: 'f1',
  role: 'user' as const,
  sessionEpoch: 0,
}
const refreshClaims = { userId: 'u1', familyId: 'f1', tokenId: 't1', sessionEpoch: 2 }

function service(keys = keysA, now?: () => Date) {
  return new TokenService({ keys, accessTtlSeconds: 600, refreshTtlSeconds: 3600, ...(now ? { now } : {}) })
}

async function rejection(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(AppError)
  const app = err as AppError
  return { code: app.code, reason: app.details?.reason }
}

describe('TokenService', () => {
  it('round-trips access and refresh claims with the kid in the header', async () => {
    const tokens = service()
    const access = await tokens.signAccess(claims)
    expect(JSON.parse(Buffer.from(access.token.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({
      alg: 'HS256',
      kid: 'k1',
    })
    expect(await tokens.verifyAccess(access.token)).toEqual(claims)
    const refresh = await tokens.signRefresh(refreshClaims)
    expect(await tokens.verifyRefresh(refresh.token)).toEqual(refreshClaims)
  })

  it('never accepts a refresh token as an access token or the reverse', async () => {
    const tokens = service()
    const refresh = await tokens.signRefresh(refreshClaims)
    expect(await rejection(tokens.verifyAccess(refresh.token))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'invalid',
    })
    const access = await tokens.signAccess(claims)
    expect(await rejection(tokens.verifyRefresh(access.token))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'invalid',
    })
  })

  it('rejects expired tokens with reason expired', async () => {
    const past = service(keysA, () => new Date(Date.now() - 3_600_000))
    const { token } = await past.signAccess(claims)
    expect(await rejection(service().verifyAccess(token))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'expired',
    })
  })

  it('rejects alg none, forged signatures, unknown kids and wrong keys', async () => {
    const tokens = service()
    const none = new UnsecuredJWT({ email: 'a@example.com', fam: 'f1' })
      .setIssuer('lfusys-gateway')
      .setAudience('lfusys-api')
      .setSubject('u1')
      .setExpirationTime('5m')
      .encode()
    expect(await rejection(tokens.verifyAccess(none))).toEqual({ code: 'UNAUTHENTICATED', reason: 'invalid' })

    const good = (await tokens.signAccess(claims)).token
    const [h, p] = good.split('.')
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), sub: 'admin' }),
    ).toString('base64url')
    const forged = `${h}.${forgedPayload}.${good.split('.')[2]}`
    expect(await rejection(tokens.verifyAccess(forged))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'invalid',
    })

    const wrongKey = await new SignJWT({ email: 'a@example.com', fam: 'f1' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer('lfusys-gateway')
      .setAudience('lfusys-api')
      .setSubject('u1')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET_B))
    expect(await rejection(tokens.verifyAccess(wrongKey))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'invalid',
    })

    const otherKid = (await service(parseSigningKeys(`k9:${SECRET_A}`)).signAccess(claims)).token
    expect(await rejection(tokens.verifyAccess(otherKid))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'invalid',
    })
    expect(await rejection(tokens.verifyAccess('not-a-jwt'))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'invalid',
    })
  })

  it('refuses correctly signed tokens that lack exp, iat or sub, or carry no role or session epoch', async () => {
    const tokens = service()
    const key = new TextEncoder().encode(SECRET_A)
    const now = Math.floor(Date.now() / 1000)
    const full = { email: 'a@example.com', fam: 'f1', role: 'admin', sep: 0 }
    const sign = (
      payload: Record<string, unknown>,
      omit: { exp?: boolean; iat?: boolean; sub?: boolean },
    ) => {
      let jwt = new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setIssuer('lfusys-gateway')
        .setAudience('lfusys-api')
      if (!omit.sub) jwt = jwt.setSubject('u1')
      if (!omit.iat) jwt = jwt.setIssuedAt(now)
      if (!omit.exp) jwt = jwt.setExpirationTime(now + 300)
      return jwt.sign(key)
    }
    // The control: the same construction with every claim verifies.
    expect((await tokens.verifyAccess(await sign(full, {}))).role).toBe('admin')
    for (const omit of [{ exp: true }, { iat: true }, { sub: true }]) {
      expect(await rejection(tokens.verifyAccess(await sign(full, omit)))).toEqual({
        code: 'UNAUTHENTICATED',
        reason: 'invalid',
      })
    }
    for (const payload of [
      { ...full, role: 'root' },
      { ...full, role: undefined },
      { ...full, sep: undefined },
      { ...full, sep: -1 },
    ]) {
      expect(await rejection(tokens.verifyAccess(await sign(payload, {})))).toEqual({
        code: 'UNAUTHENTICATED',
        reason: 'invalid',
      })
    }
  })

  it('rotates keys: tokens of the old key verify while it is listed second', async () => {
    const old = service(parseSigningKeys(`k1:${SECRET_A}`))
    const { token } = await old.signAccess(claims)
    const rotated = service(parseSigningKeys(`k2:${SECRET_B},k1:${SECRET_A}`))
    expect(await rotated.verifyAccess(token)).toEqual(claims)
    const fresh = await rotated.signAccess(claims)
    expect(JSON.parse(Buffer.from(fresh.token.split('.')[0] ?? '', 'base64url').toString()).kid).toBe('k2')
    const dropped = service(parseSigningKeys(`k2:${SECRET_B}`))
    expect(await rejection(dropped.verifyAccess(token))).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'invalid',
    })
  })
})

describe('parseSigningKeys', () => {
  it('refuses short secrets, bad ids and duplicates', () => {
    expect(() => parseSigningKeys('k1:short')).toThrow(/at least 32/)
    expect(() => parseSigningKeys(`:${SECRET_A}`)).toThrow(/kid:secret/)
    expect(() => parseSigningKeys(`k1:${SECRET_A},k1:${SECRET_B}`)).toThrow(/unique/)
    expect(() => parseSigningKeys(' , ')).toThrow(/at least one/)
    expect(parseSigningKeys(`k1:${SECRET_A}:with:colons`)[0]?.kid).toBe('k1')
  })
})
