import { createUploadBodySchema, uploadSchema, uploadTokenGrantSchema } from '@lfusys/contracts'
import { AppError, HTTP_STATUS_BY_CODE } from '@lfusys/errors'
import { errorBody, toAppError } from '@lfusys/http-errors'
import { z } from 'zod'
import { isFinal, type Upload } from '../uploads/types.ts'
import { callerOf } from './authenticate.ts'
import type { App, RouteContext } from './context.ts'
import {
  createUploadHeadersSchema,
  createUploadResponses,
  errorResponses,
  idParamsSchema,
} from './schemas.ts'

const tags = ['uploads']

/** Open upload event streams one user may hold on one gateway instance. */
export const MAX_STREAMS_PER_USER = 16

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
      const outcome = await ctx.sessions.createUpload(callerOf(request), {
        fileName: body.fileName,
        fileSize: body.fileSize,
        contentType: body.contentType ?? 'application/octet-stream',
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
        response: { 200: z.object({ uploads: z.array(uploadSchema) }), ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request) => ({ uploads: await ctx.sessions.listUploads(callerOf(request)) }),
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
    async (request) => {
      const caller = callerOf(request)
      const upload = await ctx.sessions.getUpload(caller, request.params.id)
      if (upload.status === 'complete') await ctx.filesCache.invalidate(caller.userId)
      return upload
    },
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
      const caller = callerOf(request)
      // Each stream holds a gRPC stream on the sessions service: a bounded number per user and instance.
      const open = ctx.streamsByUser.get(caller.userId) ?? 0
      if (open >= MAX_STREAMS_PER_USER) {
        throw new AppError('RATE_LIMITED', `at most ${MAX_STREAMS_PER_USER} open event streams per user`, {
          retryAfterSeconds: 5,
        })
      }
      // Ownership and existence are settled by a unary call with a deadline, so "not found or not
      // yours" is a normal JSON 404 before any stream is opened.
      await ctx.sessions.getUpload(caller, request.params.id)
      const watch = ctx.sessions.watchUpload(caller, request.params.id)
      const iterator = watch[Symbol.asyncIterator]()
      let first: IteratorResult<Upload>
      let timer: NodeJS.Timeout | undefined
      try {
        // The stream promises the current state at once; a stream that stays silent is a failure.
        first = await Promise.race([
          iterator.next(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new AppError('UNAVAILABLE', 'the upload status stream did not start', {
                    retryAfterSeconds: 2,
                  }),
                ),
              ctx.config.SESSIONS_GRPC_DEADLINE_MS,
            )
          }),
        ])
      } catch (err) {
        watch.close()
        throw err
      } finally {
        clearTimeout(timer)
      }
      if (first.done) {
        throw new AppError('UNAVAILABLE', 'the upload status stream ended early', { retryAfterSeconds: 1 })
      }
      ctx.watches.add(watch)
      ctx.streamsByUser.set(caller.userId, (ctx.streamsByUser.get(caller.userId) ?? 0) + 1)
      let counted = true
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      })
      const send = (upload: Upload) => res.write(`event: upload\ndata: ${JSON.stringify(upload)}\n\n`)
      const heartbeat = setInterval(
        () => res.write(': heartbeat\n\n'),
        ctx.config.SSE_HEARTBEAT_SECONDS * 1000,
      )
      // A watch that stalls (no final state ever arrives) must not hold the connection forever;
      // clients then reconnect or poll.
      const lifetime = setTimeout(() => watch.close(), ctx.config.SSE_MAX_SECONDS * 1000)
      const finish = () => {
        clearInterval(heartbeat)
        clearTimeout(lifetime)
        ctx.watches.delete(watch)
        if (counted) {
          counted = false
          const left = (ctx.streamsByUser.get(caller.userId) ?? 1) - 1
          if (left > 0) ctx.streamsByUser.set(caller.userId, left)
          else ctx.streamsByUser.delete(caller.userId)
        }
        watch.close()
        if (!res.writableEnded) {
          // On shutdown the keep-alive socket must not linger after the stream, or closing waits for it.
          res.end(() => {
            if (ctx.shutdown.requested) res.socket?.end()
          })
        }
      }
      // The browser went away: stop watching so the sessions stream does not outlive it.
      res.on('close', finish)
      try {
        let current: IteratorResult<Upload> = first
        while (!current.done) {
          send(current.value)
          if (isFinal(current.value.status)) {
            if (current.value.status === 'complete') await ctx.filesCache.invalidate(caller.userId)
            break
          }
          current = await iterator.next()
        }
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
    async (request) => ctx.sessions.renewUploadToken(callerOf(request), request.params.id),
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
    async (request) => {
      const caller = callerOf(request)
      const upload = await ctx.sessions.completeUpload(caller, request.params.id)
      if (upload.status === 'complete') await ctx.filesCache.invalidate(caller.userId)
      return upload
    },
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
    async (request) => ctx.sessions.cancelUpload(callerOf(request), request.params.id),
  )
}
