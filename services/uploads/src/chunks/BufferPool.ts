const MiB = 1024 * 1024

/**
 * Reuses chunk buffers so a steady stream of chunks does not allocate (and page-fault) a fresh
 * multi-MiB buffer per request. Sizes are rounded up to whole MiB so the last, shorter chunk of an
 * upload shares buffers with the others. At most `maxPooledBytes` sit idle in the pool.
 */
export class BufferPool {
  readonly #free = new Map<number, Buffer[]>()
  readonly #maxPooledBytes: number
  #pooledBytes = 0

  constructor(maxPooledBytes: number) {
    this.#maxPooledBytes = maxPooledBytes
  }

  /** A buffer of at least `length` bytes; its contents are not zeroed. */
  take(length: number): Buffer {
    const size = Math.max(MiB, Math.ceil(length / MiB) * MiB)
    const buffer = this.#free.get(size)?.pop()
    if (buffer) {
      this.#pooledBytes -= size
      return buffer
    }
    return Buffer.allocUnsafeSlow(size)
  }

  give(buffer: Buffer): void {
    if (this.#pooledBytes + buffer.length > this.#maxPooledBytes) return
    const list = this.#free.get(buffer.length) ?? []
    list.push(buffer)
    this.#free.set(buffer.length, list)
    this.#pooledBytes += buffer.length
  }
}
