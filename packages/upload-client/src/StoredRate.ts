/**
 * Upload speed measured on stored bytes (chunks the uploads service answered 201 for) over a
 * sliding window. Bytes on the wire are not counted: a socket buffer that swallows a few MiB at
 * once would otherwise read as a burst of speed and an ETA of zero long before the end.
 *
 * The rate is taken from the oldest sample still in the window up to *now*, not up to the last
 * stored chunk, so while nothing lands the speed decays and the ETA grows instead of freezing.
 */
export class StoredRate {
  readonly #windowMs: number
  readonly #minSpanMs: number
  #samples: Array<{ at: number; bytes: number }> = []

  constructor(options: { windowMs?: number; minSpanMs?: number } = {}) {
    this.#windowMs = options.windowMs ?? 20_000
    this.#minSpanMs = options.minSpanMs ?? 1000
  }

  /** Starts measuring (again) from `bytes` already stored; after a pause the old rate says nothing. */
  start(bytes: number, nowMs: number): void {
    this.#samples = [{ at: nowMs, bytes }]
  }

  /** `bytes` is the running total of stored bytes; `nowMs` a monotonic clock. */
  record(bytes: number, nowMs: number): void {
    const last = this.#samples.at(-1)
    if (last === undefined) {
      this.start(bytes, nowMs)
      return
    }
    if (bytes <= last.bytes) return
    this.#samples.push({ at: nowMs, bytes })
    // Keep one sample at or before the window's start so the window stays fully covered.
    const cutoff = nowMs - this.#windowMs
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? nowMs) <= cutoff) this.#samples.shift()
  }

  /** Stored bytes per second, or undefined until something was stored and a second has passed. */
  bytesPerSecond(nowMs: number): number | undefined {
    const first = this.#samples[0]
    const last = this.#samples.at(-1)
    if (!first || !last || last.bytes <= first.bytes) return undefined
    // The anchor is the newest sample at or before the window's start, if any.
    const cutoff = nowMs - this.#windowMs
    let anchor = first
    for (const s of this.#samples) {
      if (s.at <= cutoff && s.bytes < last.bytes) anchor = s
      else break
    }
    const span = nowMs - anchor.at
    if (span < this.#minSpanMs) return undefined
    return ((last.bytes - anchor.bytes) * 1000) / span
  }

  /**
   * Seconds until `remainingBytes` are stored at the current rate; undefined while unknown. Never
   * below one second while anything remains, so "0 s" only ever shows at the very end.
   */
  etaSeconds(remainingBytes: number, nowMs: number): number | undefined {
    if (remainingBytes <= 0) return 0
    const rate = this.bytesPerSecond(nowMs)
    if (rate === undefined || rate <= 0) return undefined
    return Math.max(1, Math.ceil(remainingBytes / rate))
  }

  reset(): void {
    this.#samples = []
  }
}
