/**
 * The closed set of failure kinds the domain can report. Transport edges map them to HTTP or gRPC
 * statuses; the domain never knows about either.
 */
export const errorCodes = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'TOO_LARGE',
  'LENGTH_REQUIRED',
  'INTEGRITY_FAILED',
  'RATE_LIMITED',
  'REQUEST_TIMEOUT',
  'GONE',
  'QUOTA_EXCEEDED',
  'UNAVAILABLE',
  'INTERNAL',
] as const

export type ErrorCode = (typeof errorCodes)[number]

export interface AppErrorOptions {
  /** Safe, structured details a client may see (for example which field failed). */
  details?: Record<string, unknown>
  /** The underlying error; logged, never sent to a client. */
  cause?: unknown
  /** Seconds after which a retry may succeed (RATE_LIMITED, UNAVAILABLE). */
  retryAfterSeconds?: number
}

export class AppError extends Error {
  override readonly name = 'AppError'
  readonly code: ErrorCode
  readonly details: Record<string, unknown> | undefined
  readonly retryAfterSeconds: number | undefined

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value)
}
