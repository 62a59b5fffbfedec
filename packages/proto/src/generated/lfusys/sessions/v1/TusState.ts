// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  UploadSession as _lfusys_sessions_v1_UploadSession,
  UploadSession__Output as _lfusys_sessions_v1_UploadSession__Output,
} from '../../../lfusys/sessions/v1/UploadSession.ts'
import type { Long } from '@grpc/proto-loader'

export interface TusState {
  session?: _lfusys_sessions_v1_UploadSession | null
  offset?: number | string | Long
  stagingKey?: string
  lockId?: string
  lockExpiresAtMs?: number | string | Long
}

export interface TusState__Output {
  session: _lfusys_sessions_v1_UploadSession__Output | null
  offset: number
  stagingKey: string
  lockId: string
  lockExpiresAtMs: number
}
