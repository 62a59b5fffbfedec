import { AppError } from '@lfusys/errors'
import { z } from 'zod'
import { checkCsrf } from './authenticate.ts'
import type { App, RouteContext } from './context.ts'
import { REFRESH_COOKIE } from './cookies.ts'
import { errorResponses, loginBodySchema, registerBodySchema, userResponseSchema } from './schemas.ts'

const tags = ['auth']

export function authRoutes(app: App, ctx: RouteContext) {
  app.post(
    '/api/v1/auth/register',
    {
      schema: {
        tags,
        summary: 'Create an account (email + password, 10-256 characters) and sign in',
        body: registerBodySchema,
        response: { 201: userResponseSchema, ...errorResponses },
      },
      preHandler: ctx.limits.auth,
    },
    async (request, reply) => {
      const session = await ctx.accounts.register(request.body)
      ctx.cookies.set(reply, session)
      return reply.code(201).send({ user: session.user })
    },
  )

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with email and password; sets the session cookies',
        body: loginBodySchema,
        response: { 200: userResponseSchema, ...errorResponses },
      },
      preHandler: ctx.limits.auth,
    },
    async (request, reply) => {
      const session = await ctx.accounts.login(request.body)
      ctx.cookies.set(reply, session)
      return { user: session.user }
    },
  )

  app.post(
    '/api/v1/auth/refresh',
    {
      schema: {
        tags,
        summary: 'Rotate the refresh token and issue a new access token (needs x-csrf-token)',
        response: { 200: userResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      checkCsrf(request)
      try {
        const session = await ctx.accounts.refresh(request.cookies[REFRESH_COOKIE])
        ctx.cookies.set(reply, session)
        return { user: session.user }
      } catch (err) {
        // A refused refresh ends the browser session too, so the app shows the login page.
        if (err instanceof AppError && err.code === 'UNAUTHENTICATED') ctx.cookies.clear(reply)
        throw err
      }
    },
  )

  app.post(
    '/api/v1/auth/logout',
    {
      schema: {
        tags,
        summary:
          'End the session: revokes the refresh token family and clears the cookies (needs x-csrf-token)',
        response: { 204: z.null().describe('signed out'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const refreshToken = request.cookies[REFRESH_COOKIE]
      if (refreshToken) checkCsrf(request)
      await ctx.accounts.logout(refreshToken)
      ctx.cookies.clear(reply)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/v1/auth/me',
    {
      schema: {
        tags,
        summary: 'The signed-in user',
        response: { 200: userResponseSchema, ...errorResponses },
      },
      preHandler: ctx.requireAuth,
    },
    async (request) => {
      const auth = request.auth
      if (!auth) throw new AppError('UNAUTHENTICATED', 'sign in first')
      return { user: await ctx.accounts.me(auth.userId) }
    },
  )
}
