import { randomBytes, randomUUID } from 'node:crypto'
import { chunkUploadPrefix } from '@lfusys/contracts'
import { parseUploadTokenKeys, signUploadToken } from '@lfusys/upload-token'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CHUNK,
  chunkHeaders,
  chunkPath,
  keys,
  keysUnder,
  newUpload,
  type Running,
  stack,
  start,
  useChunkStack,
  WEB_ORIGIN,
} from '../testing/chunkHarness.ts'
import { send } from '../testing/send.ts'

useChunkStack('uploads-refusals')

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
