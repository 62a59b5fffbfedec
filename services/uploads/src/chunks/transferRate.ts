/**
 * The minimum transfer rate of a chunk body: after `graceMs`, every sliding window of `windowMs`
 * must bring at least `bytesPerSecond * windowMs / 1000` bytes (or the rest of the body, if less
 * is left). An idle or trickling client is cut instead of holding a slot until the request timeout.
 */
export interface MinTransferRate {
  /** 0 turns the check off. */
  bytesPerSecond: number
  graceMs: number
  windowMs: number
}

export interface TransferProgress {
  /** Bytes received so far. */
  received(): number
  /** Bytes the body declared. */
  length: number
  /** True while this service is not reading (the store is slower than the client): not the client's time. */
  stalledByUs(): boolean
}

export interface TooSlow {
  receivedInWindow: number
  requiredInWindow: number
  windowMs: number
}

/**
 * Watches `progress` and calls `onTooSlow` once when the client falls below the rate. Returns a
 * function that stops watching. Time during which this service itself applied backpressure restarts
 * the window, so a slow store never gets a client cut.
 */
export function watchTransferRate(
  rate: MinTransferRate,
  progress: TransferProgress,
  onTooSlow: (info: TooSlow) => void,
  now: () => number = Date.now,
): () => void {
  if (rate.bytesPerSecond <= 0) return () => {}
  const start = now()
  let samples: { at: number; bytes: number }[] = [{ at: start, bytes: progress.received() }]
  const required = (rate.bytesPerSecond * rate.windowMs) / 1000
  const tick = Math.max(20, Math.min(1000, Math.floor(rate.windowMs / 4)))
  const timer = setInterval(() => {
    const at = now()
    const bytes = progress.received()
    if (progress.stalledByUs()) {
      samples = [{ at, bytes }]
      return
    }
    samples.push({ at, bytes })
    // Keep the newest sample at or before the window's start, and everything after it.
    const from = at - rate.windowMs
    while (samples.length > 1 && (samples[1]?.at ?? at) <= from) samples.shift()
    const first = samples[0]
    if (!first || first.at > from || at - start < rate.graceMs) return
    const needed = Math.min(required, progress.length - first.bytes)
    if (bytes - first.bytes < needed) {
      clearInterval(timer)
      onTooSlow({ receivedInWindow: bytes - first.bytes, requiredInWindow: needed, windowMs: rate.windowMs })
    }
  }, tick)
  timer.unref()
  return () => clearInterval(timer)
}
