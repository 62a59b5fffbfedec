import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  chunkKey,
  chunkLength,
  compositeChecksum,
  contentHashFromDigests,
  formatContentDigest,
  MiB,
  objectKey,
  parseChunkKey,
  parseCompositeChecksum,
  parseContentDigest,
  planChunks,
  uploadPolicySchema,
} from './index.ts'

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest()

describe('planChunks', () => {
  it('uses 8 MiB chunks until a file needs more than 10,000', () => {
    expect(planChunks(0)).toEqual({ fileSize: 0, chunkSize: 8 * MiB, chunkCount: 1 })
    expect(planChunks(1)).toMatchObject({ chunkSize: 8 * MiB, chunkCount: 1 })
    expect(planChunks(8 * MiB)).toMatchObject({ chunkCount: 1 })
    expect(planChunks(8 * MiB + 1)).toMatchObject({ chunkCount: 2 })
    expect(planChunks(10_000 * 8 * MiB)).toMatchObject({ chunkSize: 8 * MiB, chunkCount: 10_000 })
  })

  it('grows in whole MiB beyond that and never exceeds 10,000 chunks', () => {
    const plan = planChunks(10_000 * 8 * MiB + 1)
    expect(plan.chunkSize).toBe(9 * MiB)
    expect(plan.chunkSize % MiB).toBe(0)
    expect(plan.chunkCount).toBeLessThanOrEqual(10_000)
    const huge = planChunks(5 * 1024 ** 4)
    expect(huge.chunkCount).toBeLessThanOrEqual(10_000)
    expect(huge.chunkSize % MiB).toBe(0)
  })

  it('gives exact chunk lengths, the last one short', () => {
    const plan = planChunks(20, { baseChunkSize: 8 })
    expect(plan.chunkCount).toBe(3)
    expect([0, 1, 2].map((i) => chunkLength(plan, i))).toEqual([8, 8, 4])
    expect(() => chunkLength(plan, 3)).toThrow(RangeError)
    expect(chunkLength(planChunks(0), 0)).toBe(0)
    expect(() => planChunks(-1)).toThrow(RangeError)
    expect(() => planChunks(1.5)).toThrow(RangeError)
  })
})

describe('content hash', () => {
  it('equals SHA-256 over the concatenated chunk digests', async () => {
    const chunks = [randomBytes(100), randomBytes(100), randomBytes(7)]
    const digests = chunks.map((c) => new Uint8Array(sha(c)))
    const expected = createHash('sha256').update(Buffer.concat(digests)).digest('hex')
    expect(await contentHashFromDigests(digests)).toBe(expected)
  })

  it('of an empty file is SHA-256(SHA-256(""))', async () => {
    const empty = new Uint8Array(sha(new Uint8Array(0)))
    expect(await contentHashFromDigests([empty])).toBe(createHash('sha256').update(empty).digest('hex'))
  })

  it('round-trips through the S3 composite checksum form', () => {
    const hash = createHash('sha256').update('x').digest('hex')
    const composite = compositeChecksum(hash, 12)
    expect(composite).toMatch(/^[A-Za-z0-9+/]{43}=-12$/)
    expect(parseCompositeChecksum(composite)).toEqual({ contentHash: hash, parts: 12 })
    expect(parseCompositeChecksum(undefined)).toBeUndefined()
    expect(parseCompositeChecksum(Buffer.from(hash, 'hex').toString('base64'))).toBeUndefined()
  })
})

describe('Content-Digest', () => {
  const digest = new Uint8Array(sha(Buffer.from('hello')))

  it('formats and parses sha-256', () => {
    const header = formatContentDigest(digest)
    const parsed = parseContentDigest(header)
    expect(parsed).toEqual({ ok: true, sha256: digest })
    expect(parseContentDigest(`sha-512=:${Buffer.alloc(64).toString('base64')}:, ${header}`)).toEqual({
      ok: true,
      sha256: digest,
    })
  })

  it('names the problem with malformed headers', () => {
    expect(parseContentDigest(undefined)).toEqual({ ok: false, reason: 'Content-Digest header is required' })
    expect(parseContentDigest('sha-256=abc')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('byte sequence'),
    })
    expect(parseContentDigest('sha-256=:AAAA:')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('3 bytes'),
    })
    expect(parseContentDigest('md5=:AAAA:')).toMatchObject({
      ok: false,
      reason: 'Content-Digest has no sha-256 member',
    })
    const h = formatContentDigest(digest)
    expect(parseContentDigest(`${h}, ${h}`)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('more than once'),
    })
  })
})

describe('keys', () => {
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e'
  it('round-trips chunk keys and rejects anything else under the prefix', () => {
    expect(chunkKey('chunks/', id, 7)).toBe(`chunks/${id}/00007`)
    expect(parseChunkKey('chunks/', chunkKey('chunks/', id, 9999))).toEqual({ uploadId: id, index: 9999 })
    expect(parseChunkKey('chunks/', `chunks/${id}/7`)).toBeUndefined()
    expect(parseChunkKey('chunks/', `chunks/${id}/00007/x`)).toBeUndefined()
    expect(parseChunkKey('chunks/', `chunks/not-an-id/00001`)).toBeUndefined()
    expect(parseChunkKey('chunks/', `objects/${id}/00001`)).toBeUndefined()
  })
  it('derives object keys from hash and size', () => {
    const hash = 'ab'.repeat(32)
    expect(objectKey('objects/', hash, 5)).toBe(`objects/sha256/ab/${hash}-5`)
  })
})

describe('uploadPolicySchema', () => {
  const policy = {
    chunkPlan: { baseChunkSize: 5 * MiB, maxChunks: 10_000 },
    maxFileSize: 2 ** 42,
    quotaBytes: null,
  }

  it('carries the options planChunks takes, so a client plans as the server does', () => {
    const parsed = uploadPolicySchema.parse(policy)
    expect(planChunks(12 * MiB, parsed.chunkPlan)).toEqual({
      fileSize: 12 * MiB,
      chunkSize: 5 * MiB,
      chunkCount: 3,
    })
    // Beyond maxChunks the chunk grows in whole MiB: 60,000 MiB in 10,000 chunks is 6 MiB each.
    expect(planChunks(60_000 * MiB, parsed.chunkPlan)).toMatchObject({
      chunkSize: 6 * MiB,
      chunkCount: 10_000,
    })
  })

  it('refuses a rule that cannot plan anything', () => {
    for (const bad of [
      { ...policy, chunkPlan: { baseChunkSize: 0, maxChunks: 10_000 } },
      { ...policy, chunkPlan: { baseChunkSize: MiB, maxChunks: 0 } },
      { ...policy, maxFileSize: -1 },
      { ...policy, quotaBytes: undefined },
    ]) {
      expect(uploadPolicySchema.safeParse(bad).success).toBe(false)
    }
  })
})
