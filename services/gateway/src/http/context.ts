import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { AccountService } from '../accounts/AccountService.ts'
import type { GatewayConfig } from '../config.ts'
import type { FilesListCache } from '../files/FilesListCache.ts'
import type { OAuthService } from '../oauth/OAuthService.ts'
import type { SessionsApi, UploadWatch } from '../uploads/types.ts'
import type { SessionCookies } from './cookies.ts'
import type { RateLimits } from './rateLimits.ts'

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>

export interface RouteContext {
  config: GatewayConfig
  accounts: AccountService
  oauth: OAuthService
  cookies: SessionCookies
  sessions: SessionsApi
  filesCache: FilesListCache
  limits: RateLimits
  requireAuth: (request: FastifyRequest) => Promise<void>
  /** Throws unless a cookie-borne write carries the CSRF token of the given session family. */
  checkCsrf: (request: FastifyRequest, familyId: string) => void
  /** Open SSE streams, closed on shutdown so the server can stop. */
  watches: Set<UploadWatch>
  /** Open event streams per user id on this instance. */
  streamsByUser: Map<string, number>
  /** Set when the server starts closing: finished streams then also close their connection. */
  shutdown: { requested: boolean }
}
