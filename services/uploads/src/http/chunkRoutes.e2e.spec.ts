import { createHash, randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { chunkKey, chunkUploadPrefix } from '@lfusys/contracts'
import { waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CHUNK,
  chunkHeaders,
  chunkPath,
  eventsUntilSentinel,
  keysUnder,
  newUpload,
  type Running,
  stack,
  start,
  useChunkStack,
} from '../testing/chunkHarness.ts'
import { send } from '../testing/send.ts'

useChunkStack('uploads-chunks')

describe('chunk PUT (streamed into the store, which verifies the SHA-256)', () => {
  let svc: Running
  beforeAll(async () => {
    svc = await start()
  })
  afterAll(async () => svc?.close())

  it('stores a chunk with its SHA-256 under the chunk prefix and answers 201; a resend is harmless', async () => {
    const { uploadId, token } = await newUpload()
    const body = randomBytes(CHUNK)
    const first = await send(svc.url, {
      path: chunkPath(uploadId, 1),
      headers: chunkHeaders(token, body),
      body,
    })
    expect(first.status).toBe(201)
    expect(first.body).toEqual({ uploadId, index: 1, size: CHUNK })
    expect(first.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)

    const again = await send(svc.url, {
      path: chunkPath(uploadId, 1),
      headers: chunkHeaders(token, body),
      body,
    })
    expect(again.status).toBe(201)
    expect(again.body).toEqual({ uploadId, index: 1, size: CHUNK })

    const key = chunkKey(stack.resources.chunkPrefix, uploadId, 1)
    expect(await keysUnder(chunkUploadPrefix(stack.resources.chunkPrefix, uploadId))).toEqual([key])
    const stored = await stack.clients.s3.send(
      new GetObjectCommand({ Bucket: stack.resources.bucket, Key: key, ChecksumMode: 'ENABLED' }),
    )
    expect(Buffer.from((await stored.Body?.transformToByteArray()) ?? [])).toEqual(body)
    expect(stored.ChecksumSHA256).toBe(createHash('sha256').update(body).digest('base64'))
  })

  it('stores the short last chunk and an empty chunk of a 0-byte file', async () => {
    const { uploadId, token } = await newUpload(3, 1000)
    const last = randomBytes(1000)
    const res = await send(svc.url, {
      path: chunkPath(uploadId, 2),
      headers: chunkHeaders(token, last),
      body: last,
    })
    expect(res.status).toBe(201)
    expect(res.body).toEqual({ uploadId, index: 2, size: 1000 })

    const empty = await newUpload(1, 0)
    const none = new Uint8Array(0)
    const zero = await send(svc.url, {
      path: chunkPath(empty.uploadId, 0),
      headers: chunkHeaders(empty.token, none),
      body: none,
    })
    expect(zero.status).toBe(201)
    expect(zero.body).toEqual({ uploadId: empty.uploadId, index: 0, size: 0 })
  })

  it('answers 422 to a corrupted chunk (the store said BadDigest): no chunk object, no event', async () => {
    const { uploadId, token } = await newUpload()
    const body = randomBytes(CHUNK)
    const corrupted = Buffer.from(body)
    corrupted[1234] = (corrupted[1234] ?? 0) ^ 0xff
    const res = await send(svc.url, {
      path: chunkPath(uploadId, 0),
      headers: chunkHeaders(token, corrupted, body),
      body: corrupted,
    })
    expect(res.status).toBe(422)
    expect(res.body).toEqual({
      error: {
        code: 'INTEGRITY_FAILED',
        message: 'the chunk does not match its Content-Digest; nothing was stored',
        details: { declared: createHash('sha256').update(body).digest('base64') },
      },
    })
    expect(await keysUnder(chunkUploadPrefix(stack.resources.chunkPrefix, uploadId))).toEqual([])
    const events = await eventsUntilSentinel()
    expect(events.filter((k) => k.includes(uploadId))).toEqual([])
  })

  it('leaves nothing behind when the client disconnects mid-body', async () => {
    const { uploadId, token } = await newUpload()
    const body = randomBytes(CHUNK)
    const req = request(`${svc.url}${chunkPath(uploadId, 0)}`, {
      method: 'PUT',
      headers: chunkHeaders(token, body),
      agent: false,
    })
    req.on('error', () => {})
    req.write(body.subarray(0, CHUNK / 2))
    await waitFor(() => svc.deps.limiter.usage.active === 1, { what: 'the chunk request to be admitted' })
    req.destroy()
    await waitFor(() => svc.deps.limiter.usage.active === 0, { what: 'the aborted request to be released' })
    expect(await keysUnder(chunkUploadPrefix(stack.resources.chunkPrefix, uploadId))).toEqual([])
    const events = await eventsUntilSentinel()
    expect(events.filter((k) => k.includes(uploadId))).toEqual([])
  })
})

describe('load shedding', () => {
  it('503 + Retry-After when the concurrent request limit is reached, instead of queueing', async () => {
    // No small-chunk lane here: the 256 KiB chunks below would fit it (see chunkIntake.e2e.spec.ts).
    const svc = await start({
      UPLOADS_MAX_CONCURRENT_CHUNKS: '1',
      UPLOADS_SMALL_CHUNK_SLOTS: '0',
      UPLOADS_RETRY_AFTER_SECONDS: '3',
    })
    try {
      const { uploadId, token } = await newUpload()
      const held = randomBytes(CHUNK)
      const first = request(`${svc.url}${chunkPath(uploadId, 0)}`, {
        method: 'PUT',
        headers: chunkHeaders(token, held),
        agent: false,
      })
      const firstDone = new Promise<number>((resolve, reject) => {
        first.on('response', (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        first.on('error', reject)
      })
      first.write(held.subarray(0, 1000))
      await waitFor(() => svc.deps.limiter.usage.active === 1, { what: 'the first request to hold the slot' })

      const body = randomBytes(CHUNK)
      const shed = await send(svc.url, {
        path: chunkPath(uploadId, 1),
        headers: chunkHeaders(token, body),
        body,
      })
      expect(shed.status).toBe(503)
      expect(shed.headers['retry-after']).toBe('3')
      expect(shed.body).toEqual({
        error: { code: 'UNAVAILABLE', message: 'the uploads service is at capacity; retry later' },
      })

      first.end(held.subarray(1000))
      expect(await firstDone).toBe(201)
      const retried = await send(svc.url, {
        path: chunkPath(uploadId, 1),
        headers: chunkHeaders(token, body),
        body,
      })
      expect(retried.status).toBe(201)
    } finally {
      await svc.close()
    }
  })
})

describe('health', () => {
  it('live and ready (S3 reachable, with latency); not ready when the bucket is missing', async () => {
    const svc = await start()
    const missing = await start({ S3_BUCKET: 'no-such-bucket-here' })
    try {
      const live = await send(svc.url, { method: 'GET', path: '/health/live', headers: {} })
      expect(live.status).toBe(200)
      expect(live.body).toEqual({ status: 'ok' })
      const ready = await send(svc.url, { method: 'GET', path: '/health/ready', headers: {} })
      expect(ready.status).toBe(200)
      expect(ready.body).toEqual({
        status: 'ok',
        checks: { s3: { status: 'up', latencyMs: expect.any(Number) } },
      })
      const notReady = await send(missing.url, { method: 'GET', path: '/health/ready', headers: {} })
      expect(notReady.status).toBe(503)
      expect(notReady.body).toMatchObject({ status: 'unavailable', checks: { s3: { status: 'down' } } })
    } finally {
      await svc.close()
      await missing.close()
    }
  })
})
