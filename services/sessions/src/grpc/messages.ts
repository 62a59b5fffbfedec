import {
  contentHashSchema,
  contentTypeSchema,
  fileNameSchema,
  fileSizeSchema,
  idempotencyKeySchema,
  idSchema,
  normaliseContentType,
  type UploadStatus,
} from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import type { FileInfo, UploadSession } from '@lfusys/proto'
import { z } from 'zod'
import type { Caller } from '../domain/Caller.ts'
import type { FileRecord } from '../domain/FileRecord.ts'
import type { IntegrityCheck, UploadRecord } from '../domain/UploadRecord.ts'
import { FILE_CURSOR_MAX_LENGTH } from '../files/fileCursor.ts'

const callerSchema = z.object(
  {
    userId: z.string().min(1, 'caller.user_id is required').max(128),
    isAdmin: z.boolean(),
  },
  { error: 'caller is required' },
)

/** proto3 optional fields arrive unset or, from lax clients, as empty strings. */
const emptyToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v)

/**
 * A value checked by its @lfusys/contracts rule (the gateway's too), with a message naming the
 * proto field, as gRPC callers know it.
 */
const rule = <T>(schema: z.ZodType<T>, message: string) =>
  z.custom<T>((value) => schema.safeParse(value).success, message)

const id = (field: string) => rule(idSchema, `${field} must be a lowercase UUID`)

/** proto3 has no absent string: an empty content type means the owner gave none. */
const contentType = z
  .union([z.literal(''), contentTypeSchema])
  .transform((s) => normaliseContentType(s || undefined))

export const createUploadSchema = z.object({
  caller: callerSchema,
  fileName: fileNameSchema,
  fileSize: rule(fileSizeSchema, 'file_size must be a whole number of bytes'),
  contentType,
  contentHash: z.preprocess(
    emptyToUndefined,
    rule(contentHashSchema, 'content_hash must be 64 lowercase hex characters').optional(),
  ),
  idempotencyKey: z.preprocess(emptyToUndefined, idempotencyKeySchema.optional()),
})

export const uploadRequestSchema = z.object({ caller: callerSchema, uploadId: id('upload_id') })
export const fileRequestSchema = z.object({ caller: callerSchema, fileId: id('file_id') })
export const callerRequestSchema = z.object({ caller: callerSchema })
export const listFilesSchema = z.object({
  caller: callerSchema,
  limit: z.number().int().min(0).max(200, 'limit must be at most 200'),
  cursor: z.string().max(FILE_CURSOR_MAX_LENGTH),
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

/** The proto enum name of each status, derived from the one list of them in @lfusys/contracts. */
const protoStatus = (status: UploadStatus) =>
  `UPLOAD_STATUS_${status.toUpperCase() as Uppercase<UploadStatus>}` as const

const CHECK: Record<IntegrityCheck, `INTEGRITY_CHECK_${Uppercase<IntegrityCheck>}`> = {
  composite: 'INTEGRITY_CHECK_COMPOSITE',
  full_object: 'INTEGRITY_CHECK_FULL_OBJECT',
  read_back: 'INTEGRITY_CHECK_READ_BACK',
  existing_object: 'INTEGRITY_CHECK_EXISTING_OBJECT',
}

export function toUploadSession(record: UploadRecord, uploadsPublicUrl: string): UploadSession {
  return {
    uploadId: record.uploadId,
    status: protoStatus(record.status),
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
