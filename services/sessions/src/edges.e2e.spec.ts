import { randomUUID } from 'node:crypto'
import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3'
import * as grpc from '@grpc/grpc-js'
import { waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  call,
  caller,
  callerMetadata,
  createUpload,
  type FileInfo__Output,
  type Harness,
  listKeys,
  MiB,
  makeFile,
  putChunk,
  putChunks,
  sessionItem,
  startHarness,
  type UploadSession__Output,
  waitForStatus,
} from './testing/harness.ts'

let h: Harness

beforeAll(async () => {
  h = await startHarness('edges')
})
afterAll(async () => {
  await h?.close()
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
