import { randomUUID } from 'node:crypto'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs'
import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { objectCreatedMessage } from '@lfusys/aws'
import { chunkKey } from '@lfusys/contracts'
import { freePort } from '@lfusys/devstack'
import { waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  call,
  caller,
  callerMetadata,
  createUpload,
  download,
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
  // Redis is pointed at a port where nothing listens: everything here runs with Redis down.
  h = await startHarness('lifecycle', {
    SESSION_TTL_SECONDS: '2',
    USER_QUOTA_BYTES: String(20 * MiB),
    CONSUMER_VISIBILITY_TIMEOUT_SECONDS: '5',
    REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
  })
})
afterAll(async () => {
  await h?.close()
})

const queueDepth = async (queueUrl: string) => {
  const out = await h.stack.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  )
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  )
}

describe('expiry, quota and bad events (with Redis down)', () => {
  it('expires an abandoned session; the sweeper removes its chunk objects, once across instances', async () => {
    const file = await makeFile(11 * MiB, 5 * MiB)
    const created = await createUpload(h, 'olivia', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    await putChunk(h, session, file.bytes, 0)
    await putChunk(h, session, file.bytes, 1)
    await waitFor(async () => (await sessionItem(h, session.uploadId))?.received?.size === 2, {
      what: 'two chunks recorded',
    })
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toHaveLength(2)
    // Two sweepers at once: the conditional write lets exactly one expire the session.
    const totals = { expired: 0 }
    await waitFor(
      async () => {
        const results = await Promise.all([h.app.sweeper.sweep(), h.app.sweeper.sweep()])
        for (const r of results) totals.expired += r.expired
        return (await sessionItem(h, session.uploadId))?.status === 'expired'
      },
      { what: 'the session to expire', timeoutMs: 15_000, intervalMs: 200 },
    )
    expect(totals.expired).toBe(1)
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toEqual([])
    const got = await call<unknown, UploadSession__Output>(h.client, 'GetUpload', {
      caller: caller('olivia'),
      uploadId: session.uploadId,
    })
    expect(got.status).toBe('UPLOAD_STATUS_EXPIRED')
    const list = await call<unknown, { uploads: unknown[] }>(h.client, 'ListUploads', {
      caller: caller('olivia'),
    })
    expect(list.uploads).toEqual([])
    await expect(
      call(h.client, 'CancelUpload', { caller: caller('olivia'), uploadId: session.uploadId }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'upload is expired and can no longer be cancelled',
    })
    // The last chunk arriving late is discarded, never counted.
    await putChunk(h, session, file.bytes, 2)
    await waitFor(async () => (await listKeys(h, `chunks/${session.uploadId}/`)).length === 0, {
      what: 'the late chunk to be deleted',
    })
    expect((await sessionItem(h, session.uploadId))?.received?.size).toBe(2)
  })

  it('refuses an upload beyond the user quota with RESOURCE_EXHAUSTED', async () => {
    const big = await createUpload(h, 'peggy', { bytes: Buffer.alloc(15 * MiB) })
    expect(big.result).toBe('upload')
    await expect(createUpload(h, 'peggy', { bytes: Buffer.alloc(6 * MiB) })).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: 'storage quota exceeded',
      details: { quotaBytes: 20 * MiB, usedBytes: 0, pendingBytes: 15 * MiB, requestedBytes: 6 * MiB },
    })
    // Another user is not affected.
    expect((await createUpload(h, 'quinn', { bytes: Buffer.alloc(6 * MiB) })).result).toBe('upload')
  })

  it('reserves quota atomically: parallel creations never pass it; an ended upload gives its bytes back', async () => {
    const user = `parallel-${randomUUID()}`
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        createUpload(h, user, { bytes: Buffer.alloc(6 * MiB) }, { fileName: `f${i}.bin` }),
      ),
    )
    const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
    // 3 x 6 MiB fit in 20 MiB; a fourth would not, however the requests interleave.
    expect(started).toHaveLength(3)
    for (const err of refused) expect(err).toMatchObject({ code: 'QUOTA_EXCEEDED' })
    expect(refused.at(-1)).toMatchObject({
      details: { quotaBytes: 20 * MiB, usedBytes: 0, pendingBytes: 18 * MiB, requestedBytes: 6 * MiB },
    })
    const first = started[0]?.upload?.session
    if (!first) throw new Error('expected a session')
    await call(h.client, 'CancelUpload', { caller: caller(user), uploadId: first.uploadId })
    // The cancelled upload's 6 MiB are free again at once (released with its cleanup).
    expect(
      (await createUpload(h, user, { bytes: Buffer.alloc(6 * MiB) }, { fileName: 'again.bin' })).result,
    ).toBe('upload')
    await expect(
      createUpload(h, user, { bytes: Buffer.alloc(6 * MiB) }, { fileName: 'one-too-many.bin' }),
    ).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' })
  })

  it('answers a retried creation with the same Idempotency-Key with the upload the first one made', async () => {
    const user = `idempotent-${randomUUID()}`
    const key = randomUUID()
    const bytes = Buffer.alloc(1000)
    // Two retries racing each other, then a late one: one upload, answered three times.
    const [a, b] = await Promise.all([
      createUpload(h, user, { bytes }, { idempotencyKey: key }),
      createUpload(h, user, { bytes }, { idempotencyKey: key }),
    ])
    const late = await createUpload(h, user, { bytes }, { idempotencyKey: key })
    const id = a.upload?.session?.uploadId
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(b.upload?.session?.uploadId).toBe(id)
    expect(late.upload?.session?.uploadId).toBe(id)
    expect(late.upload?.uploadToken?.token).toBeTruthy()
    const list = await call<unknown, { uploads: { uploadId: string }[] }>(h.client, 'ListUploads', {
      caller: caller(user),
    })
    expect(list.uploads.map((u) => u.uploadId)).toEqual([id])
    // Reserved once, not three times: 19 MiB more still fit under the 20 MiB quota.
    expect(
      (await createUpload(h, user, { bytes: Buffer.alloc(19 * MiB) }, { fileName: 'big.bin' })).result,
    ).toBe('upload')
    // The same key with another file is a client bug, not a retry.
    await expect(
      createUpload(h, user, { bytes: Buffer.alloc(1001) }, { idempotencyKey: key }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: 'this Idempotency-Key was used for another upload' })
    // Keys are per user.
    const other = await createUpload(h, `other-${randomUUID()}`, { bytes }, { idempotencyKey: key })
    expect(other.upload?.session?.uploadId).not.toBe(id)
  })

  it('acknowledges events of unknown uploads and leaves malformed messages to the dead-letter queue', async () => {
    const dlqUrl = h.stack.result.deadLetterQueueUrl
    await h.stack.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: h.stack.result.queueUrl,
        MessageBody: objectCreatedMessage({
          region: 'us-east-1',
          bucket: h.stack.resources.bucket,
          key: chunkKey('chunks/', randomUUID(), 0),
          size: 1,
          eTag: 'abc',
        }),
      }),
    )
    await h.stack.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: h.stack.result.queueUrl,
        MessageBody: '{"Records":[{"nonsense":true}]}',
      }),
    )
    const dead = await waitFor(
      async () => {
        const out = await h.stack.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        )
        return out.Messages?.length ? out.Messages : undefined
      },
      { what: 'the malformed message in the DLQ', timeoutMs: 45_000, intervalMs: 500 },
    )
    expect(dead.map((m) => m.Body)).toEqual(['{"Records":[{"nonsense":true}]}'])
    await waitFor(async () => (await queueDepth(h.stack.result.queueUrl)) === 0, {
      what: 'the queue to drain',
    })
  }, 60_000)

  it('keeps uploads, downloads and WatchUpload working while Redis is down (polling)', async () => {
    const file = await makeFile(6 * MiB, 5 * MiB)
    const created = await createUpload(h, 'rita', file)
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    const seen: string[] = []
    const stream = h.client.WatchUpload(
      { caller: caller('rita'), uploadId: session.uploadId },
      await callerMetadata(caller('rita')),
    )
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (s: UploadSession__Output) => seen.push(s.status))
      stream.on('end', () => resolve())
      stream.on('error', reject)
    })
    await waitFor(() => seen.length > 0, { what: 'the first state' })
    await putChunks(h, session, file.bytes)
    await ended
    expect(seen[0]).toBe('UPLOAD_STATUS_CREATED')
    expect(seen.at(-1)).toBe('UPLOAD_STATUS_COMPLETE')
    const done = await waitForStatus(h, 'rita', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    expect((await download(h, 'rita', done.fileId ?? '')).bytes.equals(file.bytes)).toBe(true)
  })

  it('finishes a cleanup that a crash interrupted: the sweeper deletes leftover chunks of an ended upload', async () => {
    const file = await makeFile(100, 5 * MiB)
    const created = await createUpload(h, 'sam', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    await putChunks(h, session, file.bytes)
    await waitForStatus(h, 'sam', session.uploadId, 'UPLOAD_STATUS_COMPLETE')
    // As if the process died after the commit and before deleting chunks: the chunk object is back
    // and the session still carries the cleanup marker (an old one, past the sweeper's grace).
    await h.stack.clients.s3.send(
      new PutObjectCommand({
        Bucket: h.stack.resources.bucket,
        Key: `${chunkKey('chunks/', session.uploadId, 0)}`,
        Body: file.bytes,
      }),
    )
    await h.stack.clients.documents.send(
      new UpdateCommand({
        TableName: h.stack.resources.tables.uploads.name,
        Key: { pk: `UPLOAD#${session.uploadId}`, sk: 'SESSION' },
        UpdateExpression: 'SET gsi2pk = :cleanup, gsi2sk = :old',
        ExpressionAttributeValues: {
          ':cleanup': 'SWEEP#CLEANUP',
          ':old': `000000000000001#${session.uploadId}`,
        },
      }),
    )
    // Its event arrives too: the upload is complete, so the chunk is deleted and acknowledged; the
    // sweeper must still clear the marker.
    await waitFor(
      async () => {
        await h.app.sweeper.sweep()
        const item = await sessionItem(h, session.uploadId)
        return item?.gsi2pk === undefined && (await listKeys(h, `chunks/${session.uploadId}/`)).length === 0
      },
      { what: 'the sweeper to finish the cleanup', timeoutMs: 15_000, intervalMs: 200 },
    )
    expect(await sessionItem(h, session.uploadId)).toMatchObject({ status: 'complete', finalizations: 1 })
    expect((await download(h, 'sam', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
  })
})
