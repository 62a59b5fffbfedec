// The HTTP contract's shapes live once, in @lfusys/contracts.
export type {
  CreateUploadOutcome,
  FilePage,
  FileRecord,
  StorageUsage,
  Upload,
  UploadStatus,
  UploadTokenGrant,
} from '@lfusys/contracts'

import {
  type CreateUploadOutcome,
  type DependencyState,
  FINAL_UPLOAD_STATUSES,
  type FilePage,
  type FileRecord,
  type StorageUsage,
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

/** A dependency of the sessions service as it last probed it. */
export type DependencyStatus = DependencyState

export interface SessionsHealth {
  /** dynamodb, s3, sqs as the sessions service last probed them. */
  dependencies: Record<string, DependencyStatus>
}

/** The sessions service answers, but it reports a dependency down. */
export class DependenciesDownError extends Error {
  override readonly name = 'DependenciesDownError'
  readonly dependencies: Record<string, DependencyStatus>
  constructor(dependencies: Record<string, DependencyStatus>) {
    const down = Object.entries(dependencies)
      .filter(([, s]) => s === 'down')
      .map(([n]) => n)
    super(`sessions dependencies down: ${down.join(', ')}`)
    this.dependencies = dependencies
  }
}

/** What the gateway needs from the sessions service; the gRPC client implements it. */
export interface SessionsApi {
  createUpload(caller: Caller, input: CreateUploadInput): Promise<CreateUploadOutcome>
  getUpload(caller: Caller, uploadId: string): Promise<Upload>
  listUploads(caller: Caller): Promise<Upload[]>
  cancelUpload(caller: Caller, uploadId: string): Promise<Upload>
  /** The client stored every chunk: record what events missed and finalize (idempotent). */
  completeUpload(caller: Caller, uploadId: string): Promise<Upload>
  watchUpload(caller: Caller, uploadId: string): UploadWatch
  renewUploadToken(caller: Caller, uploadId: string): Promise<UploadTokenGrant>
  listFiles(
    caller: Caller,
    query: { limit: number; cursor: string | undefined; all: boolean },
  ): Promise<FilePage>
  getFile(caller: Caller, fileId: string): Promise<FileRecord>
  deleteFile(caller: Caller, fileId: string): Promise<void>
  downloadUrl(caller: Caller, fileId: string): Promise<{ url: string; expiresAt: string }>
  usage(caller: Caller): Promise<StorageUsage>
  /**
   * Readiness: resolves when the service answers and none of its dependencies is down, with each
   * dependency's state as the service reports it; rejects otherwise (DependenciesDownError when the
   * service answers but a dependency is down).
   */
  ping(timeoutMs: number): Promise<SessionsHealth>
  close(): void
}

export function isFinal(status: UploadStatus): boolean {
  return FINAL_UPLOAD_STATUSES.has(status)
}
