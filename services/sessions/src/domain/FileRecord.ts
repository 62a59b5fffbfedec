import type { IntegrityCheck } from './UploadRecord.ts'

export interface FileRecord {
  fileId: string
  ownerId: string
  name: string
  size: number
  contentType: string
  contentHash: string
  objectKey: string
  integrityCheck: IntegrityCheck
  uploadId: string
  createdAt: number
}

/** A stored, content-addressed object and the number of files pointing at it. */
export interface StoredObject {
  objectKey: string
  refCount: number
  size: number
  contentHash: string
}
