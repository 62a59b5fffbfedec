import { createHash, randomUUID } from 'node:crypto'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { chunkKey, contentHashFromDigests, fromBase64, MiB, objectKey } from '@lfusys/contracts'
import { createLogger } from '@lfusys/logger'
import { provisionTestStack, type TestStack } from '@lfusys/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UploadRecord } from '../domain/UploadRecord.ts'
import { ObjectStore } from '../storage/ObjectStore.ts'
import { Assembler, type AssemblyRun, IntegrityError } from './Assembler.ts'
import { ChunkRepository } from './ChunkRepository.ts'
import { UploadRepository } from './UploadRepository.ts'

const log = createLogger({ service: 'assembler-spec', level: 'warn' })
let stack: TestStack
let store: ObjectStore
let chunks: ChunkRepository
let uploads: UploadRepository
let assembler: Assembler

beforeAll(async () => {
  stack = await provisionTestStack('assembler')
  store = new ObjectStore(stack.clients.s3, stack.resources.bucket)
  const table = { table: stack.resources.tables.uploads.name }
  chunks = new ChunkRepository(stack.clients.documents, table)
  uploads = new UploadRepository(stack.clients.documents, table)
  assembler = new Assembler(
    { chunks, store },
    { chunkPrefix: stack.resources.chunkPrefix, copyConcurrency: 4, readBack: true },
  )
})
afterAll(() => stack?.close())

const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64')

async function putChunkObject(uploadId: string, index: number, body: Buffer) {
  await stack.clients.s3.send(
    new PutObjectCommand({
      Bucket: stack.resources.bucket,
      Key: chunkKey(stack.resources.chunkPrefix, uploadId, index),
      Body: body,
      ContentLength: body.length,
      ChecksumSHA256: sha(body),
    }),
  )
}

/** A stored session whose chunk objects and digests are in place: the run the finalizer would make. */
async function runOf(parts: Buffer[], chunkSize: number): Promise<AssemblyRun> {
  const uploadId = randomUUID()
  const fileSize = parts.reduce((n, p) => n + p.length, 0)
  const record = {
    uploadId,
    userId: 'u1',
    status: 'uploading',
    fileName: 'f.bin',
    fileSize,
    contentType: 'application/octet-stream',
    contentHash: undefined,
    chunkSize,
    chunkCount: parts.length,
    received: parts.map((_, i) => i),
    createdAt: 1,
    updatedAt: 1,
    expiresAt: Date.now() + 60_000,
    multipartUploadIds: [],
    finalizations: 0,
    reservedBytes: 0,
  } as unknown as UploadRecord
  expect(await uploads.create(record)).toBe('created')
  for (const [index, body] of parts.entries()) {
    await putChunkObject(uploadId, index, body)
    await chunks.putChunk(uploadId, { index, size: body.length, digest: sha(body) }, record.expiresAt)
  }
  const recorded = await chunks.chunks(uploadId)
  const contentHash = await contentHashFromDigests(recorded.map((c) => fromBase64(c.digest)))
  return {
    record,
    chunks: recorded,
    contentHash,
    key: objectKey(stack.resources.objectPrefix, contentHash, fileSize),
    owner: undefined,
    signal: new AbortController().signal,
    log,
  }
}

const bytes = (n: number, seed: number) => Buffer.alloc(n, seed)

describe('Assembler against fauxqs and DynamoDB Local', () => {
  it('groups small chunks into parts and verifies the object', async () => {
    const parts = [bytes(1000, 1), bytes(1000, 2), bytes(500, 3)]
    const run = await runOf(parts, 1000)
    expect(['composite', 'read_back']).toContain(await assembler.assemble(run))
    expect(await store.getBytes(run.key)).toEqual(Buffer.concat(parts))
    // Every multipart upload it started is recorded with the session, so cleanup can abort it.
    expect((await uploads.get(run.record.uploadId))?.multipartUploadIds).toHaveLength(1)
  })

  it('copies chunks of 5 MiB as parts and remembers each copy', async () => {
    const parts = [bytes(5 * MiB, 4), bytes(1024, 5)]
    const run = await runOf(parts, 5 * MiB)
    expect(['composite', 'read_back']).toContain(await assembler.assemble(run))
    expect((await store.head(run.key))?.size).toBe(5 * MiB + 1024)
    const copied = await chunks.chunks(run.record.uploadId)
    expect(copied.every((c) => c.partEtag !== undefined && c.partUploadId !== undefined)).toBe(true)
  })

  it('fails with an IntegrityError when a chunk object changed after its digest was recorded', async () => {
    const run = await runOf([bytes(1000, 6), bytes(1000, 7)], 1000)
    await putChunkObject(run.record.uploadId, 1, bytes(1000, 8))
    await expect(assembler.assemble(run)).rejects.toBeInstanceOf(IntegrityError)
  })

  it('stores the object again when it vanished after the commit', async () => {
    const parts = [bytes(2000, 9), bytes(10, 10)]
    const run = await runOf(parts, 2000)
    await assembler.assemble(run)
    await store.delete(run.key)
    await assembler.ensureStored(run)
    expect(await store.getBytes(run.key)).toEqual(Buffer.concat(parts))
  })

  it('copies a one-chunk file whole and checks the SHA-256 S3 gives the copy', async () => {
    const body = bytes(1024, 13)
    const run = await runOf([body], 8 * MiB)
    expect(await assembler.assemble(run)).toBe('full_object')
    expect(await store.getBytes(run.key)).toEqual(body)
    // No multipart upload was started, so none needs aborting.
    expect((await uploads.get(run.record.uploadId))?.multipartUploadIds ?? []).toHaveLength(0)
    const head = await store.head(run.key)
    expect(head).toEqual({ size: 1024, checksumSha256: sha(body) })
  })

  it('fails a one-chunk file whose chunk object changed after its digest was recorded', async () => {
    const run = await runOf([bytes(1024, 14)], 8 * MiB)
    await putChunkObject(run.record.uploadId, 0, bytes(1024, 15))
    await expect(assembler.assemble(run)).rejects.toThrow(/does not match chunk 0's recorded digest/)
  })

  it('starts nothing once the lease is lost', async () => {
    const run = await runOf([bytes(1000, 11), bytes(1000, 12)], 1000)
    const lost = new AbortController()
    lost.abort(new Error('lease lost'))
    await expect(assembler.assemble({ ...run, signal: lost.signal })).rejects.toThrow('lease lost')
    expect(await store.head(run.key)).toBeUndefined()
  })
})
