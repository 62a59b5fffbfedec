export type { Caller, Caller__Output } from './generated/lfusys/sessions/v1/Caller.ts'
export type { CancelUploadRequest } from './generated/lfusys/sessions/v1/CancelUploadRequest.ts'
export type { CompleteUploadRequest } from './generated/lfusys/sessions/v1/CompleteUploadRequest.ts'
export type {
  CreateUploadRequest,
  CreateUploadRequest__Output,
} from './generated/lfusys/sessions/v1/CreateUploadRequest.ts'
export type {
  CreateUploadResponse,
  CreateUploadResponse__Output,
} from './generated/lfusys/sessions/v1/CreateUploadResponse.ts'
export type { DeleteFileRequest } from './generated/lfusys/sessions/v1/DeleteFileRequest.ts'
export type { DeleteFileResponse } from './generated/lfusys/sessions/v1/DeleteFileResponse.ts'
export type { DownloadUrl, DownloadUrl__Output } from './generated/lfusys/sessions/v1/DownloadUrl.ts'
export type { FileInfo, FileInfo__Output } from './generated/lfusys/sessions/v1/FileInfo.ts'
export type { GetDownloadUrlRequest } from './generated/lfusys/sessions/v1/GetDownloadUrlRequest.ts'
export type { GetFileRequest } from './generated/lfusys/sessions/v1/GetFileRequest.ts'
export type { GetUploadRequest } from './generated/lfusys/sessions/v1/GetUploadRequest.ts'
export type { GetUsageRequest } from './generated/lfusys/sessions/v1/GetUsageRequest.ts'
export {
  IntegrityCheck,
  type IntegrityCheck__Output,
} from './generated/lfusys/sessions/v1/IntegrityCheck.ts'
export type { ListFilesRequest } from './generated/lfusys/sessions/v1/ListFilesRequest.ts'
export type {
  ListFilesResponse,
  ListFilesResponse__Output,
} from './generated/lfusys/sessions/v1/ListFilesResponse.ts'
export type { ListUploadsRequest } from './generated/lfusys/sessions/v1/ListUploadsRequest.ts'
export type {
  ListUploadsResponse,
  ListUploadsResponse__Output,
} from './generated/lfusys/sessions/v1/ListUploadsResponse.ts'
export type { RenewUploadTokenRequest } from './generated/lfusys/sessions/v1/RenewUploadTokenRequest.ts'
export type {
  SessionsClient,
  SessionsDefinition,
  SessionsHandlers,
} from './generated/lfusys/sessions/v1/Sessions.ts'
export type { StartedUpload, StartedUpload__Output } from './generated/lfusys/sessions/v1/StartedUpload.ts'
export type { TusAdvanceRequest } from './generated/lfusys/sessions/v1/TusAdvanceRequest.ts'
export type { TusLockRequest } from './generated/lfusys/sessions/v1/TusLockRequest.ts'
export type { TusState, TusState__Output } from './generated/lfusys/sessions/v1/TusState.ts'
export type { TusUploadRequest } from './generated/lfusys/sessions/v1/TusUploadRequest.ts'
export type { UploadSession, UploadSession__Output } from './generated/lfusys/sessions/v1/UploadSession.ts'
export {
  UploadStatus,
  type UploadStatus__Output,
} from './generated/lfusys/sessions/v1/UploadStatus.ts'
export type { UploadToken, UploadToken__Output } from './generated/lfusys/sessions/v1/UploadToken.ts'
export type { Usage, Usage__Output } from './generated/lfusys/sessions/v1/Usage.ts'
export type { WatchUploadRequest } from './generated/lfusys/sessions/v1/WatchUploadRequest.ts'
export {
  CODE_BY_GRPC_STATUS,
  ERROR_CODE_KEY,
  ERROR_DETAILS_KEY,
  fromGrpcError,
  GRPC_STATUS_BY_CODE,
  type GrpcErrorStatus,
  RETRY_AFTER_KEY,
  toGrpcStatus,
} from './grpcErrors.ts'
export {
  createSessionsClient,
  dependencyHealthName,
  LOADER_OPTIONS,
  SESSIONS_DEPENDENCIES,
  SESSIONS_PROTO_PATH,
  SESSIONS_SERVICE_NAME,
  type SessionsDependency,
  sessionsServiceDefinition,
} from './sessionsProto.ts'
export {
  DOMAIN_STATUSES,
  type DomainUploadStatus,
  domainStatusOf,
  isFinalStatus,
  protoStatusOf,
} from './status.ts'
