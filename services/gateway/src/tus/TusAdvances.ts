import type { Caller } from '../uploads/types.ts'
import type { TusStateApi } from './types.ts'

/** One offset write, run in order after the store it depends on. */
export interface Step {
  target: () => { toOffset: number; stagingKey: string }
  /** The request's last write: it releases the lock instead of renewing it. */
  unlock: boolean
  started: boolean
}

const noop = () => undefined

/**
 * The offset writes (AdvanceTusUpload) of one PATCH under its lock, strictly in the order they are
 * queued, each once the store it depends on is done and only if every earlier write succeeded: the
 * stored offset never covers bytes that are not stored. Each write renews the lock; the last one
 * releases it in the same conditional write.
 */
export class TusAdvances {
  readonly #state: TusStateApi
  readonly #caller: Caller
  readonly #lock: { uploadId: string; lockId: string; leaseMs: number }
  readonly #onFailure: (err: unknown) => void
  #committed: number
  #stagingKey: string
  #lockHeld = true
  #lastRenewal = Date.now()
  #chain: Promise<void> = Promise.resolve()
  #last: Step | undefined
  /** Staging objects replaced by a write: removed after the request. */
  readonly replaced: string[] = []

  constructor(
    state: TusStateApi,
    caller: Caller,
    lock: { uploadId: string; lockId: string; leaseMs: number; offset: number; stagingKey: string },
    onFailure: (err: unknown) => void,
  ) {
    this.#state = state
    this.#caller = caller
    this.#lock = { uploadId: lock.uploadId, lockId: lock.lockId, leaseMs: lock.leaseMs }
    this.#committed = lock.offset
    this.#stagingKey = lock.stagingKey
    this.#onFailure = onFailure
  }

  /** The stored offset as of the last write. */
  get committed(): number {
    return this.#committed
  }

  /** Whether the lock is still this request's (its last write normally released it). */
  get lockHeld(): boolean {
    return this.#lockHeld
  }

  /** The last write is queued and will release the lock: nothing may follow it. */
  get closed(): boolean {
    return this.#last?.unlock === true
  }

  /** Appends a write that runs once `after` is done and every earlier write succeeded. */
  queue(after: Promise<unknown>, target: Step['target']): Step {
    const step: Step = { target, unlock: false, started: false }
    this.#last = step
    // Its failure is recorded where it is made; a write skipped after an earlier failure never awaits it.
    after.catch(noop)
    this.#chain = this.#chain.then(async () => {
      await after
      step.started = true
      try {
        await this.#advance(step)
      } catch (err) {
        this.#onFailure(err)
        throw err
      }
    })
    // Awaited by done() or settled(); a failure is reported through onFailure as it happens.
    this.#chain.catch(noop)
    return step
  }

  /** Makes the last queued write release the lock, or queues a write that does. */
  close(): Step {
    const last = this.#last
    if (last && (last.unlock || !last.started)) {
      last.unlock = true
      return last
    }
    const step = this.queue(Promise.resolve(), () => ({
      toOffset: this.#committed,
      stagingKey: this.#stagingKey,
    }))
    step.unlock = true
    return step
  }

  /** The last queued write, if it has not started yet (so it can still take the release). */
  pendingLast(): Step | undefined {
    return this.#last && !this.#last.started ? this.#last : undefined
  }

  /** A slow PATCH keeps its lock while it makes progress. */
  renewIfDue() {
    if (this.closed || Date.now() - this.#lastRenewal <= this.#lock.leaseMs / 3) return
    this.#lastRenewal = Date.now()
    this.queue(Promise.resolve(), () => ({ toOffset: this.#committed, stagingKey: this.#stagingKey }))
  }

  /** Every queued write done; throws the first failure. */
  async done(): Promise<void> {
    await this.#chain
  }

  /** Every queued write done or skipped. */
  async settled(): Promise<void> {
    await this.#chain.catch(noop)
  }

  async #advance(step: Step) {
    const { toOffset, stagingKey } = step.target()
    const state = await this.#state.advanceTusUpload(this.#caller, {
      ...this.#lock,
      fromOffset: this.#committed,
      toOffset,
      stagingKey,
      unlock: step.unlock,
    })
    if (this.#stagingKey && this.#stagingKey !== stagingKey) this.replaced.push(this.#stagingKey)
    this.#committed = state.offset
    this.#stagingKey = stagingKey
    this.#lastRenewal = Date.now()
    // A sessions service that predates `unlock` renews instead: the caller then unlocks.
    if (step.unlock && state.lockId !== this.#lock.lockId) this.#lockHeld = false
  }
}
