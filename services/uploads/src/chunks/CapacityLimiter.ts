/**
 * Admission control for chunk requests. It never queues: a request that does not fit is refused at
 * once (the edge answers 503 or 429 + Retry-After), so nothing waits behind anything else.
 *
 * - `maxConcurrent` slots take any chunk. Bodies stream through, so each admitted request holds only
 *   stream buffers and this bound is also the memory bound.
 * - `smallSlots` more slots take only chunks declaring at most `smallChunkBytes`: while large chunks
 *   hold every ordinary slot, a small upload is still admitted at once instead of being shed.
 * - Each user holds at most `userLimit` slots (a claim of the upload token), so one account cannot
 *   take the intake of everyone else.
 */
export interface CapacityLimits {
  maxConcurrent: number
  smallChunkBytes: number
  smallSlots: number
}

export interface CapacityLease {
  /** Idempotent: a second call does nothing. */
  release(): void
}

export interface AdmissionRequest {
  user: string
  /** Declared length of the chunk. */
  bytes: number
  /** Chunk requests this user may have admitted at once. */
  userLimit: number
}

/** Why a request was not admitted: the service is full, or this user holds their share. */
export type Refusal = 'capacity' | 'user_limit'

export class CapacityLimiter {
  readonly #limits: CapacityLimits
  readonly #perUser = new Map<string, number>()
  #active = 0
  #small = 0
  #bytes = 0

  constructor(limits: CapacityLimits) {
    this.#limits = limits
  }

  /** A lease for the request, or the reason it is refused. */
  tryAcquire(request: AdmissionRequest): CapacityLease | Refusal {
    const held = this.#perUser.get(request.user) ?? 0
    if (held >= request.userLimit) return 'user_limit'
    const ordinary = this.#active - this.#small < this.#limits.maxConcurrent
    const small =
      !ordinary && request.bytes <= this.#limits.smallChunkBytes && this.#small < this.#limits.smallSlots
    if (!ordinary && !small) return 'capacity'
    this.#active += 1
    if (small) this.#small += 1
    this.#bytes += request.bytes
    this.#perUser.set(request.user, held + 1)
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        this.#active -= 1
        if (small) this.#small -= 1
        this.#bytes -= request.bytes
        const left = (this.#perUser.get(request.user) ?? 1) - 1
        if (left === 0) this.#perUser.delete(request.user)
        else this.#perUser.set(request.user, left)
      },
    }
  }

  /** Admitted requests (those in the small lane among them) and the bytes they declared. */
  get usage(): { active: number; small: number; bytes: number; users: number } {
    return { active: this.#active, small: this.#small, bytes: this.#bytes, users: this.#perUser.size }
  }
}
