// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type { Long } from '@grpc/proto-loader'

export interface Usage {
  usedBytes?: number | string | Long
  pendingBytes?: number | string | Long
  quotaBytes?: number | string | Long
}

export interface Usage__Output {
  usedBytes: number
  pendingBytes: number
  quotaBytes: number
}
