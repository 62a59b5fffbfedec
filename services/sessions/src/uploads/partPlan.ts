import { MiB } from '@lfusys/contracts'

/** S3 (and fauxqs) reject multipart parts under 5 MiB, except the last. */
export const MIN_PART_SIZE = 5 * MiB

/**
 * How an upload's object is assembled from its chunks:
 * - `copy-object`: a non-empty file of one chunk is that chunk, copied whole by CopyObject;
 * - `copy-parts`: chunks of at least 5 MiB become one part each by UploadPartCopy (S3 never moves the
 *   bytes through us, and parts = chunks makes S3's composite equal the content hash);
 * - `group-parts`: smaller chunks cannot be parts, so they are read and grouped into parts of
 *   >= 5 MiB (and a 0-byte file is one empty part).
 */
export type AssemblyMode = 'copy-object' | 'copy-parts' | 'group-parts'

export function assemblyMode(plan: {
  fileSize: number
  chunkSize: number
  chunkCount: number
}): AssemblyMode {
  if (plan.chunkCount === 1) return plan.fileSize > 0 ? 'copy-object' : 'group-parts'
  return plan.chunkSize >= MIN_PART_SIZE ? 'copy-parts' : 'group-parts'
}

/** How many consecutive small chunks make one part of at least 5 MiB. */
export function chunksPerPart(chunkSize: number): number {
  return Math.max(1, Math.ceil(MIN_PART_SIZE / Math.max(1, chunkSize)))
}
