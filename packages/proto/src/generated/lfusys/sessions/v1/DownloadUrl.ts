// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type { Long } from '@grpc/proto-loader'

export interface DownloadUrl {
  url?: string
  expiresAtMs?: number | string | Long
}

export interface DownloadUrl__Output {
  url: string
  expiresAtMs: number
}
