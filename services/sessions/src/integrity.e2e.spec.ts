import { createHash } from 'node:crypto'
import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { objectKey } from '@lfusys/contracts'
import { waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  call,
  caller,
  createUpload,
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
  waitForStatus,
} from './testing/harness.ts'

let h: Harness

beforeAll(async () => {
  // Production defaults: the composite is checked, there is no read-back fallback.
  h = await startHarness('integrity')
})
afterAll(async () => {
  await h?.close()
})

describe('integrity failures are never a silent pass', () => {
  it('fails an upload whose declared content hash the chunks do not give', async () => {
    const file = await makeFile(6 * MiB, 5 * MiB)
    const wrong = 'ab'.repeat(32)
    const created = await createUpload(h, 'sybil', { bytes: file.bytes, contentHash: wrong })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    await putChunks(h, session, file.bytes)
    const failed = await waitForStatus(h, 'sybil', session.uploadId, 'UPLOAD_STATUS_FAILED')
    expect(failed.failureReason).toBe(
      `content hash mismatch: declared ${wrong}, chunks give ${file.contentHash}`,
    )
    expect(failed.fileId).toBeUndefined()
    // The chunks go in the cleanup that follows the failure.
    await waitFor(async () => (await listKeys(h, `chunks/${session.uploadId}/`)).length === 0, {
      what: 'the failed upload’s chunks to be deleted',
    })
    // Nothing was stored under either hash.
    expect(await objectExists(h, objectKey('objects/', wrong, file.bytes.length))).toBe(false)
    expect(await objectExists(h, objectKey('objects/', file.contentHash, file.bytes.length))).toBe(false)
    await expect(
      call(h.client, 'GetFile', { caller: caller('sybil'), fileId: session.uploadId }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('fails an upload whose copied part does not match the recorded chunk digest (tampered part)', async () => {
    const file = await makeFile(11 * MiB, 5 * MiB)
    const created = await createUpload(h, 'trent', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    expect(session.chunkCount).toBe(3)
    await putChunk(h, session, file.bytes, 0)
    await waitFor(
      async () => {
        const s = await call<unknown, { receivedChunks: number[] }>(h.client, 'GetUpload', {
          caller: caller('trent'),
          uploadId: session.uploadId,
        })
        return s.receivedChunks.includes(0) ? s : undefined
      },
      { what: 'chunk 0 to be recorded' },
    )
    // The chunk object no longer holds the bytes whose digest was recorded (storage corruption, or
    // a write that raised no event). Rewriting an object would announce it as a new chunk, so the
    // recorded digest is changed instead: to assembly it is the same mismatch.
    const recorded = createHash('sha256')
      .update(file.bytes.subarray(0, 5 * MiB))
      .digest('base64')
    const other = createHash('sha256').update('other bytes').digest('base64')
    await h.stack.clients.documents.send(
      new UpdateCommand({
        TableName: h.stack.resources.tables.uploads.name,
        Key: { pk: `UPLOAD#${session.uploadId}`, sk: 'CHUNK#00000' },
        UpdateExpression: 'SET digest = :other',
        ConditionExpression: 'digest = :recorded',
        ExpressionAttributeValues: { ':other': other, ':recorded': recorded },
      }),
    )
    await putChunk(h, session, file.bytes, 1)
    await putChunk(h, session, file.bytes, 2)
    const failed = await waitForStatus(h, 'trent', session.uploadId, 'UPLOAD_STATUS_FAILED')
    expect(failed.failureReason).toBe(
      `chunk 0 no longer matches its recorded digest (copied part has SHA-256 ${recorded})`,
    )
    expect(failed.fileId).toBeUndefined()
    expect(await sessionItem(h, session.uploadId)).toMatchObject({ status: 'failed', finalizations: 0 })
    expect(
      await filesItem(h, `OBJECT#${objectKey('objects/', file.contentHash, file.bytes.length)}`, 'OBJECT'),
    ).toBeUndefined()
    expect(await objectExists(h, objectKey('objects/', file.contentHash, file.bytes.length))).toBe(false)
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toEqual([])
  })
})
