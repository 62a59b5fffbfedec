import { FINAL_UPLOAD_STATUSES, type UploadStatus } from '@lfusys/contracts'

/** Upload lifecycle (design invariant 9): the seven statuses are the wire vocabulary's. */
export type { UploadStatus }

/** A status after which an upload never changes again. */
export type FinalUploadStatus = 'complete' | 'failed' | 'cancelled' | 'expired'

export const RECEIVING_STATUSES: readonly UploadStatus[] = ['created', 'uploading']

export function isFinal(status: UploadStatus): status is FinalUploadStatus {
  return FINAL_UPLOAD_STATUSES.has(status)
}

/** How the assembled object was shown to hold exactly the declared/derived content. */
export const INTEGRITY_CHECKS = ['composite', 'full_object', 'read_back', 'existing_object'] as const
export type IntegrityCheck = (typeof INTEGRITY_CHECKS)[number]

export interface UploadRecord {
  uploadId: string
  userId: string
  status: UploadStatus
  fileName: string
  fileSize: number
  contentType: string
  /** Declared by the client at creation; once complete, the verified content hash. */
  contentHash: string | undefined
  chunkSize: number
  chunkCount: number
  /** Chunk indexes recorded so far, ascending. */
  received: number[]
  createdAt: number
  updatedAt: number
  expiresAt: number
  leaseOwner: string | undefined
  leaseExpiresAt: number | undefined
  /** The multipart upload currently assembling the object, if any. */
  multipartUploadId: string | undefined
  /** Every multipart upload ever started for this upload, so cleanup can abort each. */
  multipartUploadIds: string[]
  fileId: string | undefined
  failureReason: string | undefined
  integrityCheck: IntegrityCheck | undefined
  /** Completed finalizations (the exactly-once invariant says at most 1). */
  finalizations: number
  traceparent: string | undefined
  /** Bytes held against the owner's quota until the session's cleanup gives them back (0: none). */
  reservedBytes: number
}

export interface ChunkRecord {
  index: number
  size: number
  /** base64 SHA-256 of the chunk bytes. */
  digest: string
  /** ETag of the part this chunk was copied to, and the multipart upload it belongs to. */
  partEtag: string | undefined
  partUploadId: string | undefined
}
