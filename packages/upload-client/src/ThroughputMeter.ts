/**
 * Speed as an exponentially weighted moving average whose weight depends on the time between
 * samples (time constant `tauMs`), so irregular progress events (XHR fires them unevenly, fetch only
 * per chunk) give the same smoothing. The ETA derives from the smoothed speed, so it does not jump
 * when one chunk lands.
 */
export class ThroughputMeter {
  readonly #tauMs: number
  readonly #minIntervalMs: number
  #lastBytes: number | undefined
  #lastAt = 0
  #speed: number | undefined

  constructor(options: { tauMs?: number; minIntervalMs?: number } = {}) {
    this.#tauMs = options.tauMs ?? 4000
    this.#minIntervalMs = options.minIntervalMs ?? 250
  }

  /** `bytes` is the running total transferred; `nowMs` a monotonic clock. */
  sample(bytes: number, nowMs: number): void {
    if (this.#lastBytes === undefined) {
      this.#lastBytes = bytes
      this.#lastAt = nowMs
      return
    }
    const dt = nowMs - this.#lastAt
    if (dt < this.#minIntervalMs) return
    const instant = (Math.max(0, bytes - this.#lastBytes) * 1000) / dt
    const alpha = 1 - Math.exp(-dt / this.#tauMs)
    this.#speed = this.#speed === undefined ? instant : this.#speed + alpha * (instant - this.#speed)
    this.#lastBytes = bytes
    this.#lastAt = nowMs
  }

  /** Bytes per second, or undefined before two samples far enough apart. */
  get bytesPerSecond(): number | undefined {
    return this.#speed
  }

  etaSeconds(remainingBytes: number): number | undefined {
    if (this.#speed === undefined || this.#speed <= 0) return undefined
    return remainingBytes / this.#speed
  }

  /** After a pause the old rate says nothing about the next one. */
  reset(): void {
    this.#lastBytes = undefined
    this.#speed = undefined
  }
}
