import { waitFor } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  call,
  caller,
  createUpload,
  download,
  type FileInfo__Output,
  type Harness,
  listKeys,
  makeFile,
  putChunks,
  sessionItem,
  startHarness,
  waitForStatus,
} from './testing/harness.ts'

let h: Harness

beforeAll(async () => {
  // 1 KiB chunks: below the 5 MiB part minimum, so finalization groups them into parts.
  h = await startHarness('many-chunks', { CHUNK_SIZE_BYTES: '1024', CONSUMER_WORKERS: '4' })
})
afterAll(async () => {
  await h?.close()
})

describe('an upload of more than 1,000 chunks', () => {
  it('records every chunk and assembles the file byte-identical', async () => {
    const size = 1100 * 1024 + 321
    const file = await makeFile(size, 1024)
    const created = await createUpload(h, 'mallory', { bytes: file.bytes })
    const session = created.upload?.session
    if (!session) throw new Error('expected a session')
    expect(session.chunkSize).toBe(1024)
    expect(session.chunkCount).toBe(1101)
    const started = Date.now()
    // Moderate concurrency: the devstack forwarder drops events when flooded (see docs/protocol.md).
    await putChunks(h, session, file.bytes, 4)
    const lastPut = Date.now()
    await waitFor(async () => (await sessionItem(h, session.uploadId))?.status !== 'uploading' || undefined, {
      what: 'every chunk recorded',
      timeoutMs: 120_000,
      intervalMs: 20,
    })
    const recorded = Date.now()
    const done = await waitForStatus(h, 'mallory', session.uploadId, 'UPLOAD_STATUS_COMPLETE', 120_000)
    console.log(
      `[measure] 1,101 x 1 KiB chunks: PUTs ${lastPut - started} ms, last PUT -> all recorded ${recorded - lastPut} ms, -> complete ${Date.now() - lastPut} ms`,
    )
    expect(done.receivedChunks).toHaveLength(1101)
    expect(done.receivedChunks.at(-1)).toBe(1100)
    expect(done.contentHash).toBe(file.contentHash)
    const info = await call<unknown, FileInfo__Output>(h.client, 'GetFile', {
      caller: caller('mallory'),
      fileId: done.fileId,
    })
    // Grouped parts are uploaded with their SHA-256, so fauxqs reports a composite; it is checked
    // against the composite of the parts whose chunks were re-hashed on the way.
    expect(info.integrityCheck).toBe('INTEGRITY_CHECK_COMPOSITE')
    expect((await download(h, 'mallory', session.uploadId)).bytes.equals(file.bytes)).toBe(true)
    expect(await listKeys(h, `chunks/${session.uploadId}/`)).toEqual([])
    expect(await sessionItem(h, session.uploadId)).toMatchObject({ finalizations: 1, status: 'complete' })
  })
})
