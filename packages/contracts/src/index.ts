export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './accounts.ts'
export {
  type CreateUploadBody,
  type CreateUploadOutcome,
  contentHashSchema,
  createdUploadSchema,
  createUploadBodySchema,
  createUploadOutcomeSchema,
  duplicateUploadSchema,
  FINAL_UPLOAD_STATUSES,
  type FilePage,
  type FileRecord,
  filePageSchema,
  fileRecordSchema,
  fileSizeSchema,
  idSchema,
  type StorageUsage,
  storageUsageSchema,
  UPLOAD_STATUSES,
  type Upload,
  type UploadStatus,
  type UploadTokenGrant,
  uploadSchema,
  uploadStatusSchema,
  uploadTokenGrantSchema,
} from './api.ts'
export {
  type ChunkPlan,
  type ChunkPlanOptions,
  chunkLength,
  chunkRange,
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNKS,
  MiB,
  planChunks,
} from './chunkPlan.ts'
export { formatContentDigest, type ParsedDigest, parseContentDigest } from './contentDigest.ts'
export {
  compositeChecksum,
  concatDigests,
  contentHashFromDigests,
  isContentHash,
  parseCompositeChecksum,
  SHA256_HEX,
} from './contentHash.ts'
export { fromBase64, fromHex, toBase64, toHex } from './encoding.ts'
export { chunkKey, chunkUploadPrefix, isId, objectKey, parseChunkKey } from './keys.ts'
export {
  contentTypeSchema,
  DEFAULT_CONTENT_TYPE,
  downloadContentType,
  FILE_NAME_MAX_LENGTH,
  fileNameSchema,
  idempotencyKeySchema,
  isActiveContentType,
  normaliseContentType,
} from './values.ts'
