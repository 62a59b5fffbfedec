// Original file: ../../proto/lfusys/sessions/v1/sessions.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type {
  CancelUploadRequest as _lfusys_sessions_v1_CancelUploadRequest,
  CancelUploadRequest__Output as _lfusys_sessions_v1_CancelUploadRequest__Output,
} from '../../../lfusys/sessions/v1/CancelUploadRequest.ts'
import type {
  CompleteUploadRequest as _lfusys_sessions_v1_CompleteUploadRequest,
  CompleteUploadRequest__Output as _lfusys_sessions_v1_CompleteUploadRequest__Output,
} from '../../../lfusys/sessions/v1/CompleteUploadRequest.ts'
import type {
  CreateUploadRequest as _lfusys_sessions_v1_CreateUploadRequest,
  CreateUploadRequest__Output as _lfusys_sessions_v1_CreateUploadRequest__Output,
} from '../../../lfusys/sessions/v1/CreateUploadRequest.ts'
import type {
  CreateUploadResponse as _lfusys_sessions_v1_CreateUploadResponse,
  CreateUploadResponse__Output as _lfusys_sessions_v1_CreateUploadResponse__Output,
} from '../../../lfusys/sessions/v1/CreateUploadResponse.ts'
import type {
  DeleteFileRequest as _lfusys_sessions_v1_DeleteFileRequest,
  DeleteFileRequest__Output as _lfusys_sessions_v1_DeleteFileRequest__Output,
} from '../../../lfusys/sessions/v1/DeleteFileRequest.ts'
import type {
  DeleteFileResponse as _lfusys_sessions_v1_DeleteFileResponse,
  DeleteFileResponse__Output as _lfusys_sessions_v1_DeleteFileResponse__Output,
} from '../../../lfusys/sessions/v1/DeleteFileResponse.ts'
import type {
  DownloadUrl as _lfusys_sessions_v1_DownloadUrl,
  DownloadUrl__Output as _lfusys_sessions_v1_DownloadUrl__Output,
} from '../../../lfusys/sessions/v1/DownloadUrl.ts'
import type {
  FileInfo as _lfusys_sessions_v1_FileInfo,
  FileInfo__Output as _lfusys_sessions_v1_FileInfo__Output,
} from '../../../lfusys/sessions/v1/FileInfo.ts'
import type {
  GetDownloadUrlRequest as _lfusys_sessions_v1_GetDownloadUrlRequest,
  GetDownloadUrlRequest__Output as _lfusys_sessions_v1_GetDownloadUrlRequest__Output,
} from '../../../lfusys/sessions/v1/GetDownloadUrlRequest.ts'
import type {
  GetFileRequest as _lfusys_sessions_v1_GetFileRequest,
  GetFileRequest__Output as _lfusys_sessions_v1_GetFileRequest__Output,
} from '../../../lfusys/sessions/v1/GetFileRequest.ts'
import type {
  GetUploadRequest as _lfusys_sessions_v1_GetUploadRequest,
  GetUploadRequest__Output as _lfusys_sessions_v1_GetUploadRequest__Output,
} from '../../../lfusys/sessions/v1/GetUploadRequest.ts'
import type {
  GetUsageRequest as _lfusys_sessions_v1_GetUsageRequest,
  GetUsageRequest__Output as _lfusys_sessions_v1_GetUsageRequest__Output,
} from '../../../lfusys/sessions/v1/GetUsageRequest.ts'
import type {
  ListFilesRequest as _lfusys_sessions_v1_ListFilesRequest,
  ListFilesRequest__Output as _lfusys_sessions_v1_ListFilesRequest__Output,
} from '../../../lfusys/sessions/v1/ListFilesRequest.ts'
import type {
  ListFilesResponse as _lfusys_sessions_v1_ListFilesResponse,
  ListFilesResponse__Output as _lfusys_sessions_v1_ListFilesResponse__Output,
} from '../../../lfusys/sessions/v1/ListFilesResponse.ts'
import type {
  ListUploadsRequest as _lfusys_sessions_v1_ListUploadsRequest,
  ListUploadsRequest__Output as _lfusys_sessions_v1_ListUploadsRequest__Output,
} from '../../../lfusys/sessions/v1/ListUploadsRequest.ts'
import type {
  ListUploadsResponse as _lfusys_sessions_v1_ListUploadsResponse,
  ListUploadsResponse__Output as _lfusys_sessions_v1_ListUploadsResponse__Output,
} from '../../../lfusys/sessions/v1/ListUploadsResponse.ts'
import type {
  RenewUploadTokenRequest as _lfusys_sessions_v1_RenewUploadTokenRequest,
  RenewUploadTokenRequest__Output as _lfusys_sessions_v1_RenewUploadTokenRequest__Output,
} from '../../../lfusys/sessions/v1/RenewUploadTokenRequest.ts'
import type {
  TusAdvanceRequest as _lfusys_sessions_v1_TusAdvanceRequest,
  TusAdvanceRequest__Output as _lfusys_sessions_v1_TusAdvanceRequest__Output,
} from '../../../lfusys/sessions/v1/TusAdvanceRequest.ts'
import type {
  TusLockRequest as _lfusys_sessions_v1_TusLockRequest,
  TusLockRequest__Output as _lfusys_sessions_v1_TusLockRequest__Output,
} from '../../../lfusys/sessions/v1/TusLockRequest.ts'
import type {
  TusState as _lfusys_sessions_v1_TusState,
  TusState__Output as _lfusys_sessions_v1_TusState__Output,
} from '../../../lfusys/sessions/v1/TusState.ts'
import type {
  TusUploadRequest as _lfusys_sessions_v1_TusUploadRequest,
  TusUploadRequest__Output as _lfusys_sessions_v1_TusUploadRequest__Output,
} from '../../../lfusys/sessions/v1/TusUploadRequest.ts'
import type {
  UploadSession as _lfusys_sessions_v1_UploadSession,
  UploadSession__Output as _lfusys_sessions_v1_UploadSession__Output,
} from '../../../lfusys/sessions/v1/UploadSession.ts'
import type {
  UploadToken as _lfusys_sessions_v1_UploadToken,
  UploadToken__Output as _lfusys_sessions_v1_UploadToken__Output,
} from '../../../lfusys/sessions/v1/UploadToken.ts'
import type {
  Usage as _lfusys_sessions_v1_Usage,
  Usage__Output as _lfusys_sessions_v1_Usage__Output,
} from '../../../lfusys/sessions/v1/Usage.ts'
import type {
  WatchUploadRequest as _lfusys_sessions_v1_WatchUploadRequest,
  WatchUploadRequest__Output as _lfusys_sessions_v1_WatchUploadRequest__Output,
} from '../../../lfusys/sessions/v1/WatchUploadRequest.ts'

export interface SessionsClient extends grpc.Client {
  AdvanceTusUpload(
    argument: _lfusys_sessions_v1_TusAdvanceRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  AdvanceTusUpload(
    argument: _lfusys_sessions_v1_TusAdvanceRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  AdvanceTusUpload(
    argument: _lfusys_sessions_v1_TusAdvanceRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  AdvanceTusUpload(
    argument: _lfusys_sessions_v1_TusAdvanceRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  advanceTusUpload(
    argument: _lfusys_sessions_v1_TusAdvanceRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  advanceTusUpload(
    argument: _lfusys_sessions_v1_TusAdvanceRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  advanceTusUpload(
    argument: _lfusys_sessions_v1_TusAdvanceRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  advanceTusUpload(
    argument: _lfusys_sessions_v1_TusAdvanceRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall

  CancelUpload(
    argument: _lfusys_sessions_v1_CancelUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  CancelUpload(
    argument: _lfusys_sessions_v1_CancelUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  CancelUpload(
    argument: _lfusys_sessions_v1_CancelUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  CancelUpload(
    argument: _lfusys_sessions_v1_CancelUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  cancelUpload(
    argument: _lfusys_sessions_v1_CancelUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  cancelUpload(
    argument: _lfusys_sessions_v1_CancelUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  cancelUpload(
    argument: _lfusys_sessions_v1_CancelUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  cancelUpload(
    argument: _lfusys_sessions_v1_CancelUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall

  CompleteUpload(
    argument: _lfusys_sessions_v1_CompleteUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  CompleteUpload(
    argument: _lfusys_sessions_v1_CompleteUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  CompleteUpload(
    argument: _lfusys_sessions_v1_CompleteUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  CompleteUpload(
    argument: _lfusys_sessions_v1_CompleteUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  completeUpload(
    argument: _lfusys_sessions_v1_CompleteUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  completeUpload(
    argument: _lfusys_sessions_v1_CompleteUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  completeUpload(
    argument: _lfusys_sessions_v1_CompleteUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  completeUpload(
    argument: _lfusys_sessions_v1_CompleteUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall

  CreateUpload(
    argument: _lfusys_sessions_v1_CreateUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_CreateUploadResponse__Output>,
  ): grpc.ClientUnaryCall
  CreateUpload(
    argument: _lfusys_sessions_v1_CreateUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_CreateUploadResponse__Output>,
  ): grpc.ClientUnaryCall
  CreateUpload(
    argument: _lfusys_sessions_v1_CreateUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_CreateUploadResponse__Output>,
  ): grpc.ClientUnaryCall
  CreateUpload(
    argument: _lfusys_sessions_v1_CreateUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_CreateUploadResponse__Output>,
  ): grpc.ClientUnaryCall
  createUpload(
    argument: _lfusys_sessions_v1_CreateUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_CreateUploadResponse__Output>,
  ): grpc.ClientUnaryCall
  createUpload(
    argument: _lfusys_sessions_v1_CreateUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_CreateUploadResponse__Output>,
  ): grpc.ClientUnaryCall
  createUpload(
    argument: _lfusys_sessions_v1_CreateUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_CreateUploadResponse__Output>,
  ): grpc.ClientUnaryCall
  createUpload(
    argument: _lfusys_sessions_v1_CreateUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_CreateUploadResponse__Output>,
  ): grpc.ClientUnaryCall

  DeleteFile(
    argument: _lfusys_sessions_v1_DeleteFileRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DeleteFileResponse__Output>,
  ): grpc.ClientUnaryCall
  DeleteFile(
    argument: _lfusys_sessions_v1_DeleteFileRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DeleteFileResponse__Output>,
  ): grpc.ClientUnaryCall
  DeleteFile(
    argument: _lfusys_sessions_v1_DeleteFileRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DeleteFileResponse__Output>,
  ): grpc.ClientUnaryCall
  DeleteFile(
    argument: _lfusys_sessions_v1_DeleteFileRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DeleteFileResponse__Output>,
  ): grpc.ClientUnaryCall
  deleteFile(
    argument: _lfusys_sessions_v1_DeleteFileRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DeleteFileResponse__Output>,
  ): grpc.ClientUnaryCall
  deleteFile(
    argument: _lfusys_sessions_v1_DeleteFileRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DeleteFileResponse__Output>,
  ): grpc.ClientUnaryCall
  deleteFile(
    argument: _lfusys_sessions_v1_DeleteFileRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DeleteFileResponse__Output>,
  ): grpc.ClientUnaryCall
  deleteFile(
    argument: _lfusys_sessions_v1_DeleteFileRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DeleteFileResponse__Output>,
  ): grpc.ClientUnaryCall

  GetDownloadUrl(
    argument: _lfusys_sessions_v1_GetDownloadUrlRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DownloadUrl__Output>,
  ): grpc.ClientUnaryCall
  GetDownloadUrl(
    argument: _lfusys_sessions_v1_GetDownloadUrlRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DownloadUrl__Output>,
  ): grpc.ClientUnaryCall
  GetDownloadUrl(
    argument: _lfusys_sessions_v1_GetDownloadUrlRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DownloadUrl__Output>,
  ): grpc.ClientUnaryCall
  GetDownloadUrl(
    argument: _lfusys_sessions_v1_GetDownloadUrlRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DownloadUrl__Output>,
  ): grpc.ClientUnaryCall
  getDownloadUrl(
    argument: _lfusys_sessions_v1_GetDownloadUrlRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DownloadUrl__Output>,
  ): grpc.ClientUnaryCall
  getDownloadUrl(
    argument: _lfusys_sessions_v1_GetDownloadUrlRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DownloadUrl__Output>,
  ): grpc.ClientUnaryCall
  getDownloadUrl(
    argument: _lfusys_sessions_v1_GetDownloadUrlRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DownloadUrl__Output>,
  ): grpc.ClientUnaryCall
  getDownloadUrl(
    argument: _lfusys_sessions_v1_GetDownloadUrlRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_DownloadUrl__Output>,
  ): grpc.ClientUnaryCall

  GetFile(
    argument: _lfusys_sessions_v1_GetFileRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_FileInfo__Output>,
  ): grpc.ClientUnaryCall
  GetFile(
    argument: _lfusys_sessions_v1_GetFileRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_FileInfo__Output>,
  ): grpc.ClientUnaryCall
  GetFile(
    argument: _lfusys_sessions_v1_GetFileRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_FileInfo__Output>,
  ): grpc.ClientUnaryCall
  GetFile(
    argument: _lfusys_sessions_v1_GetFileRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_FileInfo__Output>,
  ): grpc.ClientUnaryCall
  getFile(
    argument: _lfusys_sessions_v1_GetFileRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_FileInfo__Output>,
  ): grpc.ClientUnaryCall
  getFile(
    argument: _lfusys_sessions_v1_GetFileRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_FileInfo__Output>,
  ): grpc.ClientUnaryCall
  getFile(
    argument: _lfusys_sessions_v1_GetFileRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_FileInfo__Output>,
  ): grpc.ClientUnaryCall
  getFile(
    argument: _lfusys_sessions_v1_GetFileRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_FileInfo__Output>,
  ): grpc.ClientUnaryCall

  GetTusState(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  GetTusState(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  GetTusState(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  GetTusState(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  getTusState(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  getTusState(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  getTusState(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  getTusState(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall

  GetUpload(
    argument: _lfusys_sessions_v1_GetUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  GetUpload(
    argument: _lfusys_sessions_v1_GetUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  GetUpload(
    argument: _lfusys_sessions_v1_GetUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  GetUpload(
    argument: _lfusys_sessions_v1_GetUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  getUpload(
    argument: _lfusys_sessions_v1_GetUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  getUpload(
    argument: _lfusys_sessions_v1_GetUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  getUpload(
    argument: _lfusys_sessions_v1_GetUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall
  getUpload(
    argument: _lfusys_sessions_v1_GetUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadSession__Output>,
  ): grpc.ClientUnaryCall

  GetUsage(
    argument: _lfusys_sessions_v1_GetUsageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_Usage__Output>,
  ): grpc.ClientUnaryCall
  GetUsage(
    argument: _lfusys_sessions_v1_GetUsageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_Usage__Output>,
  ): grpc.ClientUnaryCall
  GetUsage(
    argument: _lfusys_sessions_v1_GetUsageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_Usage__Output>,
  ): grpc.ClientUnaryCall
  GetUsage(
    argument: _lfusys_sessions_v1_GetUsageRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_Usage__Output>,
  ): grpc.ClientUnaryCall
  getUsage(
    argument: _lfusys_sessions_v1_GetUsageRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_Usage__Output>,
  ): grpc.ClientUnaryCall
  getUsage(
    argument: _lfusys_sessions_v1_GetUsageRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_Usage__Output>,
  ): grpc.ClientUnaryCall
  getUsage(
    argument: _lfusys_sessions_v1_GetUsageRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_Usage__Output>,
  ): grpc.ClientUnaryCall
  getUsage(
    argument: _lfusys_sessions_v1_GetUsageRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_Usage__Output>,
  ): grpc.ClientUnaryCall

  ListFiles(
    argument: _lfusys_sessions_v1_ListFilesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListFilesResponse__Output>,
  ): grpc.ClientUnaryCall
  ListFiles(
    argument: _lfusys_sessions_v1_ListFilesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListFilesResponse__Output>,
  ): grpc.ClientUnaryCall
  ListFiles(
    argument: _lfusys_sessions_v1_ListFilesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListFilesResponse__Output>,
  ): grpc.ClientUnaryCall
  ListFiles(
    argument: _lfusys_sessions_v1_ListFilesRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListFilesResponse__Output>,
  ): grpc.ClientUnaryCall
  listFiles(
    argument: _lfusys_sessions_v1_ListFilesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListFilesResponse__Output>,
  ): grpc.ClientUnaryCall
  listFiles(
    argument: _lfusys_sessions_v1_ListFilesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListFilesResponse__Output>,
  ): grpc.ClientUnaryCall
  listFiles(
    argument: _lfusys_sessions_v1_ListFilesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListFilesResponse__Output>,
  ): grpc.ClientUnaryCall
  listFiles(
    argument: _lfusys_sessions_v1_ListFilesRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListFilesResponse__Output>,
  ): grpc.ClientUnaryCall

  ListUploads(
    argument: _lfusys_sessions_v1_ListUploadsRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListUploadsResponse__Output>,
  ): grpc.ClientUnaryCall
  ListUploads(
    argument: _lfusys_sessions_v1_ListUploadsRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListUploadsResponse__Output>,
  ): grpc.ClientUnaryCall
  ListUploads(
    argument: _lfusys_sessions_v1_ListUploadsRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListUploadsResponse__Output>,
  ): grpc.ClientUnaryCall
  ListUploads(
    argument: _lfusys_sessions_v1_ListUploadsRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListUploadsResponse__Output>,
  ): grpc.ClientUnaryCall
  listUploads(
    argument: _lfusys_sessions_v1_ListUploadsRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListUploadsResponse__Output>,
  ): grpc.ClientUnaryCall
  listUploads(
    argument: _lfusys_sessions_v1_ListUploadsRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListUploadsResponse__Output>,
  ): grpc.ClientUnaryCall
  listUploads(
    argument: _lfusys_sessions_v1_ListUploadsRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListUploadsResponse__Output>,
  ): grpc.ClientUnaryCall
  listUploads(
    argument: _lfusys_sessions_v1_ListUploadsRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_ListUploadsResponse__Output>,
  ): grpc.ClientUnaryCall

  LockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  LockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  LockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  LockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  lockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  lockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  lockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  lockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall

  RenewUploadToken(
    argument: _lfusys_sessions_v1_RenewUploadTokenRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadToken__Output>,
  ): grpc.ClientUnaryCall
  RenewUploadToken(
    argument: _lfusys_sessions_v1_RenewUploadTokenRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadToken__Output>,
  ): grpc.ClientUnaryCall
  RenewUploadToken(
    argument: _lfusys_sessions_v1_RenewUploadTokenRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadToken__Output>,
  ): grpc.ClientUnaryCall
  RenewUploadToken(
    argument: _lfusys_sessions_v1_RenewUploadTokenRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadToken__Output>,
  ): grpc.ClientUnaryCall
  renewUploadToken(
    argument: _lfusys_sessions_v1_RenewUploadTokenRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadToken__Output>,
  ): grpc.ClientUnaryCall
  renewUploadToken(
    argument: _lfusys_sessions_v1_RenewUploadTokenRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadToken__Output>,
  ): grpc.ClientUnaryCall
  renewUploadToken(
    argument: _lfusys_sessions_v1_RenewUploadTokenRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadToken__Output>,
  ): grpc.ClientUnaryCall
  renewUploadToken(
    argument: _lfusys_sessions_v1_RenewUploadTokenRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_UploadToken__Output>,
  ): grpc.ClientUnaryCall

  StartTusUpload(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  StartTusUpload(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  StartTusUpload(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  StartTusUpload(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  startTusUpload(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  startTusUpload(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  startTusUpload(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  startTusUpload(
    argument: _lfusys_sessions_v1_TusUploadRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall

  UnlockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  UnlockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  UnlockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  UnlockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  unlockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  unlockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  unlockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall
  unlockTusUpload(
    argument: _lfusys_sessions_v1_TusLockRequest,
    callback: grpc.requestCallback<_lfusys_sessions_v1_TusState__Output>,
  ): grpc.ClientUnaryCall

  WatchUpload(
    argument: _lfusys_sessions_v1_WatchUploadRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_lfusys_sessions_v1_UploadSession__Output>
  WatchUpload(
    argument: _lfusys_sessions_v1_WatchUploadRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_lfusys_sessions_v1_UploadSession__Output>
  watchUpload(
    argument: _lfusys_sessions_v1_WatchUploadRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_lfusys_sessions_v1_UploadSession__Output>
  watchUpload(
    argument: _lfusys_sessions_v1_WatchUploadRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_lfusys_sessions_v1_UploadSession__Output>
}

export interface SessionsHandlers extends grpc.UntypedServiceImplementation {
  AdvanceTusUpload: grpc.handleUnaryCall<
    _lfusys_sessions_v1_TusAdvanceRequest__Output,
    _lfusys_sessions_v1_TusState
  >

  CancelUpload: grpc.handleUnaryCall<
    _lfusys_sessions_v1_CancelUploadRequest__Output,
    _lfusys_sessions_v1_UploadSession
  >

  CompleteUpload: grpc.handleUnaryCall<
    _lfusys_sessions_v1_CompleteUploadRequest__Output,
    _lfusys_sessions_v1_UploadSession
  >

  CreateUpload: grpc.handleUnaryCall<
    _lfusys_sessions_v1_CreateUploadRequest__Output,
    _lfusys_sessions_v1_CreateUploadResponse
  >

  DeleteFile: grpc.handleUnaryCall<
    _lfusys_sessions_v1_DeleteFileRequest__Output,
    _lfusys_sessions_v1_DeleteFileResponse
  >

  GetDownloadUrl: grpc.handleUnaryCall<
    _lfusys_sessions_v1_GetDownloadUrlRequest__Output,
    _lfusys_sessions_v1_DownloadUrl
  >

  GetFile: grpc.handleUnaryCall<_lfusys_sessions_v1_GetFileRequest__Output, _lfusys_sessions_v1_FileInfo>

  GetTusState: grpc.handleUnaryCall<
    _lfusys_sessions_v1_TusUploadRequest__Output,
    _lfusys_sessions_v1_TusState
  >

  GetUpload: grpc.handleUnaryCall<
    _lfusys_sessions_v1_GetUploadRequest__Output,
    _lfusys_sessions_v1_UploadSession
  >

  GetUsage: grpc.handleUnaryCall<_lfusys_sessions_v1_GetUsageRequest__Output, _lfusys_sessions_v1_Usage>

  ListFiles: grpc.handleUnaryCall<
    _lfusys_sessions_v1_ListFilesRequest__Output,
    _lfusys_sessions_v1_ListFilesResponse
  >

  ListUploads: grpc.handleUnaryCall<
    _lfusys_sessions_v1_ListUploadsRequest__Output,
    _lfusys_sessions_v1_ListUploadsResponse
  >

  LockTusUpload: grpc.handleUnaryCall<
    _lfusys_sessions_v1_TusLockRequest__Output,
    _lfusys_sessions_v1_TusState
  >

  RenewUploadToken: grpc.handleUnaryCall<
    _lfusys_sessions_v1_RenewUploadTokenRequest__Output,
    _lfusys_sessions_v1_UploadToken
  >

  StartTusUpload: grpc.handleUnaryCall<
    _lfusys_sessions_v1_TusUploadRequest__Output,
    _lfusys_sessions_v1_TusState
  >

  UnlockTusUpload: grpc.handleUnaryCall<
    _lfusys_sessions_v1_TusLockRequest__Output,
    _lfusys_sessions_v1_TusState
  >

  WatchUpload: grpc.handleServerStreamingCall<
    _lfusys_sessions_v1_WatchUploadRequest__Output,
    _lfusys_sessions_v1_UploadSession
  >
}

export interface SessionsDefinition extends grpc.ServiceDefinition {
  AdvanceTusUpload: MethodDefinition<
    _lfusys_sessions_v1_TusAdvanceRequest,
    _lfusys_sessions_v1_TusState,
    _lfusys_sessions_v1_TusAdvanceRequest__Output,
    _lfusys_sessions_v1_TusState__Output
  >
  CancelUpload: MethodDefinition<
    _lfusys_sessions_v1_CancelUploadRequest,
    _lfusys_sessions_v1_UploadSession,
    _lfusys_sessions_v1_CancelUploadRequest__Output,
    _lfusys_sessions_v1_UploadSession__Output
  >
  CompleteUpload: MethodDefinition<
    _lfusys_sessions_v1_CompleteUploadRequest,
    _lfusys_sessions_v1_UploadSession,
    _lfusys_sessions_v1_CompleteUploadRequest__Output,
    _lfusys_sessions_v1_UploadSession__Output
  >
  CreateUpload: MethodDefinition<
    _lfusys_sessions_v1_CreateUploadRequest,
    _lfusys_sessions_v1_CreateUploadResponse,
    _lfusys_sessions_v1_CreateUploadRequest__Output,
    _lfusys_sessions_v1_CreateUploadResponse__Output
  >
  DeleteFile: MethodDefinition<
    _lfusys_sessions_v1_DeleteFileRequest,
    _lfusys_sessions_v1_DeleteFileResponse,
    _lfusys_sessions_v1_DeleteFileRequest__Output,
    _lfusys_sessions_v1_DeleteFileResponse__Output
  >
  GetDownloadUrl: MethodDefinition<
    _lfusys_sessions_v1_GetDownloadUrlRequest,
    _lfusys_sessions_v1_DownloadUrl,
    _lfusys_sessions_v1_GetDownloadUrlRequest__Output,
    _lfusys_sessions_v1_DownloadUrl__Output
  >
  GetFile: MethodDefinition<
    _lfusys_sessions_v1_GetFileRequest,
    _lfusys_sessions_v1_FileInfo,
    _lfusys_sessions_v1_GetFileRequest__Output,
    _lfusys_sessions_v1_FileInfo__Output
  >
  GetTusState: MethodDefinition<
    _lfusys_sessions_v1_TusUploadRequest,
    _lfusys_sessions_v1_TusState,
    _lfusys_sessions_v1_TusUploadRequest__Output,
    _lfusys_sessions_v1_TusState__Output
  >
  GetUpload: MethodDefinition<
    _lfusys_sessions_v1_GetUploadRequest,
    _lfusys_sessions_v1_UploadSession,
    _lfusys_sessions_v1_GetUploadRequest__Output,
    _lfusys_sessions_v1_UploadSession__Output
  >
  GetUsage: MethodDefinition<
    _lfusys_sessions_v1_GetUsageRequest,
    _lfusys_sessions_v1_Usage,
    _lfusys_sessions_v1_GetUsageRequest__Output,
    _lfusys_sessions_v1_Usage__Output
  >
  ListFiles: MethodDefinition<
    _lfusys_sessions_v1_ListFilesRequest,
    _lfusys_sessions_v1_ListFilesResponse,
    _lfusys_sessions_v1_ListFilesRequest__Output,
    _lfusys_sessions_v1_ListFilesResponse__Output
  >
  ListUploads: MethodDefinition<
    _lfusys_sessions_v1_ListUploadsRequest,
    _lfusys_sessions_v1_ListUploadsResponse,
    _lfusys_sessions_v1_ListUploadsRequest__Output,
    _lfusys_sessions_v1_ListUploadsResponse__Output
  >
  LockTusUpload: MethodDefinition<
    _lfusys_sessions_v1_TusLockRequest,
    _lfusys_sessions_v1_TusState,
    _lfusys_sessions_v1_TusLockRequest__Output,
    _lfusys_sessions_v1_TusState__Output
  >
  RenewUploadToken: MethodDefinition<
    _lfusys_sessions_v1_RenewUploadTokenRequest,
    _lfusys_sessions_v1_UploadToken,
    _lfusys_sessions_v1_RenewUploadTokenRequest__Output,
    _lfusys_sessions_v1_UploadToken__Output
  >
  StartTusUpload: MethodDefinition<
    _lfusys_sessions_v1_TusUploadRequest,
    _lfusys_sessions_v1_TusState,
    _lfusys_sessions_v1_TusUploadRequest__Output,
    _lfusys_sessions_v1_TusState__Output
  >
  UnlockTusUpload: MethodDefinition<
    _lfusys_sessions_v1_TusLockRequest,
    _lfusys_sessions_v1_TusState,
    _lfusys_sessions_v1_TusLockRequest__Output,
    _lfusys_sessions_v1_TusState__Output
  >
  WatchUpload: MethodDefinition<
    _lfusys_sessions_v1_WatchUploadRequest,
    _lfusys_sessions_v1_UploadSession,
    _lfusys_sessions_v1_WatchUploadRequest__Output,
    _lfusys_sessions_v1_UploadSession__Output
  >
}
