// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  Caller as _lfusys_sessions_v1_Caller,
  Caller__Output as _lfusys_sessions_v1_Caller__Output,
} from '../../../lfusys/sessions/v1/Caller.ts'
import type { Long } from '@grpc/proto-loader'

export interface TusLockRequest {
  caller?: _lfusys_sessions_v1_Caller | null
  uploadId?: string
  lockId?: string
  offset?: number | string | Long
  leaseMs?: number
}

export interface TusLockRequest__Output {
  caller: _lfusys_sessions_v1_Caller__Output | null
  uploadId: string
  lockId: string
  offset: number
  leaseMs: number
}
