// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  Caller as _lfusys_sessions_v1_Caller,
  Caller__Output as _lfusys_sessions_v1_Caller__Output,
} from '../../../lfusys/sessions/v1/Caller.ts'
import type { Long } from '@grpc/proto-loader'

export interface CreateUploadRequest {
  caller?: _lfusys_sessions_v1_Caller | null
  fileName?: string
  fileSize?: number | string | Long
  contentType?: string
  contentHash?: string
  idempotencyKey?: string
  _contentHash?: 'contentHash'
  _idempotencyKey?: 'idempotencyKey'
}

export interface CreateUploadRequest__Output {
  caller: _lfusys_sessions_v1_Caller__Output | null
  fileName: string
  fileSize: number
  contentType: string
  contentHash?: string
  idempotencyKey?: string
  _contentHash?: 'contentHash'
  _idempotencyKey?: 'idempotencyKey'
}
