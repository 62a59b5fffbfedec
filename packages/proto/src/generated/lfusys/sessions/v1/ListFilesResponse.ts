// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  FileInfo as _lfusys_sessions_v1_FileInfo,
  FileInfo__Output as _lfusys_sessions_v1_FileInfo__Output,
} from '../../../lfusys/sessions/v1/FileInfo.ts'

export interface ListFilesResponse {
  files?: _lfusys_sessions_v1_FileInfo[]
  nextCursor?: string
}

export interface ListFilesResponse__Output {
  files: _lfusys_sessions_v1_FileInfo__Output[]
  nextCursor: string
}
