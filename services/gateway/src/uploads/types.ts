/** The Upload and File shapes of the public HTTP contract (times ISO-8601). */
export type UploadStatus =
  | 'created'
  | 'uploading'
  | 'finalizing'
  | 'complete'
  | 'failed'
  | 'cancelled'
  | 'expired'

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

export interface Caller {
  userId: string
  isAdmin: boolean
}

export interface FilePage {
  files: FileRecord[]
  nextCursor: string | null
}

export interface UploadWatch extends AsyncIterable<Upload> {
  /** Ends the underlying stream (the client went away). */
  close(): void
}

/** What the gateway needs from the sessions service; the gRPC client implements it. */
export interface SessionsApi {
  createUpload(
    caller: Caller,
    input: { fileName: string; fileSize: number; contentType: string; contentHash: string | undefined },
  ): Promise<CreateUploadOutcome>
  getUpload(caller: Caller, uploadId: string): Promise<Upload>
  listUploads(caller: Caller): Promise<Upload[]>
  cancelUpload(caller: Caller, uploadId: string): Promise<Upload>
  watchUpload(caller: Caller, uploadId: string): UploadWatch
  renewUploadToken(caller: Caller, uploadId: string): Promise<UploadTokenGrant>
  listFiles(
    caller: Caller,
    query: { limit: number; cursor: string | undefined; all: boolean },
  ): Promise<FilePage>
  getFile(caller: Caller, fileId: string): Promise<FileRecord>
  deleteFile(caller: Caller, fileId: string): Promise<void>
  downloadUrl(caller: Caller, fileId: string): Promise<{ url: string; expiresAt: string }>
  /** Readiness: resolves when the service answers. */
  ping(timeoutMs: number): Promise<void>
  close(): void
}

export function isFinal(status: UploadStatus): boolean {
  return status === 'complete' || status === 'failed' || status === 'cancelled' || status === 'expired'
}
