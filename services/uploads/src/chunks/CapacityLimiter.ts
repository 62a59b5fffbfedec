/**
 * Admission control for chunk requests: a request is admitted only while fewer than
 * `maxConcurrent` are being handled. It never queues: a request that does not fit is refused at
 * once (the edge answers 503 + Retry-After). Chunk bodies stream through, so each admitted request
 * holds only stream buffers and this bound is also the memory bound.
 */
export interface CapacityLimits {
  maxConcurrent: number
}

export interface CapacityLease {
  /** Idempotent: a second call does nothing. */
  release(): void
}

export class CapacityLimiter {
  readonly #limits: CapacityLimits
  #active = 0

  constructor(limits: CapacityLimits) {
    this.#limits = limits
  }

  #bytes = 0

  /** A lease for a request declaring `bytes`, or undefined when the limit is reached. */
  tryAcquire(bytes = 0): CapacityLease | undefined {
    if (this.#active + 1 > this.#limits.maxConcurrent) return undefined
    this.#active += 1
    this.#bytes += bytes
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        this.#active -= 1
        this.#bytes -= bytes
      },
    }
  }

  /** Admitted requests and the bytes they declared (reported as in-flight bytes, not limited). */
  get usage(): { active: number; bytes: number } {
    return { active: this.#active, bytes: this.#bytes }
  }
}
