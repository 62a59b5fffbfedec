import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { UPLOAD_STATUSES } from '@lfusys/contracts'
import { INTEGRITY_CHECKS, type UploadRecord } from '../domain/UploadRecord.ts'
import { SESSION_SK, uploadPk } from './keys.ts'

/** The uploads table as the three repositories over it share it. */
export interface UploadTable {
  db: DynamoDBDocumentClient
  table: string
  /** Seconds an ended session stays readable before DynamoDB TTL removes it. */
  retentionSeconds: number
}

export interface UploadTableOptions {
  table: string
  /** Seconds an ended session stays readable before DynamoDB TTL removes it (default 7 days). */
  retentionSeconds?: number
}

export function uploadTable(db: DynamoDBDocumentClient, options: UploadTableOptions): UploadTable {
  return { db, table: options.table, retentionSeconds: options.retentionSeconds ?? 7 * 86_400 }
}

export const sessionKey = (uploadId: string) => ({ pk: uploadPk(uploadId), sk: SESSION_SK })

/** TTL of an unfinished session: well after its expiry, so the sweeper sees it first. */
export const activeTtl = (expiresAt: number) => Math.ceil(expiresAt / 1000) + 3 * 86_400

/** TTL of an ended session: readable for the retention period after it ended. */
export const endedTtl = (t: UploadTable, now: number) => Math.ceil(now / 1000) + t.retentionSeconds

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)

function numbers(v: unknown): number[] {
  if (v instanceof Set) return [...v].filter((x): x is number => typeof x === 'number').sort((a, b) => a - b)
  return []
}
function strings(v: unknown): string[] {
  if (v instanceof Set) return [...v].filter((x): x is string => typeof x === 'string')
  return []
}

/** Reads a stored session item; a malformed item is a bug worth failing loudly on. */
export function toUploadRecord(item: Record<string, unknown>): UploadRecord {
  const status = UPLOAD_STATUSES.find((s) => s === item.status)
  const uploadId = str(item.uploadId)
  const userId = str(item.userId)
  if (!status || !uploadId || !userId) throw new Error(`malformed upload item ${String(item.pk)}`)
  return {
    uploadId,
    userId,
    status,
    fileName: str(item.fileName) ?? '',
    fileSize: num(item.fileSize) ?? 0,
    contentType: str(item.contentType) ?? 'application/octet-stream',
    contentHash: str(item.contentHash),
    chunkSize: num(item.chunkSize) ?? 1,
    chunkCount: num(item.chunkCount) ?? 1,
    received: numbers(item.received),
    createdAt: num(item.createdAt) ?? 0,
    updatedAt: num(item.updatedAt) ?? 0,
    expiresAt: num(item.expiresAt) ?? 0,
    leaseOwner: str(item.leaseOwner),
    leaseExpiresAt: num(item.leaseExpiresAt),
    multipartUploadId: str(item.multipartUploadId),
    multipartUploadIds: strings(item.multipartUploadIds),
    fileId: str(item.fileId),
    failureReason: str(item.failureReason),
    integrityCheck: INTEGRITY_CHECKS.find((c) => c === item.integrityCheck),
    finalizations: num(item.finalizations) ?? 0,
    traceparent: str(item.traceparent),
    reservedBytes: num(item.reservedBytes) ?? 0,
  }
}

/** A write's returned attributes as a session, if it returned any. */
export const returnedRecord = (out: { Attributes?: Record<string, unknown> } | undefined) =>
  out?.Attributes ? toUploadRecord(out.Attributes) : undefined
