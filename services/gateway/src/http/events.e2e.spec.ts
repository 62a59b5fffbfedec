import { randomUUID } from 'node:crypto'
import { AppError } from '@lfusys/errors'
import { type TestStack, waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type GatewayHarness,
  GOOD_PASSWORD,
  gatewayTestEnv,
  HttpBrowser,
  provisionGatewayStack,
  startGateway,
  uniqueEmail,
} from '../testing/harness.ts'
import { readSse } from '../testing/uploading.ts'
import type { SessionsApi, Upload, UploadStatus, UploadWatch } from '../uploads/types.ts'
import { MAX_STREAMS_PER_USER } from './uploadRoutes.ts'

/** A watch the test drives by hand, recording whether the gateway closed it. */
class ScriptedWatch implements UploadWatch {
  closed = false
  private readonly queue: (Upload | Error)[] = []
  private wake: (() => void) | undefined

  push(item: Upload | Error) {
    this.queue.push(item)
    this.wake?.()
  }

  close() {
    this.closed = true
    this.wake?.()
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      const next = this.queue.shift()
      if (next instanceof Error) throw next
      if (next) {
        yield next
        continue
      }
      if (this.closed) return
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
      this.wake = undefined
    }
  }
}

function upload(id: string, status: UploadStatus, received: number[] = []): Upload {
  return {
    id,
    fileName: 'f.bin',
    fileSize: 10,
    contentType: 'application/octet-stream',
    contentHash: null,
    chunkSize: 5,
    chunkCount: 2,
    receivedChunks: received,
    status,
    chunkUploadUrl: `http://127.0.0.1:1/api/v1/uploads/${id}/chunks`,
    fileId: status === 'complete' ? randomUUID() : null,
    failureReason: null,
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  }
}

const watches = new Map<string, ScriptedWatch>()
const unavailable = () => Promise.reject(new AppError('UNAVAILABLE', 'not in this test'))
const sessions: SessionsApi = {
  createUpload: unavailable,
  getUpload: async (_caller, id) => upload(id, 'uploading'),
  listUploads: unavailable,
  cancelUpload: unavailable,
  completeUpload: unavailable,
  watchUpload: (_caller, id) => {
    const watch = new ScriptedWatch()
    watch.push(upload(id, 'uploading'))
    watches.set(id, watch)
    return watch
  },
  renewUploadToken: unavailable,
  listFiles: unavailable,
  getFile: unavailable,
  deleteFile: unavailable,
  downloadUrl: unavailable,
  usage: unavailable,
  ping: async () => ({ dependencies: {} }),
  close: () => {},
}

let stack: TestStack
let gw: GatewayHarness
let browser: HttpBrowser

beforeAll(async () => {
  stack = await provisionGatewayStack('gw-events')
  gw = await startGateway(gatewayTestEnv(stack, { SSE_HEARTBEAT_SECONDS: '1' }), { sessions })
  await gw.app.listen({ host: '127.0.0.1', port: 0 })
  const address = gw.app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  browser = new HttpBrowser(`http://127.0.0.1:${port}`)
  const res = await browser.fetch('/api/v1/auth/register', {
    method: 'POST',
    body: { email: uniqueEmail('sse'), password: GOOD_PASSWORD },
  })
  expect(res.status).toBe(201)
})
afterAll(async () => {
  await gw?.close()
  stack?.close()
})

describe('upload events (SSE)', () => {
  it('relays every change and ends after the final state', async () => {
    const id = randomUUID()
    const res = await browser.fetch(`/api/v1/uploads/${id}/events`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-cache, no-transform')
    expect(res.headers.get('x-request-id')).toBeTruthy()
    const watch = await waitFor(() => watches.get(id), { what: 'the watch' })
    const seen: string[] = []
    for await (const ev of readSse(res)) {
      if (ev.event !== 'upload') continue
      const u: Upload = JSON.parse(ev.data)
      seen.push(`${u.status}:${u.receivedChunks.join(',')}`)
      if (seen.length === 1) watch.push(upload(id, 'uploading', [0]))
      if (seen.length === 2) watch.push(upload(id, 'complete', [0, 1]))
    }
    expect(seen).toEqual(['uploading:', 'uploading:0', 'complete:0,1'])
    expect(watch.closed).toBe(true)
  })

  it('closes the sessions stream when the client goes away', async () => {
    const id = randomUUID()
    const abort = new AbortController()
    const res = await browser.fetch(`/api/v1/uploads/${id}/events`, { signal: abort.signal })
    const events = readSse(res)
    expect((await events.next()).value?.event).toBe('upload')
    const watch = await waitFor(() => watches.get(id), { what: 'the watch' })
    expect(watch.closed).toBe(false)
    abort.abort()
    await waitFor(() => watch.closed, { what: 'the gateway to close the sessions stream' })
  })

  it('reports a failure of the sessions stream as an error event and ends', async () => {
    const id = randomUUID()
    const res = await browser.fetch(`/api/v1/uploads/${id}/events`)
    const watch = await waitFor(() => watches.get(id), { what: 'the watch' })
    watch.push(new AppError('UNAVAILABLE', 'the upload service is temporarily unavailable'))
    const seen: { event: string; data: string }[] = []
    for await (const ev of readSse(res)) if (ev.event !== ':') seen.push(ev)
    expect(seen.map((e) => e.event)).toEqual(['upload', 'error'])
    expect(JSON.parse(seen[1]?.data ?? '{}')).toEqual({
      error: { code: 'UNAVAILABLE', message: 'the upload service is temporarily unavailable' },
    })
  })

  it('answers 401 without a session and 400 for a bad id, as JSON', async () => {
    const anonymous = new HttpBrowser(browser.baseUrl)
    const res = await anonymous.fetch(`/api/v1/uploads/${randomUUID()}/events`)
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect((await browser.fetch('/api/v1/uploads/x/events')).status).toBe(400)
  })

  it('ends a stream that never reaches a final state after SSE_MAX_SECONDS', async () => {
    const short = await startGateway(gatewayTestEnv(stack, { SSE_MAX_SECONDS: '1' }), { sessions })
    try {
      const cookie = browser.cookies
      const id = randomUUID()
      const res = await short.app.inject({
        url: `/api/v1/uploads/${id}/events`,
        headers: { cookie: `lfusys_access=${cookie.get('lfusys_access')?.value ?? ''}` },
      })
      // inject resolves once the response has ended: the stream closed itself.
      expect(res.statusCode).toBe(200)
      expect(res.body.startsWith('event: upload\n')).toBe(true)
      expect(watches.get(id)?.closed).toBe(true)
    } finally {
      await short.close()
    }
  })

  it('bounds the open streams of one user', async () => {
    const aborts: AbortController[] = []
    try {
      for (let i = 0; i < MAX_STREAMS_PER_USER; i++) {
        const abort = new AbortController()
        aborts.push(abort)
        const res = await browser.fetch(`/api/v1/uploads/${randomUUID()}/events`, { signal: abort.signal })
        expect(res.status).toBe(200)
      }
      const refused = await browser.fetch(`/api/v1/uploads/${randomUUID()}/events`)
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBe('5')
      expect((await refused.json()).error).toEqual({
        code: 'RATE_LIMITED',
        message: `at most ${MAX_STREAMS_PER_USER} open event streams per user`,
      })
    } finally {
      for (const abort of aborts) abort.abort()
    }
    // Closed streams free their places.
    await waitFor(
      async () => {
        const res = await browser.fetch(`/api/v1/uploads/${randomUUID()}/events`, {
          signal: AbortSignal.timeout(2000),
        })
        await res.body?.cancel()
        return res.status === 200
      },
      { what: 'a free stream place' },
    )
  })

  it('ends open streams on shutdown so the server can close', async () => {
    const id = randomUUID()
    const res = await browser.fetch(`/api/v1/uploads/${id}/events`)
    const watch = await waitFor(() => watches.get(id), { what: 'the watch' })
    const drained = (async () => {
      const seen: string[] = []
      for await (const ev of readSse(res)) seen.push(ev.event)
      return seen
    })()
    await gw.app.close()
    expect(watch.closed).toBe(true)
    expect((await drained)[0]).toBe('upload')
  })
})
