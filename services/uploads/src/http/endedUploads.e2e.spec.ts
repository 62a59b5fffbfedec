import { randomBytes } from 'node:crypto'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { chunkUploadPrefix, endedKey } from '@lfusys/contracts'
import { freePort } from '@lfusys/devstack'
import { describe, expect, it } from 'vitest'
import {
  CHUNK,
  chunkHeaders,
  chunkPath,
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
})
