import { objectKey } from '@lfusys/contracts'
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
  putChunks,
  sessionItem,
  startHarness,
  waitForStatus,
} from './testing/harness.ts'

let h: Harness

beforeAll(async () => {
  h = await startHarness('integrity', { FINALIZE_READ_BACK: 'false' })
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
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toEqual([])
    // Nothing was stored under either hash.
    expect(await objectExists(h, objectKey('objects/', wrong, file.bytes.length))).toBe(false)
    expect(await objectExists(h, objectKey('objects/', file.contentHash, file.bytes.length))).toBe(false)
    await expect(
      call(h.client, 'GetFile', { caller: caller('sybil'), fileId: session.uploadId }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('fails when the store gives no composite checksum and the read-back check is disabled', async () => {
    const file = await makeFile(6 * MiB, 5 * MiB)
    const created = await createUpload(h, 'trent', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    await putChunks(h, session, file.bytes)
    const failed = await waitForStatus(h, 'trent', session.uploadId, 'UPLOAD_STATUS_FAILED')
    expect(failed.failureReason).toBe(
      'the store reported no composite checksum and the read-back check is disabled',
    )
    expect(await sessionItem(h, session.uploadId)).toMatchObject({ status: 'failed', finalizations: 0 })
    expect(
      await filesItem(h, `OBJECT#${objectKey('objects/', file.contentHash, file.bytes.length)}`, 'OBJECT'),
    ).toBeUndefined()
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toEqual([])
  })
})
