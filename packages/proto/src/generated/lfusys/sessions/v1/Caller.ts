// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

export interface Caller {
  userId?: string
  isAdmin?: boolean
}

export interface Caller__Output {
  userId: string
  isAdmin: boolean
}
