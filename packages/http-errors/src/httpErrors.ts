import type { Socket } from 'node:net'
import { AppError, type ErrorCode, HTTP_STATUS_BY_CODE, isAppError } from '@lfusys/errors'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'

/** The one error body of both HTTP edges. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> }
}

/**
 * Fastify's own client errors (bad JSON, wrong media type, body too large, bad URL) keep their
 * status; their code comes from this table.
 */
const CODE_BY_FRAMEWORK_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  404: 'NOT_FOUND',
  411: 'LENGTH_REQUIRED',
  413: 'TOO_LARGE',
  415: 'VALIDATION_FAILED',
}

/** A service's own errors that are not AppErrors (for example a body that ended early). */
export type ClassifyError = (err: unknown) => AppError | undefined

export function toAppError(err: unknown, classify?: ClassifyError): AppError {
  if (isAppError(err)) return err
  const classified = classify?.(err)
  if (classified) return classified
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({
      field: `${v.instancePath || ''}`.replace(/^\//, '').replace(/\//g, '.') || undefined,
      message: v.message ?? 'is invalid',
    }))
    const first = issues[0]
    const where = err.validationContext ?? 'request'
    return new AppError(
      'VALIDATION_FAILED',
      first
        ? `invalid ${where}: ${first.field ? `${first.field}: ` : ''}${first.message}`
        : `invalid ${where}`,
      { details: { issues } },
    )
  }
  if (isResponseSerializationError(err)) return new AppError('INTERNAL', 'internal error', { cause: err })
  const status = frameworkStatus(err)
  if (status !== undefined) {
    const code = CODE_BY_FRAMEWORK_STATUS[status] ?? 'VALIDATION_FAILED'
    return new AppError(code, (err as Partial<FastifyError>).message || 'bad request', { cause: err })
  }
  return new AppError('INTERNAL', 'internal error', { cause: err })
}

/** The 4xx status a framework error carries, if it is one. */
function frameworkStatus(err: unknown): number | undefined {
  const status = (err as Partial<FastifyError> | null)?.statusCode
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined
}

export function errorBody(err: AppError, status: number): ErrorBody {
  // A 5xx body names nothing internal; UNAVAILABLE messages are written for clients by the code that raises them.
  const message = status === 500 ? 'internal error' : err.message
  return {
    error: { code: err.code, message, ...(err.details && status !== 500 ? { details: err.details } : {}) },
  }
}

const CLOSE_UNREAD = new Set([408, 410, 411, 413])

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  raw: unknown,
  classify?: ClassifyError,
) {
  const err = toAppError(raw, classify)
  // A framework error keeps its own status (415, 413, ...); everything else maps by code.
  const status = isAppError(raw)
    ? HTTP_STATUS_BY_CODE[err.code]
    : (frameworkStatus(raw) ?? HTTP_STATUS_BY_CODE[err.code])
  if (status === 500) request.log.error({ err: raw, code: err.code }, 'request failed')
  else if (status >= 500) {
    // A dependency is down: expected while it lasts, so one line without a stack.
    const cause = err.cause instanceof Error ? err.cause.message : undefined
    request.log.warn({ code: err.code, reason: err.message, cause }, 'request failed: dependency unavailable')
  } else request.log.info({ code: err.code, status, reason: err.message }, 'request rejected')
  // Refused before the body was read: an over-long, unbounded, too slow or unwanted body is not
  // worth draining, so the connection closes after the answer instead of reading the rest.
  if (!request.raw.complete && CLOSE_UNREAD.has(status)) reply.header('connection', 'close')
  if (err.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterSeconds))))
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(err, status))
}

/** What Node's HTTP parser refused, answered in the same body shape (Fastify's default has its own). */
const PARSER_ERRORS: Readonly<Record<string, { status: number; code: ErrorCode; message: string }>> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'TOO_LARGE', message: 'request headers are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'VALIDATION_FAILED',
    message: 'the request was not received in time',
  },
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
}

/**
 * Fastify's `clientErrorHandler`: a request the HTTP parser could not read (a malformed request
 * line or header, a body longer than its Content-Length, which the parser then reads as a broken
 * next request) gets the one error body and the connection closes.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy(err)
    return
  }
  const known = err.code ? PARSER_ERRORS[err.code] : undefined
  const { status, code, message } = known ?? {
    status: 400,
    code: 'VALIDATION_FAILED' as const,
    message: 'malformed HTTP request',
  }
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody)
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}
