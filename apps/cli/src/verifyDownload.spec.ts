import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MAX_CHUNKS, MiB } from '@lfusys/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DownloadMismatchError, verifyDownload } from './verifyDownload.ts'

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest()

/** The content hash written out by hand: SHA-256 over the SHA-256 of each chunk. */
function contentHash(bytes: Buffer, chunkSize: number): string {
  const digests: Buffer[] = []
  for (let at = 0; at < Math.max(1, bytes.length); at += chunkSize) {
    digests.push(sha256(bytes.subarray(at, at + chunkSize)))
  }
  return sha256(Buffer.concat(digests)).toString('hex')
}

describe('verifyDownload', () => {
  let dir: string
  let path: string
  const bytes = randomBytes(2 * MiB + 123)

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfusys-verify-'))
    path = join(dir, 'f.bin')
    await writeFile(path, bytes)
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('verifies with the chunk size the policy announces, not a fixed 8 MiB', async () => {
    const plan = { baseChunkSize: MiB, maxChunks: MAX_CHUNKS }
    const hash = contentHash(bytes, MiB)
    // The same bytes hashed as one 8 MiB chunk give another content hash.
    expect(hash).not.toBe(contentHash(bytes, 8 * MiB))
    await expect(
      verifyDownload(path, { size: bytes.length, contentHash: hash }, plan),
    ).resolves.toBeUndefined()
    await expect(
      verifyDownload(path, { size: bytes.length, contentHash: hash }, { baseChunkSize: 8 * MiB }),
    ).rejects.toThrow(DownloadMismatchError)
  })

  it('follows the growth rule when the file needs more than maxChunks chunks', async () => {
    // 3 chunks at most: 2 MiB + 123 bytes grows the 256 KiB base to whole MiB, i.e. 1 MiB chunks.
    const plan = { baseChunkSize: 256 * 1024, maxChunks: 3 }
    await expect(
      verifyDownload(path, { size: bytes.length, contentHash: contentHash(bytes, MiB) }, plan),
    ).resolves.toBeUndefined()
  })

  it('names the mismatch: other bytes, or another size', async () => {
    const plan = { baseChunkSize: MiB }
    await expect(
      verifyDownload(path, { size: bytes.length, contentHash: 'a'.repeat(64) }, plan),
    ).rejects.toThrow(
      /^downloaded bytes do not match the file's content hash \([0-9a-f]{64} != a{64}, hashed as 3 chunks of 1048576 bytes\)$/,
    )
    await expect(verifyDownload(path, { size: 5, contentHash: 'a'.repeat(64) }, plan)).rejects.toThrow(
      `downloaded ${bytes.length} bytes, the file has 5`,
    )
  })
})
