import type * as grpc from '@grpc/grpc-js'
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader'

import type {
  Caller as _lfusys_sessions_v1_Caller,
  Caller__Output as _lfusys_sessions_v1_Caller__Output,
} from './lfusys/sessions/v1/Caller.ts'
import type {
  CancelUploadRequest as _lfusys_sessions_v1_CancelUploadRequest,
  CancelUploadRequest__Output as _lfusys_sessions_v1_CancelUploadRequest__Output,
} from './lfusys/sessions/v1/CancelUploadRequest.ts'
import type {
  CompleteUploadRequest as _lfusys_sessions_v1_CompleteUploadRequest,
  CompleteUploadRequest__Output as _lfusys_sessions_v1_CompleteUploadRequest__Output,
} from './lfusys/sessions/v1/CompleteUploadRequest.ts'
import type {
  CreateUploadRequest as _lfusys_sessions_v1_CreateUploadRequest,
  CreateUploadRequest__Output as _lfusys_sessions_v1_CreateUploadRequest__Output,
} from './lfusys/sessions/v1/CreateUploadRequest.ts'
import type {
  CreateUploadResponse as _lfusys_sessions_v1_CreateUploadResponse,
  CreateUploadResponse__Output as _lfusys_sessions_v1_CreateUploadResponse__Output,
} from './lfusys/sessions/v1/CreateUploadResponse.ts'
import type {
  DeleteFileRequest as _lfusys_sessions_v1_DeleteFileRequest,
  DeleteFileRequest__Output as _lfusys_sessions_v1_DeleteFileRequest__Output,
} from './lfusys/sessions/v1/DeleteFileRequest.ts'
import type {
  DeleteFileResponse as _lfusys_sessions_v1_DeleteFileResponse,
  DeleteFileResponse__Output as _lfusys_sessions_v1_DeleteFileResponse__Output,
} from './lfusys/sessions/v1/DeleteFileResponse.ts'
import type {
  DownloadUrl as _lfusys_sessions_v1_DownloadUrl,
  DownloadUrl__Output as _lfusys_sessions_v1_DownloadUrl__Output,
} from './lfusys/sessions/v1/DownloadUrl.ts'
import type {
  FileInfo as _lfusys_sessions_v1_FileInfo,
  FileInfo__Output as _lfusys_sessions_v1_FileInfo__Output,
} from './lfusys/sessions/v1/FileInfo.ts'
import type {
  GetDownloadUrlRequest as _lfusys_sessions_v1_GetDownloadUrlRequest,
  GetDownloadUrlRequest__Output as _lfusys_sessions_v1_GetDownloadUrlRequest__Output,
} from './lfusys/sessions/v1/GetDownloadUrlRequest.ts'
import type {
  GetFileRequest as _lfusys_sessions_v1_GetFileRequest,
  GetFileRequest__Output as _lfusys_sessions_v1_GetFileRequest__Output,
} from './lfusys/sessions/v1/GetFileRequest.ts'
import type {
  GetUploadRequest as _lfusys_sessions_v1_GetUploadRequest,
  GetUploadRequest__Output as _lfusys_sessions_v1_GetUploadRequest__Output,
} from './lfusys/sessions/v1/GetUploadRequest.ts'
import type {
  GetUsageRequest as _lfusys_sessions_v1_GetUsageRequest,
  GetUsageRequest__Output as _lfusys_sessions_v1_GetUsageRequest__Output,
} from './lfusys/sessions/v1/GetUsageRequest.ts'
import type {
  ListFilesRequest as _lfusys_sessions_v1_ListFilesRequest,
  ListFilesRequest__Output as _lfusys_sessions_v1_ListFilesRequest__Output,
} from './lfusys/sessions/v1/ListFilesRequest.ts'
import type {
  ListFilesResponse as _lfusys_sessions_v1_ListFilesResponse,
  ListFilesResponse__Output as _lfusys_sessions_v1_ListFilesResponse__Output,
} from './lfusys/sessions/v1/ListFilesResponse.ts'
import type {
  ListUploadsRequest as _lfusys_sessions_v1_ListUploadsRequest,
  ListUploadsRequest__Output as _lfusys_sessions_v1_ListUploadsRequest__Output,
} from './lfusys/sessions/v1/ListUploadsRequest.ts'
import type {
  ListUploadsResponse as _lfusys_sessions_v1_ListUploadsResponse,
  ListUploadsResponse__Output as _lfusys_sessions_v1_ListUploadsResponse__Output,
} from './lfusys/sessions/v1/ListUploadsResponse.ts'
import type {
  RenewUploadTokenRequest as _lfusys_sessions_v1_RenewUploadTokenRequest,
  RenewUploadTokenRequest__Output as _lfusys_sessions_v1_RenewUploadTokenRequest__Output,
} from './lfusys/sessions/v1/RenewUploadTokenRequest.ts'
import type {
  SessionsClient as _lfusys_sessions_v1_SessionsClient,
  SessionsDefinition as _lfusys_sessions_v1_SessionsDefinition,
} from './lfusys/sessions/v1/Sessions.ts'
import type {
  StartedUpload as _lfusys_sessions_v1_StartedUpload,
  StartedUpload__Output as _lfusys_sessions_v1_StartedUpload__Output,
} from './lfusys/sessions/v1/StartedUpload.ts'
import type {
  TusAdvanceRequest as _lfusys_sessions_v1_TusAdvanceRequest,
  TusAdvanceRequest__Output as _lfusys_sessions_v1_TusAdvanceRequest__Output,
} from './lfusys/sessions/v1/TusAdvanceRequest.ts'
import type {
  TusLockRequest as _lfusys_sessions_v1_TusLockRequest,
  TusLockRequest__Output as _lfusys_sessions_v1_TusLockRequest__Output,
} from './lfusys/sessions/v1/TusLockRequest.ts'
import type {
  TusState as _lfusys_sessions_v1_TusState,
  TusState__Output as _lfusys_sessions_v1_TusState__Output,
} from './lfusys/sessions/v1/TusState.ts'
import type {
  TusUploadRequest as _lfusys_sessions_v1_TusUploadRequest,
  TusUploadRequest__Output as _lfusys_sessions_v1_TusUploadRequest__Output,
} from './lfusys/sessions/v1/TusUploadRequest.ts'
import type {
  UploadSession as _lfusys_sessions_v1_UploadSession,
  UploadSession__Output as _lfusys_sessions_v1_UploadSession__Output,
} from './lfusys/sessions/v1/UploadSession.ts'
import type {
  UploadToken as _lfusys_sessions_v1_UploadToken,
  UploadToken__Output as _lfusys_sessions_v1_UploadToken__Output,
} from './lfusys/sessions/v1/UploadToken.ts'
import type {
  Usage as _lfusys_sessions_v1_Usage,
  Usage__Output as _lfusys_sessions_v1_Usage__Output,
} from './lfusys/sessions/v1/Usage.ts'
import type {
  WatchUploadRequest as _lfusys_sessions_v1_WatchUploadRequest,
  WatchUploadRequest__Output as _lfusys_sessions_v1_WatchUploadRequest__Output,
} from './lfusys/sessions/v1/WatchUploadRequest.ts'

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype
}

export interface ProtoGrpcType {
  lfusys: {
    sessions: {
      v1: {
        Caller: MessageTypeDefinition<_lfusys_sessions_v1_Caller, _lfusys_sessions_v1_Caller__Output>
        CancelUploadRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_CancelUploadRequest,
          _lfusys_sessions_v1_CancelUploadRequest__Output
        >
        CompleteUploadRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_CompleteUploadRequest,
          _lfusys_sessions_v1_CompleteUploadRequest__Output
        >
        CreateUploadRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_CreateUploadRequest,
          _lfusys_sessions_v1_CreateUploadRequest__Output
        >
        CreateUploadResponse: MessageTypeDefinition<
          _lfusys_sessions_v1_CreateUploadResponse,
          _lfusys_sessions_v1_CreateUploadResponse__Output
        >
        DeleteFileRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_DeleteFileRequest,
          _lfusys_sessions_v1_DeleteFileRequest__Output
        >
        DeleteFileResponse: MessageTypeDefinition<
          _lfusys_sessions_v1_DeleteFileResponse,
          _lfusys_sessions_v1_DeleteFileResponse__Output
        >
        DownloadUrl: MessageTypeDefinition<
          _lfusys_sessions_v1_DownloadUrl,
          _lfusys_sessions_v1_DownloadUrl__Output
        >
        FileInfo: MessageTypeDefinition<_lfusys_sessions_v1_FileInfo, _lfusys_sessions_v1_FileInfo__Output>
        GetDownloadUrlRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_GetDownloadUrlRequest,
          _lfusys_sessions_v1_GetDownloadUrlRequest__Output
        >
        GetFileRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_GetFileRequest,
          _lfusys_sessions_v1_GetFileRequest__Output
        >
        GetUploadRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_GetUploadRequest,
          _lfusys_sessions_v1_GetUploadRequest__Output
        >
        GetUsageRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_GetUsageRequest,
          _lfusys_sessions_v1_GetUsageRequest__Output
        >
        IntegrityCheck: EnumTypeDefinition
        ListFilesRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_ListFilesRequest,
          _lfusys_sessions_v1_ListFilesRequest__Output
        >
        ListFilesResponse: MessageTypeDefinition<
          _lfusys_sessions_v1_ListFilesResponse,
          _lfusys_sessions_v1_ListFilesResponse__Output
        >
        ListUploadsRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_ListUploadsRequest,
          _lfusys_sessions_v1_ListUploadsRequest__Output
        >
        ListUploadsResponse: MessageTypeDefinition<
          _lfusys_sessions_v1_ListUploadsResponse,
          _lfusys_sessions_v1_ListUploadsResponse__Output
        >
        RenewUploadTokenRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_RenewUploadTokenRequest,
          _lfusys_sessions_v1_RenewUploadTokenRequest__Output
        >
        Sessions: SubtypeConstructor<typeof grpc.Client, _lfusys_sessions_v1_SessionsClient> & {
          service: _lfusys_sessions_v1_SessionsDefinition
        }
        StartedUpload: MessageTypeDefinition<
          _lfusys_sessions_v1_StartedUpload,
          _lfusys_sessions_v1_StartedUpload__Output
        >
        TusAdvanceRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_TusAdvanceRequest,
          _lfusys_sessions_v1_TusAdvanceRequest__Output
        >
        TusLockRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_TusLockRequest,
          _lfusys_sessions_v1_TusLockRequest__Output
        >
        TusState: MessageTypeDefinition<_lfusys_sessions_v1_TusState, _lfusys_sessions_v1_TusState__Output>
        TusUploadRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_TusUploadRequest,
          _lfusys_sessions_v1_TusUploadRequest__Output
        >
        UploadSession: MessageTypeDefinition<
          _lfusys_sessions_v1_UploadSession,
          _lfusys_sessions_v1_UploadSession__Output
        >
        UploadStatus: EnumTypeDefinition
        UploadToken: MessageTypeDefinition<
          _lfusys_sessions_v1_UploadToken,
          _lfusys_sessions_v1_UploadToken__Output
        >
        Usage: MessageTypeDefinition<_lfusys_sessions_v1_Usage, _lfusys_sessions_v1_Usage__Output>
        WatchUploadRequest: MessageTypeDefinition<
          _lfusys_sessions_v1_WatchUploadRequest,
          _lfusys_sessions_v1_WatchUploadRequest__Output
        >
      }
    }
  }
}
