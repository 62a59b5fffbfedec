import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { parseCallerTokenKeys, signCallerToken, verifyCallerToken } from './callerToken.ts'

const keys = parseCallerTokenKeys(`k1:${'a'.repeat(43)},k0:${'b'.repeat(43)}`)
const other = parseCallerTokenKeys(`k1:${'c'.repeat(43)}`)

describe('caller tokens', () => {
  it('carry the caller from the gateway to the sessions service, verified by any key of the ring', async () => {
    const token = await signCallerToken(keys, { userId: 'u1', isAdmin: true })
    expect(await verifyCallerToken(keys, `Bearer ${token}`)).toEqual({ userId: 'u1', isAdmin: true })
    const older = await signCallerToken(keys.slice(1), { userId: 'u2', isAdmin: false })
    expect(await verifyCallerToken(keys, `Bearer ${older}`)).toEqual({ userId: 'u2', isAdmin: false })
  })

  it('refuse a missing, forged, expired or foreign token', async () => {
    await expect(verifyCallerToken(keys, undefined)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'the call carries no caller token',
    })
    const forged = await signCallerToken(other, { userId: 'u1', isAdmin: true })
    await expect(verifyCallerToken(keys, `Bearer ${forged}`)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'the caller token is invalid',
    })
    const old = await signCallerToken(
      keys,
      { userId: 'u1', isAdmin: false },
      60,
      new Date(Date.now() - 120_000),
    )
    await expect(verifyCallerToken(keys, `Bearer ${old}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    const key = keys[0]
    if (!key) throw new Error('no key')
    const wrongAudience = await new SignJWT({ adm: true })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .setIssuer('lfusys-gateway')
      .setAudience('lfusys-uploads')
      .setSubject('u1')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(key.secret)
    await expect(verifyCallerToken(keys, `Bearer ${wrongAudience}`)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
  })
})
