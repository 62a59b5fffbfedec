// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type { Long } from '@grpc/proto-loader'

export interface UploadToken {
  token?: string
  expiresAtMs?: number | string | Long
}

export interface UploadToken__Output {
  token: string
  expiresAtMs: number
}
