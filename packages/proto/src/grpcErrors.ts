import { Metadata, type ServiceError, status } from '@grpc/grpc-js'
import { AppError, type ErrorCode, isErrorCode } from '@lfusys/errors'

/**
 * The one table between AppError codes and gRPC status codes, used by the sessions server to answer
 * and by the gateway's client to read answers. Expected failures never become UNKNOWN.
 */
export const GRPC_STATUS_BY_CODE: Readonly<Record<ErrorCode, status>> = {
  VALIDATION_FAILED: status.INVALID_ARGUMENT,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  FORBIDDEN: status.PERMISSION_DENIED,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  CONFLICT: status.ABORTED,
  PRECONDITION_FAILED: status.FAILED_PRECONDITION,
  TOO_LARGE: status.OUT_OF_RANGE,
  LENGTH_REQUIRED: status.INVALID_ARGUMENT,
  INTEGRITY_FAILED: status.DATA_LOSS,
  RATE_LIMITED: status.RESOURCE_EXHAUSTED,
  REQUEST_TIMEOUT: status.DEADLINE_EXCEEDED,
  GONE: status.FAILED_PRECONDITION,
  QUOTA_EXCEEDED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  INTERNAL: status.INTERNAL,
}

/**
 * Reading direction for answers without the `lfusys-error-code` trailer (for example a status the
 * gRPC library produced itself: deadline, connection refused).
 */
export const CODE_BY_GRPC_STATUS: Readonly<Partial<Record<status, ErrorCode>>> = {
  [status.INVALID_ARGUMENT]: 'VALIDATION_FAILED',
  [status.UNAUTHENTICATED]: 'UNAUTHENTICATED',
  [status.PERMISSION_DENIED]: 'FORBIDDEN',
  [status.NOT_FOUND]: 'NOT_FOUND',
  [status.ALREADY_EXISTS]: 'ALREADY_EXISTS',
  [status.ABORTED]: 'CONFLICT',
  [status.FAILED_PRECONDITION]: 'PRECONDITION_FAILED',
  [status.OUT_OF_RANGE]: 'TOO_LARGE',
  [status.DATA_LOSS]: 'INTEGRITY_FAILED',
  [status.RESOURCE_EXHAUSTED]: 'RATE_LIMITED',
  [status.UNAVAILABLE]: 'UNAVAILABLE',
  [status.DEADLINE_EXCEEDED]: 'UNAVAILABLE',
  [status.CANCELLED]: 'UNAVAILABLE',
}

/** Trailing metadata keys that carry the exact AppError across the wire. */
export const ERROR_CODE_KEY = 'lfusys-error-code'
export const ERROR_DETAILS_KEY = 'lfusys-error-details'
export const RETRY_AFTER_KEY = 'lfusys-retry-after'

export interface GrpcErrorStatus {
  code: status
  details: string
  metadata: Metadata
}

/**
 * The status object a server passes to a callback or `call.destroy`/`emit('error')`. Anything that is
 * not an AppError is an internal failure whose message stays in the server's log.
 */
export function toGrpcStatus(err: unknown): GrpcErrorStatus {
  const appError = err instanceof AppError ? err : new AppError('INTERNAL', 'internal error')
  const metadata = new Metadata()
  metadata.set(ERROR_CODE_KEY, appError.code)
  if (appError.details) metadata.set(ERROR_DETAILS_KEY, JSON.stringify(appError.details))
  if (appError.retryAfterSeconds !== undefined)
    metadata.set(RETRY_AFTER_KEY, String(appError.retryAfterSeconds))
  return { code: GRPC_STATUS_BY_CODE[appError.code], details: appError.message, metadata }
}

function firstString(metadata: Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0]
  return typeof value === 'string' ? value : undefined
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' && 'metadata' in err
}

/**
 * Turns an error from a sessions client call back into the AppError the server raised (code,
 * message, details, retry-after). Transport failures become UNAVAILABLE; the rest INTERNAL.
 */
export function fromGrpcError(err: unknown): AppError {
  if (err instanceof AppError) return err
  if (!isServiceError(err)) return new AppError('INTERNAL', 'sessions call failed', { cause: err })
  const sent = firstString(err.metadata, ERROR_CODE_KEY)
  const code: ErrorCode = isErrorCode(sent) ? sent : (CODE_BY_GRPC_STATUS[err.code] ?? 'INTERNAL')
  let details: Record<string, unknown> | undefined
  const rawDetails = firstString(err.metadata, ERROR_DETAILS_KEY)
  if (rawDetails !== undefined) {
    try {
      const parsed: unknown = JSON.parse(rawDetails)
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        details = Object.fromEntries(Object.entries(parsed))
      }
    } catch {
      details = undefined
    }
  }
  const retryAfter = Number(firstString(err.metadata, RETRY_AFTER_KEY))
  const message = sent !== undefined ? err.details : `sessions service: ${err.details || status[err.code]}`
  return new AppError(code, message, {
    cause: err,
    ...(details ? { details } : {}),
    ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}),
  })
}
