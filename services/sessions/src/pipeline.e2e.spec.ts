import * as grpc from '@grpc/grpc-js'
import { objectKey } from '@lfusys/contracts'
import { service as healthService } from 'grpc-health-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  call,
  caller,
  createUpload,
  download,
  filesItem,
  type Harness,
  listKeys,
  MiB,
  makeFile,
  putChunks,
  sessionItem,
  startHarness,
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
    // Copied whole (one CopyObject, no multipart upload) and checked by the SHA-256 S3 gives the copy.
    const oneInfo = await call<unknown, { integrityCheck: string }>(h.client, 'GetFile', {
      caller: caller('bob'),
      fileId: one.done.fileId,
    })
    expect(oneInfo.integrityCheck).toBe('INTEGRITY_CHECK_FULL_OBJECT')
    const two = await uploadAndComplete(10 * MiB, 'bob', true)
    expect(two.done.chunkCount).toBe(2)
    expect(two.done.receivedChunks).toEqual([0, 1])
    expect((await download(h, 'bob', two.done.fileId ?? '')).bytes.equals(two.file.bytes)).toBe(true)
    console.log(
      `[measure] 2 x 5 MiB chunks, declared hash (eager copy): last chunk PUT -> complete ${two.lastChunkToCompleteMs} ms`,
    )
  })
})

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
