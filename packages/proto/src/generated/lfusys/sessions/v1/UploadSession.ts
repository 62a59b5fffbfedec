// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  UploadStatus as _lfusys_sessions_v1_UploadStatus,
  UploadStatus__Output as _lfusys_sessions_v1_UploadStatus__Output,
} from '../../../lfusys/sessions/v1/UploadStatus.ts'
import type { Long } from '@grpc/proto-loader'

export interface UploadSession {
  uploadId?: string
  status?: _lfusys_sessions_v1_UploadStatus
  fileName?: string
  fileSize?: number | string | Long
  contentType?: string
  contentHash?: string
  chunkSize?: number | string | Long
  chunkCount?: number
  receivedChunks?: number[]
  chunkUploadUrl?: string
  fileId?: string
  failureReason?: string
  createdAtMs?: number | string | Long
  expiresAtMs?: number | string | Long
  updatedAtMs?: number | string | Long
  _contentHash?: 'contentHash'
  _fileId?: 'fileId'
  _failureReason?: 'failureReason'
}

export interface UploadSession__Output {
  uploadId: string
  status: _lfusys_sessions_v1_UploadStatus__Output
  fileName: string
  fileSize: number
  contentType: string
  contentHash?: string
  chunkSize: number
  chunkCount: number
  receivedChunks: number[]
  chunkUploadUrl: string
  fileId?: string
  failureReason?: string
  createdAtMs: number
  expiresAtMs: number
  updatedAtMs: number
  _contentHash?: 'contentHash'
  _fileId?: 'fileId'
  _failureReason?: 'failureReason'
}
