import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { Metadata } from '@grpc/grpc-js'
import { fromGrpcError, type TusState__Output } from '@lfusys/proto'
import { waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { caller, callerMetadata, createUpload, type Harness, startHarness } from '../testing/harness.ts'

let h: Harness

beforeAll(async () => {
  h = await startHarness('tus-state', {}, { consumer: false })
})
afterAll(async () => {
  await h?.close()
})

type TusMethod = 'StartTusUpload' | 'GetTusState' | 'LockTusUpload' | 'AdvanceTusUpload' | 'UnlockTusUpload'

async function tus(
  method: TusMethod,
  request: Record<string, unknown>,
  signed = true,
): Promise<TusState__Output> {
  const who = request.caller as { userId: string; isAdmin: boolean }
  const md = signed ? await callerMetadata(who) : new Metadata()
  return new Promise((resolve, reject) => {
    const fn = h.client[method].bind(h.client) as unknown as (
      req: unknown,
      md: Metadata,
      cb: (err: Error | null, res?: TusState__Output) => void,
    ) => void
    fn(request, md, (err, res) =>
      err ? reject(fromGrpcError(err)) : res ? resolve(res) : reject(new Error('empty')),
    )
  })
}

async function tusUpload(userId: string, size: number): Promise<string> {
  const created = await createUpload(h, userId, { bytes: Buffer.alloc(size) })
  const uploadId = created.upload?.session?.uploadId ?? ''
  const started = await tus('StartTusUpload', { caller: caller(userId), uploadId })
  expect(started).toMatchObject({ offset: 0, stagingKey: '', lockId: '' })
  return uploadId
}

describe('the tus state of an upload', () => {
  it('is stored beside the session: lock by conditional write, offset moves only under the lock', async () => {
    const uploadId = await tusUpload('alice', 100)
    const alice = caller('alice')
    const locked = await tus('LockTusUpload', {
      caller: alice,
      uploadId,
      lockId: 'patch-one-1',
      offset: 0,
      leaseMs: 30_000,
    })
    expect(locked.lockId).toBe('patch-one-1')
    // A second request for the same upload is refused while the first holds it.
    await expect(
      tus('LockTusUpload', { caller: alice, uploadId, lockId: 'patch-two-2', offset: 0, leaseMs: 30_000 }),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { reason: 'locked' } })
    // Only the holder advances, and only from the stored offset.
    await expect(
      tus('AdvanceTusUpload', {
        caller: alice,
        uploadId,
        lockId: 'patch-two-2',
        fromOffset: 0,
        toOffset: 10,
        stagingKey: 'x',
        leaseMs: 30_000,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { reason: 'lock_lost' } })
    const moved = await tus('AdvanceTusUpload', {
      caller: alice,
      uploadId,
      lockId: 'patch-one-1',
      fromOffset: 0,
      toOffset: 40,
      stagingKey: 'tus-staging/k',
      leaseMs: 30_000,
    })
    expect(moved).toMatchObject({ offset: 40, stagingKey: 'tus-staging/k' })
    await tus('UnlockTusUpload', { caller: alice, uploadId, lockId: 'patch-one-1' })
    // Free again, but only at the stored offset.
    await expect(
      tus('LockTusUpload', { caller: alice, uploadId, lockId: 'patch-two-2', offset: 0, leaseMs: 30_000 }),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { reason: 'offset', offset: 40 } })
    const second = await tus('LockTusUpload', {
      caller: alice,
      uploadId,
      lockId: 'patch-two-2',
      offset: 40,
      leaseMs: 30_000,
    })
    expect(second.lockId).toBe('patch-two-2')
    expect((await tus('GetTusState', { caller: alice, uploadId })).offset).toBe(40)
  })

  it('an advance with unlock moves the offset and frees the upload in one write', async () => {
    const uploadId = await tusUpload('erin', 100)
    const erin = caller('erin')
    await tus('LockTusUpload', { caller: erin, uploadId, lockId: 'last-write-1', offset: 0, leaseMs: 30_000 })
    const renewed = await tus('AdvanceTusUpload', {
      caller: erin,
      uploadId,
      lockId: 'last-write-1',
      fromOffset: 0,
      toOffset: 30,
      stagingKey: 'tus-staging/a',
      leaseMs: 30_000,
    })
    expect(renewed).toMatchObject({ offset: 30, lockId: 'last-write-1' })
    expect(renewed.lockExpiresAtMs).toBeGreaterThan(Date.now())
    const released = await tus('AdvanceTusUpload', {
      caller: erin,
      uploadId,
      lockId: 'last-write-1',
      fromOffset: 30,
      toOffset: 60,
      stagingKey: 'tus-staging/b',
      leaseMs: 30_000,
      unlock: true,
    })
    expect(released).toMatchObject({
      offset: 60,
      stagingKey: 'tus-staging/b',
      lockId: '',
      lockExpiresAtMs: 0,
    })
    // The released lock is gone: its holder can no longer advance, and the next request takes it.
    await expect(
      tus('AdvanceTusUpload', {
        caller: erin,
        uploadId,
        lockId: 'last-write-1',
        fromOffset: 60,
        toOffset: 70,
        stagingKey: '',
        leaseMs: 30_000,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { reason: 'lock_lost' } })
    const next = await tus('LockTusUpload', {
      caller: erin,
      uploadId,
      lockId: 'next-patch-2',
      offset: 60,
      leaseMs: 30_000,
    })
    expect(next).toMatchObject({ lockId: 'next-patch-2', offset: 60 })
  })

  it('an advance past the file or by another user writes nothing, even with the lock id', async () => {
    const uploadId = await tusUpload('frank', 100)
    const frank = caller('frank')
    await tus('LockTusUpload', {
      caller: frank,
      uploadId,
      lockId: 'frank-lock-1',
      offset: 0,
      leaseMs: 30_000,
    })
    const advance = { uploadId, lockId: 'frank-lock-1', fromOffset: 0, stagingKey: '', leaseMs: 30_000 }
    await expect(tus('AdvanceTusUpload', { caller: frank, ...advance, toOffset: 101 })).rejects.toMatchObject(
      {
        code: 'VALIDATION_FAILED',
      },
    )
    for (const who of [caller('mallory'), caller('root', true)]) {
      await expect(tus('AdvanceTusUpload', { caller: who, ...advance, toOffset: 50 })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      })
    }
    expect(await tus('GetTusState', { caller: frank, uploadId })).toMatchObject({
      offset: 0,
      lockId: 'frank-lock-1',
    })
    const moved = await tus('AdvanceTusUpload', { caller: frank, ...advance, toOffset: 100 })
    expect(moved.offset).toBe(100)
    expect(moved.session?.fileSize).toBe(100)
  })

  it('a lock on an upload that takes no more bytes is refused and left free', async () => {
    const uploadId = await tusUpload('gina', 10)
    const gina = caller('gina')
    await h.stack.clients.documents.send(
      new UpdateCommand({
        TableName: h.stack.resources.tables.uploads.name,
        Key: { pk: `UPLOAD#${uploadId}`, sk: 'SESSION' },
        UpdateExpression: 'SET #status = :finalizing',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':finalizing': 'finalizing' },
      }),
    )
    await expect(
      tus('LockTusUpload', { caller: gina, uploadId, lockId: 'late-patch-1', offset: 0, leaseMs: 30_000 }),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { reason: 'status', status: 'finalizing' } })
    expect((await tus('GetTusState', { caller: gina, uploadId })).lockId).toBe('')
  })

  it('an item started before it named its owner is adopted by the first lock of the owner', async () => {
    const uploadId = await tusUpload('hugo', 10)
    const key = { pk: `UPLOAD#${uploadId}`, sk: 'TUS' }
    const table = h.stack.resources.tables.uploads.name
    await h.stack.clients.documents.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'REMOVE #owner, fileSize',
        ExpressionAttributeNames: { '#owner': 'owner' },
      }),
    )
    await expect(
      tus('LockTusUpload', {
        caller: caller('mallory'),
        uploadId,
        lockId: 'intruder-2',
        offset: 0,
        leaseMs: 30_000,
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(
      tus('LockTusUpload', {
        caller: caller('hugo'),
        uploadId,
        lockId: 'hugo-lock-1',
        offset: 3,
        leaseMs: 30_000,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { reason: 'offset', offset: 0 } })
    const locked = await tus('LockTusUpload', {
      caller: caller('hugo'),
      uploadId,
      lockId: 'hugo-lock-1',
      offset: 0,
      leaseMs: 30_000,
    })
    expect(locked.lockId).toBe('hugo-lock-1')
    const item = await h.stack.clients.documents.send(
      new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
    )
    expect(item.Item).toMatchObject({ owner: 'hugo', fileSize: 10 })
  })

  it('an expired lock is taken over by the next request', async () => {
    const uploadId = await tusUpload('bob', 10)
    const bob = caller('bob')
    await tus('LockTusUpload', { caller: bob, uploadId, lockId: 'stalled-01', offset: 0, leaseMs: 1000 })
    const started = Date.now()
    const taken = await waitFor(
      () =>
        tus('LockTusUpload', {
          caller: bob,
          uploadId,
          lockId: 'fresh-0001',
          offset: 0,
          leaseMs: 30_000,
        }).catch(() => undefined),
      { timeoutMs: 10_000, intervalMs: 100, what: 'the stalled lock to expire' },
    )
    expect(taken?.lockId).toBe('fresh-0001')
    expect(Date.now() - started).toBeGreaterThanOrEqual(500)
  })

  it("another user's upload, an admin's call included, is NOT_FOUND; no caller token is UNAUTHENTICATED", async () => {
    const uploadId = await tusUpload('carol', 10)
    for (const who of [caller('mallory'), caller('root', true)]) {
      await expect(tus('GetTusState', { caller: who, uploadId })).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(
        tus('LockTusUpload', { caller: who, uploadId, lockId: 'intruder-1', offset: 0, leaseMs: 30_000 }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' })
    }
    await expect(tus('GetTusState', { caller: caller('carol'), uploadId }, false)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
  })

  it('an upload created by the native protocol is not a tus upload', async () => {
    const created = await createUpload(h, 'dave', { bytes: Buffer.alloc(10) })
    const uploadId = created.upload?.session?.uploadId ?? ''
    await expect(tus('GetTusState', { caller: caller('dave'), uploadId })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
  })
})
