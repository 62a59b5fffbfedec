import { randomBytes, randomUUID } from 'node:crypto'
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { chunkUploadPrefix, endedKey } from '@lfusys/contracts'
import { freePort } from '@lfusys/devstack'
import { signUploadToken } from '@lfusys/upload-token'
import { describe, expect, it } from 'vitest'
import {
  CHUNK,
  chunkHeaders,
  chunkPath,
  keys,
  keysUnder,
  newUpload,
  stack,
  start,
  useChunkStack,
} from '../testing/chunkHarness.ts'
import { send } from '../testing/send.ts'

useChunkStack('uploads-ended')

async function markEnded(uploadId: string, status: string) {
  await stack.clients.s3.send(
    new PutObjectCommand({
      Bucket: stack.resources.bucket,
      Key: endedKey(uploadId),
      Body: '',
      Metadata: { status },
    }),
  )
}

/**
 * Holds every ended-marker lookup (HeadObject of `ended/...`) on the service's real S3 client until
 * `release()`, and reports when a chunk's PutObject has finished.
 */
function holdMarkerLookups(s3: S3Client) {
  let release: () => void = () => undefined
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  let putDone: () => void = () => undefined
  const chunkStored = new Promise<void>((resolve) => {
    putDone = resolve
  })
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: unknown }).Key
      if (
        context.commandName === 'HeadObjectCommand' &&
        typeof key === 'string' &&
        key.startsWith('ended/')
      ) {
        await released
      }
      const out = await next(args)
      if (context.commandName === 'PutObjectCommand') putDone()
      return out
    },
    { step: 'initialize', name: 'testHeldMarkerLookups' },
  )
  return { release, chunkStored }
}

describe('tokens end with their upload', () => {
  it('410 GONE for a chunk of an upload with an ended marker, whatever its final state', async () => {
    const svc = await start()
    try {
      for (const status of ['complete', 'cancelled', 'failed', 'expired']) {
        const upload = await newUpload()
        const body = randomBytes(CHUNK)
        const before = await send(svc.url, {
          path: chunkPath(upload.uploadId, 0),
          headers: chunkHeaders(upload.token, body),
          body,
        })
        expect(before.status).toBe(201)
        await markEnded(upload.uploadId, status)
        const after = await send(svc.url, {
          path: chunkPath(upload.uploadId, 1),
          headers: chunkHeaders(upload.token, body),
          body,
        })
        expect(after.status, status).toBe(410)
        expect(after.headers.connection).toBe('close')
        expect(after.body).toEqual({
          error: {
            code: 'GONE',
            message: `the upload is ${status}; its token no longer accepts chunks`,
            details: { reason: 'upload_ended', status },
          },
        })
        const prefix = chunkUploadPrefix(stack.resources.chunkPrefix, upload.uploadId)
        expect(await keysUnder(prefix)).toEqual([`${prefix}00000`])
      }
    } finally {
      await svc.close()
    }
  })

  it('503 + Retry-After when the store cannot say whether the upload ended', async () => {
    const svc = await start({
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${await freePort()}`,
      AWS_MAX_ATTEMPTS: '1',
    })
    try {
      const upload = await newUpload()
      const body = randomBytes(CHUNK)
      const res = await send(svc.url, {
        path: chunkPath(upload.uploadId, 0),
        headers: chunkHeaders(upload.token, body),
        body,
      })
      expect(res.status).toBe(503)
      expect(res.headers['retry-after']).toBe('2')
      expect(res.body).toEqual({
        error: { code: 'UNAVAILABLE', message: 'chunk storage is unavailable; retry later' },
      })
    } finally {
      await svc.close()
    }
  })

  it('the marker lookup runs beside the PutObject: a chunk stored before it answers "ended" is removed, and 410', async () => {
    const svc = await start()
    try {
      const upload = await newUpload()
      await markEnded(upload.uploadId, 'cancelled')
      const held = holdMarkerLookups(svc.deps.s3)
      const body = randomBytes(CHUNK)
      const answer = send(svc.url, {
        path: chunkPath(upload.uploadId, 0),
        headers: chunkHeaders(upload.token, body),
        body,
      })
      // The chunk is stored while the lookup is still held: it does not wait for it.
      await held.chunkStored
      const prefix = chunkUploadPrefix(stack.resources.chunkPrefix, upload.uploadId)
      expect(await keysUnder(prefix)).toEqual([`${prefix}00000`])
      held.release()
      const res = await answer
      expect(res.status).toBe(410)
      expect(res.body).toMatchObject({
        error: { code: 'GONE', details: { reason: 'upload_ended', status: 'cancelled' } },
      })
      // Answered only once the chunk was removed again.
      expect(await keysUnder(prefix)).toEqual([])
    } finally {
      await svc.close()
    }
  })

  it('a client still sending a large chunk when the lookup answers "ended" reads the 410 (fetch)', async () => {
    const svc = await start()
    try {
      // 24 MiB: more than loopback socket buffers hold, so the rest must be read for fetch to finish.
      const size = 24 * 1024 * 1024
      const uploadId = randomUUID()
      const { token } = await signUploadToken(
        keys,
        { userId: 'user-1', uploadId, fileSize: size, chunkSize: size, chunkCount: 1 },
        600,
      )
      await markEnded(uploadId, 'complete')
      // The lookup answers once the chunk's PutObject is under way, so the cut lands mid-body.
      let putStarted: () => void = () => undefined
      const started = new Promise<void>((resolve) => {
        putStarted = resolve
      })
      svc.deps.s3.middlewareStack.add(
        (next, context) => async (args) => {
          const key = (args.input as { Key?: unknown }).Key
          if (context.commandName === 'PutObjectCommand') putStarted()
          if (context.commandName === 'HeadObjectCommand' && String(key).startsWith('ended/')) await started
          return next(args)
        },
        { step: 'initialize', name: 'testLookupAfterPut' },
      )
      const body = randomBytes(size)
      const res = await fetch(`${svc.url}${chunkPath(uploadId, 0)}`, {
        method: 'PUT',
        headers: chunkHeaders(token, body),
        body,
        signal: AbortSignal.timeout(15_000),
      })
      expect(res.status).toBe(410)
      expect(await res.json()).toMatchObject({ error: { code: 'GONE' } })
      expect(await keysUnder(chunkUploadPrefix(stack.resources.chunkPrefix, uploadId))).toEqual([])
    } finally {
      await svc.close()
    }
  })
})
