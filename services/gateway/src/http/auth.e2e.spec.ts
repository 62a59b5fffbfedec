import { randomBytes } from 'node:crypto'
import { type CaughtMail, Mailbox, type TestStack } from '@lfusys/testing'
import { SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Browser,
  type GatewayHarness,
  GOOD_PASSWORD,
  gatewayTestEnv,
  provisionGatewayStack,
  startGateway,
  TEST_TOKEN_KEYS,
  uniqueEmail,
} from '../testing/harness.ts'

let stack: TestStack
let gw: GatewayHarness
const ADMIN = uniqueEmail('admin')

beforeAll(async () => {
  stack = await provisionGatewayStack('gw-auth')
  gw = await startGateway(
    gatewayTestEnv(stack, {
      ADMIN_EMAILS: `  ${ADMIN.toUpperCase()} `,
      RATE_LIMIT_AUTH_IP_MAX: '8',
      RATE_LIMIT_AUTH_ACCOUNT_MAX: '4',
    }),
  )
})
afterAll(async () => {
  await gw?.close()
  stack?.close()
})

let ipCounter = 10
/** Each test signs in from its own address so the per-IP auth limit only bites where a test wants it. */
const freshIp = () => `10.0.0.${ipCounter++}`

async function registered(email = uniqueEmail()) {
  const browser = new Browser(gw.app)
  const res = await browser.send({
    method: 'POST',
    url: '/api/v1/auth/register',
    body: { email, password: GOOD_PASSWORD, name: 'Ada' },
    remoteAddress: freshIp(),
  })
  expect(res.statusCode).toBe(201)
  return { browser, email, user: res.json().user }
}

describe('register', () => {
  it('creates an account with a normalised email, signs in and sets scoped cookies', async () => {
    const email = `  ${uniqueEmail('New')}  `
    const browser = new Browser(gw.app)
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
    const res = await new Browser(gw.app).send({
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
        new Browser(gw.app).send({
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
      new Browser(gw.app).send({
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
    const browser = new Browser(gw.app)
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
      new Browser(gw.app).send({ method: 'POST', url: '/api/v1/auth/login', body, remoteAddress: freshIp() })
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
    const verified = await new Browser(gw.app).send({
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
      gw.app.inject({ url: '/api/v1/auth/me', headers: cookie ? { cookie: `lfusys_access=${cookie}` } : {} })
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
    const bearer = await gw.app.inject({
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
    const thief = new Browser(gw.app)
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
      gw.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        headers: { cookie, 'x-csrf-token': csrf },
      })
    const first = await send()
    const second = await send()
    expect([first.statusCode, second.statusCode]).toEqual([200, 200])
    const tokenOf = (res: typeof first) => res.cookies.find((c) => c.name === 'lfusys_refresh')?.value ?? ''
    // Both got a token for the live position of the family; either keeps working.
    const next = await gw.app.inject({
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
    const anonymous = await new Browser(gw.app).send({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { 'x-csrf-token': 'a' },
    })
    // No session, nothing to protect: the refresh is refused for the missing token.
    expect(anonymous.statusCode).toBe(401)
    const noCookie = await gw.app.inject({
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
    const again = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { cookie: `lfusys_refresh=${refresh}; lfusys_csrf=${csrf}`, 'x-csrf-token': csrf },
    })
    expect(again.statusCode).toBe(401)
    expect(again.json().error.details).toEqual({ reason: 'revoked' })
    // Logging out without a session is harmless.
    expect((await new Browser(gw.app).send({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(
      204,
    )
  })
})

describe('protected endpoints', () => {
  it('answer 401 without a session, before any other check', async () => {
    const id = '00000000-0000-4000-8000-000000000000'
    const endpoints: ['GET' | 'POST' | 'DELETE', string][] = [
      ['GET', '/api/v1/auth/me'],
      ['POST', '/api/v1/uploads'],
      ['GET', '/api/v1/uploads'],
      ['GET', `/api/v1/uploads/${id}`],
      ['GET', `/api/v1/uploads/${id}/events`],
      ['POST', `/api/v1/uploads/${id}/token`],
      ['DELETE', `/api/v1/uploads/${id}`],
      ['GET', '/api/v1/files'],
      ['GET', `/api/v1/files/${id}`],
      ['GET', `/api/v1/files/${id}/download`],
      ['DELETE', `/api/v1/files/${id}`],
    ]
    for (const [method, url] of endpoints) {
      const res = await gw.app.inject({
        method,
        url,
        ...(method === 'POST' && url === '/api/v1/uploads'
          ? { payload: { fileName: 'a', fileSize: 1 } }
          : {}),
      })
      expect({ method, url, status: res.statusCode, body: res.json() }).toEqual({
        method,
        url,
        status: 401,
        body: {
          error: { code: 'UNAUTHENTICATED', message: 'sign in first', details: { reason: 'missing' } },
        },
      })
    }
  })

  it('validate query strings', async () => {
    const { browser } = await registered()
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'all=maybe']) {
      const res = await browser.send({ url: `/api/v1/files?${query}` })
      expect({ query, status: res.statusCode, code: res.json().error.code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      })
    }
    // A non-admin asking for every file is refused before the sessions service is asked.
    const all = await browser.send({ url: '/api/v1/files?all=true' })
    expect(all.statusCode).toBe(403)
    expect(all.json()).toEqual({
      error: {
        code: 'FORBIDDEN',
        message: 'only admins may list every user’s files',
        details: { reason: 'admin_only' },
      },
    })
  })
})

describe('CSRF on cookie-authenticated writes', () => {
  it('refuses a cookie-authenticated POST without the header before doing anything', async () => {
    const { browser } = await registered()
    const res = await browser.send({
      method: 'POST',
      url: '/api/v1/uploads',
      csrf: false,
      body: { fileName: 'a.bin', fileSize: 1 },
    })
    expect(res.statusCode).toBe(403)
    expect(res.json().error).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'csrf' } })
    const del = await browser.send({
      method: 'DELETE',
      url: '/api/v1/files/00000000-0000-4000-8000-000000000000',
      csrf: false,
    })
    expect(del.statusCode).toBe(403)
  })
})

describe('rate limits', () => {
  it('limits login attempts per account with 429 and Retry-After', async () => {
    const { email } = await registered()
    const statuses: number[] = []
    let last: Awaited<ReturnType<Browser['send']>> | undefined
    for (let i = 0; i < 6; i++) {
      // A different address each time: only the per-account limit (4) can trigger.
      last = await new Browser(gw.app).send({
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { email: i % 2 ? email.toUpperCase() : email, password: 'wrong password!' },
        remoteAddress: freshIp(),
      })
      statuses.push(last.statusCode)
    }
    // Registration was the first of the 4 attempts this account may make per window.
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429])
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0)
    expect(last?.json()).toEqual({
      error: { code: 'RATE_LIMITED', message: 'too many sign-in attempts for this account' },
    })
    // Even the right password is refused while the account is limited.
    const right = await new Browser(gw.app).send({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { email, password: GOOD_PASSWORD },
      remoteAddress: freshIp(),
    })
    expect(right.statusCode).toBe(429)
  })

  it('limits register and login attempts per client IP', async () => {
    const ip = freshIp()
    const statuses: number[] = []
    let last: Awaited<ReturnType<Browser['send']>> | undefined
    for (let i = 0; i < 10; i++) {
      last = await new Browser(gw.app).send({
        method: 'POST',
        url: i % 2 ? '/api/v1/auth/login' : '/api/v1/auth/register',
        body: { email: uniqueEmail('ip'), password: 'short' },
        remoteAddress: ip,
      })
      statuses.push(last.statusCode)
    }
    expect(statuses.slice(0, 8).every((s) => s === 400 || s === 401)).toBe(true)
    expect(statuses.slice(8)).toEqual([429, 429])
    expect(last?.headers['retry-after']).toMatch(/^\d+$/)
    expect(last?.json().error).toEqual({
      code: 'RATE_LIMITED',
      message: 'too many sign-in attempts from this address',
    })
  })

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    const ip = freshIp()
    const statuses: number[] = []
    for (let i = 0; i < 9; i++) {
      const res = await new Browser(gw.app).send({
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { email: uniqueEmail('xff'), password: 'whatever123' },
        remoteAddress: ip,
        // A spoofed, changing header must not give each attempt a fresh address.
        headers: { 'x-forwarded-for': `203.0.113.${i}` },
      })
      statuses.push(res.statusCode)
    }
    expect(statuses.at(-1)).toBe(429)
  })
})

describe('trusted proxies', () => {
  it('takes the client address from X-Forwarded-For only when the peer is a configured proxy', async () => {
    const proxied = await startGateway(
      gatewayTestEnv(stack, { TRUSTED_PROXIES: '10.9.9.9', RATE_LIMIT_AUTH_IP_MAX: '2' }),
    )
    try {
      const attempt = (remoteAddress: string, client: string) =>
        new Browser(proxied.app).send({
          method: 'POST',
          url: '/api/v1/auth/login',
          body: { email: uniqueEmail('proxy'), password: 'whatever123' },
          remoteAddress,
          headers: { 'x-forwarded-for': client },
        })
      // Behind the trusted proxy, two clients have separate budgets.
      for (const client of ['198.51.100.1', '198.51.100.1', '198.51.100.2', '198.51.100.2']) {
        expect((await attempt('10.9.9.9', client)).statusCode).toBe(401)
      }
      expect((await attempt('10.9.9.9', '198.51.100.1')).statusCode).toBe(429)
      // The same header from an untrusted peer is ignored: the peer's own address is limited.
      expect((await attempt('10.8.8.8', '198.51.100.3')).statusCode).toBe(401)
      expect((await attempt('10.8.8.8', '198.51.100.4')).statusCode).toBe(401)
      expect((await attempt('10.8.8.8', '198.51.100.5')).statusCode).toBe(429)
    } finally {
      await proxied.close()
    }
  })
})

describe('errors and request ids', () => {
  it('answers unknown routes, bad JSON and bad ids with the one error shape and a request id', async () => {
    const unknown = await gw.app.inject({ url: '/api/v1/nope' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /api/v1/nope' } })
    expect(unknown.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)

    const badJson = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    })
    expect(badJson.statusCode).toBe(400)
    expect(badJson.json().error.code).toBe('VALIDATION_FAILED')
    expect(badJson.headers['x-request-id']).toBeTruthy()

    // A cross-site HTML form can only send form or text bodies: they are refused (no login CSRF).
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const form = await gw.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': type },
        payload: '{"email":"a@example.com","password":"correct horse battery"}',
      })
      expect({ type, status: form.statusCode, code: form.json().error.code }).toEqual({
        type,
        status: 415,
        code: 'VALIDATION_FAILED',
      })
    }

    const { browser } = await registered()
    const badId = await browser.send({ url: '/api/v1/uploads/NOT-AN-ID' })
    expect(badId.statusCode).toBe(400)
    expect(badId.json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'invalid params: id: must be a lowercase UUID',
        details: { issues: [{ field: 'id', message: 'must be a lowercase UUID' }] },
      },
    })
  })

  it('echoes a well-formed incoming request id and replaces a hostile one', async () => {
    const echoed = await gw.app.inject({ url: '/health/live', headers: { 'x-request-id': 'abc-123' } })
    expect(echoed.headers['x-request-id']).toBe('abc-123')
    const replaced = await gw.app.inject({
      url: '/health/live',
      headers: { 'x-request-id': 'bad id\r\n<script>' },
    })
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('answers 503 with a retry hint and nothing internal when the sessions service is down', async () => {
    const { browser } = await registered()
    const res = await browser.send({
      method: 'POST',
      url: '/api/v1/uploads',
      body: { fileName: 'a.bin', fileSize: 10 },
    })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('2')
    expect(res.json()).toEqual({
      error: { code: 'UNAVAILABLE', message: 'the upload service is temporarily unavailable' },
    })
    const list = await browser.send({ url: '/api/v1/files' })
    expect(list.statusCode).toBe(503)
    expect(list.body).not.toMatch(/127\.0\.0\.1|ECONN|grpc/i)
  })
})

describe('health', () => {
  it('is live, and not ready while the sessions service is unreachable', async () => {
    const live = await gw.app.inject({ url: '/health/live' })
    expect(live.statusCode).toBe(200)
    expect(live.json()).toEqual({ status: 'ok' })
    const ready = await gw.app.inject({ url: '/health/ready' })
    expect(ready.statusCode).toBe(503)
    const body = ready.json()
    expect(body.status).toBe('down')
    expect(body.checks.dynamodb).toMatchObject({ status: 'up', required: true })
    expect(body.checks.redis).toMatchObject({ status: 'up', required: false })
    expect(body.checks.sessions).toMatchObject({ status: 'down', required: true, error: 'unreachable' })
    for (const check of Object.values(body.checks) as { latencyMs: number }[]) {
      expect(check.latencyMs).toBeGreaterThanOrEqual(0)
    }
  })
})

describe('DynamoDB unreachable', () => {
  it('answers 503 on auth endpoints with nothing internal, and is not ready', async () => {
    const broken = await startGateway(
      gatewayTestEnv(stack, { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' }),
    )
    try {
      const res = await new Browser(broken.app).send({
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { email: uniqueEmail('ddb'), password: GOOD_PASSWORD },
        remoteAddress: freshIp(),
      })
      expect(res.statusCode).toBe(503)
      expect(res.headers['retry-after']).toBe('2')
      expect(res.json()).toEqual({
        error: { code: 'UNAVAILABLE', message: 'the account store is unavailable' },
      })
      const ready = await broken.app.inject({ url: '/health/ready' })
      expect(ready.statusCode).toBe(503)
      expect(ready.json().checks.dynamodb).toMatchObject({ status: 'down', required: true })
    } finally {
      await broken.close()
    }
  })
})

describe('OpenAPI', () => {
  it('serves the document generated from the route schemas at /docs outside production', async () => {
    const doc = await gw.app.inject({ url: '/docs/json' })
    expect(doc.statusCode).toBe(200)
    const paths = Object.keys(doc.json().paths)
    for (const p of [
      '/api/v1/auth/register',
      '/api/v1/auth/login',
      '/api/v1/auth/refresh',
      '/api/v1/auth/logout',
      '/api/v1/auth/me',
      '/api/v1/auth/{provider}/start',
      '/api/v1/auth/{provider}/callback',
      '/api/v1/uploads',
      '/api/v1/uploads/{id}',
      '/api/v1/uploads/{id}/events',
      '/api/v1/uploads/{id}/token',
      '/api/v1/files',
      '/api/v1/files/{id}',
      '/api/v1/files/{id}/download',
      '/api/v1/tus/',
      '/api/v1/tus/{id}',
      '/health/live',
      '/health/ready',
    ]) {
      expect(paths).toContain(p)
    }
    expect(
      doc.json().paths['/api/v1/uploads'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['fileName', 'fileSize'])
    expect((await gw.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400)
  })

  it('hides the docs and sets Secure __Host- cookies in production', async () => {
    const prod = await startGateway(
      gatewayTestEnv(stack, {
        LFUSYS_ENV: 'production',
        // Production refuses the test keys and the published emulator credentials: fresh ones here.
        AUTH_TOKEN_KEYS: `p1:${randomBytes(32).toString('base64url')}`,
        AWS_ACCESS_KEY_ID: 'prodtestkey',
        MAIL_FROM: 'lfusys <no-reply@app.example>',
        AWS_SECRET_ACCESS_KEY: randomBytes(16).toString('hex'),
        GITHUB_CLIENT_ID: 'id',
        GITHUB_CLIENT_SECRET: 'secret',
        GOOGLE_CLIENT_ID: 'id',
        GOOGLE_CLIENT_SECRET: 'secret',
      }),
    )
    try {
      expect((await prod.app.inject({ url: '/docs/json' })).statusCode).toBe(404)
      const res = await new Browser(prod.app).send({
        method: 'POST',
        url: '/api/v1/auth/register',
        body: { email: uniqueEmail('prod'), password: GOOD_PASSWORD },
        remoteAddress: freshIp(),
      })
      expect(res.statusCode).toBe(201)
      expect(res.cookies.map((c) => [c.name, c.secure, c.path, c.domain])).toEqual([
        ['__Host-lfusys_access', true, '/', undefined],
        ['__Host-lfusys_refresh', true, '/', undefined],
        ['__Host-lfusys_csrf', true, '/', undefined],
      ])
    } finally {
      await prod.close()
    }
  })
})
