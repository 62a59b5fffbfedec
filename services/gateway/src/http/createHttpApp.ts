import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { errorHandlingOptions, registerErrorHandling } from '@lfusys/http-errors'
import type { Logger } from '@lfusys/logger'
import { countRefusal, nameHttpRoute } from '@lfusys/telemetry'
import Fastify, { type FastifyBaseLogger, type RawServerDefault } from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import type { Redis } from 'ioredis'
import type { GatewayConfig } from '../config.ts'
import { fallbackRateLimitStore } from '../ratelimit/FallbackRateLimitStore.ts'
import type { App } from './App.ts'
import { dependencyUnavailable } from './dependencyErrors.ts'

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The gateway's Fastify instance before any route: JSON only, zod validation and serialization,
 * the one error body, request ids, response headers every answer carries, cookies, rate limiting
 * and (outside production) the OpenAPI document at /docs.
 */
export async function createHttpApp(
  config: GatewayConfig,
  deps: { logger: Logger; redis: Redis; accessCookieName: string },
): Promise<App> {
  const app: App = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: deps.logger,
    ...errorHandlingOptions(),
    // X-Forwarded-For is believed only from the configured proxies; otherwise the socket address counts.
    trustProxy: config.TRUSTED_PROXIES.length > 0 ? config.TRUSTED_PROXIES : false,
    bodyLimit: 64 * 1024,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
  }).withTypeProvider<ZodTypeProvider>()

  // The API speaks JSON only: a cross-site HTML form (text/plain, urlencoded, multipart) can then
  // never reach a handler, which rules out login CSRF through a form.
  app.removeContentTypeParser('text/plain')
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  registerErrorHandling(app, dependencyUnavailable)
  app.addHook('onRequest', async (request, reply) => {
    nameHttpRoute(request.method, request.routeOptions.url)
    reply.header('x-request-id', request.id)
    reply.header('x-content-type-options', 'nosniff')
    // API answers are per user (and some set session cookies): no shared or browser cache keeps them.
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store')
  })
  app.addHook('onResponse', async (request, reply) => {
    countRefusal(request.routeOptions.url, reply.statusCode)
  })

  await app.register(cookie)
  await app.register(rateLimit, { global: false, store: fallbackRateLimitStore(deps.redis) })

  if (config.LFUSYS_ENV !== 'production') {
    await app.register(swagger, {
      openapi: {
        info: { title: 'lfusys gateway', version: '1.0.0', description: 'The public HTTP API of lfusys.' },
        components: {
          securitySchemes: {
            cookieAuth: { type: 'apiKey', in: 'cookie', name: deps.accessCookieName },
            csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
          },
        },
      },
      transform: jsonSchemaTransform,
    })
    await app.register(swaggerUi, { routePrefix: '/docs' })
  }
  return app
}
