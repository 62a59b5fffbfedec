import type {
  CreateUploadOutcome as CreateUploadResult,
  FileRecord,
  Upload as ServerUpload,
  StorageUsage,
  UploadStatus,
  UploadTokenGrant as UploadToken,
} from '@lfusys/contracts'
import { UploadError } from './errors.ts'

// The gateway's JSON shapes live once, in @lfusys/contracts; the engine keeps its historical names.
export type {
  CreateUploadOutcome as CreateUploadResult,
  FileRecord,
  StorageUsage,
  Upload as ServerUpload,
  UploadStatus,
  UploadTokenGrant as UploadToken,
} from '@lfusys/contracts'
export { FINAL_UPLOAD_STATUSES as FINAL_STATUSES } from '@lfusys/contracts'

export interface User {
  id: string
  email: string
  name: string
  role: 'user' | 'admin'
}

// The gateway is trusted to follow the contract, but a proxy error page or a version skew must
// surface as a clear PROTOCOL_ERROR rather than as undefined deep inside the engine.
type Obj = Record<string, unknown>

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fail(what: string, field: string): never {
  throw new UploadError('PROTOCOL_ERROR', `unexpected ${what} from the server: bad field "${field}"`)
}

function str(o: Obj, key: string, what: string): string {
  const v = o[key]
  if (typeof v !== 'string') fail(what, key)
  return v
}

function strOrNull(o: Obj, key: string, what: string): string | null {
  const v = o[key]
  if (v === null || v === undefined) return null
  if (typeof v !== 'string') fail(what, key)
  return v
}

function int(o: Obj, key: string, what: string): number {
  const v = o[key]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(what, key)
  return v
}

const STATUSES: ReadonlySet<string> = new Set([
  'created',
  'uploading',
  'finalizing',
  'complete',
  'failed',
  'cancelled',
  'expired',
])

function isStatus(value: unknown): value is UploadStatus {
  return typeof value === 'string' && STATUSES.has(value)
}

export function parseServerUpload(value: unknown): ServerUpload {
  const what = 'upload'
  if (!isObj(value)) fail(what, '(body)')
  const received = value.receivedChunks
  if (!Array.isArray(received) || !received.every((n) => Number.isSafeInteger(n) && n >= 0))
    fail(what, 'receivedChunks')
  const status = value.status
  if (!isStatus(status)) fail(what, 'status')
  return {
    id: str(value, 'id', what),
    fileName: str(value, 'fileName', what),
    fileSize: int(value, 'fileSize', what),
    contentType: strOrNull(value, 'contentType', what) ?? 'application/octet-stream',
    contentHash: strOrNull(value, 'contentHash', what),
    chunkSize: int(value, 'chunkSize', what),
    chunkCount: int(value, 'chunkCount', what),
    receivedChunks: received.filter((n): n is number => typeof n === 'number'),
    status,
    chunkUploadUrl: str(value, 'chunkUploadUrl', what),
    fileId: strOrNull(value, 'fileId', what),
    failureReason: strOrNull(value, 'failureReason', what),
    createdAt: str(value, 'createdAt', what),
    expiresAt: str(value, 'expiresAt', what),
  }
}

export function parseFileRecord(value: unknown): FileRecord {
  const what = 'file'
  if (!isObj(value)) fail(what, '(body)')
  return {
    id: str(value, 'id', what),
    name: str(value, 'name', what),
    size: int(value, 'size', what),
    contentType: strOrNull(value, 'contentType', what) ?? 'application/octet-stream',
    contentHash: str(value, 'contentHash', what),
    createdAt: str(value, 'createdAt', what),
    ownerId: str(value, 'ownerId', what),
  }
}

export function parseStorageUsage(value: unknown): StorageUsage {
  const what = 'storage usage'
  if (!isObj(value)) fail(what, '(body)')
  const quota = value.quotaBytes
  return {
    usedBytes: int(value, 'usedBytes', what),
    pendingBytes: int(value, 'pendingBytes', what),
    quotaBytes: quota === null ? null : int(value, 'quotaBytes', what),
  }
}

export function parseUploadToken(value: unknown): UploadToken {
  const what = 'upload token'
  if (!isObj(value)) fail(what, '(body)')
  return { token: str(value, 'token', what), expiresAt: str(value, 'expiresAt', what) }
}

export function parseUser(value: unknown): User {
  const what = 'user'
  if (!isObj(value)) fail(what, '(body)')
  const role = value.role
  if (role !== 'user' && role !== 'admin') fail(what, 'role')
  return {
    id: str(value, 'id', what),
    email: str(value, 'email', what),
    name: strOrNull(value, 'name', what) ?? '',
    role,
  }
}

export function parseCreateResult(value: unknown): CreateUploadResult {
  if (!isObj(value)) fail('upload creation', '(body)')
  if (value.result === 'duplicate') return { result: 'duplicate', file: parseFileRecord(value.file) }
  if (value.result !== 'created' && value.result !== 'resumed') fail('upload creation', 'result')
  return {
    result: value.result,
    upload: parseServerUpload(value.upload),
    uploadToken: parseUploadToken(value.uploadToken),
  }
}

export function field(value: unknown, key: string): unknown {
  return isObj(value) ? value[key] : undefined
}
