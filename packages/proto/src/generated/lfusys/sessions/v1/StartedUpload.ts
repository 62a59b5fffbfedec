// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  UploadSession as _lfusys_sessions_v1_UploadSession,
  UploadSession__Output as _lfusys_sessions_v1_UploadSession__Output,
} from '../../../lfusys/sessions/v1/UploadSession.ts'
import type {
  UploadToken as _lfusys_sessions_v1_UploadToken,
  UploadToken__Output as _lfusys_sessions_v1_UploadToken__Output,
} from '../../../lfusys/sessions/v1/UploadToken.ts'

export interface StartedUpload {
  session?: _lfusys_sessions_v1_UploadSession | null
  uploadToken?: _lfusys_sessions_v1_UploadToken | null
  resumed?: boolean
}

export interface StartedUpload__Output {
  session: _lfusys_sessions_v1_UploadSession__Output | null
  uploadToken: _lfusys_sessions_v1_UploadToken__Output | null
  resumed: boolean
}
