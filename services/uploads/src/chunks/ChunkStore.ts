import type { Readable } from 'node:stream'

/** Where chunk bytes go. Feature code sees only this; `S3ChunkStore` is the S3 implementation. */
export interface ChunkStore {
  /**
   * Stores `length` bytes whose digest is already verified at `key`, declaring their SHA-256 to S3.
   * A stream body is read once (no retry); the caller answers 503 on a transient failure.
   */
  put(key: string, body: Uint8Array | Readable, length: number, sha256: Uint8Array): Promise<void>
  /** Streams `length` not yet verified bytes to `stagingKey` (outside the chunk prefix). */
  stage(
    stagingKey: string,
    body: Readable,
    length: number,
    sha256: Uint8Array,
    signal: AbortSignal,
  ): Promise<void>
  /** Copies a verified staged object to its chunk key. */
  promote(stagingKey: string, key: string): Promise<void>
  /** Removes a staged object; absent is fine. */
  discard(stagingKey: string): Promise<void>
  /** Resolves when the bucket answers (readiness). */
  ping(): Promise<void>
}
