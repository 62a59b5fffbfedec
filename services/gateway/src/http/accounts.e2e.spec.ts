import { type CaughtMail, Mailbox, type TestStack } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addressSequence,
  Browser,
  type GatewayHarness,
  GOOD_PASSWORD,
  gatewayTestEnv,
  provisionGatewayStack,
  registerAccount,
  startGateway,
  uniqueEmail,
} from '../testing/harness.ts'

let stack: TestStack
let gw: GatewayHarness
let mailbox: Mailbox
const NEW_PASSWORD = 'a different passphrase'

beforeAll(async () => {
  stack = await provisionGatewayStack('gw-accounts')
  mailbox = new Mailbox()
  gw = await startGateway(gatewayTestEnv(stack, { RATE_LIMIT_MAIL_MAX: '2', RATE_LIMIT_AUTH_IP_MAX: '1000' }))
})
afterAll(async () => {
  await gw?.close()
  stack?.close()
})

const freshIp = addressSequence('10.9.0.')
const registered = (email?: string) =>
  registerAccount(gw.app, { remoteAddress: freshIp(), ...(email === undefined ? {} : { email }) })

function tokenOf(mail: CaughtMail | undefined, page: 'verify-email' | 'reset-password'): string {
  if (!mail) throw new Error('no mail')
  return Mailbox.link(mail, `http://web.test/${page}?token=`).searchParams.get('token') ?? ''
}

const post = (url: string, body: unknown, remoteAddress = freshIp()) =>
  gw.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
    remoteAddress,
  })

const login = (email: string, password: string) =>
  post('/api/v1/auth/login', { email, password }).then((r) => r.statusCode)

describe('email verification', () => {
  it('sends a single-use link by real SMTP; the link verifies the address once', async () => {
    const { browser, email } = await registered()
    const [mail] = await mailbox.waitForMessages(email, { subject: /Confirm your email/ })
    expect(mail?.from[0]?.address).toBe('no-reply@lfusys.localhost')
    expect(mail?.html).toContain('href="http://web.test/verify-email?token=')
    const token = tokenOf(mail, 'verify-email')
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const ok = await post('/api/v1/auth/verify-email', { token })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ email: email.toLowerCase() })
    expect((await browser.send({ url: '/api/v1/auth/me' })).json().user.emailVerified).toBe(true)

    // Reused: refused, with a reason the web page can explain.
    const reused = await post('/api/v1/auth/verify-email', { token })
    expect(reused.statusCode).toBe(400)
    expect(reused.json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'this link is not valid (it may have been used already)',
        details: { field: 'token', reason: 'invalid' },
      },
    })
    // The token itself is not in the table, only its hash.
    const stored = await gw.deps.accountTokens.consume(token, 'verify-email', new Date())
    expect(stored).toEqual({ outcome: 'invalid' })
  })

  it('refuses an expired link and a link of the other kind', async () => {
    const { user, email } = await registered()
    const record = {
      purpose: 'verify-email' as const,
      userId: user.id,
      email: email.toLowerCase(),
      sessionEpoch: 0,
    }
    // Issued 25 hours ago with the 24 hour lifetime (the emulator never deletes expired items itself).
    const expired = await gw.deps.accountTokens.issue(record, 86_400, new Date(Date.now() - 25 * 3600_000))
    const res = await post('/api/v1/auth/verify-email', { token: expired })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'this link has expired; ask for a new one',
        details: { field: 'token', reason: 'expired' },
      },
    })
    const resetKind = await gw.deps.accountTokens.issue(
      { ...record, purpose: 'reset-password' },
      1800,
      new Date(),
    )
    expect((await post('/api/v1/auth/verify-email', { token: resetKind })).json().error.details.reason).toBe(
      'invalid',
    )
    for (const token of ['', 'x', 'a'.repeat(43)]) {
      const bad = await post('/api/v1/auth/verify-email', { token })
      expect(bad.statusCode).toBe(400)
      expect(bad.json().error.code).toBe('VALIDATION_FAILED')
    }
  })

  it('resends a link on request, rate-limited per account, and says when there is nothing to verify', async () => {
    const { browser, email } = await registered()
    await mailbox.waitForMessages(email, { count: 1 })
    const resend = () => browser.send({ method: 'POST', url: '/api/v1/auth/verify-email/resend' })
    const first = await resend()
    expect(first.statusCode).toBe(200)
    expect(first.json()).toEqual({ status: 'sent' })
    const messages = await mailbox.waitForMessages(email, { count: 2 })
    expect(await resend().then((r) => r.statusCode)).toBe(200)
    const limited = await resend()
    expect(limited.statusCode).toBe(429)
    expect(limited.json().error.code).toBe('RATE_LIMITED')
    expect(limited.headers['retry-after']).toMatch(/^\d+$/)

    // Any of the links verifies; afterwards a resend has nothing to do.
    const verified = await post('/api/v1/auth/verify-email', { token: tokenOf(messages[1], 'verify-email') })
    expect(verified.statusCode).toBe(200)
    const other = await registered()
    const done = await post('/api/v1/auth/verify-email', {
      token: tokenOf((await mailbox.waitForMessages(other.email))[0], 'verify-email'),
    })
    expect(done.statusCode).toBe(200)
    const nothing = await other.browser.send({ method: 'POST', url: '/api/v1/auth/verify-email/resend' })
    expect(nothing.json()).toEqual({ status: 'already_verified' })
    // Without a session (or without the CSRF header) nothing is sent.
    expect((await post('/api/v1/auth/verify-email/resend', {})).statusCode).toBe(401)
  })
})

describe('password reset', () => {
  it('answers the same for a known and an unknown address, and mails only the known one', async () => {
    const { email } = await registered()
    const unknown = uniqueEmail('nobody')
    const forUnknown = await post('/api/v1/auth/password/forgot', { email: unknown })
    const forKnown = await post('/api/v1/auth/password/forgot', { email: email.toUpperCase() })
    expect(forUnknown.statusCode).toBe(202)
    expect(forKnown.statusCode).toBe(202)
    expect(forUnknown.body).toBe(forKnown.body)
    expect(forKnown.json()).toEqual({ status: 'accepted' })
    const [mail] = await mailbox.waitForMessages(email, { subject: /Reset your lfusys password/ })
    expect(mail?.text).toContain('30 minutes')
    expect(await mailbox.messagesTo(unknown)).toEqual([])
  })

  it('resets once: every session ends (access tokens at once), the old password stops, the address counts as verified', async () => {
    const { browser, email } = await registered()
    const other = new Browser(gw.app)
    expect(
      (
        await other.send({
          method: 'POST',
          url: '/api/v1/auth/login',
          body: { email, password: GOOD_PASSWORD },
          remoteAddress: freshIp(),
        })
      ).statusCode,
    ).toBe(200)
    await post('/api/v1/auth/password/forgot', { email })
    const [mail] = await mailbox.waitForMessages(email, { subject: /Reset/ })
    const token = tokenOf(mail, 'reset-password')

    const short = await post('/api/v1/auth/password/reset', { token, password: 'short' })
    expect(short.statusCode).toBe(400)
    expect(short.json().error.details).toEqual({ field: 'password' })

    const reset = await post('/api/v1/auth/password/reset', { token, password: NEW_PASSWORD })
    expect(reset.statusCode).toBe(204)

    // Both sessions are over: the access token now, the refresh token too.
    for (const b of [browser, other]) {
      const me = await b.send({ url: '/api/v1/auth/me' })
      expect(me.statusCode).toBe(401)
      expect(me.json().error.details).toEqual({ reason: 'revoked' })
      const refresh = await b.send({ method: 'POST', url: '/api/v1/auth/refresh' })
      expect(refresh.statusCode).toBe(401)
      expect(refresh.json().error.details).toEqual({ reason: 'revoked' })
    }
    expect(await login(email, GOOD_PASSWORD)).toBe(401)
    const fresh = new Browser(gw.app)
    const signedIn = await fresh.send({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { email, password: NEW_PASSWORD },
      remoteAddress: freshIp(),
    })
    expect(signedIn.statusCode).toBe(200)
    expect(signedIn.json().user.emailVerified).toBe(true)
    expect((await fresh.send({ url: '/api/v1/auth/me' })).statusCode).toBe(200)

    // Single use.
    const again = await post('/api/v1/auth/password/reset', { token, password: 'yet another passphrase' })
    expect(again.statusCode).toBe(400)
    expect(again.json().error.details).toEqual({ field: 'token', reason: 'invalid' })
  })

  it('refuses an expired link, and a link older than the last reset', async () => {
    const { email, user } = await registered()
    const record = {
      purpose: 'reset-password' as const,
      userId: user.id,
      email: email.toLowerCase(),
      sessionEpoch: 0,
    }
    const expired = await gw.deps.accountTokens.issue(record, 1800, new Date(Date.now() - 31 * 60_000))
    const res = await post('/api/v1/auth/password/reset', { token: expired, password: NEW_PASSWORD })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.details).toEqual({ field: 'token', reason: 'expired' })

    await post('/api/v1/auth/password/forgot', { email })
    await post('/api/v1/auth/password/forgot', { email })
    const [first, second] = await mailbox.waitForMessages(email, { subject: /Reset/, count: 2 })
    expect(
      (
        await post('/api/v1/auth/password/reset', {
          token: tokenOf(second, 'reset-password'),
          password: NEW_PASSWORD,
        })
      ).statusCode,
    ).toBe(204)
    const stale = await post('/api/v1/auth/password/reset', {
      token: tokenOf(first, 'reset-password'),
      password: GOOD_PASSWORD,
    })
    expect(stale.statusCode).toBe(400)
    expect(stale.json().error.details).toEqual({ field: 'token', reason: 'invalid' })
    expect(await login(email, NEW_PASSWORD)).toBe(200)
  })

  it('limits reset emails per address whether or not it has an account', async () => {
    const email = uniqueEmail('flood')
    const ip = freshIp()
    expect((await post('/api/v1/auth/password/forgot', { email }, ip)).statusCode).toBe(202)
    expect((await post('/api/v1/auth/password/forgot', { email }, ip)).statusCode).toBe(202)
    const third = await post('/api/v1/auth/password/forgot', { email }, ip)
    expect(third.statusCode).toBe(429)
    expect(third.json().error.code).toBe('RATE_LIMITED')
  })
})

describe('access tokens end with the session', () => {
  it('an access token kept from before logout gets 401', async () => {
    const { browser } = await registered()
    const access = browser.cookies.get('lfusys_access')?.value ?? ''
    expect((await browser.send({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(204)
    for (const headers of [{ cookie: `lfusys_access=${access}` }, { authorization: `Bearer ${access}` }]) {
      const res = await gw.app.inject({ url: '/api/v1/auth/me', headers })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual({
        error: { code: 'UNAUTHENTICATED', message: 'the session has ended', details: { reason: 'revoked' } },
      })
    }
  })

  it('a password change ends every other session and renews the caller’s', async () => {
    const { browser, email } = await registered()
    const other = new Browser(gw.app)
    await other.send({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { email, password: GOOD_PASSWORD },
      remoteAddress: freshIp(),
    })
    const wrong = await browser.send({
      method: 'POST',
      url: '/api/v1/auth/password',
      body: { currentPassword: 'not the password', newPassword: NEW_PASSWORD },
      remoteAddress: freshIp(),
    })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().error.details).toEqual({ reason: 'wrong_password' })
    const changed = await browser.send({
      method: 'POST',
      url: '/api/v1/auth/password',
      body: { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD },
      remoteAddress: freshIp(),
    })
    expect(changed.statusCode).toBe(200)
    expect((await browser.send({ url: '/api/v1/auth/me' })).statusCode).toBe(200)
    expect((await browser.send({ method: 'POST', url: '/api/v1/auth/refresh' })).statusCode).toBe(200)
    const otherMe = await other.send({ url: '/api/v1/auth/me' })
    expect(otherMe.statusCode).toBe(401)
    expect(otherMe.json().error.details).toEqual({ reason: 'revoked' })
    expect(await login(email, NEW_PASSWORD)).toBe(200)
  })
})

describe('Redis down', () => {
  it('keeps sessions working and fails the access token denylist open, as documented; refresh still ends', async () => {
    // Nothing listens on port 1: every Redis command fails at once.
    const noRedis = await startGateway(gatewayTestEnv(stack, { REDIS_URL: 'redis://127.0.0.1:1' }))
    try {
      const browser = new Browser(noRedis.app)
      const reg = await browser.send({
        method: 'POST',
        url: '/api/v1/auth/register',
        body: { email: uniqueEmail('noredis'), password: GOOD_PASSWORD },
        remoteAddress: freshIp(),
      })
      expect(reg.statusCode).toBe(201)
      const access = browser.cookies.get('lfusys_access')?.value ?? ''
      const refresh = browser.cookies.get('lfusys_refresh')?.value ?? ''
      const csrf = browser.cookies.get('lfusys_csrf')?.value ?? ''
      expect((await browser.send({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(204)
      // The denylist write was lost: the old access token lives until it expires (bounded by its TTL).
      const me = await noRedis.app.inject({
        url: '/api/v1/auth/me',
        headers: { cookie: `lfusys_access=${access}` },
      })
      expect(me.statusCode).toBe(200)
      // The refresh family is revoked in DynamoDB: no new access token for this session.
      const again = await noRedis.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        headers: { cookie: `lfusys_refresh=${refresh}; lfusys_csrf=${csrf}`, 'x-csrf-token': csrf },
      })
      expect(again.statusCode).toBe(401)
      expect(again.json().error.details).toEqual({ reason: 'revoked' })
    } finally {
      await noRedis.close()
    }
  })
})

describe('CSRF token bound to the session', () => {
  it('refuses a CSRF token of another session, even when the cookie and header agree', async () => {
    const victim = await registered()
    const attacker = await registered()
    // A token the attacker legitimately holds, planted next to the victim's session cookies.
    const planted = attacker.browser.cookies.get('lfusys_csrf')?.value ?? ''
    victim.browser.cookies.set('lfusys_csrf', { value: planted, path: '/' })
    const res = await victim.browser.send({ method: 'POST', url: '/api/v1/auth/verify-email/resend' })
    expect(res.statusCode).toBe(403)
    expect(res.json().error.details).toEqual({ reason: 'csrf' })
    const refresh = await victim.browser.send({ method: 'POST', url: '/api/v1/auth/refresh' })
    expect(refresh.statusCode).toBe(403)
  })
})

describe('providers', () => {
  it('lists only the configured OAuth providers', async () => {
    const res = await gw.app.inject({ url: '/api/v1/auth/providers' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ providers: [] })
  })
})
