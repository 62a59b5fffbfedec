// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  UploadSession as _lfusys_sessions_v1_UploadSession,
  UploadSession__Output as _lfusys_sessions_v1_UploadSession__Output,
} from '../../../lfusys/sessions/v1/UploadSession.ts'

export interface ListUploadsResponse {
  uploads?: _lfusys_sessions_v1_UploadSession[]
}

export interface ListUploadsResponse__Output {
  uploads: _lfusys_sessions_v1_UploadSession__Output[]
}
