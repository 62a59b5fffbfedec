// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type {
  IntegrityCheck as _lfusys_sessions_v1_IntegrityCheck,
  IntegrityCheck__Output as _lfusys_sessions_v1_IntegrityCheck__Output,
} from '../../../lfusys/sessions/v1/IntegrityCheck.ts'
import type { Long } from '@grpc/proto-loader'

export interface FileInfo {
  fileId?: string
  name?: string
  size?: number | string | Long
  contentType?: string
  contentHash?: string
  ownerId?: string
  createdAtMs?: number | string | Long
  integrityCheck?: _lfusys_sessions_v1_IntegrityCheck
}

export interface FileInfo__Output {
  fileId: string
  name: string
  size: number
  contentType: string
  contentHash: string
  ownerId: string
  createdAtMs: number
  integrityCheck: _lfusys_sessions_v1_IntegrityCheck__Output
}
