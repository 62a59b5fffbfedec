import type { FastifyRequest } from 'fastify'
import type { AccountService } from '../accounts/AccountService.ts'
import type { GatewayConfig } from '../config.ts'
import type { FilesService } from '../files/FilesService.ts'
import type { OAuthService } from '../oauth/OAuthService.ts'
import type { SessionsApi } from '../uploads/types.ts'
import type { UploadEventsService } from '../uploads/UploadEventsService.ts'
import type { UploadService } from '../uploads/UploadService.ts'
import type { SessionCookies } from './cookies.ts'
import type { RateLimits } from './rateLimits.ts'

export type { App } from './App.ts'

/** What the route modules call: feature services and the request guards. It holds no state of its own. */
export interface RouteContext {
  config: GatewayConfig
  accounts: AccountService
  oauth: OAuthService
  cookies: SessionCookies
  /** The sessions service itself, for routes that only forward a call. */
  sessions: SessionsApi
  files: FilesService
  uploads: UploadService
  uploadEvents: UploadEventsService
  limits: RateLimits
  requireAuth: (request: FastifyRequest) => Promise<void>
  /** Throws unless a cookie-borne write carries the CSRF token of the given session family. */
  checkCsrf: (request: FastifyRequest, familyId: string) => void
}
