import {
  contentTypeSchema,
  fileNameSchema,
  idempotencyKeySchema,
  isContentHash,
  isId,
  normaliseContentType,
} from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import type { FileInfo, UploadSession } from '@lfusys/proto'
import { z } from 'zod'
import type { FileRecord } from '../files/FileRecord.ts'
import type { Caller } from '../uploads/SessionService.ts'
import type { IntegrityCheck, UploadRecord } from '../uploads/UploadRecord.ts'

const callerSchema = z.object(
  {
    userId: z.string().min(1, 'caller.user_id is required').max(128),
    isAdmin: z.boolean(),
  },
  { error: 'caller is required' },
)

/** proto3 optional fields arrive unset or, from lax clients, as empty strings. */
const emptyToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v)

const id = (field: string) => z.string().refine(isId, `${field} must be a lowercase UUID`)

/** proto3 has no absent string: an empty content type means the owner gave none. */
const contentType = z
  .union([z.literal(''), contentTypeSchema])
  .transform((s) => normaliseContentType(s || undefined))

export const createUploadSchema = z.object({
  caller: callerSchema,
  fileName: fileNameSchema,
  fileSize: z.number().int('file_size must be an integer').min(0).max(Number.MAX_SAFE_INTEGER),
  contentType,
  contentHash: z.preprocess(
    emptyToUndefined,
    z.string().refine(isContentHash, 'content_hash must be 64 lowercase hex characters').optional(),
  ),
  resumeUploadId: z.preprocess(emptyToUndefined, id('resume_upload_id').optional()),
  idempotencyKey: z.preprocess(emptyToUndefined, idempotencyKeySchema.optional()),
})

export const uploadRequestSchema = z.object({ caller: callerSchema, uploadId: id('upload_id') })
export const fileRequestSchema = z.object({ caller: callerSchema, fileId: id('file_id') })
export const callerRequestSchema = z.object({ caller: callerSchema })
export const listFilesSchema = z.object({
  caller: callerSchema,
  limit: z.number().int().min(0).max(200, 'limit must be at most 200'),
  cursor: z.string().max(2048),
  all: z.boolean(),
})

/** Parses a request; any problem is INVALID_ARGUMENT naming the field. */
export function parseRequest<S extends z.ZodType>(schema: S, request: unknown): z.infer<S> {
  const parsed = schema.safeParse(request)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const field = issue?.path.map(String).join('.') || undefined
  throw new AppError('VALIDATION_FAILED', issue?.message ?? 'invalid request', {
    details: {
      field,
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    },
  })
}

export function toCaller(caller: { userId: string; isAdmin: boolean }): Caller {
  return { userId: caller.userId, isAdmin: caller.isAdmin }
}

/** Opaque cursor: base64url JSON of DynamoDB's LastEvaluatedKey, checked before reuse. */
const cursorSchema = z.record(z.string().regex(/^(pk|sk|gsi1pk|gsi1sk|gsi2pk|gsi2sk)$/), z.string().max(1024))

export function encodeCursor(key: Record<string, string> | undefined): string {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : ''
}

export function decodeCursor(cursor: string, expectPartition: { name: 'gsi1pk' | 'gsi2pk'; value: string }) {
  if (cursor === '') return undefined
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    json = undefined
  }
  const parsed = cursorSchema.safeParse(json)
  // A cursor only continues the listing it came from: never another user's partition.
  if (!parsed.success || parsed.data[expectPartition.name] !== expectPartition.value) {
    throw new AppError('VALIDATION_FAILED', 'cursor is invalid', { details: { field: 'cursor' } })
  }
  return parsed.data
}

const STATUS = {
  created: 'UPLOAD_STATUS_CREATED',
  uploading: 'UPLOAD_STATUS_UPLOADING',
  finalizing: 'UPLOAD_STATUS_FINALIZING',
  complete: 'UPLOAD_STATUS_COMPLETE',
  failed: 'UPLOAD_STATUS_FAILED',
  cancelled: 'UPLOAD_STATUS_CANCELLED',
  expired: 'UPLOAD_STATUS_EXPIRED',
} as const

const CHECK: Record<
  IntegrityCheck,
  'INTEGRITY_CHECK_COMPOSITE' | 'INTEGRITY_CHECK_READ_BACK' | 'INTEGRITY_CHECK_EXISTING_OBJECT'
> = {
  composite: 'INTEGRITY_CHECK_COMPOSITE',
  read_back: 'INTEGRITY_CHECK_READ_BACK',
  existing_object: 'INTEGRITY_CHECK_EXISTING_OBJECT',
}

export function toUploadSession(record: UploadRecord, uploadsPublicUrl: string): UploadSession {
  return {
    uploadId: record.uploadId,
    status: STATUS[record.status],
    fileName: record.fileName,
    fileSize: record.fileSize,
    contentType: record.contentType,
    ...(record.contentHash !== undefined ? { contentHash: record.contentHash } : {}),
    chunkSize: record.chunkSize,
    chunkCount: record.chunkCount,
    receivedChunks: record.received,
    chunkUploadUrl: `${uploadsPublicUrl.replace(/\/+$/, '')}/api/v1/uploads/${record.uploadId}/chunks`,
    ...(record.fileId !== undefined ? { fileId: record.fileId } : {}),
    ...(record.failureReason !== undefined ? { failureReason: record.failureReason } : {}),
    createdAtMs: record.createdAt,
    expiresAtMs: record.expiresAt,
    updatedAtMs: record.updatedAt,
  }
}

export function toFileInfo(file: FileRecord): FileInfo {
  return {
    fileId: file.fileId,
    name: file.name,
    size: file.size,
    contentType: file.contentType,
    contentHash: file.contentHash,
    ownerId: file.ownerId,
    createdAtMs: file.createdAt,
    integrityCheck: CHECK[file.integrityCheck],
  }
}
