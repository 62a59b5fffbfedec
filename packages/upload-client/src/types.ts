import { type Upload as ServerUpload, uploadSchema } from '@lfusys/contracts'
import { UploadError } from './errors.ts'

// The gateway's JSON shapes live once, in @lfusys/contracts; the engine keeps its historical names.
export type {
  AccountUser as User,
  CreateUploadOutcome as CreateUploadResult,
  FileRecord,
  StorageUsage,
  Upload as ServerUpload,
  UploadPolicy,
  UploadStatus,
  UploadTokenGrant as UploadToken,
} from '@lfusys/contracts'
export { FINAL_UPLOAD_STATUSES as FINAL_STATUSES } from '@lfusys/contracts'

/** What the engine needs of a zod schema (kept structural so the engine does not import zod itself). */
export interface WireSchema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } }
}

/**
 * Checks an answer against its contracts schema. The gateway is trusted to follow the contract, but
 * a proxy error page or a version skew must surface as a clear PROTOCOL_ERROR naming the field,
 * rather than as undefined deep inside the engine.
 */
export function parseWire<T>(schema: WireSchema<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)'
  throw new UploadError(
    'PROTOCOL_ERROR',
    `unexpected ${what} from the server: bad field "${field}"${issue ? ` (${issue.message})` : ''}`,
    { details: { field } },
  )
}

/** An upload as the gateway sends it (in a JSON body or a live status event). */
export function parseServerUpload(value: unknown): ServerUpload {
  return parseWire(uploadSchema, value, 'upload')
}
