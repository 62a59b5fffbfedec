/**
 * Admission control for chunk requests: a request is admitted only while both the number of chunk
 * requests and the bytes they hold stay within their limits. It never queues: a request that does
 * not fit is refused at once (the edge answers 503 + Retry-After), so memory stays bounded whatever
 * clients do.
 */
export interface CapacityLimits {
  maxConcurrent: number
  maxBytes: number
}

export interface CapacityLease {
  /** Idempotent: a second call does nothing. */
  release(): void
}

export class CapacityLimiter {
  readonly #limits: CapacityLimits
  #active = 0
  #bytes = 0

  constructor(limits: CapacityLimits) {
    this.#limits = limits
  }

  /** A lease for `bytes`, or undefined when the request does not fit now. */
  tryAcquire(bytes: number): CapacityLease | undefined {
    if (this.#active + 1 > this.#limits.maxConcurrent) return undefined
    if (this.#bytes + bytes > this.#limits.maxBytes) return undefined
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

  get usage(): { active: number; bytes: number } {
    return { active: this.#active, bytes: this.#bytes }
  }
}
