import { annotate, attr } from '@lfusys/telemetry'
import type { FastifyInstance } from 'fastify'
import type { ChunkService } from '../chunks/ChunkService.ts'

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * `PUT /api/v1/uploads/:uploadId/chunks/:index`. The body is never parsed by Fastify: the raw
 * request stream goes to the chunk service, which hashes it while receiving it.
 */
export async function chunkRoutes(app: FastifyInstance, options: { chunks: ChunkService }): Promise<void> {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null))

  app.put<{ Params: { uploadId: string; index: string } }>(
    '/api/v1/uploads/:uploadId/chunks/:index',
    async (request, reply) => {
      const contentLength = Number(request.headers['content-length'])
      annotate({
        [attr.uploadId]: request.params.uploadId,
        [attr.chunkIndex]: Number(request.params.index),
        [attr.chunkBytes]: Number.isSafeInteger(contentLength) ? contentLength : undefined,
      })
      const stored = await options.chunks.receive({
        uploadId: request.params.uploadId,
        index: request.params.index,
        authorization: header(request.headers.authorization),
        contentDigest: header(request.headers['content-digest']),
        contentLength: header(request.headers['content-length']),
        body: request.raw,
      })
      return reply.status(201).send(stored)
    },
  )
}
