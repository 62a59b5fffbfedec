import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chunkRange, contentHashFromDigests, MiB, planChunks, toHex } from '@lfusys/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blobSource } from './ChunkSource.ts'
import { hashChunksInline, isSameContent } from './hashing.ts'
import { fileSource } from './node/fileSource.ts'

function bytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(size))
  let x = seed
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** The design formula, written independently with node:crypto. */
function expectedContentHash(data: Uint8Array, chunkSize: number): string {
  const count = Math.max(1, Math.ceil(data.length / chunkSize))
  const outer = createHash('sha256')
  for (let i = 0; i < count; i++) {
    outer.update(
      createHash('sha256')
        .update(data.subarray(i * chunkSize, (i + 1) * chunkSize))
        .digest(),
    )
  }
  return outer.digest('hex')
}

const SIZES: Array<[string, number]> = [
  ['0 bytes', 0],
  ['1 byte', 1],
  ['an exact multiple of the chunk size', 2 * 8 * MiB],
  ['a multiple plus one byte', 2 * 8 * MiB + 1],
]

describe('content hash for edge sizes (default 8 MiB plan)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfusys-hash-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  for (const [label, size] of SIZES) {
    it(`${label}: browser Blob source and Node file source both give the design formula`, async () => {
      const data = bytes(size, size + 1)
      const plan = planChunks(size)
      const expected = expectedContentHash(data, 8 * MiB)

      let progress = 0
      const fromBlob = await hashChunksInline(blobSource(new Blob([data])), plan, {
        onProgress: (n) => {
          progress = n
        },
      })
      expect(fromBlob).toHaveLength(plan.chunkCount)
      expect(progress).toBe(size)
      expect(await contentHashFromDigests(fromBlob)).toBe(expected)

      const path = join(dir, `f-${size}`)
      await writeFile(path, data)
      const file = await fileSource(path)
      try {
        const fromFile = await hashChunksInline(file, plan, {})
        expect(await contentHashFromDigests(fromFile)).toBe(expected)
      } finally {
        await file.close?.()
      }
    })
  }

  it('the 0-byte file is one empty chunk: SHA-256(SHA-256(""))', async () => {
    const inner = createHash('sha256').update(new Uint8Array(0)).digest()
    const digests = await hashChunksInline(blobSource(new Blob([])), planChunks(0), {})
    expect(await contentHashFromDigests(digests)).toBe(createHash('sha256').update(inner).digest('hex'))
  })
})

describe('isSameContent (resume check of a re-selected file)', () => {
  const plan = planChunks(5000, { baseChunkSize: 1024 })
  const original = bytes(5000, 7)

  async function recorded(): Promise<string[]> {
    return (await hashChunksInline(blobSource(new Blob([original])), plan, {})).map((d) => toHex(d))
  }

  it('accepts the same bytes', async () => {
    expect(await isSameContent(blobSource(new Blob([original])), plan, await recorded())).toBe(true)
  })

  it('rejects a file whose last chunk differs, or whose size differs', async () => {
    const changed = original.slice()
    const last = chunkRange(plan, plan.chunkCount - 1)
    changed[last.start] = (changed[last.start] ?? 0) ^ 0xff
    expect(await isSameContent(blobSource(new Blob([changed])), plan, await recorded())).toBe(false)
    expect(
      await isSameContent(blobSource(new Blob([original.subarray(0, 4999)])), plan, await recorded()),
    ).toBe(false)
  })
})
