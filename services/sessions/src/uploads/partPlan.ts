import { MiB } from '@lfusys/contracts'

/** S3 (and fauxqs) reject multipart parts under 5 MiB, except the last. */
export const MIN_PART_SIZE = 5 * MiB

/**
 * Chunks of at least 5 MiB become one part each by UploadPartCopy (S3 never moves the bytes through
 * us, and parts = chunks makes S3's composite equal the content hash). Smaller chunks cannot be
 * parts, so they are read and grouped into parts of >= 5 MiB; a single non-empty chunk is copied (as
 * a part when the copy resumes a multipart upload an earlier holder started; see copiesWhole).
 */
export function usesPartCopy(plan: { fileSize: number; chunkSize: number; chunkCount: number }): boolean {
  return plan.chunkCount > 1 ? plan.chunkSize >= MIN_PART_SIZE : plan.fileSize > 0
}

/** How many consecutive small chunks make one part of at least 5 MiB. */
export function chunksPerPart(chunkSize: number): number {
  return Math.max(1, Math.ceil(MIN_PART_SIZE / Math.max(1, chunkSize)))
}

/** A non-empty file of one chunk is assembled by copying that chunk whole (CopyObject). */
export function copiesWhole(plan: { fileSize: number; chunkCount: number }): boolean {
  return plan.chunkCount === 1 && plan.fileSize > 0
}
