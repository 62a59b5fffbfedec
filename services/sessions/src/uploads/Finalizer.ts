import { createHash } from 'node:crypto'
import {
  type ChunkPlan,
  chunkKey,
  chunkLength,
  contentHashFromDigests,
  fromBase64,
  MiB,
  objectKey,
  parseCompositeChecksum,
  toHex,
} from '@lfusys/contracts'
import type { Logger } from '@lfusys/logger'
import { attr, meters, userPseudonym, withUploadSpan } from '@lfusys/telemetry'
import type { FileRecord } from '../files/FileRecord.ts'
import type { FileRepository } from '../files/FileRepository.ts'
import type { StatusNotifier } from '../status/StatusNotifier.ts'
import { type CompletedPart, MultipartUploadGoneError, type ObjectStore } from '../storage/ObjectStore.ts'
import { mapLimit } from './mapLimit.ts'
import { formatMultipartRef, parseMultipartRef } from './multipartRef.ts'
import { Semaphore } from './Semaphore.ts'
import type { ChunkRecord, IntegrityCheck, UploadRecord } from './UploadRecord.ts'
import type { UploadRepository } from './UploadRepository.ts'

/** S3 (and fauxqs) reject multipart parts under 5 MiB, except the last. */
export const MIN_PART_SIZE = 5 * MiB

export interface FinalizerOptions {
  chunkPrefix: string
  objectPrefix: string
  leaseMs: number
  copyConcurrency: number
  /** When the store gives no composite checksum, re-hash the object (off: such uploads fail). */
  readBack: boolean
  eagerCopy: boolean
  /** Identifies this process in leases (host:pid:random). */
  workerId: string
}

export interface FinalizerDeps {
  uploads: UploadRepository
  files: FileRepository
  store: ObjectStore
  notifier: StatusNotifier
  log: Logger
  now?: () => number
}

export type FinalizeOutcome = 'complete' | 'failed' | 'busy' | 'lease-lost'

/**
 * `deferMs`: when another holder's lease is aging (not renewed within the last third of its term,
 * so the holder may be dead), how long to hold the triggering message back so that it returns just
 * after the lease expires and takes it over. Undefined when the holder is evidently alive (it keeps
 * its own message in flight) or there is nothing to finalize.
 */
export interface FinalizeResult {
  outcome: FinalizeOutcome
  deferMs?: number | undefined
}

/** The assembled object does not hold the expected bytes: the upload fails, never silently passes. */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError'
}

class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError'
}

/**
 * Chunks of at least 5 MiB become one part each by UploadPartCopy (S3 never moves the bytes through
 * us, and parts = chunks makes S3's composite equal the content hash). Smaller chunks cannot be
 * parts, so they are read and grouped into parts of >= 5 MiB; a single non-empty chunk is copied.
 */
export function usesPartCopy(plan: { fileSize: number; chunkSize: number; chunkCount: number }): boolean {
  return plan.chunkCount > 1 ? plan.chunkSize >= MIN_PART_SIZE : plan.fileSize > 0
}

const planOf = (r: UploadRecord): ChunkPlan => ({
  fileSize: r.fileSize,
  chunkSize: r.chunkSize,
  chunkCount: r.chunkCount,
})

/**
 * Design invariant 6: finalization under a lease, every step safe to run twice.
 * lease -> content hash from chunk digests -> (existing object: link) | (multipart assemble ->
 * verify composite or read back) -> one transaction (file + reference count + session complete) ->
 * delete chunk objects and abort every multipart upload of the session.
 */
export class Finalizer {
  readonly #deps: FinalizerDeps
  readonly #options: FinalizerOptions
  readonly #now: () => number
  /**
   * Grouped parts are held in memory while they are sent; this bounds them per process (not per
   * upload), so concurrent finalizations cannot add up to unbounded buffers.
   */
  readonly #partBuffers: Semaphore

  constructor(deps: FinalizerDeps, options: FinalizerOptions) {
    this.#deps = deps
    this.#options = options
    this.#now = deps.now ?? Date.now
    this.#partBuffers = new Semaphore(options.copyConcurrency)
  }

  /** Takes the lease (or an expired one) and finalizes; 'busy' when another worker holds it. */
  async run(uploadId: string): Promise<FinalizeResult> {
    const owner = `${this.#options.workerId}:${uploadId.slice(0, 8)}:${Math.random().toString(36).slice(2, 10)}`
    const record = await this.#deps.uploads.acquireLease(uploadId, owner, this.#now(), this.#options.leaseMs)
    if (!record) return this.#busy(uploadId)
    const log = this.#deps.log.child({ uploadId, owner })
    log.info({ chunkCount: record.chunkCount, fileSize: record.fileSize }, 'finalization started')
    this.#deps.notifier.publish(uploadId)
    let lost = false
    const renew = setInterval(
      () => {
        this.#deps.uploads
          .renewLease(uploadId, owner, this.#now() + this.#options.leaseMs)
          .then((held) => {
            if (!held) lost = true
          })
          .catch((err: unknown) => log.warn({ err }, 'lease renewal failed'))
      },
      Math.max(250, Math.floor(this.#options.leaseMs / 3)),
    )
    const guard = () => {
      if (lost) throw new LeaseLostError('finalization lease lost')
    }
    const started = this.#now()
    try {
      return await withUploadSpan(
        'upload.finalize',
        record.traceparent,
        {
          [attr.uploadId]: uploadId,
          [attr.chunkCount]: record.chunkCount,
          [attr.uploadBytes]: record.fileSize,
          ...(userPseudonym(record.userId) ? { [attr.user]: userPseudonym(record.userId) } : {}),
        },
        async (span) => {
          const outcome = await this.#finalize(record, owner, guard, log)
          span.setAttribute(attr.outcome, outcome)
          log.info({ outcome, ms: this.#now() - started }, 'finalization finished')
          meters().finalizeDuration.record((this.#now() - started) / 1000, { outcome })
          return { outcome }
        },
      )
    } catch (err) {
      const outcome = err instanceof LeaseLostError ? 'lease-lost' : 'error'
      meters().finalizeDuration.record((this.#now() - started) / 1000, { outcome })
      if (err instanceof LeaseLostError) {
        log.warn('finalization lease lost; the new holder finishes')
        return { outcome: 'lease-lost' }
      }
      // A dependency failed: give the lease back so the redelivered message can retry at once
      // instead of finding a live-looking lease and giving up.
      await this.#deps.uploads.releaseLease(uploadId, owner).catch((releaseErr: unknown) => {
        log.warn({ err: releaseErr }, 'lease release failed; it expires on its own')
      })
      throw err
    } finally {
      clearInterval(renew)
    }
  }

  async #busy(uploadId: string): Promise<FinalizeResult> {
    const current = await this.#deps.uploads.get(uploadId)
    if (current?.status !== 'finalizing' || current.leaseExpiresAt === undefined) return { outcome: 'busy' }
    const remaining = current.leaseExpiresAt - this.#now()
    if (remaining > (this.#options.leaseMs * 2) / 3) return { outcome: 'busy' }
    return { outcome: 'busy', deferMs: Math.max(0, remaining) + 1000 }
  }

  async #finalize(
    record: UploadRecord,
    owner: string,
    guard: () => void,
    log: Logger,
  ): Promise<FinalizeOutcome> {
    const { uploads, files } = this.#deps
    const chunks = await uploads.chunks(record.uploadId)
    if (chunks.length !== record.chunkCount || chunks.some((c, i) => c.index !== i)) {
      // The received set is only extended after the chunk's digest is stored, so this is a bug.
      return this.#fail(
        record,
        owner,
        `chunk digests incomplete (${chunks.length}/${record.chunkCount})`,
        log,
      )
    }
    const derived = await contentHashFromDigests(chunks.map((c) => fromBase64(c.digest)))
    if (record.contentHash !== undefined && record.contentHash !== derived) {
      return this.#fail(
        record,
        owner,
        `content hash mismatch: declared ${record.contentHash}, chunks give ${derived}`,
        log,
      )
    }
    const key = objectKey(this.#options.objectPrefix, derived, record.fileSize)
    let check: IntegrityCheck | undefined
    for (let attempt = 0; attempt < 4; attempt++) {
      guard()
      const existing = await files.getObject(key)
      if (!existing && check === undefined) {
        try {
          check = await this.#assemble(record, owner, chunks, key, guard, log)
        } catch (err) {
          if (err instanceof IntegrityError) return this.#fail(record, owner, err.message, log)
          throw err
        }
        continue
      }
      guard()
      const now = this.#now()
      const file: FileRecord = {
        fileId: record.uploadId,
        ownerId: record.userId,
        name: record.fileName,
        size: record.fileSize,
        contentType: record.contentType,
        contentHash: derived,
        objectKey: key,
        integrityCheck: check ?? 'existing_object',
        uploadId: record.uploadId,
        createdAt: now,
      }
      const result = await files.completeUpload({
        file,
        objectExists: existing !== undefined,
        sessionUpdate: uploads.completionUpdate(record, owner, derived, file.integrityCheck, now),
      })
      if (result === 'lease-lost') throw new LeaseLostError('session changed under the lease')
      if (result === 'ok') {
        log.info(
          { objectKey: key, check: file.integrityCheck, linked: existing !== undefined },
          'upload complete',
        )
        this.#deps.notifier.publish(record.uploadId)
        if (existing === undefined) await this.#ensureStored(record, chunks, key, log)
        await this.cleanup(record.uploadId, log)
        return 'complete'
      }
      // 'object-changed': the object item appeared or vanished meanwhile; look again.
    }
    throw new Error('object reference kept changing during finalization')
  }

  /**
   * Closes the one known window of invariant 7: the last reference to this content was deleted just
   * before our object item was written, and that delete's DeleteObject landed after our Complete.
   * The chunks are still here (cleanup runs after this), so the object is assembled again.
   */
  async #ensureStored(record: UploadRecord, chunks: ChunkRecord[], key: string, log: Logger): Promise<void> {
    const { store, uploads } = this.#deps
    const noGuard = () => undefined
    for (let attempt = 0; attempt < 2; attempt++) {
      const head = await store.head(key)
      if (head && head.size === record.fileSize) return
      log.error(
        { objectKey: key },
        'object removed by a concurrent delete after the commit; assembling again',
      )
      const id = await store.createMultipart(key, record.contentType)
      const ref = formatMultipartRef(key, id)
      await uploads.addMultipartUpload(record.uploadId, ref)
      const assembled = usesPartCopy(record)
        ? await this.#copyParts(record, chunks, id, ref, key, noGuard)
        : await this.#groupParts(record, chunks, id, key, noGuard)
      const done = await store.completeMultipart(key, id, assembled.parts)
      if (done === 'no-such-upload') continue
      const after = await store.head(key)
      if (!after || after.size !== record.fileSize) continue
      await this.#verify(
        record,
        chunks,
        key,
        done.checksumSha256 ?? after.checksumSha256,
        assembled.expected,
        log,
      )
      return
    }
    throw new Error(`object ${key} could not be stored again after a concurrent delete`)
  }

  async #assemble(
    record: UploadRecord,
    owner: string,
    chunks: ChunkRecord[],
    key: string,
    guard: () => void,
    log: Logger,
  ): Promise<IntegrityCheck> {
    const { uploads, store } = this.#deps
    const copy = usesPartCopy(record)
    for (let round = 0; round < 2; round++) {
      let ref = record.multipartUploadId ? parseMultipartRef(record.multipartUploadId) : undefined
      if (ref && ref.objectKey !== key) ref = undefined
      if (!ref || round > 0) {
        const id = await store.createMultipart(key, record.contentType)
        ref = { objectKey: key, multipartUploadId: id }
        if (!(await uploads.setMultipartUpload(record.uploadId, formatMultipartRef(key, id), owner))) {
          await store.abortMultipart(key, id)
          throw new LeaseLostError('lease lost before the multipart upload was recorded')
        }
      }
      const refString = formatMultipartRef(ref.objectKey, ref.multipartUploadId)
      const started = this.#now()
      const expected = copy
        ? {
            contentHash: await contentHashFromDigests(chunks.map((c) => fromBase64(c.digest))),
            parts: chunks.length,
          }
        : undefined
      let done: Awaited<ReturnType<ObjectStore['completeMultipart']>>
      let assembled: { parts: CompletedPart[]; expected: { contentHash: string; parts: number } } | undefined
      try {
        assembled = copy
          ? await this.#copyParts(record, chunks, ref.multipartUploadId, refString, key, guard)
          : await this.#groupParts(record, chunks, ref.multipartUploadId, key, guard)
        guard()
        done = await store.completeMultipart(key, ref.multipartUploadId, assembled.parts)
      } catch (err) {
        if (!(err instanceof MultipartUploadGoneError)) throw err
        done = 'no-such-upload'
      }
      const copiedMs = this.#now() - started
      if (done === 'no-such-upload') {
        // An earlier holder completed it (the object is there) or it was aborted. Grouped parts'
        // composite is only known once they were sent: without them, assemble again.
        const reference = assembled?.expected ?? expected
        const head = await store.head(key)
        if (head && head.size === record.fileSize && reference) {
          return this.#verify(record, chunks, key, head.checksumSha256, reference, log)
        }
        continue
      }
      if (!assembled) throw new Error('parts missing after a completed multipart upload')
      const { expected: partsExpected } = assembled
      log.info({ parts: assembled.parts.length, copy, copiedMs }, 'object assembled')
      const head = await store.head(key)
      if (!head || head.size !== record.fileSize) {
        throw new IntegrityError(
          `assembled object has ${head?.size ?? 'no'} bytes, expected ${record.fileSize}`,
        )
      }
      return this.#verify(record, chunks, key, done.checksumSha256 ?? head.checksumSha256, partsExpected, log)
    }
    throw new Error('multipart upload vanished twice during assembly')
  }

  async #copyParts(
    record: UploadRecord,
    chunks: ChunkRecord[],
    multipartUploadId: string,
    refString: string,
    key: string,
    guard: () => void,
  ) {
    const { store, uploads } = this.#deps
    const parts = await mapLimit(
      chunks,
      this.#options.copyConcurrency,
      async (chunk): Promise<CompletedPart> => {
        if (chunk.partUploadId === refString && chunk.partEtag) {
          return { partNumber: chunk.index + 1, etag: chunk.partEtag, checksumSha256: chunk.digest }
        }
        guard()
        const out = await store.copyPart(
          key,
          multipartUploadId,
          chunk.index + 1,
          chunkKey(this.#options.chunkPrefix, record.uploadId, chunk.index),
        )
        // S3 computes a copied part's SHA-256 (the upload has ChecksumAlgorithm SHA256): a chunk
        // object whose bytes changed since its digest was recorded fails here, before Complete.
        if (out.checksumSha256 !== undefined && out.checksumSha256 !== chunk.digest) {
          throw new IntegrityError(
            `chunk ${chunk.index} no longer matches its recorded digest (copied part has SHA-256 ${out.checksumSha256})`,
          )
        }
        // Remembered so a worker taking over after a crash does not copy it again.
        await uploads.recordPartCopy(record.uploadId, chunk.index, refString, out.etag)
        return { partNumber: chunk.index + 1, etag: out.etag, checksumSha256: chunk.digest }
      },
    )
    return {
      parts,
      expected: {
        contentHash: await contentHashFromDigests(chunks.map((c) => fromBase64(c.digest))),
        parts: chunks.length,
      },
    }
  }

  /**
   * Small chunks: read `group` consecutive chunks, check each against its recorded digest, and send
   * them as one part with its own SHA-256, so S3 vouches for every part it stores. Memory is bounded
   * by copyConcurrency parts of about 5 MiB.
   */
  async #groupParts(
    record: UploadRecord,
    chunks: ChunkRecord[],
    multipartUploadId: string,
    key: string,
    guard: () => void,
  ) {
    const { store } = this.#deps
    const group = Math.max(1, Math.ceil(MIN_PART_SIZE / Math.max(1, record.chunkSize)))
    const groups: ChunkRecord[][] = []
    for (let i = 0; i < chunks.length; i += group) groups.push(chunks.slice(i, i + group))
    const plan = planOf(record)
    const partDigests: Uint8Array[] = new Array(groups.length)
    const parts = await mapLimit(
      groups.map((g, i) => ({ g, i })),
      this.#options.copyConcurrency,
      ({ g, i }) =>
        this.#partBuffers.use(async () => {
          guard()
          // Many small chunks per part: fetch them in parallel too (bounded; the part is held anyway).
          const pieces = await mapLimit(g, this.#options.copyConcurrency * 2, async (chunk) => {
            const bytes = await store.getBytes(
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
          const etag = await store.uploadPart(key, multipartUploadId, i + 1, body, sha.toString('base64'))
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
  async #verify(
    record: UploadRecord,
    chunks: ChunkRecord[],
    key: string,
    reported: string | undefined,
    expected: { contentHash: string; parts: number },
    log: Logger,
  ): Promise<IntegrityCheck> {
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
    await this.#readBack(record, chunks, key)
    log.info({ ms: this.#now() - started }, 'read-back check passed')
    return 'read_back'
  }

  /** Streams the object and re-hashes it chunk by chunk against the recorded digests. */
  async #readBack(record: UploadRecord, chunks: ChunkRecord[], key: string) {
    const plan = planOf(record)
    let index = 0
    let remaining = chunkLength(plan, 0)
    let hash = createHash('sha256')
    let total = 0
    const check = () => {
      const digest = hash.digest('base64')
      if (digest !== chunks[index]?.digest) {
        throw new IntegrityError(`read-back: chunk ${index} of the assembled object differs from the upload`)
      }
      index++
      hash = createHash('sha256')
      remaining = index < plan.chunkCount ? chunkLength(plan, index) : 0
    }
    if (remaining === 0 && plan.chunkCount === 1) check()
    for await (const piece of await this.#deps.store.stream(key)) {
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
    if (index !== plan.chunkCount || total !== record.fileSize) {
      throw new IntegrityError(
        `read-back: object has ${total} bytes in ${index} chunks, expected ${record.fileSize}`,
      )
    }
  }

  async #fail(record: UploadRecord, owner: string, reason: string, log: Logger): Promise<FinalizeOutcome> {
    const failed = await this.#deps.uploads.markFailed(record.uploadId, owner, reason, this.#now())
    if (!failed) throw new LeaseLostError('lease lost before the failure was recorded')
    log.error({ reason }, 'upload failed')
    this.#deps.notifier.publish(record.uploadId)
    await this.cleanup(record.uploadId, log)
    return 'failed'
  }

  /**
   * Deletes an ended session's chunk objects and aborts its multipart uploads, then takes it off the
   * sweep index. Idempotent; if it does not finish, the sweeper repeats it.
   */
  async cleanup(uploadId: string, log: Logger = this.#deps.log): Promise<void> {
    const record = await this.#deps.uploads.get(uploadId)
    if (!record) return
    await this.#deps.store.markEnded(uploadId, record.status) // its upload token stops working
    const refs = new Set(record.multipartUploadIds)
    if (record.multipartUploadId) refs.add(record.multipartUploadId)
    for (const ref of refs) {
      const parsed = parseMultipartRef(ref)
      if (parsed) await this.#deps.store.abortMultipart(parsed.objectKey, parsed.multipartUploadId)
    }
    const keys = Array.from({ length: record.chunkCount }, (_, i) =>
      chunkKey(this.#options.chunkPrefix, uploadId, i),
    )
    await this.#deps.store.deleteMany(keys)
    // A reservation goes back when the session's cleanup is done: once, whatever way it ended
    // (a complete upload's bytes count as its file's by then).
    await this.#deps.uploads.cleanupDone(
      record,
      this.#deps.files.releaseItem(record.userId, record.reservedBytes),
    )
    log.debug({ uploadId, chunks: keys.length, multipartUploads: refs.size }, 'session cleaned up')
  }

  /**
   * Starts assembly while chunks still arrive (design invariant 6): with a declared content hash the
   * object key is known, so each chunk is copied into the multipart upload as its event lands and
   * little is left when the last one does. Only Complete waits for the verified hash; a wrong
   * declaration makes the upload fail and the parts are aborted, never exposed.
   */
  async eagerCopy(record: UploadRecord, index: number): Promise<void> {
    if (!this.#options.eagerCopy || record.contentHash === undefined || !usesPartCopy(record)) return
    if (record.chunkCount === 1) return
    const key = objectKey(this.#options.objectPrefix, record.contentHash, record.fileSize)
    let ref = record.multipartUploadId ? parseMultipartRef(record.multipartUploadId) : undefined
    if (!ref) {
      // Storage dedup will link to an existing object: nothing to copy.
      if (await this.#deps.files.getObject(key)) return
      const id = await this.#deps.store.createMultipart(key, record.contentType)
      if (
        !(await this.#deps.uploads.setMultipartUpload(
          record.uploadId,
          formatMultipartRef(key, id),
          undefined,
        ))
      ) {
        // Another worker started one first; use it.
        await this.#deps.store.abortMultipart(key, id)
        const fresh = await this.#deps.uploads.get(record.uploadId)
        ref = fresh?.multipartUploadId ? parseMultipartRef(fresh.multipartUploadId) : undefined
        if (!ref) return
      } else {
        ref = { objectKey: key, multipartUploadId: id }
      }
    }
    const out = await this.#deps.store.copyPart(
      key,
      ref.multipartUploadId,
      index + 1,
      chunkKey(this.#options.chunkPrefix, record.uploadId, index),
    )
    await this.#deps.uploads.recordPartCopy(
      record.uploadId,
      index,
      formatMultipartRef(ref.objectKey, ref.multipartUploadId),
      out.etag,
    )
  }
}
