import type { Logger } from '@lfusys/logger'
import type { ChunkEventService } from './ChunkEventService.ts'
import type { Finalizer } from './Finalizer.ts'
import type { SessionCleanup } from './SessionCleanup.ts'
import type { UploadRepository } from './UploadRepository.ts'
import type { UploadTransitions } from './UploadTransitions.ts'

/**
 * Design invariant 9: expires abandoned sessions and removes their chunk objects. Safe on any number
 * of instances: each session changes state by a conditional write that exactly one sweeper wins,
 * and cleanup (delete chunks, abort multipart uploads) is idempotent. Also finishes cleanups that a
 * crashed process left half done, and retries finalizations whose lease ran out with no delivery
 * left to take it over, and reconciles idle uploads whose chunk events never arrived (S3 event
 * delivery is best effort: a chunk object without its event is recorded from a listing).
 */
export class ExpirySweeper {
  readonly #uploads: UploadRepository
  readonly #transitions: Pick<UploadTransitions, 'end'>
  readonly #finalizer: Pick<Finalizer, 'run'>
  readonly #cleanup: Pick<SessionCleanup, 'cleanup' | 'uploadEnded'>
  readonly #log: Logger
  readonly #now: () => number
  readonly #reconcile:
    | {
        events: Pick<ChunkEventService, 'reconcile' | 'finalize'>
        sessionTtlMs: number
        idleMs: number
      }
    | undefined
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(deps: {
    uploads: UploadRepository
    transitions: Pick<UploadTransitions, 'end'>
    finalizer: Pick<Finalizer, 'run'>
    cleanup: Pick<SessionCleanup, 'cleanup' | 'uploadEnded'>
    log: Logger
    now?: () => number
    /** Reconciliation of idle uploads; undefined disables it. */
    reconcile?: {
      events: Pick<ChunkEventService, 'reconcile' | 'finalize'>
      sessionTtlMs: number
      idleMs: number
    }
  }) {
    this.#reconcile = deps.reconcile
    this.#uploads = deps.uploads
    this.#transitions = deps.transitions
    this.#finalizer = deps.finalizer
    this.#cleanup = deps.cleanup
    this.#log = deps.log.child({ component: 'sweeper' })
    this.#now = deps.now ?? Date.now
  }

  /** One pass; returns how many sessions it expired and cleaned. */
  async sweep(
    limit = 100,
  ): Promise<{ expired: number; cleaned: number; finalized: number; reconciled: number }> {
    const now = this.#now()
    let expired = 0
    let cleaned = 0
    let finalized = 0
    let reconciled = 0
    for (const record of await this.#uploads.dueForSweep('active', now, limit)) {
      if (record.status === 'finalizing') {
        if ((record.leaseExpiresAt ?? 0) < now) {
          const { outcome } = await this.#finalizer.run(record.uploadId)
          if (outcome === 'complete' || outcome === 'failed') finalized++
        }
        continue
      }
      const ended = await this.#transitions.end(record.uploadId, 'expired', now, now)
      if (!ended) continue
      expired++
      this.#log.info({ uploadId: record.uploadId }, 'upload expired')
      await this.#cleanup.uploadEnded(record.uploadId, 'expired', this.#log)
      cleaned++
    }
    // Ended sessions whose chunk cleanup did not finish (a crash, an S3 error): finish it.
    // The grace keeps it from racing the inline cleanup that normally follows within milliseconds.
    for (const record of await this.#uploads.dueForSweep('cleanup', now - 30_000, limit)) {
      await this.#cleanup.cleanup(record.uploadId, this.#log)
      cleaned++
    }
    reconciled = await this.#reconcileIdle(now, limit)
    return { expired, cleaned, finalized, reconciled }
  }

  /**
   * Records chunk objects of idle uploads (`created` or `uploading`) that have no recorded index
   * (their event was lost), and finalizes those whose set that completes.
   */
  async #reconcileIdle(now: number, limit: number): Promise<number> {
    const r = this.#reconcile
    if (!r) return 0
    let recorded = 0
    const idleExpiresBefore = now + r.sessionTtlMs - r.idleMs
    // With a TTL shorter than the idle time, sessions expire before they count as idle.
    if (idleExpiresBefore <= now) return 0
    const idle = await this.#uploads.idle(now, idleExpiresBefore, now - r.idleMs, limit)
    for (const record of idle) {
      const { upload } = await r.events.reconcile(record)
      const added = upload.received.length - record.received.length
      if (added > 0) {
        this.#log.warn(
          { uploadId: record.uploadId, chunks: added },
          'chunks without a recorded event reconciled',
        )
        recorded += added
      }
      if (upload.status === 'uploading' && upload.received.length >= upload.chunkCount) {
        await r.events.finalize(upload.uploadId)
      }
      await this.#uploads.markReconciled(record.uploadId, now)
    }
    return recorded
  }

  start(intervalMs: number): void {
    const tick = () => {
      this.#running = this.sweep()
        .then((result) => {
          if (result.expired + result.cleaned + result.finalized + result.reconciled > 0) {
            this.#log.info(result, 'sweep done')
          }
        })
        .catch((err: unknown) => this.#log.error({ err }, 'sweep failed'))
        .finally(() => {
          this.#running = undefined
          if (this.#timer !== undefined) this.#timer = setTimeout(tick, intervalMs)
        })
    }
    this.#timer = setTimeout(tick, intervalMs)
  }

  async stop(): Promise<void> {
    const timer = this.#timer
    this.#timer = undefined
    if (timer) clearTimeout(timer)
    await this.#running
  }
}
