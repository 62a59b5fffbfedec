import { AppError, type ErrorCode, HTTP_STATUS_BY_CODE } from '@lfusys/errors'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { BodyIncompleteError } from '../chunks/ChunkService.ts'

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> }
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err
  if (err instanceof BodyIncompleteError)
    return new AppError('VALIDATION_FAILED', err.message, { cause: err })
  const fastifyError = err as Partial<FastifyError> | null
  const status = fastifyError?.statusCode
  // Fastify's own client errors (malformed requests, unsupported media types) name the problem.
  if (
    typeof status === 'number' &&
    status >= 400 &&
    status < 500 &&
    typeof fastifyError?.message === 'string'
  ) {
    return new AppError('VALIDATION_FAILED', fastifyError.message, { cause: err })
  }
  return new AppError('INTERNAL', 'internal error', { cause: err })
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const appError = toAppError(err)
  const status = HTTP_STATUS_BY_CODE[appError.code]
  if (status >= 500) request.log.error({ err }, 'request failed')
  else request.log.info({ code: appError.code, reason: appError.message }, 'request refused')
  // Refused before the body was read: an over-long or unbounded body is not worth draining, so the
  // connection closes after the answer instead of reading the rest.
  if (!request.raw.complete && (status === 411 || status === 413)) reply.header('connection', 'close')
  if (appError.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(appError.retryAfterSeconds))
  const message = status >= 500 && appError.code === 'INTERNAL' ? 'internal error' : appError.message
  const body: ErrorBody = {
    error: {
      code: appError.code,
      message,
      ...(appError.details && status < 500 ? { details: appError.details } : {}),
    },
  }
  reply.status(status).send(body)
}
