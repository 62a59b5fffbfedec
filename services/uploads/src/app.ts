import { randomUUID } from 'node:crypto'
import cors from '@fastify/cors'
import { AppError } from '@lfusys/errors'
import { errorHandlingOptions, registerErrorHandling } from '@lfusys/http-errors'
import { countRefusal, meters, nameHttpRoute } from '@lfusys/telemetry'
import Fastify from 'fastify'
import { BodyIncompleteError } from './chunks/ChunkService.ts'
import type { UploadsConfig } from './config.ts'
import type { UploadsDeps } from './deps.ts'
import { chunkRoutes } from './http/chunkRoutes.ts'
import { healthRoutes } from './http/healthRoutes.ts'

export async function buildApp(config: UploadsConfig, deps: UploadsDeps) {
  const app = Fastify({
    loggerInstance: deps.log,
    ...errorHandlingOptions(),
    // Request ids are minted here: this service faces browsers, whose headers are not trusted.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    requestTimeout: config.UPLOADS_REQUEST_TIMEOUT_MS,
  })

  app.addHook('onRequest', async (request, reply) => {
    nameHttpRoute(request.method, request.routeOptions.url)
    reply.header('x-request-id', request.id)
  })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url
    countRefusal(route, reply.statusCode)
    if (request.method !== 'PUT' || !route?.includes('/chunks/')) return
    meters().chunkPutDuration.record(reply.elapsedTime / 1000, {
      'http.response.status_code': reply.statusCode,
    })
    const bytes = Number(request.headers['content-length'])
    if (reply.statusCode === 201 && Number.isSafeInteger(bytes)) meters().chunkBytes.add(bytes)
  })

  await app.register(cors, {
    origin: config.WEB_ORIGIN,
    methods: ['PUT'],
    allowedHeaders: ['Authorization', 'Content-Digest', 'Content-Type'],
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
    credentials: false,
    maxAge: 600,
  })

  // A body that ended before its declared length is the client's fault, named as such.
  registerErrorHandling(app, (err) =>
    err instanceof BodyIncompleteError
      ? new AppError('VALIDATION_FAILED', err.message, { cause: err })
      : undefined,
  )

  await app.register(healthRoutes, { store: deps.store })
  await app.register(chunkRoutes, { chunks: deps.chunks })
  await app.ready()
  return app
}

export type UploadsApp = Awaited<ReturnType<typeof buildApp>>
