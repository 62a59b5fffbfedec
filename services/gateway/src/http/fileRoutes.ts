import {
  filePageSchema,
  fileRecordSchema,
  idParamsSchema,
  listFilesQuerySchema,
  storageUsageSchema,
} from '@lfusys/contracts'
import { z } from 'zod'
import { callerOf } from './authenticate.ts'
import type { App, RouteContext } from './context.ts'
import { errorResponses } from './schemas.ts'

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
      const { limit, cursor } = request.query
      const { page, cache } = await ctx.files.list(callerOf(request), {
        limit,
        cursor,
        all: request.query.all === 'true',
      })
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
      return ctx.files.usage(callerOf(request))
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
    async (request) => ctx.files.get(callerOf(request), request.params.id),
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
      const { url } = await ctx.files.downloadUrl(callerOf(request), request.params.id)
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
      await ctx.files.delete(callerOf(request), request.params.id)
      return reply.code(204).send(null)
    },
  )
}
