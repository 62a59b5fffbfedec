import { chunkLength, parseChunkKey } from '@lfusys/contracts'
import type { Logger } from '@lfusys/logger'
import { attr, type MessageTrace, meters, userPseudonym } from '@lfusys/telemetry'
import type { StatusNotifier } from '../status/StatusNotifier.ts'
import type { ObjectStore } from '../storage/ObjectStore.ts'
import type { Finalizer } from './Finalizer.ts'
import { isFinal, type UploadRecord } from './UploadRecord.ts'
import type { UploadRepository } from './UploadRepository.ts'

/**
 * What the consumer does with a message: delete it ('done'), leave it for the visibility timeout
 * to bring back ('retry') or for the redrive policy to move to the DLQ ('malformed'), or hide it
 * for `deferSeconds` (to come back just after another worker's aging lease expires).
 */
export type EventOutcome = 'done' | 'retry' | 'malformed' | { deferSeconds: number }

export interface ChunkEvent {
  bucket: string
  /** Decoded object key. */
  key: string
  size: number
  /** The S3 event time (epoch ms), when the event carries one. */
  eventTime?: number
}

export interface ChunkEventServiceDeps {
  uploads: UploadRepository
  store: ObjectStore
  finalizer: Finalizer
  notifier: StatusNotifier
  log: Logger
  chunkPrefix: string
  sessionTtlMs: number
  now?: () => number
}

/** Records chunk objects as their S3 events arrive and starts finalization when the set is complete. */
export class ChunkEventService {
  readonly #deps: ChunkEventServiceDeps
  readonly #now: () => number

  constructor(deps: ChunkEventServiceDeps) {
    this.#deps = deps
    this.#now = deps.now ?? Date.now
  }

  /**
   * `trace`: the consumer's message span, started once the upload's record (with the traceparent its
   * creation stored) has been read, so the rest of the handling is part of the upload's trace.
   */
  async handle(event: ChunkEvent, trace?: MessageTrace): Promise<EventOutcome> {
    const { uploads, store, log } = this.#deps
    if (event.bucket !== store.bucket) {
      log.warn({ bucket: event.bucket }, 'chunk event for another bucket')
      return 'malformed'
    }
    const parsed = parseChunkKey(this.#deps.chunkPrefix, event.key)
    if (!parsed) {
      log.warn({ key: event.key }, 'event key is not a chunk key')
      return 'malformed'
    }
    const { uploadId, index } = parsed
    const record = await uploads.get(uploadId)
    if (!record) {
      log.info({ uploadId, index }, 'chunk event for an unknown upload acknowledged')
      return 'done'
    }
    if (!trace) return this.#handleRecord(event, uploadId, index, record)
    const attributes = {
      [attr.uploadId]: uploadId,
      [attr.chunkIndex]: index,
      [attr.chunkBytes]: event.size,
      ...(userPseudonym(record.userId) ? { [attr.user]: userPseudonym(record.userId) } : {}),
    }
    return trace.enter(record.traceparent, attributes, () =>
      this.#handleRecord(event, uploadId, index, record),
    )
  }

  async #handleRecord(
    event: ChunkEvent,
    uploadId: string,
    index: number,
    record: UploadRecord,
  ): Promise<EventOutcome> {
    const { uploads, store, log } = this.#deps
    if (isFinal(record.status)) {
      // A chunk that landed after the end (a late PUT, or a redelivery): nothing may keep it.
      await store.delete(event.key)
      log.info({ uploadId, index, status: record.status }, 'chunk event for an ended upload acknowledged')
      return 'done'
    }
    if (index >= record.chunkCount) {
      log.warn({ uploadId, index, chunkCount: record.chunkCount }, 'chunk index outside the plan ignored')
      return 'done'
    }
    if (record.status === 'finalizing') {
      // The set was complete already. If the holder died, this delivery takes the expired lease.
      return this.#finalize(uploadId)
    }
    const head = await store.head(event.key)
    if (!head) {
      log.info({ uploadId, index }, 'chunk object gone before its event was handled')
      return 'done'
    }
    const expected = chunkLength(record, index)
    if (head.size !== expected) {
      log.warn({ uploadId, index, size: head.size, expected }, 'chunk object has the wrong size; not counted')
      return 'done'
    }
    // S3 stores each chunk with ChecksumSHA256 (verified on PUT by the uploads service and by S3);
    // the digest is recorded so the content hash can be derived when the client did not declare it.
    const digest =
      head.checksumSha256 && !head.checksumSha256.includes('-')
        ? head.checksumSha256
        : await store.sha256Of(event.key)
    const now = this.#now()
    const expiresAt = now + this.#deps.sessionTtlMs
    await uploads.putChunk(uploadId, { index, size: head.size, digest }, expiresAt)
    const updated = await uploads.recordChunk(uploadId, index, now, expiresAt)
    if (!updated) {
      // The session ended or started finalizing between the read and the write: look again.
      const current = await uploads.get(uploadId)
      if (current && isFinal(current.status)) {
        await store.delete(event.key)
        return 'done'
      }
      if (current?.status === 'finalizing') return this.#finalize(uploadId)
      return 'retry'
    }
    if (event.eventTime !== undefined) meters().eventLag.record(Math.max(0, now - event.eventTime) / 1000)
    this.#deps.notifier.publish(uploadId)
    if (updated.received.length >= updated.chunkCount) return this.#finalize(uploadId)
    try {
      await this.#deps.finalizer.eagerCopy(updated, index)
    } catch (err) {
      // Only an optimisation: finalization copies whatever is missing.
      log.warn({ err, uploadId, index }, 'eager part copy failed')
    }
    return 'done'
  }

  async #finalize(uploadId: string): Promise<EventOutcome> {
    const result = await this.#deps.finalizer.run(uploadId)
    if (result.deferMs !== undefined)
      return { deferSeconds: Math.min(43_200, Math.ceil(result.deferMs / 1000)) }
    return 'done'
  }
}
