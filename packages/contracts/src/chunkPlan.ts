/**
 * The chunk-size rule (design invariant 1). The server decides and returns the chunk size; clients
 * never pick their own. Browser-safe: no Node APIs.
 */
export const MiB = 1024 * 1024
export const DEFAULT_CHUNK_SIZE = 8 * MiB
/** S3 allows 10,000 parts; one chunk becomes one part. */
export const MAX_CHUNKS = 10_000

export interface ChunkPlanOptions {
  /** Chunk size for files that fit in `maxChunks` chunks of it. */
  baseChunkSize?: number
  maxChunks?: number
}

export interface ChunkPlan {
  fileSize: number
  chunkSize: number
  chunkCount: number
}

/**
 * Default 8 MiB; grown in whole MiB only when the file would need more than `maxChunks` chunks.
 * Every file has at least one chunk: a 0-byte file is one empty chunk, so every upload goes through
 * the same event-driven path and its content hash is SHA-256(SHA-256("")).
 */
export function planChunks(fileSize: number, options: ChunkPlanOptions = {}): ChunkPlan {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new RangeError(`file size must be a non-negative integer, got ${fileSize}`)
  }
  const base = options.baseChunkSize ?? DEFAULT_CHUNK_SIZE
  const maxChunks = options.maxChunks ?? MAX_CHUNKS
  if (!Number.isSafeInteger(base) || base <= 0)
    throw new RangeError(`base chunk size must be positive, got ${base}`)
  let chunkSize = base
  if (Math.ceil(fileSize / base) > maxChunks) {
    chunkSize = Math.ceil(fileSize / maxChunks / MiB) * MiB
  }
  const chunkCount = Math.max(1, Math.ceil(fileSize / chunkSize))
  return { fileSize, chunkSize, chunkCount }
}

/** Exact byte length of chunk `index`: every chunk but the last has exactly the chunk size. */
export function chunkLength(plan: ChunkPlan, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= plan.chunkCount) {
    throw new RangeError(`chunk index ${index} is outside 0..${plan.chunkCount - 1}`)
  }
  if (index < plan.chunkCount - 1) return plan.chunkSize
  return plan.fileSize - plan.chunkSize * (plan.chunkCount - 1)
}

/** Byte range [start, end) of chunk `index` in the file. */
export function chunkRange(plan: ChunkPlan, index: number): { start: number; end: number } {
  const start = index * plan.chunkSize
  return { start, end: start + chunkLength(plan, index) }
}
