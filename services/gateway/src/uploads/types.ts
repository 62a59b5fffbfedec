// The HTTP contract's shapes live once, in @lfusys/contracts.
export type {
  CreateUploadOutcome,
  FilePage,
  FileRecord,
  Upload,
  UploadStatus,
  UploadTokenGrant,
} from '@lfusys/contracts'

import {
  type CreateUploadOutcome,
  FINAL_UPLOAD_STATUSES,
  type FilePage,
  type FileRecord,
  type Upload,
  type UploadStatus,
  type UploadTokenGrant,
} from '@lfusys/contracts'

export interface Caller {
  userId: string
  isAdmin: boolean
}

export interface UploadWatch extends AsyncIterable<Upload> {
  /** Ends the underlying stream (the client went away). */
  close(): void
}

export interface CreateUploadInput {
  fileName: string
  fileSize: number
  contentType: string
  contentHash: string | undefined
  /** The client's Idempotency-Key header, forwarded. */
  idempotencyKey?: string | undefined
}

/** What the gateway needs from the sessions service; the gRPC client implements it. */
export interface SessionsApi {
  createUpload(caller: Caller, input: CreateUploadInput): Promise<CreateUploadOutcome>
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
  return FINAL_UPLOAD_STATUSES.has(status)
}
