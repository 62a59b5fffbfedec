export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryPolicy,
  retryDelay,
  sleep,
} from './backoff.ts'
export { blobSource, type ChunkSource } from './ChunkSource.ts'
export {
  type ChunkPutRequest,
  type ChunkPutResponse,
  type ChunkTransport,
  fetchChunkTransport,
  retryingConnections,
  TransportError,
} from './ChunkTransport.ts'
export { type ClientErrorCode, isRetryable, UploadError } from './errors.ts'
export {
  type CreateUploadInput,
  type FetchLike,
  GatewayClient,
  type GatewayClientOptions,
} from './GatewayClient.ts'
export { type ChunkHasher, type HashHooks, hashChunksInline, isSameContent, sha256 } from './hashing.ts'
export { describeProgress, type ProgressStage, type ProgressView } from './progressView.ts'
export { StoredRate } from './StoredRate.ts'
export {
  CSRF_COOKIE,
  CSRF_HEADER,
  createSessionFetch,
  readCookie,
  type SessionFetchOptions,
} from './sessionFetch.ts'
export { readSse, type SseEvent } from './sse.ts'
export {
  type CreateUploadResult,
  FINAL_STATUSES,
  type FileRecord,
  parseServerUpload,
  type ServerUpload,
  type StorageUsage,
  type UploadPolicy,
  type UploadStatus,
  type UploadToken,
  type User,
} from './types.ts'
export {
  type ResumeRecord,
  type UploadOutcome,
  type UploadPhase,
  type UploadSnapshot,
  UploadTask,
  type UploadTaskOptions,
} from './UploadTask.ts'
