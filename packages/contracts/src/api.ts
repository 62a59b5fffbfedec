import { z } from 'zod'
import { SHA256_HEX } from './contentHash.ts'
import { isId } from './keys.ts'
import { contentTypeSchema, fileNameSchema } from './values.ts'

/**
 * The JSON shapes of the gateway's public HTTP contract (camelCase, times ISO-8601), as zod schemas
 * with their TypeScript types inferred from them. The gateway validates and documents its routes
 * from these, the sessions service checks gRPC input with the same value rules, and the upload
 * engine, the web app and the CLI parse responses with them: one rule, one place.
 */

/** Upload and file ids: lowercase UUIDs (random, so unguessable). */
export const idSchema = z.string().refine(isId, 'must be a lowercase UUID')

/** `contentHash` (design invariant 2): 64 lowercase hex characters. */
export const contentHashSchema = z
  .string()
  .regex(SHA256_HEX, 'contentHash must be 64 lowercase hex characters')

/** A file size in bytes. */
export const fileSizeSchema = z
  .number()
  .int('fileSize must be an integer')
  .min(0, 'fileSize must not be negative')
  .max(Number.MAX_SAFE_INTEGER, 'fileSize is too large')

export const UPLOAD_STATUSES = [
  'created',
  'uploading',
  'finalizing',
  'complete',
  'failed',
  'cancelled',
  'expired',
] as const

export const uploadStatusSchema = z.enum(UPLOAD_STATUSES)
export type UploadStatus = z.infer<typeof uploadStatusSchema>

/** States after which an upload never changes again. */
export const FINAL_UPLOAD_STATUSES: ReadonlySet<UploadStatus> = new Set([
  'complete',
  'failed',
  'cancelled',
  'expired',
])

const timestamp = z.string().describe('ISO-8601 time')
const count = z.number().int().min(0)

export const uploadSchema = z.object({
  id: z.string(),
  fileName: z.string(),
  fileSize: count,
  contentType: z.string(),
  contentHash: z.string().nullable(),
  chunkSize: count,
  chunkCount: count,
  receivedChunks: z.array(count),
  status: uploadStatusSchema,
  /** PUT `<chunkUploadUrl>/<index>` with the upload token. */
  chunkUploadUrl: z.string().describe('PUT `<chunkUploadUrl>/<index>` with the upload token'),
  fileId: z.string().nullable(),
  failureReason: z.string().nullable(),
  createdAt: timestamp,
  expiresAt: timestamp,
})
export type Upload = z.infer<typeof uploadSchema>

export const fileRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: count,
  contentType: z.string(),
  contentHash: z.string(),
  createdAt: timestamp,
  ownerId: z.string(),
})
export type FileRecord = z.infer<typeof fileRecordSchema>

export const uploadTokenGrantSchema = z.object({ token: z.string(), expiresAt: timestamp })
export type UploadTokenGrant = z.infer<typeof uploadTokenGrantSchema>

/** `POST /api/v1/uploads` body. */
export const createUploadBodySchema = z.object({
  fileName: fileNameSchema,
  fileSize: fileSizeSchema,
  contentType: contentTypeSchema.optional(),
  contentHash: contentHashSchema.optional(),
})
export type CreateUploadBody = z.infer<typeof createUploadBodySchema>

export const createdUploadSchema = z.object({
  result: z.enum(['created', 'resumed']),
  upload: uploadSchema,
  uploadToken: uploadTokenGrantSchema,
})
export const duplicateUploadSchema = z.object({ result: z.literal('duplicate'), file: fileRecordSchema })

/** `POST /api/v1/uploads` answer: 201 with a new or resumed upload, 200 with the existing file. */
export const createUploadOutcomeSchema = z.discriminatedUnion('result', [
  createdUploadSchema,
  duplicateUploadSchema,
])
export type CreateUploadOutcome = z.infer<typeof createUploadOutcomeSchema>

export const filePageSchema = z.object({
  files: z.array(fileRecordSchema),
  nextCursor: z.string().nullable(),
})
export type FilePage = z.infer<typeof filePageSchema>

/** `GET /api/v1/me/usage`: the caller's storage against the quota that upload creation enforces. */
export const storageUsageSchema = z.object({
  usedBytes: count.describe("Bytes of the caller's complete files."),
  pendingBytes: count.describe("Bytes that the caller's unfinished uploads will add."),
  quotaBytes: count.nullable().describe('The per-user quota in bytes, or null when there is none.'),
})
export type StorageUsage = z.infer<typeof storageUsageSchema>

/** `GET /api/v1/uploads` answer: the caller's unfinished uploads. */
export const uploadListSchema = z.object({ uploads: z.array(uploadSchema) })
export type UploadList = z.infer<typeof uploadListSchema>

/**
 * `GET /api/v1/uploads/policy`: the rules the sessions service applies when it creates an upload,
 * announced so that a client plans its chunks, hashes the file and creates the upload once.
 * `planChunks(fileSize, policy.chunkPlan)` gives exactly the plan the server will return.
 */
export const uploadPolicySchema = z.object({
  chunkPlan: z
    .object({
      baseChunkSize: z
        .number()
        .int()
        .min(1)
        .describe('Chunk size in bytes of every file that fits in `maxChunks` chunks of it.'),
      maxChunks: z
        .number()
        .int()
        .min(1)
        .describe(
          'Most chunks of one upload; a larger file gets the smallest whole number of MiB that fits it in this many.',
        ),
    })
    .describe('The chunk-size rule: the options of `planChunks` in @lfusys/contracts.'),
  maxFileSize: count.describe('Largest file size in bytes an upload may declare (larger: 413 TOO_LARGE).'),
  quotaBytes: count
    .nullable()
    .describe(
      'Per-user storage quota in bytes (complete files plus unfinished uploads), or null when there is none; `GET /me/usage` tells what is used.',
    ),
})
export type UploadPolicy = z.infer<typeof uploadPolicySchema>
