import { randomUUID } from 'node:crypto'
import { provisionTestStack, type TestStack } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UploadRecord } from '../domain/UploadRecord.ts'
import { FileRepository } from '../files/FileRepository.ts'
import { UploadRepository } from './UploadRepository.ts'
import { UploadTransitions } from './UploadTransitions.ts'

let stack: TestStack
let uploads: UploadRepository
let transitions: UploadTransitions
let files: FileRepository
const T0 = 1_700_000_000_000
const LEASE_MS = 10_000

beforeAll(async () => {
  stack = await provisionTestStack('transitions')
  const options = { table: stack.resources.tables.uploads.name }
  uploads = new UploadRepository(stack.clients.documents, options)
  transitions = new UploadTransitions(stack.clients.documents, options)
  files = new FileRepository(stack.clients.documents, stack.resources.tables.files.name)
})
afterAll(() => stack?.close())

/** A stored `created` session of two chunks (and 100 reserved bytes when `reserved`). */
async function created(reserved = false): Promise<UploadRecord> {
  const record: UploadRecord = {
    uploadId: randomUUID(),
    userId: 'u1',
    status: 'created',
    fileName: 'a.bin',
    fileSize: 100,
    contentType: 'application/octet-stream',
    contentHash: undefined,
    chunkSize: 50,
    chunkCount: 2,
    received: [],
    createdAt: T0,
    updatedAt: T0,
    expiresAt: T0 + 60_000,
    leaseOwner: undefined,
    leaseExpiresAt: undefined,
    multipartUploadId: undefined,
    multipartUploadIds: [],
    fileId: undefined,
    failureReason: undefined,
    integrityCheck: undefined,
    finalizations: 0,
    traceparent: undefined,
    reservedBytes: reserved ? 100 : 0,
  }
  const quota = reserved ? files.reserveItem(record.userId, 100, 0) : undefined
  expect(await uploads.create(record, quota ? { quota } : {})).toBe('created')
  return record
}

/** A session with every chunk received, so the lease can be taken. */
async function receivedAll(): Promise<UploadRecord> {
  const record = await created()
  await transitions.recordChunk(record.uploadId, 0, T0 + 1, T0 + 60_000)
  const after = await transitions.recordChunk(record.uploadId, 1, T0 + 2, T0 + 60_000)
  expect(after?.received).toEqual([0, 1])
  return record
}

describe('UploadTransitions against DynamoDB Local', () => {
  it('created -> uploading on the first chunk; a repeated chunk changes nothing', async () => {
    const record = await created()
    const first = await transitions.recordChunk(record.uploadId, 1, T0 + 1, T0 + 70_000)
    expect(first).toMatchObject({ status: 'uploading', received: [1], expiresAt: T0 + 70_000 })
    const again = await transitions.recordChunk(record.uploadId, 1, T0 + 2, T0 + 70_000)
    expect(again?.received).toEqual([1])
  })

  it('takes the lease only once every chunk is in, and only once while it lives', async () => {
    const record = await created()
    await transitions.recordChunk(record.uploadId, 0, T0 + 1, T0 + 60_000)
    expect(await transitions.acquireLease(record.uploadId, 'w1', T0 + 2, LEASE_MS)).toBeUndefined()
    await transitions.recordChunk(record.uploadId, 1, T0 + 3, T0 + 60_000)
    const leased = await transitions.acquireLease(record.uploadId, 'w1', T0 + 4, LEASE_MS)
    expect(leased).toMatchObject({
      status: 'finalizing',
      leaseOwner: 'w1',
      leaseExpiresAt: T0 + 4 + LEASE_MS,
    })
    expect(await transitions.acquireLease(record.uploadId, 'w2', T0 + 5, LEASE_MS)).toBeUndefined()
    // No more chunks once finalizing.
    expect(await transitions.recordChunk(record.uploadId, 0, T0 + 6, T0 + 60_000)).toBeUndefined()
  })

  it('renews for the holder only; a run-out lease is taken over and the old holder has lost it', async () => {
    const { uploadId } = await receivedAll()
    await transitions.acquireLease(uploadId, 'w1', T0 + 10, LEASE_MS)
    expect(await transitions.renewLease(uploadId, 'w1', T0 + 10 + 2 * LEASE_MS)).toBe(true)
    expect(await transitions.renewLease(uploadId, 'w2', T0 + 10 + 3 * LEASE_MS)).toBe(false)
    // Still live at the renewed term: no takeover.
    expect(await transitions.acquireLease(uploadId, 'w2', T0 + 10 + LEASE_MS, LEASE_MS)).toBeUndefined()
    const takeover = await transitions.acquireLease(uploadId, 'w2', T0 + 11 + 2 * LEASE_MS, LEASE_MS)
    expect(takeover?.leaseOwner).toBe('w2')
    expect(await transitions.renewLease(uploadId, 'w1', T0 + 100 * LEASE_MS)).toBe(false)
    expect(await transitions.markFailed(uploadId, 'w1', 'late', T0 + 12 + 2 * LEASE_MS)).toBeUndefined()
  })

  it('a released lease is taken at once by the next worker', async () => {
    const { uploadId } = await receivedAll()
    await transitions.acquireLease(uploadId, 'w1', T0 + 10, LEASE_MS)
    await transitions.releaseLease(uploadId, 'w2') // not the holder: nothing happens
    expect(await transitions.acquireLease(uploadId, 'w2', T0 + 11, LEASE_MS)).toBeUndefined()
    await transitions.releaseLease(uploadId, 'w1')
    expect((await transitions.acquireLease(uploadId, 'w2', T0 + 12, LEASE_MS))?.leaseOwner).toBe('w2')
  })

  it('finalizing -> failed by the holder, marked for cleanup; nothing moves it after', async () => {
    const { uploadId } = await receivedAll()
    await transitions.acquireLease(uploadId, 'w1', T0 + 10, LEASE_MS)
    const failed = await transitions.markFailed(uploadId, 'w1', 'bad bytes', T0 + 20)
    expect(failed).toMatchObject({ status: 'failed', failureReason: 'bad bytes', leaseOwner: undefined })
    expect(await uploads.dueForSweep('cleanup', T0 + 21, 100)).toContainEqual(
      expect.objectContaining({ uploadId }),
    )
    expect(await transitions.end(uploadId, 'cancelled', T0 + 30)).toBeUndefined()
    expect(await transitions.acquireLease(uploadId, 'w2', T0 + 10 * LEASE_MS, LEASE_MS)).toBeUndefined()
  })

  it('finalizing -> complete through the completion write, for the holder only', async () => {
    const record = await receivedAll()
    await transitions.acquireLease(record.uploadId, 'w1', T0 + 10, LEASE_MS)
    const file = {
      fileId: record.uploadId,
      ownerId: record.userId,
      name: record.fileName,
      size: record.fileSize,
      contentType: record.contentType,
      contentHash: 'a'.repeat(64),
      objectKey: `objects/${randomUUID()}`,
      integrityCheck: 'composite' as const,
      uploadId: record.uploadId,
      createdAt: T0 + 20,
    }
    const update = (owner: string) =>
      transitions.completionUpdate(record, owner, file.contentHash, 'composite', T0 + 20)
    expect(await files.completeUpload({ file, objectExists: false, sessionUpdate: update('w2') })).toBe(
      'lease-lost',
    )
    expect(await files.completeUpload({ file, objectExists: false, sessionUpdate: update('w1') })).toBe('ok')
    expect(await uploads.get(record.uploadId)).toMatchObject({
      status: 'complete',
      fileId: record.uploadId,
      integrityCheck: 'composite',
      finalizations: 1,
    })
    // Exactly once: a second completion is refused.
    expect(await files.completeUpload({ file, objectExists: true, sessionUpdate: update('w1') })).toBe(
      'lease-lost',
    )
    expect(await transitions.markFailed(record.uploadId, 'w1', 'late', T0 + 30)).toBeUndefined()
  })

  it('created|uploading -> cancelled; expired only past the expiry; ended sessions stay ended', async () => {
    const a = await created()
    expect(await transitions.end(a.uploadId, 'cancelled', T0 + 5)).toMatchObject({ status: 'cancelled' })
    expect(await transitions.end(a.uploadId, 'cancelled', T0 + 6)).toBeUndefined()
    expect(await transitions.recordChunk(a.uploadId, 0, T0 + 7, T0 + 60_000)).toBeUndefined()
    const b = await created()
    await transitions.recordChunk(b.uploadId, 0, T0 + 1, T0 + 60_000)
    expect(await transitions.end(b.uploadId, 'expired', T0 + 2, T0 + 2)).toBeUndefined()
    expect(await transitions.end(b.uploadId, 'expired', T0 + 60_001, T0 + 60_001)).toMatchObject({
      status: 'expired',
    })
    expect(await uploads.listActive('u1')).not.toContainEqual(
      expect.objectContaining({ uploadId: b.uploadId }),
    )
  })

  it('creates a session once per idempotency key and says when the key is taken', async () => {
    const first = await created()
    const idempotency = { key: `k-${first.uploadId}`, fingerprint: 'f1' }
    const a = { ...first, uploadId: randomUUID() }
    const b = { ...first, uploadId: randomUUID() }
    expect(await uploads.create(a, { idempotency })).toBe('created')
    expect(await uploads.create(b, { idempotency })).toBe('key-taken')
    expect(await uploads.findByIdempotencyKey('u1', idempotency.key)).toEqual({
      uploadId: a.uploadId,
      fingerprint: 'f1',
    })
    expect(await uploads.get(b.uploadId)).toBeUndefined()
  })

  it('gives a reservation back exactly once, with the cleanup that takes the session off the index', async () => {
    const before = (await files.usageOf('u1')).reservedBytes
    const record = await created(true)
    expect((await files.usageOf('u1')).reservedBytes).toBe(before + 100)
    const ended = await transitions.end(record.uploadId, 'cancelled', T0 + 5)
    if (!ended) throw new Error('expected the cancel to win')
    await transitions.cleanupDone(ended, files.releaseItem('u1', 100))
    await transitions.cleanupDone(ended, files.releaseItem('u1', 100))
    expect((await files.usageOf('u1')).reservedBytes).toBe(before)
    expect(await uploads.dueForSweep('cleanup', T0 + 10, 100)).not.toContainEqual(
      expect.objectContaining({ uploadId: record.uploadId }),
    )
  })
})
