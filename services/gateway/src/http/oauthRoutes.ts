import { oauthCallbackQuerySchema, providerParamsSchema } from '@lfusys/contracts'
import { isAppError } from '@lfusys/errors'
import { z } from 'zod'
import type { App, RouteContext } from './context.ts'
import { errorResponses } from './schemas.ts'

const tags = ['auth']

export function oauthRoutes(app: App, ctx: RouteContext) {
  const webOrigin = ctx.config.WEB_ORIGIN.replace(/\/$/, '')

  app.get(
    '/api/v1/auth/:provider/start',
    {
      schema: {
        tags,
        summary: 'Start GitHub or Google sign-in (authorization code + PKCE); 302 to the provider',
        description:
          '503 UNAVAILABLE with details.reason provider_not_configured when the provider has no client ' +
          'settings, or state_store_unavailable when Redis is down.',
        params: providerParamsSchema,
        response: { 302: z.null().describe('redirect to the provider'), ...errorResponses },
      },
      preHandler: ctx.limits.oauth,
    },
    async (request, reply) => {
      const { provider } = request.params
      const { url, state } = await ctx.oauth.start(provider)
      ctx.cookies.setOAuthState(reply, provider, state)
      return reply.redirect(url, 302)
    },
  )

  app.get(
    '/api/v1/auth/:provider/callback',
    {
      schema: {
        tags,
        summary: 'Provider redirect target; signs in and redirects to the web app',
        description:
          'Always 302 to WEB_ORIGIN: `/` on success with the session cookies set, ' +
          '`/login?error=<reason>` on failure (state_mismatch, state_invalid, pkce_missing, ' +
          'code_rejected, email_not_verified, account_unverified (an account with this address exists ' +
          'and has not verified it: never linked), email_in_use, unavailable, ...).',
        params: providerParamsSchema,
        querystring: oauthCallbackQuerySchema,
        response: { 302: z.null().describe('redirect to the web app') },
      },
    },
    async (request, reply) => {
      const { provider } = request.params
      const query = request.query
      const cookieState = ctx.cookies.oauthState(request)
      // The binding cookie is single use like the state itself.
      ctx.cookies.clearOAuthState(reply, provider)
      try {
        const profile = await ctx.oauth.callback(provider, {
          code: query.code,
          state: query.state,
          cookieState,
          error: query.error,
        })
        const session = await ctx.accounts.oauthLogin(profile)
        ctx.cookies.set(reply, session)
        return reply.redirect(`${webOrigin}/`, 302)
      } catch (err) {
        const reason = failureReason(err)
        if (reason === 'internal') request.log.error({ err, provider }, 'oauth callback failed')
        else request.log.info({ provider, reason }, 'oauth callback refused')
        return reply.redirect(`${webOrigin}/login?error=${encodeURIComponent(reason)}`, 302)
      }
    },
  )
}

function failureReason(err: unknown): string {
  if (!isAppError(err)) return 'internal'
  const reason = err.details?.reason
  if (typeof reason === 'string') return reason
  if (err.code === 'ALREADY_EXISTS') return 'email_in_use'
  if (err.code === 'CONFLICT') return 'identity_conflict'
  if (err.code === 'UNAVAILABLE') return 'unavailable'
  return err.code === 'INTERNAL' ? 'internal' : err.code.toLowerCase()
}
