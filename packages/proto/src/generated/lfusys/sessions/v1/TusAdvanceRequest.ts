// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  Caller as _lfusys_sessions_v1_Caller,
  Caller__Output as _lfusys_sessions_v1_Caller__Output,
} from '../../../lfusys/sessions/v1/Caller.ts'
import type { Long } from '@grpc/proto-loader'

export interface TusAdvanceRequest {
  caller?: _lfusys_sessions_v1_Caller | null
  uploadId?: string
  lockId?: string
  fromOffset?: number | string | Long
  toOffset?: number | string | Long
  stagingKey?: string
  leaseMs?: number
  unlock?: boolean
}

export interface TusAdvanceRequest__Output {
  caller: _lfusys_sessions_v1_Caller__Output | null
  uploadId: string
  lockId: string
  fromOffset: number
  toOffset: number
  stagingKey: string
  leaseMs: number
  unlock: boolean
}
