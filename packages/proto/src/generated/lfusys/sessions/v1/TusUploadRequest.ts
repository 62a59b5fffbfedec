// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  Caller as _lfusys_sessions_v1_Caller,
  Caller__Output as _lfusys_sessions_v1_Caller__Output,
} from '../../../lfusys/sessions/v1/Caller.ts'

export interface TusUploadRequest {
  caller?: _lfusys_sessions_v1_Caller | null
  uploadId?: string
}

export interface TusUploadRequest__Output {
  caller: _lfusys_sessions_v1_Caller__Output | null
  uploadId: string
}
