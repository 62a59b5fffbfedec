import { randomUUID } from 'node:crypto'
import { AbortMultipartUploadCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs'
import * as grpc from '@grpc/grpc-js'
import { objectCreatedMessage } from '@lfusys/aws'
import { chunkKey, objectKey } from '@lfusys/contracts'
import { waitFor } from '@lfusys/testing'
import { parseUploadTokenKeys, verifyUploadToken } from '@lfusys/upload-token'
import { service as healthService } from 'grpc-health-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  call,
  caller,
  callerMetadata,
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
  h = await startHarness('pipeline')
})
afterAll(async () => {
  await h?.close()
})

async function uploadAndComplete(size: number, userId: string, declare: boolean, fileName = 'data.bin') {
  const file = await makeFile(size, 5 * MiB)
  const created = await createUpload(h, userId, declare ? file : { bytes: file.bytes }, { fileName })
  const session = created.upload?.session
  if (!session) throw new Error('expected a session')
  expect(session.chunkCount).toBe(file.plan.chunkCount)
  const started = Date.now()
  await putChunks(h, session, file.bytes)
  const lastChunkAt = Date.now()
  const done = await waitForStatus(h, userId, session.uploadId, 'UPLOAD_STATUS_COMPLETE')
  return {
    file,
    session,
    done,
    lastChunkToCompleteMs: Date.now() - lastChunkAt,
    totalMs: Date.now() - started,
  }
}

describe('chunk events to a complete file', () => {
  it('assembles a multi-chunk upload byte-identical, verified by the composite checksum', async () => {
    const { file, session, done, lastChunkToCompleteMs } = await uploadAndComplete(
      12 * MiB + 12_345,
      'alice',
      false,
      'Résumé "final".bin',
    )
    console.log(
      `[measure] 3 x 5 MiB chunks, no declared hash: last chunk PUT -> complete ${lastChunkToCompleteMs} ms`,
    )
    expect(done.receivedChunks).toEqual([0, 1, 2])
    expect(done.contentHash).toBe(file.contentHash)
    expect(done.fileId).toBe(session.uploadId)
    const info = await call<unknown, { integrityCheck: string; contentHash: string; size: number }>(
      h.client,
      'GetFile',
      {
        caller: caller('alice'),
        fileId: done.fileId,
      },
    )
    // Copied parts get their SHA-256 from the store, so the composite is checked, as on AWS.
    expect(info).toMatchObject({
      integrityCheck: 'INTEGRITY_CHECK_COMPOSITE',
      contentHash: file.contentHash,
      size: file.bytes.length,
    })
    const got = await download(h, 'alice', done.fileId ?? '')
    expect(got.bytes.equals(file.bytes)).toBe(true)
    expect(got.disposition).toBe(
      `attachment; filename="R_sum_ _final_.bin"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.bin`,
    )
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toEqual([])
    const item = await sessionItem(h, session.uploadId)
    expect(item).toMatchObject({ status: 'complete', finalizations: 1, integrityCheck: 'composite' })
    const object = await filesItem(
      h,
      `OBJECT#${objectKey('objects/', file.contentHash, file.bytes.length)}`,
      'OBJECT',
    )
    expect(object).toMatchObject({ refCount: 1, size: file.bytes.length })
  })

  it('handles a 0-byte file as one empty chunk', async () => {
    const { file, done } = await uploadAndComplete(0, 'alice', false)
    expect(done.chunkCount).toBe(1)
    expect(done.contentHash).toBe(file.contentHash)
    const got = await download(h, 'alice', done.fileId ?? '')
    expect(got.bytes.length).toBe(0)
    // One part uploaded with its SHA-256: fauxqs then reports the composite, which is checked.
    const info = await call<unknown, { integrityCheck: string }>(h.client, 'GetFile', {
      caller: caller('alice'),
      fileId: done.fileId,
    })
    expect(info.integrityCheck).toBe('INTEGRITY_CHECK_COMPOSITE')
  })

  it('handles a one-chunk file and a file of exactly two chunks, with a declared hash', async () => {
    const one = await uploadAndComplete(777, 'bob', true)
    expect(one.done.chunkCount).toBe(1)
    expect((await download(h, 'bob', one.done.fileId ?? '')).bytes.equals(one.file.bytes)).toBe(true)
    const two = await uploadAndComplete(10 * MiB, 'bob', true)
    expect(two.done.chunkCount).toBe(2)
    expect(two.done.receivedChunks).toEqual([0, 1])
    expect((await download(h, 'bob', two.done.fileId ?? '')).bytes.equals(two.file.bytes)).toBe(true)
    console.log(
      `[measure] 2 x 5 MiB chunks, declared hash (eager copy): last chunk PUT -> complete ${two.lastChunkToCompleteMs} ms`,
    )
  })
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
    // By id, without a hash.
    const byId = await createUpload(h, 'dave', { bytes: file.bytes }, { resumeUploadId: session.uploadId })
    expect(byId.upload?.session?.receivedChunks).toEqual([0, 2])
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

describe('cancel, watch and errors', () => {
  it('cancels: chunk objects removed, later chunks discarded, status final', async () => {
    const file = await makeFile(11 * MiB, 5 * MiB)
    const created = await createUpload(h, 'ivan', file)
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    await putChunk(h, session, file.bytes, 0)
    await waitFor(async () => (await sessionItem(h, session.uploadId))?.status === 'uploading', {
      what: 'first chunk recorded',
    })
    // The eager copy started a multipart upload (declared hash): cancel must abort it.
    const mpus = await waitFor(
      async () => {
        const item = await sessionItem(h, session.uploadId)
        return item?.multipartUploadIds instanceof Set && item.multipartUploadIds.size > 0
          ? [...item.multipartUploadIds].map(String)
          : undefined
      },
      { what: 'eager multipart upload' },
    )
    const cancelled = await call<unknown, UploadSession__Output>(h.client, 'CancelUpload', {
      caller: caller('ivan'),
      uploadId: session.uploadId,
    })
    expect(cancelled.status).toBe('UPLOAD_STATUS_CANCELLED')
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toEqual([])
    for (const ref of mpus) await expectMultipartGone(ref)
    // A chunk PUT that lands after the cancel is deleted when its event arrives.
    await putChunk(h, session, file.bytes, 1)
    await waitFor(async () => (await listKeys(h, `chunks/${session.uploadId}/`)).length === 0, {
      what: 'the late chunk to be deleted',
    })
    // Cancelling again answers the same; renewing the token is refused.
    const again = await call<unknown, UploadSession__Output>(h.client, 'CancelUpload', {
      caller: caller('ivan'),
      uploadId: session.uploadId,
    })
    expect(again.status).toBe('UPLOAD_STATUS_CANCELLED')
    await expect(
      call(h.client, 'RenewUploadToken', { caller: caller('ivan'), uploadId: session.uploadId }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'upload is cancelled and takes no more chunks',
    })
  })

  it('streams status changes over WatchUpload until complete', async () => {
    const file = await makeFile(6 * MiB, 5 * MiB)
    const created = await createUpload(h, 'judy', file)
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    const seen: UploadSession__Output[] = []
    const stream = h.client.WatchUpload(
      { caller: caller('judy'), uploadId: session.uploadId },
      await callerMetadata(caller('judy')),
    )
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (s: UploadSession__Output) => seen.push(s))
      stream.on('end', () => resolve())
      stream.on('error', reject)
    })
    await waitFor(() => seen.length > 0, { what: 'the first state' })
    await putChunks(h, session, file.bytes)
    await ended
    expect(seen[0]?.status).toBe('UPLOAD_STATUS_CREATED')
    expect(seen.at(-1)?.status).toBe('UPLOAD_STATUS_COMPLETE')
    expect(seen.at(-1)?.receivedChunks).toEqual([0, 1])
    const statuses = seen.map((s) => s.status)
    expect(statuses.indexOf('UPLOAD_STATUS_COMPLETE')).toBe(statuses.length - 1)
  })

  it('rejects bad input with INVALID_ARGUMENT naming the field', async () => {
    await expect(
      createUpload(h, 'kim', { bytes: Buffer.alloc(10), contentHash: 'ABC' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'content_hash must be 64 lowercase hex characters',
      details: { field: 'contentHash' },
    })
    await expect(
      createUpload(h, 'kim', { bytes: Buffer.alloc(1) }, { fileName: 'a\nb' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'file name must not contain control or format characters',
    })
    await expect(
      call(h.client, 'GetUpload', { caller: caller('kim'), uploadId: 'not-an-id' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: 'upload_id must be a lowercase UUID' })
    // Who calls comes from the gateway's caller token only: a call without one is refused.
    await expect(call(h.client, 'GetUpload', { uploadId: randomUUID() })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'the call carries no caller token',
    })
    await expect(
      call(h.client, 'GetUpload', { caller: caller('kim'), uploadId: randomUUID() }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'upload not found' })
    await expect(
      call(h.client, 'ListFiles', { caller: caller('kim'), limit: 10, cursor: '', all: true }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expect(
      call(h.client, 'ListFiles', {
        caller: caller('kim'),
        limit: 10,
        cursor: 'eyJwayI6IkZJTEUjeCJ9',
        all: false,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: 'cursor is invalid' })
  })

  it('ends WatchUpload of an unknown or foreign upload with NOT_FOUND', async () => {
    const stream = h.client.WatchUpload(
      { caller: caller('kim'), uploadId: randomUUID() },
      await callerMetadata(caller('kim')),
    )
    const err = await new Promise<unknown>((resolve) => {
      stream.on('data', () => resolve('unexpected data'))
      stream.on('error', resolve)
    })
    expect(err).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'upload not found' })
  })

  it('maps errors to real gRPC codes, never UNKNOWN', async () => {
    const md = await callerMetadata(caller('kim'))
    const raw = await new Promise<grpc.ServiceError | null>((resolve) =>
      h.client.GetUpload({ caller: caller('kim'), uploadId: randomUUID() }, md, (err) => resolve(err)),
    )
    expect(raw?.code).toBe(grpc.status.NOT_FOUND)
    const bad = await new Promise<grpc.ServiceError | null>((resolve) =>
      h.client.GetUpload({ caller: caller('kim'), uploadId: 'x' }, md, (err) => resolve(err)),
    )
    expect(bad?.code).toBe(grpc.status.INVALID_ARGUMENT)
  })

  it('pages files with an opaque cursor', async () => {
    for (const size of [1, 2, 3]) {
      const file = await makeFile(size, 5 * MiB)
      const created = await createUpload(h, 'lena', file)
      const s = created.upload?.session
      if (!s) throw new Error('expected a session')
      await putChunks(h, s, file.bytes)
      await waitForStatus(h, 'lena', s.uploadId, 'UPLOAD_STATUS_COMPLETE')
    }
    const seen: string[] = []
    let cursor = ''
    for (let page = 0; page < 5; page++) {
      const out = await call<unknown, { files: FileInfo__Output[]; nextCursor: string }>(
        h.client,
        'ListFiles',
        {
          caller: caller('lena'),
          limit: 2,
          cursor,
          all: false,
        },
      )
      seen.push(...out.files.map((f) => f.fileId))
      cursor = out.nextCursor
      if (!cursor) break
    }
    expect(seen).toHaveLength(3)
    expect(new Set(seen).size).toBe(3)
    const admin = await call<unknown, { files: FileInfo__Output[] }>(h.client, 'ListFiles', {
      caller: caller('root', true),
      limit: 200,
      cursor: '',
      all: true,
    })
    expect(admin.files.filter((f) => f.ownerId === 'lena')).toHaveLength(3)
  })
})

async function expectMultipartGone(ref: string) {
  const space = ref.indexOf(' ')
  const err = await h.stack.clients.s3
    .send(
      new AbortMultipartUploadCommand({
        Bucket: h.stack.resources.bucket,
        Key: ref.slice(0, space),
        UploadId: ref.slice(space + 1),
      }),
    )
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  expect(err).toMatchObject({ name: 'NoSuchUpload' })
}

describe('health and a larger upload', () => {
  it('answers grpc.health.v1 Check with SERVING', async () => {
    const Health = grpc.makeClientConstructor(healthService, 'Health')
    const health = new Health(`127.0.0.1:${h.port}`, grpc.credentials.createInsecure())
    const check = health.Check
    if (typeof check !== 'function') throw new Error('the health client has no Check method')
    try {
      for (const service of ['', 'lfusys.sessions.v1.Sessions']) {
        const out = await new Promise<unknown>((resolve, reject) =>
          check.call(health, { service }, (err: Error | null, res: unknown) =>
            err ? reject(err) : resolve(res),
          ),
        )
        expect(out).toEqual({ status: 'SERVING' })
      }
    } finally {
      health.close()
    }
  })

  it('measures last chunk -> complete for 40 MiB with and without a declared hash', async () => {
    for (const declare of [true, false]) {
      const run = await uploadAndComplete(40 * MiB, declare ? 'uma' : 'victor', declare)
      expect(run.done.chunkCount).toBe(8)
      expect(
        (await download(h, declare ? 'uma' : 'victor', run.done.fileId ?? '')).bytes.equals(run.file.bytes),
      ).toBe(true)
      console.log(
        `[measure] 40 MiB in 8 x 5 MiB chunks, ${declare ? 'declared hash (eager copy)' : 'no declared hash'}: last chunk PUT -> complete ${run.lastChunkToCompleteMs} ms`,
      )
    }
  })
})
