import { createHash } from 'node:crypto'
import { type ChunkPlan, chunkKey, chunkLength, parseCompositeChecksum, toHex } from '@lfusys/contracts'
import type { Logger } from '@lfusys/logger'
import type { ChunkRecord, IntegrityCheck, UploadRecord } from '../domain/UploadRecord.ts'
import { type CompletedPart, MultipartUploadGoneError, type ObjectStore } from '../storage/ObjectStore.ts'
import type { ChunkRepository } from './ChunkRepository.ts'
import { LeaseLostError } from './FinalizationLease.ts'
import { mapLimit } from './mapLimit.ts'
import { formatMultipartRef, parseMultipartRef } from './multipartRef.ts'
import { assemblyMode, chunksPerPart } from './partPlan.ts'
import { Semaphore } from './Semaphore.ts'

/** The assembled object does not hold the expected bytes: the upload fails, never silently passes. */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError'
}

/** One assembly of an upload's object from its chunks: everything the steps share. */
export interface AssemblyRun {
  record: UploadRecord
  /** Every chunk with its recorded digest, ascending. */
  chunks: ChunkRecord[]
  /** The content hash the chunk digests give (derived once, by the finalizer). */
  contentHash: string
  /** The content-addressed object key. */
  key: string
  /**
   * The lease holder: under the lease, an earlier holder's multipart upload is continued and a new
   * one is recorded only while the lease holds. Undefined after the commit (re-assembly).
   */
  owner: string | undefined
  /** Aborted when the lease is lost; no step starts after that. */
  signal: AbortSignal
  log: Logger
}

export interface AssemblerOptions {
  chunkPrefix: string
  copyConcurrency: number
  /** When the store gives no composite checksum, re-hash the object (off: such uploads fail). */
  readBack: boolean
}

type Expected = { contentHash: string; parts: number }

/**
 * Assembles an object from chunk objects by multipart upload and verifies it (design invariant 6):
 * every step is safe to run twice, and a part is never trusted without a checksum.
 */
export class Assembler {
  readonly #chunks: Pick<ChunkRepository, 'setMultipartUpload' | 'addMultipartUpload' | 'recordPartCopy'>
  readonly #store: ObjectStore
  readonly #options: AssemblerOptions
  readonly #now: () => number
  /**
   * Grouped parts are held in memory while they are sent; this bounds them per process (not per
   * upload), so concurrent finalizations cannot add up to unbounded buffers.
   */
  readonly #partBuffers: Semaphore

  constructor(
    deps: {
      chunks: Pick<ChunkRepository, 'setMultipartUpload' | 'addMultipartUpload' | 'recordPartCopy'>
      store: ObjectStore
      now?: () => number
    },
    options: AssemblerOptions,
  ) {
    this.#chunks = deps.chunks
    this.#store = deps.store
    this.#options = options
    this.#now = deps.now ?? Date.now
    this.#partBuffers = new Semaphore(options.copyConcurrency)
  }

  /** Assembles and verifies `run.key`; says how the object was shown to hold the content. */
  async assemble(run: AssemblyRun): Promise<IntegrityCheck> {
    const { record, key } = run
    const mode = assemblyMode(record)
    if (mode === 'copy-object') return this.#copyWhole(run)
    const copy = mode === 'copy-parts'
    for (let round = 0; round < 2; round++) {
      const ref = (round === 0 && this.#continued(run)) || (await this.#startMultipart(run))
      const started = this.#now()
      let done: Awaited<ReturnType<ObjectStore['completeMultipart']>>
      let assembled: { parts: CompletedPart[]; expected: Expected } | undefined
      try {
        assembled = copy
          ? await this.#copyParts(run, ref)
          : await this.#groupParts(run, ref.multipartUploadId)
        run.signal.throwIfAborted()
        done = await this.#store.completeMultipart(key, ref.multipartUploadId, assembled.parts)
      } catch (err) {
        if (!(err instanceof MultipartUploadGoneError)) throw err
        done = 'no-such-upload'
      }
      const copiedMs = this.#now() - started
      if (done === 'no-such-upload') {
        // An earlier holder completed it (the object is there) or it was aborted. Grouped parts'
        // composite is only known once they were sent: without them, assemble again.
        const reference = assembled?.expected ?? (copy ? this.#copyExpected(run) : undefined)
        const head = await this.#store.head(key)
        if (head && head.size === record.fileSize && reference) {
          return this.#verify(run, head.checksumSha256, reference)
        }
        continue
      }
      if (!assembled) throw new Error('parts missing after a completed multipart upload')
      run.log.info({ parts: assembled.parts.length, copy, copiedMs }, 'object assembled')
      const head = await this.#store.head(key)
      if (!head || head.size !== record.fileSize) {
        throw new IntegrityError(
          `assembled object has ${head?.size ?? 'no'} bytes, expected ${record.fileSize}`,
        )
      }
      return this.#verify(run, done.checksumSha256 ?? head.checksumSha256, assembled.expected)
    }
    throw new Error('multipart upload vanished twice during assembly')
  }

  /**
   * Closes the one known window of invariant 7: the last reference to this content was deleted just
   * before our object item was written, and that delete's DeleteObject landed after our Complete.
   * The chunks are still here (cleanup runs after this), so the object is assembled again.
   */
  async ensureStored(run: AssemblyRun): Promise<void> {
    const head = await this.#store.head(run.key)
    if (head && head.size === run.record.fileSize) return
    run.log.error(
      { objectKey: run.key },
      'object removed by a concurrent delete after the commit; assembling again',
    )
    await this.assemble({ ...run, owner: undefined })
  }

  /**
   * A file of one chunk is that chunk: one CopyObject instead of a multipart upload (create, copy,
   * complete, head), so a small file's finalization is one store call. S3 gives the copy the chunk
   * object's SHA-256 (verified when it was stored), which must equal the digest recorded for it.
   */
  async #copyWhole(run: AssemblyRun): Promise<IntegrityCheck> {
    const { record, chunks } = run
    const digest = chunks[0]?.digest
    run.signal.throwIfAborted()
    const out = await this.#store.copyObject(
      chunkKey(this.#options.chunkPrefix, record.uploadId, 0),
      run.key,
      record.contentType,
    )
    run.log.info({ parts: 1, copy: 'object' }, 'object assembled')
    if (out.checksumSha256 !== undefined) {
      if (out.checksumSha256 !== digest) {
        throw new IntegrityError(
          `the copied object's SHA-256 ${out.checksumSha256} does not match chunk 0's recorded digest`,
        )
      }
      return 'full_object'
    }
    if (!this.#options.readBack) {
      throw new IntegrityError(
        'the store reported no checksum for the copied object and the read-back check is disabled',
      )
    }
    await readBack(run, await this.#store.stream(run.key))
    return 'read_back'
  }

  /** Under the lease, the multipart upload an earlier holder started for this key, if any. */
  #continued(run: AssemblyRun) {
    if (run.owner === undefined || !run.record.multipartUploadId) return undefined
    const ref = parseMultipartRef(run.record.multipartUploadId)
    return ref && ref.objectKey === run.key ? ref : undefined
  }

  /** Starts a multipart upload and records it before any part goes to it, so it can be aborted. */
  async #startMultipart(run: AssemblyRun) {
    const id = await this.#store.createMultipart(run.key, run.record.contentType)
    const ref = formatMultipartRef(run.key, id)
    if (run.owner === undefined) {
      await this.#chunks.addMultipartUpload(run.record.uploadId, ref)
    } else if (!(await this.#chunks.setMultipartUpload(run.record.uploadId, ref, run.owner))) {
      await this.#store.abortMultipart(run.key, id)
      throw new LeaseLostError('lease lost before the multipart upload was recorded')
    }
    return { objectKey: run.key, multipartUploadId: id }
  }

  /** Copied parts are the chunks: S3's composite is the content hash over as many parts. */
  #copyExpected(run: AssemblyRun): Expected {
    return { contentHash: run.contentHash, parts: run.chunks.length }
  }

  async #copyParts(run: AssemblyRun, ref: { objectKey: string; multipartUploadId: string }) {
    const refString = formatMultipartRef(ref.objectKey, ref.multipartUploadId)
    const parts = await mapLimit(
      run.chunks,
      this.#options.copyConcurrency,
      async (chunk): Promise<CompletedPart> => {
        if (chunk.partUploadId === refString && chunk.partEtag) {
          return { partNumber: chunk.index + 1, etag: chunk.partEtag, checksumSha256: chunk.digest }
        }
        run.signal.throwIfAborted()
        const out = await this.#store.copyPart(
          run.key,
          ref.multipartUploadId,
          chunk.index + 1,
          chunkKey(this.#options.chunkPrefix, run.record.uploadId, chunk.index),
        )
        // S3 computes a copied part's SHA-256 (the upload has ChecksumAlgorithm SHA256): a chunk
        // object whose bytes changed since its digest was recorded fails here, before Complete.
        if (out.checksumSha256 !== undefined && out.checksumSha256 !== chunk.digest) {
          throw new IntegrityError(
            `chunk ${chunk.index} no longer matches its recorded digest (copied part has SHA-256 ${out.checksumSha256})`,
          )
        }
        // Remembered so a worker taking over after a crash does not copy it again.
        await this.#chunks.recordPartCopy(run.record.uploadId, chunk.index, refString, out.etag)
        return { partNumber: chunk.index + 1, etag: out.etag, checksumSha256: chunk.digest }
      },
    )
    return { parts, expected: this.#copyExpected(run) }
  }

  /**
   * Small chunks: read `group` consecutive chunks, check each against its recorded digest, and send
   * them as one part with its own SHA-256, so S3 vouches for every part it stores. Memory is bounded
   * by copyConcurrency parts of about 5 MiB.
   */
  async #groupParts(run: AssemblyRun, multipartUploadId: string) {
    const { record, chunks } = run
    const group = chunksPerPart(record.chunkSize)
    const groups: ChunkRecord[][] = []
    for (let i = 0; i < chunks.length; i += group) groups.push(chunks.slice(i, i + group))
    const plan = planOf(record)
    const partDigests: Uint8Array[] = new Array(groups.length)
    const parts = await mapLimit(
      groups.map((g, i) => ({ g, i })),
      this.#options.copyConcurrency,
      ({ g, i }) =>
        this.#partBuffers.use(async () => {
          run.signal.throwIfAborted()
          // Many small chunks per part: fetch them in parallel too (bounded; the part is held anyway).
          const pieces = await mapLimit(g, this.#options.copyConcurrency * 2, async (chunk) => {
            const bytes = await this.#store.getBytes(
              chunkKey(this.#options.chunkPrefix, record.uploadId, chunk.index),
            )
            const digest = createHash('sha256').update(bytes).digest('base64')
            if (bytes.length !== chunkLength(plan, chunk.index) || digest !== chunk.digest) {
              throw new IntegrityError(`chunk ${chunk.index} no longer matches its recorded digest`)
            }
            return bytes
          })
          const body = Buffer.concat(pieces)
          const sha = createHash('sha256').update(body).digest()
          partDigests[i] = new Uint8Array(sha)
          const etag = await this.#store.uploadPart(
            run.key,
            multipartUploadId,
            i + 1,
            body,
            sha.toString('base64'),
          )
          return { partNumber: i + 1, etag, checksumSha256: sha.toString('base64') }
        }),
    )
    const combined = createHash('sha256').update(Buffer.concat(partDigests)).digest()
    return { parts, expected: { contentHash: toHex(new Uint8Array(combined)), parts: groups.length } }
  }

  /**
   * Design invariant 6: S3's composite checksum must equal the expected one; a store that reports
   * none gets the read-back check (if enabled), never a pass.
   */
  async #verify(run: AssemblyRun, reported: string | undefined, expected: Expected): Promise<IntegrityCheck> {
    const composite = parseCompositeChecksum(reported)
    if (composite) {
      if (composite.contentHash !== expected.contentHash || composite.parts !== expected.parts) {
        throw new IntegrityError(
          `composite checksum ${reported} does not match ${expected.contentHash}-${expected.parts}`,
        )
      }
      return 'composite'
    }
    if (!this.#options.readBack) {
      throw new IntegrityError('the store reported no composite checksum and the read-back check is disabled')
    }
    const started = this.#now()
    await readBack(run, await this.#store.stream(run.key))
    run.log.info({ ms: this.#now() - started }, 'read-back check passed')
    return 'read_back'
  }
}

const planOf = (r: UploadRecord): ChunkPlan => ({
  fileSize: r.fileSize,
  chunkSize: r.chunkSize,
  chunkCount: r.chunkCount,
})

/** Re-hashes the object's bytes chunk by chunk against the recorded digests. */
export async function readBack(
  run: Pick<AssemblyRun, 'record' | 'chunks'>,
  bytes: AsyncIterable<unknown>,
): Promise<void> {
  const plan = planOf(run.record)
  let index = 0
  let remaining = chunkLength(plan, 0)
  let hash = createHash('sha256')
  let total = 0
  const check = () => {
    const digest = hash.digest('base64')
    if (digest !== run.chunks[index]?.digest) {
      throw new IntegrityError(`read-back: chunk ${index} of the assembled object differs from the upload`)
    }
    index++
    hash = createHash('sha256')
    remaining = index < plan.chunkCount ? chunkLength(plan, index) : 0
  }
  if (remaining === 0 && plan.chunkCount === 1) check()
  for await (const piece of bytes) {
    let buf = piece as Buffer
    total += buf.length
    while (buf.length > 0) {
      if (index >= plan.chunkCount) throw new IntegrityError('read-back: object is longer than the upload')
      const take = Math.min(remaining, buf.length)
      hash.update(buf.subarray(0, take))
      remaining -= take
      buf = buf.subarray(take)
      if (remaining === 0) check()
    }
  }
  if (index !== plan.chunkCount || total !== run.record.fileSize) {
    throw new IntegrityError(
      `read-back: object has ${total} bytes in ${index} chunks, expected ${run.record.fileSize}`,
    )
  }
}
