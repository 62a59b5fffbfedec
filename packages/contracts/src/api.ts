/**
 * The JSON shapes of the gateway's public HTTP contract (camelCase, times ISO-8601). The gateway
 * produces them; the upload engine, the web app and the CLI consume them.
 */
export type UploadStatus =
  | 'created'
  | 'uploading'
  | 'finalizing'
  | 'complete'
  | 'failed'
  | 'cancelled'
  | 'expired'

/** States after which an upload never changes again. */
export const FINAL_UPLOAD_STATUSES: ReadonlySet<UploadStatus> = new Set([
  'complete',
  'failed',
  'cancelled',
  'expired',
])

export interface Upload {
  id: string
  fileName: string
  fileSize: number
  contentType: string
  contentHash: string | null
  chunkSize: number
  chunkCount: number
  receivedChunks: number[]
  status: UploadStatus
  /** PUT `<chunkUploadUrl>/<index>` with the upload token. */
  chunkUploadUrl: string
  fileId: string | null
  failureReason: string | null
  createdAt: string
  expiresAt: string
}

export interface FileRecord {
  id: string
  name: string
  size: number
  contentType: string
  contentHash: string
  createdAt: string
  ownerId: string
}

export interface UploadTokenGrant {
  token: string
  expiresAt: string
}

export type CreateUploadOutcome =
  | { result: 'created' | 'resumed'; upload: Upload; uploadToken: UploadTokenGrant }
  | { result: 'duplicate'; file: FileRecord }

export interface FilePage {
  files: FileRecord[]
  nextCursor: string | null
}

/** `GET /api/v1/me/usage`: the caller's storage against the quota that upload creation enforces. */
export interface StorageUsage {
  /** Bytes of the caller's complete files. */
  usedBytes: number
  /** Bytes that the caller's unfinished uploads will add. */
  pendingBytes: number
  /** The per-user quota in bytes, or null when there is none. */
  quotaBytes: number | null
}
