import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs'
import { decodeEventKey } from '@lfusys/aws'
import { chunkKey, chunkUploadPrefix, formatContentDigest } from '@lfusys/contracts'
import { createLogger } from '@lfusys/logger'
import { provisionTestStack, type TestStack, waitFor } from '@lfusys/testing'
import { parseUploadTokenKeys, signUploadToken } from '@lfusys/upload-token'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, type UploadsApp } from '../app.ts'
import { loadUploadsConfig } from '../config.ts'
import { createDeps, type UploadsDeps } from '../deps.ts'
import { send } from '../testing/send.ts'

const KEYS = 'test1:uploads-e2e-secret-with-at-least-32-chars'
const keys = parseUploadTokenKeys(KEYS)
const WEB_ORIGIN = 'http://127.0.0.1:5173'
const CHUNK = 256 * 1024

let stack: TestStack

beforeAll(async () => {
  stack = await provisionTestStack('uploads-chunks')
})
afterAll(() => stack?.close())

interface Running {
  app: UploadsApp
  deps: UploadsDeps
  url: string
  close(): Promise<void>
}

async function start(extra: Record<string, string> = {}): Promise<Running> {
  const config = loadUploadsConfig({
    ...stack.env,
    UPLOAD_TOKEN_KEYS: KEYS,
    WEB_ORIGIN,
    UPLOADS_PORT: '0',
    ...extra,
  })
  const deps = createDeps(config, { log: createLogger({ service: 'uploads', level: 'silent' }) })
  const app = await buildApp(config, deps)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return {
    app,
    deps,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close()
      await deps.close()
    },
  }
}

/** A fresh upload of `chunkCount` chunks (the last one `lastLength` bytes) and its token. */
async function newUpload(chunkCount = 3, lastLength = 1000) {
  const uploadId = randomUUID()
  const fileSize = CHUNK * (chunkCount - 1) + lastLength
  const { token } = await signUploadToken(
    keys,
    { userId: 'user-1', uploadId, fileSize, chunkSize: CHUNK, chunkCount },
    600,
  )
  return { uploadId, token, fileSize, chunkCount }
}

function chunkHeaders(token: string, body: Uint8Array, digestOf: Uint8Array = body): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-digest': formatContentDigest(createHash('sha256').update(digestOf).digest()),
    'content-length': String(body.length),
    'content-type': 'application/octet-stream',
  }
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await stack.clients.s3.send(
    new ListObjectsV2Command({ Bucket: stack.resources.bucket, Prefix: prefix }),
  )
  return (out.Contents ?? []).map((o) => o.Key ?? '')
}

/** Every event key seen on the chunk queue (messages are deleted as they are read). */
const seenEventKeys: string[] = []
async function drainEvents(): Promise<void> {
  const out = await stack.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: stack.result.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
    }),
  )
  for (const message of out.Messages ?? []) {
    const records = (JSON.parse(message.Body ?? '{}') as { Records?: { s3: { object: { key: string } } }[] })
      .Records
    for (const record of records ?? []) seenEventKeys.push(decodeEventKey(record.s3.object.key))
    await stack.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: stack.result.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    )
  }
}

/**
 * Proves an event did NOT happen: a sentinel chunk object is created afterwards and, once its event
 * has arrived, the events seen so far are complete enough to check.
 */
async function eventsUntilSentinel(): Promise<string[]> {
  const sentinel = `${stack.resources.chunkPrefix}${randomUUID()}/00000`
  await stack.clients.s3.send(
    new PutObjectCommand({ Bucket: stack.resources.bucket, Key: sentinel, Body: randomBytes(10) }),
  )
  await waitFor(
    async () => {
      await drainEvents()
      return seenEventKeys.includes(sentinel)
    },
    { what: 'the sentinel chunk event', timeoutMs: 15_000 },
  )
  return [...seenEventKeys]
}

function chunkPath(uploadId: string, index: number | string): string {
  return `/api/v1/uploads/${uploadId}/chunks/${index}`
}

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

describe('chunk PUT refusals', () => {
  let svc: Running
  beforeAll(async () => {
    svc = await start()
  })
  afterAll(async () => svc?.close())

  async function expectNothingStored(uploadId: string) {
    expect(await keysUnder(chunkUploadPrefix(stack.resources.chunkPrefix, uploadId))).toEqual([])
  }

  it('401 without a token, with a forged one and with an expired one', async () => {
    const { uploadId, token } = await newUpload()
    const body = randomBytes(CHUNK)
    const { authorization: _, ...noAuth } = chunkHeaders(token, body)
    const missing = await send(svc.url, { path: chunkPath(uploadId, 0), headers: noAuth, body })
    expect(missing.status).toBe(401)
    expect(missing.body).toEqual({
      error: {
        code: 'UNAUTHENTICATED',
        message: 'an upload token is required (Authorization: Bearer <token>)',
        details: { reason: 'missing' },
      },
    })

    const otherKeys = parseUploadTokenKeys('test1:a-completely-different-secret-of-32-chars')
    const forged = await signUploadToken(
      otherKeys,
      { userId: 'user-1', uploadId, fileSize: 3 * CHUNK, chunkSize: CHUNK, chunkCount: 3 },
      600,
    )
    const invalid = await send(svc.url, {
      path: chunkPath(uploadId, 0),
      headers: chunkHeaders(forged.token, body),
      body,
    })
    expect(invalid.status).toBe(401)
    expect(invalid.body).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'upload token is invalid', details: { reason: 'invalid' } },
    })

    const old = await signUploadToken(
      keys,
      { userId: 'user-1', uploadId, fileSize: 3 * CHUNK, chunkSize: CHUNK, chunkCount: 3 },
      60,
      new Date(Date.now() - 3_600_000),
    )
    const expired = await send(svc.url, {
      path: chunkPath(uploadId, 0),
      headers: chunkHeaders(old.token, body),
      body,
    })
    expect(expired.status).toBe(401)
    expect(expired.body).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'upload token has expired', details: { reason: 'expired' } },
    })
    await expectNothingStored(uploadId)
  })

  it('403 with the token of another upload', async () => {
    const mine = await newUpload()
    const other = await newUpload()
    const body = randomBytes(CHUNK)
    const res = await send(svc.url, {
      path: chunkPath(other.uploadId, 0),
      headers: chunkHeaders(mine.token, body),
      body,
    })
    expect(res.status).toBe(403)
    expect(res.body).toEqual({
      error: { code: 'FORBIDDEN', message: 'the upload token belongs to another upload' },
    })
    await expectNothingStored(other.uploadId)
    await expectNothingStored(mine.uploadId)
  })

  it('400 for an index out of range or not a number, and for a malformed upload id', async () => {
    const { uploadId, token } = await newUpload(3)
    const body = randomBytes(CHUNK)
    for (const index of ['3', '-1', 'abc', '1e2']) {
      const res = await send(svc.url, {
        path: chunkPath(uploadId, index),
        headers: chunkHeaders(token, body),
        body,
      })
      expect(res.status, `index ${index}`).toBe(400)
      expect(res.body).toEqual({
        error: {
          code: 'VALIDATION_FAILED',
          message: 'chunk index must be an integer from 0 to 2',
          details: { field: 'index', chunkCount: 3 },
        },
      })
    }
    const badId = await send(svc.url, {
      path: chunkPath('NOT-A-UUID', 0),
      headers: chunkHeaders(token, body),
      body,
    })
    expect(badId.status).toBe(400)
    expect(badId.body).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'upload id must be a lowercase UUID',
        details: { field: 'uploadId' },
      },
    })
    await expectNothingStored(uploadId)
  })

  it('400 for a malformed or missing Content-Digest', async () => {
    const { uploadId, token } = await newUpload()
    const body = randomBytes(CHUNK)
    const cases: [string | undefined, string][] = [
      [undefined, 'Content-Digest header is required'],
      ['sha-256=:tooshort:', 'Content-Digest sha-256 has 6 bytes, expected 32'],
      ['md5=:AAAA:', 'Content-Digest has no sha-256 member'],
      ['sha-256', 'Content-Digest is not a dictionary of algorithm=:base64: members'],
    ]
    for (const [digest, message] of cases) {
      const headers = chunkHeaders(token, body)
      if (digest === undefined) delete headers['content-digest']
      else headers['content-digest'] = digest
      const res = await send(svc.url, { path: chunkPath(uploadId, 0), headers, body })
      expect(res.status, String(digest)).toBe(400)
      expect(res.body).toEqual({
        error: { code: 'VALIDATION_FAILED', message, details: { field: 'Content-Digest' } },
      })
    }
    await expectNothingStored(uploadId)
  })

  it('400 for a chunk shorter than its exact length', async () => {
    const { uploadId, token } = await newUpload()
    const body = randomBytes(CHUNK - 1)
    const res = await send(svc.url, {
      path: chunkPath(uploadId, 0),
      headers: chunkHeaders(token, body),
      body,
    })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: `chunk 0 must be exactly ${CHUNK} bytes`,
        details: { field: 'Content-Length', expected: CHUNK, received: CHUNK - 1 },
      },
    })
    await expectNothingStored(uploadId)
  })

  it('413 for a chunk longer than allowed, answered before the body is read', async () => {
    const { uploadId, token } = await newUpload()
    const headers = chunkHeaders(token, new Uint8Array(0))
    headers['content-length'] = String(CHUNK + 1)
    const res = await send(svc.url, { path: chunkPath(uploadId, 0), headers })
    expect(res.status).toBe(413)
    expect(res.headers.connection).toBe('close')
    expect(res.body).toEqual({
      error: {
        code: 'TOO_LARGE',
        message: `chunk 0 may be at most ${CHUNK} bytes`,
        details: { expected: CHUNK, received: CHUNK + 1 },
      },
    })
    await expectNothingStored(uploadId)
  })

  it('411 for a chunked body without Content-Length', async () => {
    const { uploadId, token } = await newUpload()
    const { 'content-length': _, ...headers } = chunkHeaders(token, randomBytes(CHUNK))
    const res = await send(svc.url, {
      path: chunkPath(uploadId, 0),
      headers: { ...headers, 'transfer-encoding': 'chunked' },
    })
    expect(res.status).toBe(411)
    expect(res.body).toEqual({
      error: {
        code: 'LENGTH_REQUIRED',
        message: 'Content-Length is required: send the chunk with its exact length',
        details: { expected: CHUNK },
      },
    })
    await expectNothingStored(uploadId)
  })

  it('404 with the error shape for an unknown route', async () => {
    const res = await send(svc.url, { method: 'GET', path: '/nope', headers: {} })
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /nope' } })
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('CORS: the web origin may PUT with the chunk headers and read Retry-After', async () => {
    const preflight = await send(svc.url, {
      method: 'OPTIONS',
      path: chunkPath(randomUUID(), 0),
      headers: {
        origin: WEB_ORIGIN,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'authorization,content-digest,content-type',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe(WEB_ORIGIN)
    expect(preflight.headers['access-control-allow-methods']).toBe('PUT')
    expect(preflight.headers['access-control-allow-headers']).toBe(
      'Authorization, Content-Digest, Content-Type',
    )

    const { uploadId, token } = await newUpload()
    const body = randomBytes(CHUNK)
    const res = await send(svc.url, {
      path: chunkPath(uploadId, 0),
      headers: { ...chunkHeaders(token, body), origin: WEB_ORIGIN },
      body,
    })
    expect(res.status).toBe(201)
    expect(res.headers['access-control-allow-origin']).toBe(WEB_ORIGIN)
    expect(res.headers['access-control-expose-headers']).toBe('Retry-After, X-Request-Id')
  })
})

describe('load shedding', () => {
  it('503 + Retry-After when the concurrent request limit is reached, instead of queueing', async () => {
    const svc = await start({ UPLOADS_MAX_CONCURRENT_CHUNKS: '1', UPLOADS_RETRY_AFTER_SECONDS: '3' })
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
