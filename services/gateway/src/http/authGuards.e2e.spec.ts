import { describe, expect, it } from 'vitest'
import { authGatewaySuite } from '../testing/authGateway.ts'
import { Browser, GOOD_PASSWORD, gatewayTestEnv, startGateway, uniqueEmail } from '../testing/harness.ts'

const suite = authGatewaySuite('gw-auth-guards')
const { freshIp, registered } = suite

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
      const res = await suite.gw.app.inject({
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
      last = await new Browser(suite.gw.app).send({
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
    const right = await new Browser(suite.gw.app).send({
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
      last = await new Browser(suite.gw.app).send({
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
      const res = await new Browser(suite.gw.app).send({
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
      gatewayTestEnv(suite.stack, { TRUSTED_PROXIES: '10.9.9.9', RATE_LIMIT_AUTH_IP_MAX: '2' }),
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
