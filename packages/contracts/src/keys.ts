/**
 * Identifiers and S3 key layout shared by the uploads and sessions services.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** Upload and file ids are lowercase UUIDs (random, so unguessable). */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value)
}

/** Chunk objects: `<prefix><uploadId>/<index, 5 digits>` (zero-padded so listings sort by index). */
export function chunkKey(prefix: string, uploadId: string, index: number): string {
  return `${prefix}${uploadId}/${String(index).padStart(5, '0')}`
}

export function chunkUploadPrefix(prefix: string, uploadId: string): string {
  return `${prefix}${uploadId}/`
}

/** Strict inverse of `chunkKey`: anything else under the prefix is not a chunk. */
export function parseChunkKey(prefix: string, key: string): { uploadId: string; index: number } | undefined {
  if (!key.startsWith(prefix)) return undefined
  const rest = key.slice(prefix.length)
  const match = /^([0-9a-f-]{36})\/(\d{5})$/.exec(rest)
  if (!match?.[1] || !match[2] || !isId(match[1])) return undefined
  return { uploadId: match[1], index: Number(match[2]) }
}

/** Content-addressed final objects: the key derives from the content hash and the size only. */
export function objectKey(prefix: string, contentHash: string, size: number): string {
  return `${prefix}sha256/${contentHash.slice(0, 2)}/${contentHash}-${size}`
}

/**
 * Prefix of the ended-upload markers: the sessions service writes `ended/<uploadId>` when an upload
 * reaches a final state, and the uploads service refuses chunks for it. A bucket lifecycle rule
 * removes the markers once every token of the upload has expired.
 */
export const ENDED_PREFIX = 'ended/'

export function endedKey(uploadId: string): string {
  return `${ENDED_PREFIX}${uploadId}`
}
