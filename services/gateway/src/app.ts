import { AccountService } from './accounts/AccountService.ts'
import { PasswordHasher } from './accounts/PasswordHasher.ts'
import type { GatewayConfig } from './config.ts'
import type { GatewayDeps } from './deps.ts'
import { FilesListCache } from './files/FilesListCache.ts'
import { FilesService } from './files/FilesService.ts'
import type { App } from './http/App.ts'
import { csrfCheck, registerAuthentication } from './http/authenticate.ts'
import { authRoutes } from './http/authRoutes.ts'
import type { RouteContext } from './http/context.ts'
import { SessionCookies } from './http/cookies.ts'
import { createHttpApp } from './http/createHttpApp.ts'
import { fileRoutes } from './http/fileRoutes.ts'
import { healthRoutes } from './http/healthRoutes.ts'
import { oauthRoutes } from './http/oauthRoutes.ts'
import { policyRoutes } from './http/policyRoutes.ts'
import { RateLimits } from './http/rateLimits.ts'
import { uploadRoutes } from './http/uploadRoutes.ts'
import { configuredProviders } from './oauth/OAuthProviders.ts'
import { OAuthService } from './oauth/OAuthService.ts'
import { OAuthStateStore } from './oauth/OAuthStateStore.ts'
import { CsrfTokens } from './tokens/CsrfTokens.ts'
import { SessionRevocations } from './tokens/SessionRevocations.ts'
import { parseSigningKeys } from './tokens/signingKeys.ts'
import { TokenService } from './tokens/TokenService.ts'
import { MemoryBudget } from './tus/MemoryBudget.ts'
import { TusStore } from './tus/TusStore.ts'
import { TusUploads } from './tus/TusUploads.ts'
import { tusRoutes } from './tus/tusRoutes.ts'
import { UploadEventsService } from './uploads/UploadEventsService.ts'
import { UploadService } from './uploads/UploadService.ts'

/** Wires the gateway: feature services from the clients in `deps`, then the routes. Never listens. */
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
    providers: configuredProviders(config),
    states: new OAuthStateStore(deps.redis),
    publicUrl: config.GATEWAY_PUBLIC_URL ?? config.WEB_ORIGIN,
  })
  const files = new FilesService({
    sessions: deps.sessions,
    cache: new FilesListCache(deps.redis, config.FILES_CACHE_TTL_SECONDS),
  })
  const uploadEvents = new UploadEventsService(
    { sessions: deps.sessions, observer: files },
    { startDeadlineMs: config.SESSIONS_GRPC_DEADLINE_MS, maxSeconds: config.SSE_MAX_SECONDS },
  )

  const app = await createHttpApp(config, {
    logger: deps.logger,
    redis: deps.redis,
    accessCookieName: cookies.names.access,
  })
  const ctx: RouteContext = {
    config,
    accounts,
    oauth,
    cookies,
    sessions: deps.sessions,
    files,
    uploads: new UploadService({ sessions: deps.sessions, observer: files }),
    uploadEvents,
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
  }

  authRoutes(app, ctx)
  oauthRoutes(app, ctx)
  policyRoutes(app, config)
  uploadRoutes(app, ctx)
  fileRoutes(app, ctx)
  tusRoutes(
    app,
    ctx,
    new TusUploads({
      state: deps.tusState,
      sessions: deps.sessions,
      store: new TusStore(deps.s3, {
        bucket: config.S3_BUCKET,
        chunkPrefix: config.S3_CHUNK_PREFIX,
        stagingPrefix: config.TUS_STAGING_PREFIX,
      }),
      budget: new MemoryBudget(config.TUS_MEMORY_BUDGET_BYTES),
      leaseMs: config.TUS_LOCK_SECONDS * 1000,
      follow: (caller, uploadId) => uploadEvents.follow(caller, uploadId),
      log: deps.logger,
    }),
  )
  healthRoutes(app, [
    { name: 'dynamodb', required: true, check: () => deps.users.ping() },
    { name: 'redis', required: false, check: async () => void (await deps.redis.ping()) },
    { name: 'sessions', required: true, check: (timeoutMs) => deps.sessions.ping(timeoutMs) },
  ])

  // Open event streams would keep the server from closing: end them first on shutdown.
  app.addHook('preClose', async () => uploadEvents.closeAll())

  await app.ready()
  return app
}
