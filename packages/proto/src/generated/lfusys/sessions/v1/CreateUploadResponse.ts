// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  StartedUpload as _lfusys_sessions_v1_StartedUpload,
  StartedUpload__Output as _lfusys_sessions_v1_StartedUpload__Output,
} from '../../../lfusys/sessions/v1/StartedUpload.ts'
import type {
  FileInfo as _lfusys_sessions_v1_FileInfo,
  FileInfo__Output as _lfusys_sessions_v1_FileInfo__Output,
} from '../../../lfusys/sessions/v1/FileInfo.ts'

export interface CreateUploadResponse {
  upload?: _lfusys_sessions_v1_StartedUpload | null
  duplicate?: _lfusys_sessions_v1_FileInfo | null
  result?: 'upload' | 'duplicate'
}

export interface CreateUploadResponse__Output {
  upload?: _lfusys_sessions_v1_StartedUpload__Output | null
  duplicate?: _lfusys_sessions_v1_FileInfo__Output | null
  result?: 'upload' | 'duplicate'
}
