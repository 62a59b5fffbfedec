import type { ErrorCode } from './AppError.ts'

/**
 * The HTTP edges' one mapping from error codes to statuses (gateway and uploads). The gRPC edge has
 * its own table in @lfusys/proto.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  TOO_LARGE: 413,
  LENGTH_REQUIRED: 411,
  INTEGRITY_FAILED: 422,
  RATE_LIMITED: 429,
  REQUEST_TIMEOUT: 408,
  GONE: 410,
  QUOTA_EXCEEDED: 403,
  UNAVAILABLE: 503,
  INTERNAL: 500,
}
