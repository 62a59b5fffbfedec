import {
  createUploadBodySchema,
  createUploadHeadersSchema,
  idParamsSchema,
  uploadListSchema,
  uploadSchema,
  uploadTokenGrantSchema,
} from '@lfusys/contracts'
import { HTTP_STATUS_BY_CODE } from '@lfusys/errors'
import { errorBody, toAppError } from '@lfusys/http-errors'
import { z } from 'zod'
import { callerOf } from './authenticate.ts'
import type { App, RouteContext } from './context.ts'
import { createUploadResponses, errorResponses } from './schemas.ts'

export { MAX_STREAMS_PER_USER } from '../uploads/UploadEventsService.ts'

const tags = ['uploads']

export function uploadRoutes(app: App, ctx: RouteContext) {
  app.post(
    '/api/v1/uploads',
    {
      schema: {
        tags,
        summary: 'Start or resume an upload, or learn that this file is already stored (duplicate)',
        body: createUploadBodySchema,
        headers: createUploadHeadersSchema,
        response: createUploadResponses,
      },
      preHandler: [ctx.requireAuth, ctx.limits.uploads],
    },
    async (request, reply) => {
      const body = request.body
      const outcome = await ctx.uploads.create(callerOf(request), {
        fileName: body.fileName,
        fileSize: body.fileSize,
        contentType: body.contentType,
        contentHash: body.contentHash,
        idempotencyKey: request.headers['idempotency-key'],
      })
      if (outcome.result === 'duplicate') return reply.code(200).send(outcome)
      return reply.code(201).send(outcome)
    },
  )

  app.get(
    '/api/v1/uploads',
    {
      schema: {
        tags,
        summary: "The caller's unfinished uploads",
        response: { 200: uploadListSchema, ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request) => ({ uploads: await ctx.uploads.list(callerOf(request)) }),
  )

  app.get(
    '/api/v1/uploads/:id',
    {
      schema: {
        tags,
        summary: 'One upload of the caller',
        params: idParamsSchema,
        response: { 200: uploadSchema, ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request) => ctx.uploads.get(callerOf(request), request.params.id),
  )

  app.get(
    '/api/v1/uploads/:id/events',
    {
      schema: {
        tags,
        summary: 'Server-sent events: `event: upload` with the Upload JSON on every change',
        description:
          'The current state first, then every change; `: heartbeat` comments keep the connection ' +
          'alive; the stream ends after a final state (complete, failed, cancelled, expired), or ' +
          'after SSE_MAX_SECONDS without one (clients then reconnect or poll).',
        params: idParamsSchema,
        response: { 200: z.string().describe('text/event-stream'), ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request, reply) => {
      const stream = await ctx.uploadEvents.open(callerOf(request), request.params.id)
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      })
      const heartbeat = setInterval(
        () => res.write(': heartbeat\n\n'),
        ctx.config.SSE_HEARTBEAT_SECONDS * 1000,
      )
      const finish = () => {
        clearInterval(heartbeat)
        stream.close()
        if (!res.writableEnded) {
          // On shutdown the keep-alive socket must not linger after the stream, or closing waits for it.
          res.end(() => {
            if (ctx.uploadEvents.shuttingDown) res.socket?.end()
          })
        }
      }
      // The browser went away: stop watching so the sessions stream does not outlive it.
      res.on('close', finish)
      try {
        for await (const upload of stream) res.write(`event: upload\ndata: ${JSON.stringify(upload)}\n\n`)
      } catch (err) {
        const appError = toAppError(err)
        const status = HTTP_STATUS_BY_CODE[appError.code]
        if (status >= 500) request.log.warn({ err }, 'upload event stream failed')
        if (!res.writableEnded)
          res.write(`event: error\ndata: ${JSON.stringify(errorBody(appError, status))}\n\n`)
      } finally {
        finish()
      }
    },
  )

  app.post(
    '/api/v1/uploads/:id/token',
    {
      schema: {
        tags,
        summary: 'Issue a fresh upload token for an unfinished upload',
        params: idParamsSchema,
        response: { 200: uploadTokenGrantSchema, ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request) => ctx.uploads.renewToken(callerOf(request), request.params.id),
  )

  app.post(
    '/api/v1/uploads/:id/complete',
    {
      schema: {
        tags,
        summary: 'Every chunk is stored: record what the chunk events missed and finalize',
        description:
          'Sent by the client after its last chunk was stored (as S3 CompleteMultipartUpload). ' +
          'Idempotent; answers the upload as it then is (usually uploading or finalizing; follow ' +
          'it to its final state with GET or the events stream). 412 PRECONDITION_FAILED lists ' +
          'in `details.missing` the chunks that are not stored.',
        params: idParamsSchema,
        response: { 200: uploadSchema, ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request) => ctx.uploads.complete(callerOf(request), request.params.id),
  )

  app.delete(
    '/api/v1/uploads/:id',
    {
      schema: {
        tags,
        summary: 'Cancel an unfinished upload',
        params: idParamsSchema,
        response: { 200: uploadSchema, ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request) => ctx.uploads.cancel(callerOf(request), request.params.id),
  )
}
