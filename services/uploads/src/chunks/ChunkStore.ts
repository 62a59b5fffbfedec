import type { Readable } from 'node:stream'

/** The store computed another SHA-256 than the declared one and stored nothing. */
export class ChecksumMismatchError extends Error {
  override readonly name = 'ChecksumMismatchError'
}

/** Where chunk bytes go. Feature code sees only this; `S3ChunkStore` is the S3 implementation. */
export interface ChunkStore {
  /**
   * Streams `length` bytes to `key`, declaring their SHA-256. The store verifies them before the
   * object becomes visible: a mismatch rejects with `ChecksumMismatchError` and stores nothing; an
   * outage rejects with UNAVAILABLE. `signal` aborts the request when the client stream fails. The
   * body is read once (no retry); the caller answers 503 on a transient failure.
   */
  put(key: string, body: Readable, length: number, sha256: Uint8Array, signal: AbortSignal): Promise<void>
  /**
   * The final state of an ended upload (from its marker object), or undefined while it has none.
   * An outage rejects with UNAVAILABLE.
   */
  endedStatus(uploadId: string): Promise<string | undefined>
  /** Resolves when the bucket answers (readiness). */
  ping(): Promise<void>
}
