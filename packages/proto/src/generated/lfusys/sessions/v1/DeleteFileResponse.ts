// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

export interface DeleteFileResponse {}

export interface DeleteFileResponse__Output {}
