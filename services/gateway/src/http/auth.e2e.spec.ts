import { type CaughtMail, Mailbox } from '@lfusys/testing'
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { authGatewaySuite } from '../testing/authGateway.ts'
import { Browser, GOOD_PASSWORD, TEST_TOKEN_KEYS, uniqueEmail } from '../testing/harness.ts'

const suite = authGatewaySuite('gw-auth')
const { admin: ADMIN, freshIp, registered } = suite

describe('register', () => {
  it('creates an account with a normalised email, signs in and sets scoped cookies', async () => {
    const email = `  ${uniqueEmail('New')}  `
    const browser = new Browser(suite.gw.app)
    const res = await browser.send({
      method: 'POST',
      url: '/api/v1/auth/register',
      body: { email, password: GOOD_PASSWORD },
      remoteAddress: freshIp(),
    })
    expect(res.statusCode).toBe(201)
    const user = res.json().user
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      emailVerified: false,
      email: email.trim().toLowerCase(),
      name: email.trim().toLowerCase().split('@')[0],
      role: 'user',
    })
    const byName = Object.fromEntries(res.cookies.map((c) => [c.name, c]))
    expect(byName.lfusys_access).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api' })
    expect(byName.lfusys_refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' })
    expect(byName.lfusys_csrf?.httpOnly).toBeUndefined()
    expect(byName.lfusys_csrf?.path).toBe('/')
    // Tests run with LFUSYS_ENV=test: Secure cookies under their plain names (only production uses __Host-).
    expect(byName.lfusys_access?.secure).toBe(true)
    const me = await browser.send({ url: '/api/v1/auth/me' })
    expect(me.statusCode).toBe(200)
    expect(me.json()).toEqual({ user })
    expect(me.headers['cache-control']).toBe('no-store')
    expect(me.headers['x-content-type-options']).toBe('nosniff')
  })

  it('answers 409 for an email that exists in any case or spacing', async () => {
    const { email } = await registered()
    const res = await new Browser(suite.gw.app).send({
      method: 'POST',
      url: '/api/v1/auth/register',
      body: { email: ` ${email.toUpperCase()} `, password: GOOD_PASSWORD },
      remoteAddress: freshIp(),
    })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toEqual({
      error: { code: 'ALREADY_EXISTS', message: 'an account with this email already exists' },
    })
  })

  it('lets exactly one of two racing registrations of one email win', async () => {
    const email = uniqueEmail('race')
    const results = await Promise.all(
      [0, 1, 2].map(() =>
        new Browser(suite.gw.app).send({
          method: 'POST',
          url: '/api/v1/auth/register',
          body: { email, password: GOOD_PASSWORD },
          remoteAddress: freshIp(),
        }),
      ),
    )
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409])
  })

  it('enforces the password length policy and validates the email', async () => {
    const send = (body: unknown) =>
      new Browser(suite.gw.app).send({
        method: 'POST',
        url: '/api/v1/auth/register',
        body,
        remoteAddress: freshIp(),
      })
    const short = await send({ email: uniqueEmail(), password: 'short' })
    expect(short.statusCode).toBe(400)
    expect(short.json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'password must be 10 to 256 characters',
        details: { field: 'password' },
      },
    })
    const long = await send({ email: uniqueEmail(), password: 'x'.repeat(257) })
    expect(long.statusCode).toBe(400)
    expect(long.json().error.message).toBe('password must be 10 to 256 characters')
    const badEmail = await send({ email: 'not-an-email', password: GOOD_PASSWORD })
    expect(badEmail.statusCode).toBe(400)
    expect(badEmail.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'invalid body: email: must be a valid email address',
    })
    const missing = await send({ password: GOOD_PASSWORD })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error.code).toBe('VALIDATION_FAILED')
    expect(missing.json().error.message).toMatch(/^invalid body: email: /)
  })
})

describe('login', () => {
  it('signs in with the email in any case and answers the user', async () => {
    const { email, user } = await registered()
    const browser = new Browser(suite.gw.app)
    const res = await browser.send({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { email: email.toUpperCase(), password: GOOD_PASSWORD },
      remoteAddress: freshIp(),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ user })
    expect(browser.cookies.has('lfusys_access')).toBe(true)
  })

  it('gives one answer for a wrong password, an unknown email and an over-long password', async () => {
    const { email } = await registered()
    const attempt = (body: unknown) =>
      new Browser(suite.gw.app).send({
        method: 'POST',
        url: '/api/v1/auth/login',
        body,
        remoteAddress: freshIp(),
      })
    const expected = { error: { code: 'UNAUTHENTICATED', message: 'email or password is incorrect' } }
    for (const body of [
      { email, password: 'wrong password!' },
      { email: uniqueEmail('nobody'), password: GOOD_PASSWORD },
      { email, password: 'y'.repeat(300) },
    ]) {
      const res = await attempt(body)
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual(expected)
      expect(res.cookies).toHaveLength(0)
    }
  })

  it('gives a listed address the admin role only once the address is verified (no admin by registration)', async () => {
    const { browser, user } = await registered(ADMIN)
    // Registering a listed address proves nothing: before verification the account is a plain user
    // and cannot list everyone's files.
    expect(user).toMatchObject({ role: 'user', emailVerified: false })
    expect((await browser.send({ url: '/api/v1/auth/me' })).json().user.role).toBe('user')
    const all = await browser.send({ url: '/api/v1/files?all=true' })
    expect(all.statusCode).toBe(403)
    expect(all.json().error.code).toBe('FORBIDDEN')

    // The owner follows the link that reached the address (real SMTP, read from the mail catcher).
    const [mail] = await new Mailbox().waitForMessages(ADMIN, { subject: /Confirm your email/ })
    const link = Mailbox.link(mail as CaughtMail, 'http://web.test/verify-email?token=')
    const verified = await new Browser(suite.gw.app).send({
      method: 'POST',
      url: '/api/v1/auth/verify-email',
      body: { token: link.searchParams.get('token') },
    })
    expect(verified.statusCode).toBe(200)
    expect(verified.json()).toEqual({ email: ADMIN.toLowerCase() })

    // The role is decided when tokens are issued: the current access token stays 'user' until the
    // next refresh, which issues an admin token.
    expect((await browser.send({ url: '/api/v1/files?all=true' })).statusCode).toBe(403)
    const refreshed = await browser.send({ method: 'POST', url: '/api/v1/auth/refresh' })
    expect(refreshed.json().user).toMatchObject({ role: 'admin', emailVerified: true })
    const allAfter = await browser.send({ url: '/api/v1/files?all=true' })
    // Past the role check, the call reaches the (unreachable in this file) sessions service.
    expect(allAfter.statusCode).toBe(503)
  })
})

describe('session tokens', () => {
  it('rejects requests without, or with expired, forged, alg-none and wrong-key tokens', async () => {
    const { user } = await registered()
    const secret = new TextEncoder().encode(TEST_TOKEN_KEYS.slice(3))
    const base = (jwt: SignJWT) =>
      jwt.setIssuer('lfusys-gateway').setAudience('lfusys-api').setSubject(user.id)
    const expired = await base(new SignJWT({ email: user.email, fam: 'f' }))
      .setProtectedHeader({ alg: 'HS256', kid: 't1' })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(secret)
    const wrongKey = await base(new SignJWT({ email: user.email, fam: 'f' }))
      .setProtectedHeader({ alg: 'HS256', kid: 't1' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('z'.repeat(48)))
    const none = new UnsecuredJWT({ email: user.email, fam: 'f' })
      .setIssuer('lfusys-gateway')
      .setAudience('lfusys-api')
      .setSubject(user.id)
      .setExpirationTime('5m')
      .encode()
    const valid = await base(new SignJWT({ email: user.email, fam: 'f', role: 'user', sep: 0 }))
      .setProtectedHeader({ alg: 'HS256', kid: 't1' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret)
    // Correctly signed but without an expiry: it would never die, so it is refused.
    const immortal = await base(new SignJWT({ email: user.email, fam: 'f', role: 'user', sep: 0 }))
      .setProtectedHeader({ alg: 'HS256', kid: 't1' })
      .setIssuedAt()
      .sign(secret)
    const [h, , s] = valid.split('.')
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: user.id, email: ADMIN, fam: 'f', iss: 'lfusys-gateway', aud: 'lfusys-api', exp: 9_999_999_999 })).toString('base64url')}.${s}`

    const me = (cookie?: string) =>
      suite.gw.app.inject({
        url: '/api/v1/auth/me',
        headers: cookie ? { cookie: `lfusys_access=${cookie}` } : {},
      })
    expect((await me()).json()).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'sign in first', details: { reason: 'missing' } },
    })
    expect((await me(expired)).json()).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'the token has expired', details: { reason: 'expired' } },
    })
    for (const token of [wrongKey, none, forged, immortal, 'garbage']) {
      const res = await me(token)
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual({
        error: { code: 'UNAUTHENTICATED', message: 'the token is invalid', details: { reason: 'invalid' } },
      })
    }
    // The genuine token signed with the configured key passes, so the rejections above are about the tokens.
    expect((await me(valid)).statusCode).toBe(200)
    // A bearer header works too (CLI), with the same checks.
    const bearer = await suite.gw.app.inject({
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${none}` },
    })
    expect(bearer.statusCode).toBe(401)
  })

  it('rotates the refresh token and revokes the whole family when a rotated one comes back', async () => {
    const { browser } = await registered()
    const first = browser.cookies.get('lfusys_refresh')?.value
    for (let i = 0; i < 2; i++) {
      const refreshed = await browser.send({ method: 'POST', url: '/api/v1/auth/refresh' })
      expect(refreshed.statusCode).toBe(200)
    }
    const latest = browser.cookies.get('lfusys_refresh')?.value
    expect(latest).toBeDefined()
    expect(latest).not.toBe(first)

    // An attacker replays the first token, rotated away two refreshes ago.
    const thief = new Browser(suite.gw.app)
    thief.cookies.set('lfusys_refresh', { value: first ?? '', path: '/api/v1/auth' })
    // The CSRF token belongs to the session family, so a copy of the cookie jar carries a valid one.
    thief.cookies.set('lfusys_csrf', { value: browser.cookies.get('lfusys_csrf')?.value ?? '', path: '/' })
    const replay = await thief.send({ method: 'POST', url: '/api/v1/auth/refresh' })
    expect(replay.statusCode).toBe(401)
    expect(replay.json()).toEqual({
      error: {
        code: 'UNAUTHENTICATED',
        message: 'refresh token reuse detected; the session was revoked',
        details: { reason: 'reused' },
      },
    })
    // The legitimate holder of the newest token is signed out as well.
    const legit = await browser.send({ method: 'POST', url: '/api/v1/auth/refresh' })
    expect(legit.statusCode).toBe(401)
    expect(legit.json().error.details).toEqual({ reason: 'revoked' })
  })

  it('treats two refreshes racing with the same token (two tabs) as one, not as theft', async () => {
    const { browser } = await registered()
    const cookie = browser.cookieHeader('/api/v1/auth/refresh')
    const csrf = browser.cookies.get('lfusys_csrf')?.value ?? ''
    const send = () =>
      suite.gw.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        headers: { cookie, 'x-csrf-token': csrf },
      })
    const first = await send()
    const second = await send()
    expect([first.statusCode, second.statusCode]).toEqual([200, 200])
    const tokenOf = (res: typeof first) => res.cookies.find((c) => c.name === 'lfusys_refresh')?.value ?? ''
    // Both got a token for the live position of the family; either keeps working.
    const next = await suite.gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { cookie: `lfusys_refresh=${tokenOf(second)}; lfusys_csrf=${csrf}`, 'x-csrf-token': csrf },
    })
    expect(next.statusCode).toBe(200)
  })

  it('refuses refresh without the CSRF header and without a refresh cookie', async () => {
    const { browser } = await registered()
    const noCsrf = await browser.send({ method: 'POST', url: '/api/v1/auth/refresh', csrf: false })
    expect(noCsrf.statusCode).toBe(403)
    expect(noCsrf.json()).toEqual({
      error: {
        code: 'FORBIDDEN',
        message: 'missing or wrong CSRF token (send the lfusys_csrf cookie in x-csrf-token)',
        details: { reason: 'csrf' },
      },
    })
    const wrong = await browser.send({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      csrf: false,
      headers: { 'x-csrf-token': 'not-the-cookie' },
    })
    expect(wrong.statusCode).toBe(403)
    const anonymous = await new Browser(suite.gw.app).send({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { 'x-csrf-token': 'a' },
    })
    // No session, nothing to protect: the refresh is refused for the missing token.
    expect(anonymous.statusCode).toBe(401)
    const noCookie = await suite.gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { cookie: 'lfusys_csrf=a', 'x-csrf-token': 'a' },
    })
    expect(noCookie.statusCode).toBe(401)
    expect(noCookie.json().error.details).toEqual({ reason: 'missing' })
  })

  it('logout revokes the refresh family and clears the cookies', async () => {
    const { browser } = await registered()
    const refresh = browser.cookies.get('lfusys_refresh')?.value ?? ''
    const csrf = browser.cookies.get('lfusys_csrf')?.value ?? ''
    const csrfLess = await browser.send({ method: 'POST', url: '/api/v1/auth/logout', csrf: false })
    expect(csrfLess.statusCode).toBe(403)
    const out = await browser.send({ method: 'POST', url: '/api/v1/auth/logout' })
    expect(out.statusCode).toBe(204)
    expect(out.body).toBe('')
    expect(browser.cookies.size).toBe(0)
    const again = await suite.gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { cookie: `lfusys_refresh=${refresh}; lfusys_csrf=${csrf}`, 'x-csrf-token': csrf },
    })
    expect(again.statusCode).toBe(401)
    expect(again.json().error.details).toEqual({ reason: 'revoked' })
    // Logging out without a session is harmless.
    expect(
      (await new Browser(suite.gw.app).send({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode,
    ).toBe(204)
  })
})
