import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { errorHandlingOptions, registerErrorHandling } from '@lfusys/http-errors'
import { countRefusal, nameHttpRoute } from '@lfusys/telemetry'
import Fastify, { type FastifyBaseLogger, type RawServerDefault } from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import { AccountService } from './accounts/AccountService.ts'
import { PasswordHasher } from './accounts/PasswordHasher.ts'
import type { GatewayConfig } from './config.ts'
import type { GatewayDeps } from './deps.ts'
import { FilesListCache } from './files/FilesListCache.ts'
import { csrfCheck, registerAuthentication } from './http/authenticate.ts'
import { authRoutes } from './http/authRoutes.ts'
import type { App, RouteContext } from './http/context.ts'
import { SessionCookies } from './http/cookies.ts'
import { dependencyUnavailable } from './http/dependencyErrors.ts'
import { fileRoutes } from './http/fileRoutes.ts'
import { healthRoutes } from './http/healthRoutes.ts'
import { oauthRoutes } from './http/oauthRoutes.ts'
import { policyRoutes } from './http/policyRoutes.ts'
import { RateLimits } from './http/rateLimits.ts'
import { uploadRoutes } from './http/uploadRoutes.ts'
import {
  githubProvider,
  googleProvider,
  type ProviderName,
  type ProviderSettings,
} from './oauth/OAuthProviders.ts'
import { OAuthService } from './oauth/OAuthService.ts'
import { OAuthStateStore } from './oauth/OAuthStateStore.ts'
import { fallbackRateLimitStore } from './ratelimit/FallbackRateLimitStore.ts'
import { CsrfTokens } from './tokens/CsrfTokens.ts'
import { SessionRevocations } from './tokens/SessionRevocations.ts'
import { parseSigningKeys } from './tokens/signingKeys.ts'
import { TokenService } from './tokens/TokenService.ts'
import { registerTus } from './tus/tusRoutes.ts'
import type { UploadWatch } from './uploads/types.ts'

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

function oauthProviders(config: GatewayConfig): Partial<Record<ProviderName, ProviderSettings>> {
  const providers: Partial<Record<ProviderName, ProviderSettings>> = {}
  if (config.GITHUB_CLIENT_ID && config.GITHUB_CLIENT_SECRET) {
    providers.github = githubProvider({
      clientId: config.GITHUB_CLIENT_ID,
      clientSecret: config.GITHUB_CLIENT_SECRET,
      authorizeUrl: config.GITHUB_AUTHORIZE_URL,
      tokenUrl: config.GITHUB_TOKEN_URL,
      userUrl: config.GITHUB_USER_URL,
      emailsUrl: config.GITHUB_EMAILS_URL,
    })
  }
  if (config.GOOGLE_CLIENT_ID && config.GOOGLE_CLIENT_SECRET) {
    providers.google = googleProvider({
      clientId: config.GOOGLE_CLIENT_ID,
      clientSecret: config.GOOGLE_CLIENT_SECRET,
      authorizeUrl: config.GOOGLE_AUTHORIZE_URL,
      tokenUrl: config.GOOGLE_TOKEN_URL,
      userinfoUrl: config.GOOGLE_USERINFO_URL,
    })
  }
  return providers
}

export async function buildApp(config: GatewayConfig, deps: GatewayDeps): Promise<App> {
  const signingKeys = parseSigningKeys(config.AUTH_TOKEN_KEYS)
  const tokens = new TokenService({
    keys: signingKeys,
    accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  })
  const revocations = new SessionRevocations(deps.redis, config.ACCESS_TOKEN_TTL_SECONDS, deps.logger)
  const accounts = new AccountService({
    users: deps.users,
    accountTokens: deps.accountTokens,
    hasher: new PasswordHasher(),
    tokens,
    revocations,
    mailer: deps.mailer,
    logger: deps.logger,
    adminEmails: config.ADMIN_EMAILS,
    webOrigin: config.WEB_ORIGIN,
    verifyTtlSeconds: config.EMAIL_VERIFY_TTL_SECONDS,
    resetTtlSeconds: config.PASSWORD_RESET_TTL_SECONDS,
  })
  const csrf = new CsrfTokens(signingKeys)
  const cookies = new SessionCookies({
    secure: config.LFUSYS_ENV !== 'development',
    hostPrefix: config.LFUSYS_ENV === 'production',
    csrf,
  })
  const checkCsrf = csrfCheck(cookies, csrf)
  const oauth = new OAuthService({
    providers: oauthProviders(config),
    states: new OAuthStateStore(deps.redis),
    publicUrl: config.GATEWAY_PUBLIC_URL ?? config.WEB_ORIGIN,
  })

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

  await app.register(cookie)
  await app.register(rateLimit, { global: false, store: fallbackRateLimitStore(deps.redis) })

  if (config.LFUSYS_ENV !== 'production') {
    await app.register(swagger, {
      openapi: {
        info: { title: 'lfusys gateway', version: '1.0.0', description: 'The public HTTP API of lfusys.' },
        components: {
          securitySchemes: {
            cookieAuth: { type: 'apiKey', in: 'cookie', name: cookies.names.access },
            csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
          },
        },
      },
      transform: jsonSchemaTransform,
    })
    await app.register(swaggerUi, { routePrefix: '/docs' })
  }

  const watches = new Set<UploadWatch>()
  const shutdown = { requested: false }
  const ctx: RouteContext = {
    config,
    accounts,
    oauth,
    cookies,
    sessions: deps.sessions,
    filesCache: new FilesListCache(deps.redis, config.FILES_CACHE_TTL_SECONDS),
    limits: new RateLimits(app, {
      authIpMax: config.RATE_LIMIT_AUTH_IP_MAX,
      authAccountMax: config.RATE_LIMIT_AUTH_ACCOUNT_MAX,
      authWindowSeconds: config.RATE_LIMIT_AUTH_WINDOW_SECONDS,
      uploadCreateMax: config.RATE_LIMIT_UPLOAD_CREATE_MAX,
      uploadCreateWindowSeconds: config.RATE_LIMIT_UPLOAD_CREATE_WINDOW_SECONDS,
      mailMax: config.RATE_LIMIT_MAIL_MAX,
      mailWindowSeconds: config.RATE_LIMIT_MAIL_WINDOW_SECONDS,
    }),
    requireAuth: registerAuthentication(app, { tokens, revocations, cookies, checkCsrf }),
    checkCsrf,
    watches,
    streamsByUser: new Map(),
    shutdown,
  }

  authRoutes(app, ctx)
  oauthRoutes(app, ctx)
  policyRoutes(app, config)
  uploadRoutes(app, ctx)
  fileRoutes(app, ctx)
  registerTus(app, ctx, deps)
  healthRoutes(app, [
    { name: 'dynamodb', required: true, check: () => deps.users.ping() },
    { name: 'redis', required: false, check: async () => void (await deps.redis.ping()) },
    { name: 'sessions', required: true, check: (timeoutMs) => deps.sessions.ping(timeoutMs) },
  ])

  // Open event streams would keep the server from closing: end them first on shutdown.
  app.addHook('onResponse', async (request, reply) => {
    countRefusal(request.routeOptions.url, reply.statusCode)
  })
  app.addHook('preClose', async () => {
    shutdown.requested = true
    for (const watch of watches) watch.close()
  })

  await app.ready()
  return app
}
