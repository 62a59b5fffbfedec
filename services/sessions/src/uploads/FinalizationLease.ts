import type { Logger } from '@lfusys/logger'
import type { UploadRecord } from '../domain/UploadRecord.ts'
import type { UploadTransitions } from './UploadTransitions.ts'

/** The lease went to another worker (it ran out, or a write under it was refused): stop at once. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError'
}

export interface LeaseOptions {
  leaseMs: number
  /** Identifies this process in leases (host:pid). */
  workerId: string
  log: Logger
  now?: () => number
}

type LeaseWrites = Pick<UploadTransitions, 'acquireLease' | 'renewLease' | 'releaseLease'>

/**
 * Design invariant 6: one worker at a time finalizes an upload. Taking the lease moves the session
 * to `finalizing`; the holder renews it every third of its term, and a worker finding it run out
 * takes it over. As with tus-node-server's locks, the holder's work listens to `signal`, which
 * aborts (with a LeaseLostError) as soon as the lease is known to be lost, so the old holder stops
 * before it can write over the new one.
 */
export class FinalizationLease {
  readonly record: UploadRecord
  readonly owner: string
  readonly #writes: LeaseWrites
  readonly #controller = new AbortController()
  #renewal: NodeJS.Timeout | undefined

  /** The lease of `uploadId`, or undefined when another worker holds a live one (or none is due). */
  static async take(
    writes: LeaseWrites,
    uploadId: string,
    options: LeaseOptions,
  ): Promise<FinalizationLease | undefined> {
    const now = options.now ?? Date.now
    const owner = `${options.workerId}:${uploadId.slice(0, 8)}:${Math.random().toString(36).slice(2, 10)}`
    const record = await writes.acquireLease(uploadId, owner, now(), options.leaseMs)
    return record ? new FinalizationLease(writes, record, owner, options) : undefined
  }

  private constructor(writes: LeaseWrites, record: UploadRecord, owner: string, options: LeaseOptions) {
    this.#writes = writes
    this.record = record
    this.owner = owner
    const now = options.now ?? Date.now
    this.#renewal = setInterval(
      () => {
        writes
          .renewLease(record.uploadId, owner, now() + options.leaseMs)
          .then((held) => {
            if (!held) this.#lose('finalization lease lost')
          })
          .catch((err: unknown) =>
            options.log.warn({ err, uploadId: record.uploadId }, 'lease renewal failed'),
          )
      },
      Math.max(250, Math.floor(options.leaseMs / 3)),
    )
  }

  /** Aborts (with a LeaseLostError as its reason) once the lease is lost. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** Throws the LeaseLostError once the lease is lost. */
  check(): void {
    this.#controller.signal.throwIfAborted()
  }

  /** A write conditioned on the lease was refused: the lease is lost; throws its LeaseLostError. */
  lost(reason: string): never {
    this.#lose(reason)
    throw this.#controller.signal.reason
  }

  #lose(reason: string) {
    this.stop()
    if (!this.#controller.signal.aborted) this.#controller.abort(new LeaseLostError(reason))
  }

  /** Stops renewing: the upload ended (the lease went with the final state) or the run gave up. */
  stop(): void {
    if (this.#renewal !== undefined) clearInterval(this.#renewal)
    this.#renewal = undefined
  }

  /** Stops renewing and gives the lease back, so a redelivered message can retry at once. */
  async release(): Promise<void> {
    this.stop()
    await this.#writes.releaseLease(this.record.uploadId, this.owner)
  }
}

/**
 * How long to hold back a message that found the lease taken: until just after the lease expires,
 * so the message takes it over if the holder died. Even a fresh lease defers rather than dropping
 * the message: a holder started by a completion call has no message of its own in flight, so this
 * one must take over if the holder dies (a live holder renews, and the message is deferred again).
 * Undefined when there is nothing to finalize.
 */
export function takeoverDelay(
  current: UploadRecord | undefined,
  _leaseMs: number,
  now: number,
): number | undefined {
  if (current?.status !== 'finalizing' || current.leaseExpiresAt === undefined) return undefined
  return Math.max(0, current.leaseExpiresAt - now) + 1000
}
