import { AppError, type ErrorCode, HTTP_STATUS_BY_CODE, isAppError } from '@lfusys/errors'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'
import type { App } from './context.ts'

/** Fastify's own client errors (bad JSON, wrong media type, body too large) by status. */
const CODE_BY_FRAMEWORK_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  404: 'NOT_FOUND',
  411: 'LENGTH_REQUIRED',
  413: 'TOO_LARGE',
  415: 'VALIDATION_FAILED',
}

export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err
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
  const fe = err as Partial<FastifyError>
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = CODE_BY_FRAMEWORK_STATUS[fe.statusCode] ?? 'VALIDATION_FAILED'
    return new AppError(code, fe.message ?? 'bad request', { cause: err })
  }
  return new AppError('INTERNAL', 'internal error', { cause: err })
}

export function errorBody(err: AppError, status: number) {
  // A 5xx body names nothing internal; UNAVAILABLE messages are written for clients by the code that raises them.
  const message = status === 500 ? 'internal error' : err.message
  return {
    error: { code: err.code, message, ...(err.details && status !== 500 ? { details: err.details } : {}) },
  }
}

export function sendError(request: FastifyRequest, reply: FastifyReply, raw: unknown) {
  const err = toAppError(raw)
  const status =
    isAppError(raw) || hasZodFastifySchemaValidationErrors(raw)
      ? HTTP_STATUS_BY_CODE[err.code]
      : ((raw as Partial<FastifyError>).statusCode ?? HTTP_STATUS_BY_CODE[err.code])
  const httpStatus = status >= 400 && status < 600 ? status : HTTP_STATUS_BY_CODE[err.code]
  if (httpStatus === 500) request.log.error({ err: raw, code: err.code }, 'request failed')
  else if (httpStatus >= 500) {
    // A dependency is down: expected while it lasts, so one line without a stack.
    const cause = err.cause instanceof Error ? err.cause.message : undefined
    request.log.warn({ code: err.code, reason: err.message, cause }, 'request failed: dependency unavailable')
  } else request.log.info({ code: err.code, status: httpStatus }, 'request rejected')
  if (err.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterSeconds))))
  return reply.code(httpStatus).type('application/json').send(errorBody(err, httpStatus))
}

export function registerErrorHandling(app: App) {
  app.setErrorHandler((err, request, reply) => sendError(request, reply, err))
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  )
}
