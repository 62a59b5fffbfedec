import { filePageSchema, fileRecordSchema, storageUsageSchema } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import { z } from 'zod'
import { callerOf } from './authenticate.ts'
import type { App, RouteContext } from './context.ts'
import { errorResponses, idParamsSchema, listFilesQuerySchema } from './schemas.ts'

const tags = ['files']

export function fileRoutes(app: App, ctx: RouteContext) {
  app.get(
    '/api/v1/files',
    {
      schema: {
        tags,
        summary: "The caller's files, newest first, with cursor pagination (admins: ?all=true)",
        description: 'Served from a per-user Redis cache when possible; `x-cache` says hit, miss or bypass.',
        querystring: listFilesQuerySchema,
        response: {
          200: filePageSchema,
          ...errorResponses,
        },
      },
      preHandler: ctx.requireAuth,
    },
    async (request, reply) => {
      const caller = callerOf(request)
      const { limit, cursor } = request.query
      const all = request.query.all === 'true'
      if (all && !caller.isAdmin) {
        throw new AppError('FORBIDDEN', 'only admins may list every user’s files', {
          details: { reason: 'admin_only' },
        })
      }
      const load = () => ctx.sessions.listFiles(caller, { limit, cursor, all })
      if (all) {
        reply.header('x-cache', 'bypass')
        return load()
      }
      const { page, cache } = await ctx.filesCache.page(caller.userId, { limit, cursor }, load)
      reply.header('x-cache', cache)
      return page
    },
  )

  app.get(
    '/api/v1/me/usage',
    {
      schema: {
        tags,
        summary: "The caller's storage: bytes of complete files and of unfinished uploads, and the quota",
        description:
          'Upload creation refuses a file when `usedBytes + pendingBytes + fileSize` would exceed `quotaBytes` (403 `QUOTA_EXCEEDED`); `quotaBytes` is null when there is no quota.',
        response: { 200: storageUsageSchema, ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      return ctx.sessions.usage(callerOf(request))
    },
  )

  app.get(
    '/api/v1/files/:id',
    {
      schema: {
        tags,
        summary: 'One file of the caller',
        params: idParamsSchema,
        response: { 200: fileRecordSchema, ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request) => ctx.sessions.getFile(callerOf(request), request.params.id),
  )

  app.get(
    '/api/v1/files/:id/download',
    {
      schema: {
        tags,
        summary: '302 to a short-lived presigned URL (original name in Content-Disposition, Range works)',
        params: idParamsSchema,
        response: { 302: z.null().describe('redirect to the object'), ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request, reply) => {
      const { url } = await ctx.sessions.downloadUrl(callerOf(request), request.params.id)
      reply.header('cache-control', 'no-store')
      return reply.redirect(url, 302)
    },
  )

  app.delete(
    '/api/v1/files/:id',
    {
      schema: {
        tags,
        summary: 'Delete a file (owner, or an admin)',
        params: idParamsSchema,
        response: { 204: z.null().describe('deleted'), ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request, reply) => {
      const caller = callerOf(request)
      const file = caller.isAdmin
        ? await ctx.sessions.getFile(caller, request.params.id).catch(() => undefined)
        : undefined
      await ctx.sessions.deleteFile(caller, request.params.id)
      await ctx.filesCache.invalidate(caller.userId)
      // An admin deleting someone else's file changes the owner's list too.
      if (file && file.ownerId !== caller.userId) await ctx.filesCache.invalidate(file.ownerId)
      return reply.code(204).send(null)
    },
  )
}
