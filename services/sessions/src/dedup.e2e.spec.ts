import { HeadObjectCommand } from '@aws-sdk/client-s3'
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs'
import { objectCreatedMessage } from '@lfusys/aws'
import { chunkKey, objectKey } from '@lfusys/contracts'
import { waitFor } from '@lfusys/testing'
import { parseUploadTokenKeys, verifyUploadToken } from '@lfusys/upload-token'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  call,
  caller,
  createUpload,
  download,
  type FileInfo__Output,
  filesItem,
  type Harness,
  listKeys,
  MiB,
  makeFile,
  objectExists,
  putChunk,
  putChunks,
  sessionItem,
  startHarness,
  TOKEN_KEYS,
  type UploadSession__Output,
  waitForStatus,
} from './testing/harness.ts'

let h: Harness

beforeAll(async () => {
  h = await startHarness('dedup')
})
afterAll(async () => {
  await h?.close()
})

describe('idempotency, resume and dedup', () => {
  it('records each chunk once when every SQS message arrives three times', async () => {
    const file = await makeFile(15 * MiB + 1, 5 * MiB)
    const created = await createUpload(h, 'carol', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    for (let i = 0; i < session.chunkCount; i++) {
      await putChunk(h, session, file.bytes, i)
      const key = chunkKey('chunks/', session.uploadId, i)
      const head = await h.stack.clients.s3.send(
        new HeadObjectCommand({ Bucket: h.stack.resources.bucket, Key: key }),
      )
      // The devstack forwards one event per PUT; two more copies make three deliveries.
      for (let copy = 0; copy < 2; copy++) {
        await h.stack.clients.sqs.send(
          new SendMessageCommand({
            QueueUrl: h.stack.result.queueUrl,
            MessageBody: objectCreatedMessage({
              region: 'us-east-1',
              bucket: h.stack.resources.bucket,
              key,
              size: head.ContentLength ?? 0,
              eTag: head.ETag ?? '',
            }),
          }),
        )
      }
    }
    const done = await waitForStatus(h, 'carol', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    expect(done.receivedChunks).toEqual([0, 1, 2, 3])
    // Let every copy be consumed before counting.
    await waitFor(
      async () => {
        const attrs = await h.stack.clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: h.stack.result.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
        return (
          attrs.Attributes?.ApproximateNumberOfMessages === '0' &&
          attrs.Attributes?.ApproximateNumberOfMessagesNotVisible === '0'
        )
      },
      { what: 'the queue to drain', timeoutMs: 20_000 },
    )
    expect(await sessionItem(h, session.uploadId)).toMatchObject({ status: 'complete', finalizations: 1 })
    const files = await call<unknown, { files: FileInfo__Output[] }>(h.client, 'ListFiles', {
      caller: caller('carol'),
      limit: 0,
      cursor: '',
      all: false,
    })
    expect(files.files.map((f) => f.fileId)).toEqual([session.uploadId])
    expect((await download(h, 'carol', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
  })

  it('resumes: a new session call for the same content lists the chunks already received', async () => {
    const file = await makeFile(11 * MiB, 5 * MiB)
    const first = await createUpload(h, 'dave', file)
    const session = first.upload?.session
    if (!session) throw new Error('expected a session')
    expect(first.upload?.resumed).toBe(false)
    await putChunk(h, session, file.bytes, 0)
    await putChunk(h, session, file.bytes, 2)
    await waitFor(
      async () =>
        (
          await call<unknown, UploadSession__Output>(h.client, 'GetUpload', {
            caller: caller('dave'),
            uploadId: session.uploadId,
          })
        ).receivedChunks.length === 2,
      { what: 'two chunks recorded' },
    )
    const again = await createUpload(h, 'dave', file)
    expect(again.upload?.resumed).toBe(true)
    expect(again.upload?.session?.uploadId).toBe(session.uploadId)
    expect(again.upload?.session?.receivedChunks).toEqual([0, 2])
    expect(again.upload?.session?.status).toBe('UPLOAD_STATUS_UPLOADING')
    expect(again.upload?.uploadToken?.token).toMatch(/^ey/)
    // A renewed token is scoped to this upload, user and chunk plan, verifiable from config alone.
    const renewed = await call<unknown, { token: string; expiresAtMs: number }>(
      h.client,
      'RenewUploadToken',
      {
        caller: caller('dave'),
        uploadId: session.uploadId,
      },
    )
    const claims = await verifyUploadToken(parseUploadTokenKeys(TOKEN_KEYS), renewed.token)
    expect(claims).toMatchObject({
      userId: 'dave',
      uploadId: session.uploadId,
      fileSize: file.bytes.length,
      chunkSize: 5 * MiB,
      chunkCount: 3,
    })
    expect(claims.expiresAt.getTime()).toBe(renewed.expiresAtMs)
    await expect(
      call(h.client, 'RenewUploadToken', { caller: caller('eve'), uploadId: session.uploadId }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' })
    // Listed among the unfinished uploads; another user sees nothing.
    const mine = await call<unknown, { uploads: UploadSession__Output[] }>(h.client, 'ListUploads', {
      caller: caller('dave'),
    })
    expect(mine.uploads.map((u) => u.uploadId)).toEqual([session.uploadId])
    const theirs = await call<unknown, { uploads: UploadSession__Output[] }>(h.client, 'ListUploads', {
      caller: caller('eve'),
    })
    expect(theirs.uploads).toEqual([])
    await putChunk(h, session, file.bytes, 1)
    await waitForStatus(h, 'dave', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    const after = await call<unknown, { uploads: UploadSession__Output[] }>(h.client, 'ListUploads', {
      caller: caller('dave'),
    })
    expect(after.uploads).toEqual([])
  })

  it('answers duplicate for the same user and content, with zero chunk bytes', async () => {
    const file = await makeFile(6 * MiB, 5 * MiB)
    const created = await createUpload(h, 'frank', file)
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    await putChunks(h, session, file.bytes)
    await waitForStatus(h, 'frank', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    const chunksBefore = await listKeys(h, 'chunks/')
    const again = await createUpload(h, 'frank', file, { fileName: 'copy.bin' })
    expect(again.result).toBe('duplicate')
    expect(again.duplicate).toMatchObject({
      fileId: session.uploadId,
      contentHash: file.contentHash,
      ownerId: 'frank',
    })
    expect(again.upload).toBeFalsy()
    // No session was opened and no chunk object appeared (other tests' chunks may only vanish).
    const chunksAfter = await listKeys(h, 'chunks/')
    expect(chunksAfter.filter((k) => !chunksBefore.includes(k))).toEqual([])
    const open = await call<unknown, { uploads: unknown[] }>(h.client, 'ListUploads', {
      caller: caller('frank'),
    })
    expect(open.uploads).toEqual([])
  })

  it('never grants another user instant dedup; stores one object for two files and deletes it with the last', async () => {
    const file = await makeFile(7 * MiB, 5 * MiB)
    const key = objectKey('objects/', file.contentHash, file.bytes.length)
    const a = await createUpload(h, 'grace', file)
    const sa = a.upload?.session
    if (!sa) throw new Error('expected a session')
    await putChunks(h, sa, file.bytes)
    await waitForStatus(h, 'grace', sa.uploadId, 'UPLOAD_STATUS_COMPLETE')
    // Same hash, other user: a normal upload, bytes required.
    const b = await createUpload(h, 'heidi', file)
    expect(b.result).toBe('upload')
    const sb = b.upload?.session
    if (!sb) throw new Error('expected a session')
    expect(sb.receivedChunks).toEqual([])
    await putChunks(h, sb, file.bytes)
    await waitForStatus(h, 'heidi', sb.uploadId, 'UPLOAD_STATUS_COMPLETE')
    const fb = await call<unknown, FileInfo__Output>(h.client, 'GetFile', {
      caller: caller('heidi'),
      fileId: sb.uploadId,
    })
    expect(fb.integrityCheck).toBe('INTEGRITY_CHECK_EXISTING_OBJECT')
    expect(await filesItem(h, `OBJECT#${key}`, 'OBJECT')).toMatchObject({ refCount: 2 })
    expect((await listKeys(h, key)).length).toBe(1)
    expect(await listKeys(h, `chunks/${sb.uploadId}/`)).toEqual([])
    // Heidi cannot see Grace's file; deleting it as Heidi is refused.
    await expect(
      call(h.client, 'GetFile', { caller: caller('heidi'), fileId: sa.uploadId }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
    await expect(
      call(h.client, 'DeleteFile', { caller: caller('heidi'), fileId: sa.uploadId }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
    await call(h.client, 'DeleteFile', { caller: caller('grace'), fileId: sa.uploadId })
    expect(await filesItem(h, `OBJECT#${key}`, 'OBJECT')).toMatchObject({ refCount: 1 })
    expect((await download(h, 'heidi', sb.uploadId)).bytes.equals(file.bytes)).toBe(true)
    // An admin may delete anyone's file; the last reference takes the object with it.
    await call(h.client, 'DeleteFile', { caller: caller('root', true), fileId: sb.uploadId })
    expect(await filesItem(h, `OBJECT#${key}`, 'OBJECT')).toBeUndefined()
    expect(await objectExists(h, key)).toBe(false)
    await expect(
      call(h.client, 'GetFile', { caller: caller('heidi'), fileId: sb.uploadId }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
    // Usage went back to zero for both.
    expect(await filesItem(h, 'USER#grace', 'USAGE')).toMatchObject({ bytes: 0, files: 0 })
    expect(await filesItem(h, 'USER#heidi', 'USAGE')).toMatchObject({ bytes: 0, files: 0 })
  })
})
