import { chunkKey, chunkLength, parseChunkKey } from '@lfusys/contracts'
import type { Logger } from '@lfusys/logger'
import { attr, type MessageTrace, meters, userPseudonym } from '@lfusys/telemetry'
import { isFinal, type UploadRecord } from '../domain/UploadRecord.ts'
import type { StatusNotifier } from '../status/StatusNotifier.ts'
import type { ObjectStore } from '../storage/ObjectStore.ts'
import type { ChunkRepository } from './ChunkRepository.ts'
import type { EagerCopier } from './EagerCopier.ts'
import type { Finalizer } from './Finalizer.ts'
import { mapLimit } from './mapLimit.ts'
import type { UploadRepository } from './UploadRepository.ts'
import type { UploadTransitions } from './UploadTransitions.ts'

/** Chunks a reconciliation records at once. */
const RECONCILE_CONCURRENCY = 8

/**
 * What the consumer does with a message: delete it ('done'), leave it for the visibility timeout
 * to bring back ('retry') or for the redrive policy to move to the DLQ ('malformed'), or hide it
 * for `deferSeconds` (to come back just after another worker's lease expires).
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
  uploads: Pick<UploadRepository, 'get'>
  transitions: Pick<UploadTransitions, 'recordChunk'>
  chunks: Pick<ChunkRepository, 'putChunk'>
  store: ObjectStore
  finalizer: Pick<Finalizer, 'run'>
  eagerCopier: Pick<EagerCopier, 'copy'>
  notifier: StatusNotifier
  log: Logger
  chunkPrefix: string
  sessionTtlMs: number
  now?: () => number
  /**
   * Leaves a delayed delivery for a finalization started outside the queue (completion call,
   * sweeper), to take it over if this process dies (see consumers/FinalizationWatch).
   */
  watch?: (uploadId: string) => Promise<void>
}

type Settled = { kind: 'outcome'; outcome: EventOutcome }
type Found = { kind: 'found'; uploadId: string; index: number; record: UploadRecord }
type Recorded = Settled | { kind: 'recorded'; updated: UploadRecord; index: number }

/** Records chunk objects as their S3 events arrive and starts finalization when the set is complete. */
export class ChunkEventService {
  readonly #deps: ChunkEventServiceDeps
  readonly #now: () => number

  constructor(deps: ChunkEventServiceDeps) {
    this.#deps = deps
    this.#now = deps.now ?? Date.now
  }

  /**
   * `trace`: the consumer's message span, entered once the upload's record (with the traceparent its
   * creation stored) has been read, so the rest of the handling is part of the upload's trace.
   */
  async handle(event: ChunkEvent, trace?: MessageTrace): Promise<EventOutcome> {
    const found = await this.#find(event)
    if (found.kind === 'outcome') return found.outcome
    const run = async (): Promise<EventOutcome> => {
      const result = await this.#recordFound(event, found)
      if (result.kind === 'outcome') return result.outcome
      const { updated, index } = result
      if (updated.received.length >= updated.chunkCount) return this.#finalize(updated.uploadId)
      try {
        await this.#deps.eagerCopier.copy(updated, index)
      } catch (err) {
        // Only an optimisation: finalization copies whatever is missing.
        this.#deps.log.warn({ err, uploadId: updated.uploadId, index }, 'eager part copy failed')
      }
      return 'done'
    }
    if (!trace) return run()
    const { uploadId, index, record } = found
    const pseudonym = userPseudonym(record.userId)
    const attributes = {
      [attr.uploadId]: uploadId,
      [attr.chunkIndex]: index,
      [attr.chunkBytes]: event.size,
      ...(pseudonym ? { [attr.user]: pseudonym } : {}),
    }
    return trace.enter(record.traceparent, attributes, run)
  }

  /**
   * Records the chunk objects of an unfinished upload that S3 holds but no handled event announced
   * (design: "lost events cost seconds"): HEADs each unrecorded chunk when there are at most
   * RECONCILE_CONCURRENCY of them, else lists `chunks/<id>/`, and treats each unrecorded object as
   * its event. Idempotent and safe alongside the consumer (the received set is a set). Answers the
   * session afterwards and the indexes the store does not hold.
   */
  async reconcile(record: UploadRecord): Promise<{ upload: UploadRecord; missing: number[] }> {
    const { store, chunkPrefix } = this.#deps
    let current = record
    const stored = new Set<number>()
    const unrecorded: { key: string; index: number }[] = []
    const received = new Set(record.received)
    const notReceived: number[] = []
    for (let i = 0; i < record.chunkCount && notReceived.length <= RECONCILE_CONCURRENCY; i++) {
      if (!received.has(i)) notReceived.push(i)
    }
    if (notReceived.length <= RECONCILE_CONCURRENCY) {
      // A few chunks (a small file's only one): HEAD each directly; a listing would be one more
      // store call on the client's wait, before the same HEADs.
      for (const index of notReceived) {
        unrecorded.push({ key: chunkKey(chunkPrefix, record.uploadId, index), index })
      }
    } else {
      const keys = await store.listKeys(`${chunkPrefix}${record.uploadId}/`, record.chunkCount + 10)
      for (const key of keys) {
        const parsed = parseChunkKey(chunkPrefix, key)
        if (!parsed || parsed.uploadId !== record.uploadId || parsed.index >= record.chunkCount) continue
        stored.add(parsed.index)
        if (!received.has(parsed.index)) unrecorded.push({ key, index: parsed.index })
      }
    }
    // Side by side (the client waits on this): each chunk is a HEAD and two conditional writes.
    await mapLimit(unrecorded, RECONCILE_CONCURRENCY, async ({ key, index }) => {
      const found: Found = { kind: 'found', uploadId: record.uploadId, index, record }
      const result = await this.#recordFound({ bucket: store.bucket, key, size: 0 }, found)
      if (result.kind === 'recorded') {
        stored.add(index)
        if (result.updated.received.length > current.received.length) current = result.updated
        this.#deps.log.info({ uploadId: record.uploadId, index }, 'chunk without a handled event recorded')
      }
    })
    const fresh = (await this.#deps.uploads.get(record.uploadId)) ?? current
    const recorded = new Set(fresh.received)
    const missing: number[] = []
    for (let i = 0; i < fresh.chunkCount; i++) if (!recorded.has(i) && !stored.has(i)) missing.push(i)
    return { upload: fresh, missing }
  }

  /**
   * Takes the lease (or an expired one) and finalizes; the outcome as the consumer settles it. For
   * callers outside the queue: the watch goes out alongside, so no message-less finalization is left
   * without a delivery to take it over. It is delayed until after the lease, so sending it first
   * would only put one more store call before a small file's finalization.
   */
  async finalize(uploadId: string): Promise<EventOutcome> {
    const watching = this.#deps.watch?.(uploadId)
    try {
      return await this.#finalize(uploadId)
    } finally {
      await watching
    }
  }

  /** The upload an event names, or how to settle an event that names none. */
  async #find(event: ChunkEvent): Promise<Settled | Found> {
    const { uploads, store, log } = this.#deps
    const settled = async (outcome: EventOutcome | Promise<EventOutcome>) => ({
      kind: 'outcome' as const,
      outcome: await outcome,
    })
    if (event.bucket !== store.bucket) {
      log.warn({ bucket: event.bucket }, 'chunk event for another bucket')
      return settled('malformed')
    }
    const parsed = parseChunkKey(this.#deps.chunkPrefix, event.key)
    if (!parsed) {
      log.warn({ key: event.key }, 'event key is not a chunk key')
      return settled('malformed')
    }
    const { uploadId, index } = parsed
    const record = await uploads.get(uploadId)
    if (!record) {
      log.info({ uploadId, index }, 'chunk event for an unknown upload acknowledged')
      return settled('done')
    }
    return { kind: 'found', uploadId, index, record }
  }

  async #recordFound(event: ChunkEvent, found: Found): Promise<Recorded> {
    const { uploads, store, log } = this.#deps
    const { uploadId, index, record } = found
    const settled = async (outcome: EventOutcome | Promise<EventOutcome>): Promise<Settled> => ({
      kind: 'outcome',
      outcome: await outcome,
    })
    if (isFinal(record.status)) {
      // A chunk that landed after the end (a late PUT, or a redelivery): nothing may keep it.
      await store.delete(event.key)
      log.info({ uploadId, index, status: record.status }, 'chunk event for an ended upload acknowledged')
      return settled('done')
    }
    if (index >= record.chunkCount) {
      log.warn({ uploadId, index, chunkCount: record.chunkCount }, 'chunk index outside the plan ignored')
      return settled('done')
    }
    if (record.status === 'finalizing') {
      // The set was complete already. If the holder died, this delivery takes the expired lease.
      return settled(this.#finalize(uploadId))
    }
    const head = await store.head(event.key)
    if (!head) {
      log.info({ uploadId, index }, 'no chunk object to record')
      return settled('done')
    }
    const expected = chunkLength(record, index)
    if (head.size !== expected) {
      log.warn({ uploadId, index, size: head.size, expected }, 'chunk object has the wrong size; not counted')
      return settled('done')
    }
    // S3 stores each chunk with ChecksumSHA256 (verified on PUT by the uploads service and by S3);
    // the digest is recorded so the content hash can be derived when the client did not declare it.
    const digest =
      head.checksumSha256 && !head.checksumSha256.includes('-')
        ? head.checksumSha256
        : await store.sha256Of(event.key)
    const now = this.#now()
    const expiresAt = now + this.#deps.sessionTtlMs
    await this.#deps.chunks.putChunk(uploadId, { index, size: head.size, digest }, expiresAt)
    const updated = await this.#deps.transitions.recordChunk(uploadId, index, now, expiresAt)
    if (!updated) {
      // The session ended or started finalizing between the read and the write: look again.
      const current = await uploads.get(uploadId)
      if (current && isFinal(current.status)) {
        await store.delete(event.key)
        return settled('done')
      }
      if (current?.status === 'finalizing') return settled(this.#finalize(uploadId))
      return settled('retry')
    }
    if (event.eventTime !== undefined) meters().eventLag.record(Math.max(0, now - event.eventTime) / 1000)
    this.#deps.notifier.publish(uploadId)
    return { kind: 'recorded', updated, index }
  }

  async #finalize(uploadId: string): Promise<EventOutcome> {
    const result = await this.#deps.finalizer.run(uploadId)
    if (result.deferMs !== undefined)
      return { deferSeconds: Math.min(43_200, Math.ceil(result.deferMs / 1000)) }
    return 'done'
  }
}
