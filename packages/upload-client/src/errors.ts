/**
 * Codes the engine adds to the server's AppError codes. A server error keeps the server's code, so
 * callers can branch on QUOTA_EXCEEDED, RATE_LIMITED, ... without knowing HTTP.
 */
export type ClientErrorCode =
  | 'NETWORK_ERROR'
  | 'PROTOCOL_ERROR'
  | 'PLAN_MISMATCH'
  | 'FILE_CHANGED'
  | 'RETRIES_EXHAUSTED'
  | 'UPLOAD_FAILED'
  | 'CANCELLED'
  | 'HTTP_ERROR'

export interface UploadErrorOptions {
  status?: number
  details?: Record<string, unknown>
  retryAfterMs?: number
  cause?: unknown
}

export class UploadError extends Error {
  override readonly name = 'UploadError'
  readonly code: string
  readonly status: number | undefined
  readonly details: Record<string, unknown> | undefined
  readonly retryAfterMs: number | undefined

  constructor(code: ClientErrorCode | (string & {}), message: string, options: UploadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status
    this.details = options.details
    this.retryAfterMs = options.retryAfterMs
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Builds an UploadError from the common error body `{error: {code, message, details}}`. */
export function errorFromResponse(
  status: number,
  body: unknown,
  retryAfterMs: number | undefined,
  fallback: string,
): UploadError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined
  const code = typeof error?.code === 'string' ? error.code : 'HTTP_ERROR'
  const message = typeof error?.message === 'string' ? error.message : `${fallback} (HTTP ${status})`
  const details = isRecord(error?.details) ? error.details : undefined
  return new UploadError(code, message, { status, details, retryAfterMs })
}

/**
 * Network errors, 5xx, 429 and 408 are worth another try; every other 4xx is a verdict. 408 is the
 * uploads service cutting a body that arrived too slowly (a bad moment on the link, not a bad
 * request), so the chunk is sent again.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof UploadError)) return false
  if (err.code === 'NETWORK_ERROR') return true
  const status = err.status
  return status !== undefined && (status === 408 || status === 429 || status >= 500)
}
