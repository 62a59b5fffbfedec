import { type ChunkPlan, chunkRange, contentHashFromDigests, toHex } from '@lfusys/contracts'
import type { ChunkSource } from './ChunkSource.ts'

export async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes))
}

export interface HashHooks {
  /** Total bytes hashed so far. */
  onProgress?: (hashedBytes: number) => void
  signal?: AbortSignal
}

/** Computes every chunk's digest; the engine then derives the content hash from them. */
export type ChunkHasher = (source: ChunkSource, plan: ChunkPlan, hooks: HashHooks) => Promise<Uint8Array[]>

/**
 * Reads and hashes one chunk at a time, so memory stays at one chunk whatever the file size
 * (WebCrypto has no streaming digest, but per-chunk digests are all the protocol needs).
 */
export const hashChunksInline: ChunkHasher = async (source, plan, hooks) => {
  const digests: Uint8Array[] = []
  let hashed = 0
  for (let i = 0; i < plan.chunkCount; i++) {
    hooks.signal?.throwIfAborted()
    const { start, end } = chunkRange(plan, i)
    const bytes = await source.read(start, end)
    digests.push(await sha256(bytes))
    hashed += bytes.length
    hooks.onProgress?.(hashed)
  }
  return digests
}

export interface ContentFingerprint {
  contentHash: string
  digests: Uint8Array[]
}

export async function fingerprint(digests: Uint8Array[]): Promise<ContentFingerprint> {
  return { contentHash: await contentHashFromDigests(digests), digests }
}

/**
 * Before resuming a stored upload with a file the user picked again: the same size and the same
 * first and last chunk (name and mtime prove nothing; the middle chunks are checked by the uploads
 * service against the recorded digests as they are sent, and a mismatch there means FILE_CHANGED).
 */
export async function isSameContent(
  source: ChunkSource,
  plan: ChunkPlan,
  recordedHexDigests: readonly string[],
): Promise<boolean> {
  if (source.size !== plan.fileSize || recordedHexDigests.length !== plan.chunkCount) return false
  const indexes = plan.chunkCount === 1 ? [0] : [0, plan.chunkCount - 1]
  for (const i of indexes) {
    const { start, end } = chunkRange(plan, i)
    const digest = toHex(await sha256(await source.read(start, end)))
    if (digest !== recordedHexDigests[i]) return false
  }
  return true
}
