import { AppError } from '@lfusys/errors'
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify'
import { type ClassifyError, clientErrorHandler, sendError } from './httpErrors.ts'

/**
 * Constructor options that route Fastify's framework errors (malformed URLs, parser errors) to the
 * one error body; everything else reaches the error handler that `registerErrorHandling` sets.
 */
export function errorHandlingOptions(): Pick<FastifyServerOptions, 'clientErrorHandler' | 'frameworkErrors'> {
  return {
    clientErrorHandler,
    frameworkErrors: (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      sendError(request, reply, err)
    },
  }
}

// biome-ignore lint/suspicious/noExplicitAny: any Fastify instance, whatever its type provider
type AnyFastify = FastifyInstance<any, any, any, any, any>

/** The error and not-found handlers both HTTP services use. */
export function registerErrorHandling(app: AnyFastify, classify?: ClassifyError): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) =>
    sendError(request, reply, err, classify),
  )
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendError(
      request,
      reply,
      new AppError('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  )
}
