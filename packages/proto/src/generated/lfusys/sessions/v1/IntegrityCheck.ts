// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

export const IntegrityCheck = {
  INTEGRITY_CHECK_UNSPECIFIED: 'INTEGRITY_CHECK_UNSPECIFIED',
  INTEGRITY_CHECK_COMPOSITE: 'INTEGRITY_CHECK_COMPOSITE',
  INTEGRITY_CHECK_READ_BACK: 'INTEGRITY_CHECK_READ_BACK',
  INTEGRITY_CHECK_EXISTING_OBJECT: 'INTEGRITY_CHECK_EXISTING_OBJECT',
} as const

export type IntegrityCheck =
  | 'INTEGRITY_CHECK_UNSPECIFIED'
  | 0
  | 'INTEGRITY_CHECK_COMPOSITE'
  | 1
  | 'INTEGRITY_CHECK_READ_BACK'
  | 2
  | 'INTEGRITY_CHECK_EXISTING_OBJECT'
  | 3

export type IntegrityCheck__Output = (typeof IntegrityCheck)[keyof typeof IntegrityCheck]
