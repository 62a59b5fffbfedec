import {
  CompleteMultipartUploadCommand,
  DeleteObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3'
import { chunkKey, objectKey } from '@lfusys/contracts'
import type { UploadSession__Output } from '@lfusys/proto'
import { waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  call,
  caller,
  createUpload,
  download,
  type Harness,
  listKeys,
  MiB,
  makeFile,
  putChunk,
  sessionItem,
  startHarness,
  waitForStatus,
} from './testing/harness.ts'

let h: Harness

beforeAll(async () => {
  // No consumer: the test hands events to the service itself, in the order it needs.
  h = await startHarness('takeover', { RECONCILE_AFTER_SECONDS: '1' }, { consumer: false })
})
afterAll(async () => {
  await h?.close()
})

const event = (uploadId: string, index: number, size: number) => ({
  bucket: h.stack.resources.bucket,
  key: chunkKey('chunks/', uploadId, index),
  size,
})

describe('lost chunk events', () => {
  it('are reconciled by the sweeper from a listing once the upload is idle', async () => {
    const file = await makeFile(7 * MiB, 5 * MiB)
    const created = await createUpload(h, 'yusuf', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    // Chunk 0's event is handled; chunk 1's event is lost (nobody consumes this stack's queue).
    await putChunk(h, session, file.bytes, 0)
    expect(await h.app.chunkEvents.handle(event(session.uploadId, 0, 5 * MiB))).toBe('done')
    await putChunk(h, session, file.bytes, 1)
    const result = await waitFor(
      async () => {
        const r = await h.app.sweeper.sweep()
        return r.reconciled > 0 ? r : undefined
      },
      { what: 'the sweeper to reconcile the idle upload', timeoutMs: 15_000, intervalMs: 250 },
    )
    expect(result.reconciled).toBe(1)
    const done = await waitForStatus(h, 'yusuf', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    expect(done.receivedChunks).toEqual([0, 1])
    expect((await download(h, 'yusuf', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
    // Nothing left to reconcile.
    expect((await h.app.sweeper.sweep()).reconciled).toBe(0)
  })
})

describe('the completion call', () => {
  const complete = (userId: string, uploadId: string) =>
    call<unknown, UploadSession__Output>(h.client, 'CompleteUpload', { caller: caller(userId), uploadId })

  it('records what the events missed, finalizes once, is owner-checked and idempotent', async () => {
    const file = await makeFile(12 * MiB, 5 * MiB)
    const created = await createUpload(h, 'cora', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    for (let i = 0; i < session.chunkCount; i++) await putChunk(h, session, file.bytes, i)
    // Only chunk 1's event arrives; 0 and 2 are lost.
    expect(await h.app.chunkEvents.handle(event(session.uploadId, 1, 5 * MiB))).toBe('done')
    // Another user learns nothing, and changes nothing.
    await expect(complete('mallory', session.uploadId)).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect((await sessionItem(h, session.uploadId))?.received).toEqual(new Set([1]))

    const answer = await complete('cora', session.uploadId)
    expect(answer.receivedChunks).toEqual([0, 1, 2])
    // Calls racing each other and the late events change nothing.
    await Promise.all([complete('cora', session.uploadId), complete('cora', session.uploadId)])
    const late = await h.app.chunkEvents.handle(event(session.uploadId, 2, 2 * MiB))
    expect(late === 'done' || typeof late === 'object').toBe(true)
    await waitForStatus(h, 'cora', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    expect((await complete('cora', session.uploadId)).status).toBe('UPLOAD_STATUS_COMPLETE')
    expect(await h.app.chunkEvents.handle(event(session.uploadId, 0, 5 * MiB))).toBe('done')
    expect(await sessionItem(h, session.uploadId)).toMatchObject({ status: 'complete', finalizations: 1 })
    expect((await download(h, 'cora', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toEqual([])
  })

  it("lists the upload's chunk objects when more events are missing than it would HEAD one by one", async () => {
    // 9 chunks, no event handled: past the few it HEADs directly, so the listing path runs.
    const file = await makeFile(8 * 5 * MiB + 1024, 5 * MiB)
    const created = await createUpload(h, 'ines', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    expect(session.chunkCount).toBe(9)
    for (let i = 0; i < session.chunkCount - 1; i++) await putChunk(h, session, file.bytes, i)
    await expect(complete('ines', session.uploadId)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      details: { uploadId: session.uploadId, missing: [8] },
    })
    expect((await sessionItem(h, session.uploadId))?.received).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]))
    await putChunk(h, session, file.bytes, 8)
    expect((await complete('ines', session.uploadId)).receivedChunks).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
    await waitForStatus(h, 'ines', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    expect((await download(h, 'ines', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
  })

  it('names the chunks that are not stored and leaves the upload open', async () => {
    const file = await makeFile(7 * MiB, 5 * MiB)
    const created = await createUpload(h, 'dina', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    await putChunk(h, session, file.bytes, 0)
    await expect(complete('dina', session.uploadId)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      details: { uploadId: session.uploadId, missing: [1] },
    })
    // The stored chunk was recorded all the same; sending the last one and completing finishes it.
    expect((await sessionItem(h, session.uploadId))?.received).toEqual(new Set([0]))
    await putChunk(h, session, file.bytes, 1)
    expect((await complete('dina', session.uploadId)).receivedChunks).toEqual([0, 1])
    await waitForStatus(h, 'dina', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    expect((await download(h, 'dina', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
  })
})

describe('the sweeper reconciles `created` uploads too', () => {
  it('records chunks of an upload that never saw an event and finalizes it', async () => {
    const file = await makeFile(6 * MiB, 5 * MiB)
    const created = await createUpload(h, 'ezra', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    for (let i = 0; i < session.chunkCount; i++) await putChunk(h, session, file.bytes, i)
    expect(await sessionItem(h, session.uploadId)).toMatchObject({ status: 'created' })
    await waitFor(
      async () => {
        await h.app.sweeper.sweep()
        const item = await sessionItem(h, session.uploadId)
        return item?.status === 'complete' ? item : undefined
      },
      { what: 'the sweeper to reconcile the created upload', timeoutMs: 20_000, intervalMs: 250 },
    )
    expect((await download(h, 'ezra', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
  })
})

describe('finalization after an earlier attempt completed the multipart upload', () => {
  it('finds the object already assembled, verifies it and commits once', async () => {
    const file = await makeFile(10 * MiB, 5 * MiB)
    const created = await createUpload(h, 'xena', file)
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    await putChunk(h, session, file.bytes, 0)
    expect(await h.app.chunkEvents.handle(event(session.uploadId, 0, 5 * MiB))).toBe('done')
    // The declared hash let chunk 0 be copied into a multipart upload already.
    const item = await sessionItem(h, session.uploadId)
    const ref = String(item?.multipartUploadId ?? '')
    const space = ref.indexOf(' ')
    const key = ref.slice(0, space)
    const mpu = ref.slice(space + 1)
    expect(key).toMatch(/^objects\/sha256\//)
    // An earlier holder copied the last part and completed the upload, then died before its commit.
    await putChunk(h, session, file.bytes, 1)
    const bucket = h.stack.resources.bucket
    const first = await h.stack.clients.s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: key,
        UploadId: mpu,
        PartNumber: 1,
        CopySource: `${bucket}/${chunkKey('chunks/', session.uploadId, 0)}`,
      }),
    )
    const second = await h.stack.clients.s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: key,
        UploadId: mpu,
        PartNumber: 2,
        CopySource: `${bucket}/${chunkKey('chunks/', session.uploadId, 1)}`,
      }),
    )
    await h.stack.clients.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: mpu,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: first.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: second.CopyPartResult?.ETag },
          ],
        },
      }),
    )
    // The last chunk's event completes the set; part 2 is not recorded, so the copy meets a
    // finished multipart upload, and the finalizer must recognise the object instead of looping.
    expect(await h.app.chunkEvents.handle(event(session.uploadId, 1, 5 * MiB))).toBe('done')
    await waitForStatus(h, 'xena', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    expect(await sessionItem(h, session.uploadId)).toMatchObject({
      status: 'complete',
      finalizations: 1,
      integrityCheck: 'composite',
    })
    expect((await download(h, 'xena', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toEqual([])
    // A redelivered event afterwards changes nothing.
    expect(await h.app.chunkEvents.handle(event(session.uploadId, 1, 5 * MiB))).toBe('done')
    expect(await sessionItem(h, session.uploadId)).toMatchObject({ finalizations: 1 })
  })
})

describe('a last-reference delete racing a finalization of the same content', () => {
  it('re-assembles the object when the delete removed it after the commit', async () => {
    const file = await makeFile(6 * MiB, 5 * MiB)
    const created = await createUpload(h, 'zoe', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    const key = objectKey('objects/', file.contentHash, file.bytes.length)
    // The late DeleteObject of a concurrent delete lands right after this finalization's commit.
    const repo = h.app.fileRepository
    const original = repo.completeUpload.bind(repo)
    let struck = false
    repo.completeUpload = async (input) => {
      const result = await original(input)
      if (result === 'ok' && !input.objectExists && !struck) {
        struck = true
        await h.stack.clients.s3.send(new DeleteObjectCommand({ Bucket: h.stack.resources.bucket, Key: key }))
      }
      return result
    }
    try {
      for (let i = 0; i < session.chunkCount; i++) {
        await putChunk(h, session, file.bytes, i)
        await h.app.chunkEvents.handle(event(session.uploadId, i, i === 0 ? 5 * MiB : MiB))
      }
    } finally {
      repo.completeUpload = original
    }
    expect(struck).toBe(true)
    await waitForStatus(h, 'zoe', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    expect((await download(h, 'zoe', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toEqual([])
    expect(await sessionItem(h, session.uploadId)).toMatchObject({ finalizations: 1 })
  })
})
