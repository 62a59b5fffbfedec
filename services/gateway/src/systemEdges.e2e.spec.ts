import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { GOOD_PASSWORD, HttpBrowser, uniqueEmail } from './testing/harness.ts'
import {
  type Created,
  createUpload,
  download,
  gatewaySystemSuite,
  rawHttp,
  storedFile,
  uploadAll,
  waitComplete,
} from './testing/systemClient.ts'
import { contentHashOf, readSse } from './testing/uploading.ts'
import type { FileRecord } from './uploads/types.ts'

const suite = gatewaySystemSuite('gw-system-edges')
const { signedIn } = suite

describe('names, types and malformed requests', () => {
  it('serves active content (HTML, SVG, XML) as an opaque download; other types as stored', async () => {
    const browser = await signedIn()
    const cases: [string, string, string][] = [
      ['page.html', 'text/html; charset=utf-8', 'application/octet-stream'],
      ['logo.svg', 'image/svg+xml', 'application/octet-stream'],
      ['feed.atom', 'application/atom+xml', 'application/octet-stream'],
      ['app.js', 'text/javascript', 'application/octet-stream'],
      ['notes.txt', 'text/plain', 'text/plain'],
    ]
    for (const [fileName, contentType, served] of cases) {
      const bytes = Buffer.from(`<script>alert(document.domain)</script> ${fileName}`)
      const res = await browser.fetch('/api/v1/uploads', {
        method: 'POST',
        body: {
          fileName,
          fileSize: bytes.length,
          contentType,
          contentHash: contentHashOf(bytes, 8 * 1024 * 1024),
        },
      })
      expect(res.status).toBe(201)
      const created: Created = await res.json()
      await uploadAll(created, bytes)
      const done = await waitComplete(browser, created.upload.id)
      const file: FileRecord = await (await browser.fetch(`/api/v1/files/${done.fileId}`)).json()
      expect(file.contentType).toBe(contentType)
      const link = await browser.fetch(`/api/v1/files/${done.fileId}/download`)
      const url = new URL(link.headers.get('location') ?? '')
      expect({ fileName, type: url.searchParams.get('response-content-type') }).toEqual({
        fileName,
        type: served,
      })
      expect(url.searchParams.get('response-content-disposition')).toMatch(/^attachment;/)
    }
  })

  it('answers what the HTTP parser or the framework refuses with the one error body, on both services', async () => {
    const bodyOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))
    // A request line that is not HTTP.
    for (const url of [suite.system.gatewayUrl, suite.system.uploadsUrl]) {
      const garbage = await rawHttp(url, 'NOT HTTP AT ALL\r\n\r\n')
      expect(garbage.at(-1)).toMatch(/^HTTP\/1\.1 400 /)
      expect(bodyOf(garbage.at(-1) ?? '')).toEqual({
        error: { code: 'VALIDATION_FAILED', message: 'malformed HTTP request' },
      })
      // Headers over Node's limit.
      const huge = await rawHttp(
        url,
        `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      )
      expect(huge.at(-1)).toMatch(/^HTTP\/1\.1 431 /)
      expect(bodyOf(huge.at(-1) ?? '')).toEqual({
        error: { code: 'TOO_LARGE', message: 'request headers are too large' },
      })
      // A path that is not valid percent-encoding.
      const badUrl = await rawHttp(
        url,
        'GET /api/v1/files/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      )
      expect(badUrl.at(-1)).toMatch(/^HTTP\/1\.1 400 /)
      expect(bodyOf(badUrl.at(-1) ?? '').error.code).toBe('VALIDATION_FAILED')
    }
    // A body longer than its Content-Length: the rest is read as a next request, which is refused.
    const longer = await rawHttp(
      suite.system.gatewayUrl,
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}garbage-after-the-body\r\n\r\n',
    )
    // Node may answer the first request before it parses the rest, or refuse at once; either way
    // every answer is the one body and the last one names the malformed request.
    for (const answer of longer) expect(Object.keys(bodyOf(answer))).toEqual(['error'])
    expect(longer.at(-1)).toMatch(/^HTTP\/1\.1 400 /)
    expect(bodyOf(longer.at(-1) ?? '')).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'malformed HTTP request' },
    })
    // A media type the API does not take.
    const form = await rawHttp(
      suite.system.gatewayUrl,
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi',
    )
    expect(form[0]).toMatch(/^HTTP\/1\.1 415 /)
    expect(bodyOf(form[0] ?? '').error.code).toBe('VALIDATION_FAILED')
  })
})

describe('health of the running system', () => {
  it('reports every dependency up', async () => {
    const res = await new HttpBrowser(suite.system.gatewayUrl).fetch('/health/ready')
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.status).toBe('ok')
    for (const name of ['dynamodb', 'redis', 'sessions']) expect(body.checks[name].status).toBe('up')
  })
})

// Last: it stops this system's Redis for good.
describe('Redis stopped mid-test', () => {
  it('keeps uploads, downloads and password login working; OAuth says 503', async () => {
    const browser = await signedIn()
    const before = await storedFile(browser, randomBytes(1500), 'before.txt')
    // GitHub is configured: while Redis is up, sign-in starts.
    expect((await browser.fetch('/api/v1/auth/github/start')).status).toBe(302)
    await suite.system.redis.stop()

    const email = uniqueEmail('noredis')
    const fresh = new HttpBrowser(suite.system.gatewayUrl)
    expect(
      (
        await fresh.fetch('/api/v1/auth/register', {
          method: 'POST',
          body: { email, password: GOOD_PASSWORD },
        })
      ).status,
    ).toBe(201)
    const login = await new HttpBrowser(suite.system.gatewayUrl).fetch('/api/v1/auth/login', {
      method: 'POST',
      body: { email, password: GOOD_PASSWORD },
    })
    expect(login.status).toBe(200)

    const bytes = randomBytes(3 * 1024 + 7)
    const file = await storedFile(browser, bytes, 'during.txt')
    expect((await download(browser, file.id)).bytes.equals(bytes)).toBe(true)
    expect((await download(browser, before.id)).object.status).toBe(200)
    const list = await browser.fetch('/api/v1/files')
    expect(list.headers.get('x-cache')).toBe('bypass')
    expect((await list.json()).files.map((f: FileRecord) => f.id).sort()).toEqual([before.id, file.id].sort())

    // Auth rate limits keep counting in memory (RATE_LIMIT_AUTH_ACCOUNT_MAX defaults to 10).
    const statuses: number[] = []
    for (let i = 0; i < 10; i++) {
      const res = await new HttpBrowser(suite.system.gatewayUrl).fetch('/api/v1/auth/login', {
        method: 'POST',
        body: { email, password: 'wrong password!' },
      })
      statuses.push(res.status)
    }
    // Registration and the good login above were the first two attempts of this window.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 429, 429])

    const oauth = await browser.fetch('/api/v1/auth/github/start')
    expect(oauth.status).toBe(503)
    expect((await oauth.json()).error).toMatchObject({
      code: 'UNAVAILABLE',
      details: { reason: 'state_store_unavailable' },
    })
    const ready = await new HttpBrowser(suite.system.gatewayUrl).fetch('/health/ready')
    expect(ready.status).toBe(200)
    const body = await ready.json()
    expect(body.status).toBe('degraded')
    expect(body.checks.redis.status).toBe('down')
  })
})

// Very last: it stops the gateway.
describe('graceful shutdown', () => {
  it('ends open event streams and exits 0 on SIGTERM', async () => {
    const browser = await signedIn()
    const created: Created = await (await createUpload(browser, randomBytes(10), 'open.bin')).json()
    const events = await browser.fetch(`/api/v1/uploads/${created.upload.id}/events`)
    expect(events.status).toBe(200)
    const drained = (async () => {
      const seen: string[] = []
      for await (const ev of readSse(events)) seen.push(ev.event)
      return seen
    })()
    const started = Date.now()
    suite.system.gateway.child.kill('SIGTERM')
    expect(await suite.system.gateway.exited).toBe(0)
    console.log(`gateway stopped ${Date.now() - started} ms after SIGTERM with an open event stream`)
    expect((await drained)[0]).toBe('upload')
  })
})
