import { type ChunkPlanOptions, contentHashFromDigests, planChunks } from '@lfusys/contracts'
import { type FileRecord, hashChunksInline } from '@lfusys/upload-client'
import { fileSource } from '@lfusys/upload-client/node'

export class DownloadMismatchError extends Error {
  override readonly name = 'DownloadMismatchError'
}

/**
 * Checks downloaded bytes against the content hash the server vouches for (design invariant 2).
 * The hash is over per-chunk digests, so it depends on the chunk plan: the plan is the one the
 * server's announced policy gives a file of this size, the plan the file was uploaded with.
 */
export async function verifyDownload(
  path: string,
  file: Pick<FileRecord, 'size' | 'contentHash'>,
  chunkPlan: ChunkPlanOptions,
): Promise<void> {
  const src = await fileSource(path)
  try {
    if (src.size !== file.size) {
      throw new DownloadMismatchError(`downloaded ${src.size} bytes, the file has ${file.size}`)
    }
    const plan = planChunks(src.size, chunkPlan)
    const hash = await contentHashFromDigests(await hashChunksInline(src, plan, {}))
    if (hash !== file.contentHash) {
      throw new DownloadMismatchError(
        `downloaded bytes do not match the file's content hash (${hash} != ${file.contentHash}, ` +
          `hashed as ${plan.chunkCount} chunks of ${plan.chunkSize} bytes)`,
      )
    }
  } finally {
    await src.close?.()
  }
}
