import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { ChunkRecord, UploadRecord } from '../domain/UploadRecord.ts'
import { IntegrityError, readBack } from './Assembler.ts'

const digest = (b: Buffer) => createHash('sha256').update(b).digest('base64')

/** A run of `chunks` (their bytes) as recorded, with the object served in pieces of `piece` bytes. */
function runOf(chunks: Buffer[]) {
  const size = chunks.reduce((n, c) => n + c.length, 0)
  const record = {
    fileSize: size,
    chunkSize: chunks[0]?.length ?? 0,
    chunkCount: chunks.length,
  } as UploadRecord
  const recorded = chunks.map(
    (c, index): ChunkRecord => ({
      index,
      size: c.length,
      digest: digest(c),
      partEtag: undefined,
      partUploadId: undefined,
    }),
  )
  return { record, chunks: recorded }
}

async function* pieces(bytes: Buffer, piece: number) {
  for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece)
}

describe('read-back check', () => {
  const a = Buffer.alloc(1000, 1)
  const b = Buffer.alloc(1000, 2)
  const c = Buffer.alloc(300, 3)

  it('passes the object that holds the recorded chunks, however it is streamed', async () => {
    for (const piece of [1, 7, 999, 5000]) {
      await expect(
        readBack(runOf([a, b, c]), pieces(Buffer.concat([a, b, c]), piece)),
      ).resolves.toBeUndefined()
    }
    await expect(readBack(runOf([Buffer.alloc(0)]), pieces(Buffer.alloc(0), 1))).resolves.toBeUndefined()
  })

  it('fails a changed, shorter or longer object', async () => {
    const run = runOf([a, b, c])
    await expect(readBack(run, pieces(Buffer.concat([a, c, b]), 64))).rejects.toThrow(IntegrityError)
    await expect(readBack(run, pieces(Buffer.concat([a, b]), 64))).rejects.toThrow(
      'read-back: object has 2000 bytes',
    )
    await expect(readBack(run, pieces(Buffer.concat([a, b, c, c]), 64))).rejects.toThrow(
      'longer than the upload',
    )
  })
})
