import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { authGatewaySuite } from '../testing/authGateway.ts'
import { Browser, GOOD_PASSWORD, gatewayTestEnv, startGateway, uniqueEmail } from '../testing/harness.ts'

const suite = authGatewaySuite('gw-api-edges')
const { freshIp, registered } = suite

describe('errors and request ids', () => {
  it('answers unknown routes, bad JSON and bad ids with the one error shape and a request id', async () => {
    const unknown = await suite.gw.app.inject({ url: '/api/v1/nope' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /api/v1/nope' } })
    expect(unknown.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)

    const badJson = await suite.gw.app.inject({
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
      const form = await suite.gw.app.inject({
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
    const echoed = await suite.gw.app.inject({ url: '/health/live', headers: { 'x-request-id': 'abc-123' } })
    expect(echoed.headers['x-request-id']).toBe('abc-123')
    const replaced = await suite.gw.app.inject({
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
    const live = await suite.gw.app.inject({ url: '/health/live' })
    expect(live.statusCode).toBe(200)
    expect(live.json()).toEqual({ status: 'ok' })
    const ready = await suite.gw.app.inject({ url: '/health/ready' })
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
      gatewayTestEnv(suite.stack, { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' }),
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
    const doc = await suite.gw.app.inject({ url: '/docs/json' })
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
    expect((await suite.gw.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400)
  })

  it('hides the docs and sets Secure __Host- cookies in production', async () => {
    const prod = await startGateway(
      gatewayTestEnv(suite.stack, {
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
