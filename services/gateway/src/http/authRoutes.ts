import {
  acceptedResponseSchema,
  changePasswordBodySchema,
  forgotPasswordBodySchema,
  linkTokenBodySchema,
  loginBodySchema,
  providersResponseSchema,
  registerBodySchema,
  resendVerificationResponseSchema,
  resetPasswordBodySchema,
  userResponseSchema,
  verifiedEmailResponseSchema,
} from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import { z } from 'zod'
import type { App, RouteContext } from './context.ts'
import { errorResponses } from './schemas.ts'

const tags = ['auth']

export function authRoutes(app: App, ctx: RouteContext) {
  app.post(
    '/api/v1/auth/register',
    {
      schema: {
        tags,
        summary: 'Create an account (email + password, 10-256 characters), send a verification link, sign in',
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
      const refreshToken = ctx.cookies.refresh(request)
      const familyId = await ctx.accounts.familyOf(refreshToken)
      if (familyId) ctx.checkCsrf(request, familyId)
      try {
        const session = await ctx.accounts.refresh(refreshToken)
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
          'End the session: revokes the refresh token family and its access tokens, clears the cookies (needs x-csrf-token)',
        response: { 204: z.null().describe('signed out'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const refreshToken = ctx.cookies.refresh(request)
      const familyId = await ctx.accounts.familyOf(refreshToken)
      if (familyId) {
        ctx.checkCsrf(request, familyId)
        await ctx.accounts.logout(refreshToken)
      }
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

  app.get(
    '/api/v1/auth/providers',
    {
      schema: {
        tags,
        summary: 'The OAuth providers this deployment has configured (the web app shows only their buttons)',
        response: { 200: providersResponseSchema },
      },
    },
    async () => ({ providers: ctx.oauth.configuredProviders() }),
  )

  app.post(
    '/api/v1/auth/verify-email',
    {
      schema: {
        tags,
        summary: 'Confirm the email address with the single-use token from the verification link',
        description:
          '400 VALIDATION_FAILED with details.reason expired or invalid (unknown, already used, or for ' +
          'an address the account no longer has). Needs no session: the link may open in another browser.',
        body: linkTokenBodySchema,
        response: { 200: verifiedEmailResponseSchema, ...errorResponses },
      },
      preHandler: ctx.limits.links,
    },
    async (request) => ctx.accounts.verifyEmail(request.body.token),
  )

  app.post(
    '/api/v1/auth/verify-email/resend',
    {
      schema: {
        tags,
        summary: 'Send a new verification link to the signed-in account (rate-limited; needs x-csrf-token)',
        response: { 200: resendVerificationResponseSchema, ...errorResponses },
      },
      preHandler: [ctx.requireAuth, ctx.limits.mailForUser],
    },
    async (request) => {
      const auth = request.auth
      if (!auth) throw new AppError('UNAUTHENTICATED', 'sign in first')
      const { alreadyVerified } = await ctx.accounts.resendVerification(auth.userId)
      return { status: alreadyVerified ? ('already_verified' as const) : ('sent' as const) }
    },
  )

  app.post(
    '/api/v1/auth/password/forgot',
    {
      schema: {
        tags,
        summary: 'Email a password reset link (30 minutes, single use) if the address has an account',
        description:
          'Always 202 with the same body, whether or not the address has an account; the lookup and ' +
          'the email happen after the answer. Rate-limited per address and per client IP.',
        body: forgotPasswordBodySchema,
        response: { 202: acceptedResponseSchema, ...errorResponses },
      },
      preHandler: ctx.limits.mailForEmail,
    },
    async (request, reply) => {
      const email = request.body.email
      void ctx.accounts.requestPasswordReset(email).catch((err: unknown) => {
        request.log.warn({ err }, 'password reset email not sent')
      })
      return reply.code(202).send({ status: 'accepted' })
    },
  )

  app.post(
    '/api/v1/auth/password/reset',
    {
      schema: {
        tags,
        summary: 'Set a new password with the token from the reset link; ends every session of the account',
        description:
          '400 VALIDATION_FAILED with details.reason expired or invalid for a bad link, with ' +
          'details.field password for a password outside 10-256 characters. Does not sign in.',
        body: resetPasswordBodySchema,
        response: { 204: z.null().describe('password replaced'), ...errorResponses },
      },
      preHandler: ctx.limits.links,
    },
    async (request, reply) => {
      await ctx.accounts.resetPassword(request.body.token, request.body.password)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/v1/auth/password',
    {
      schema: {
        tags,
        summary:
          'Change the password (needs the current one and x-csrf-token); ends every other session and renews this one',
        body: changePasswordBodySchema,
        response: { 200: userResponseSchema, ...errorResponses },
      },
      preHandler: [ctx.requireAuth, ctx.limits.auth],
    },
    async (request, reply) => {
      const auth = request.auth
      if (!auth) throw new AppError('UNAUTHENTICATED', 'sign in first')
      const session = await ctx.accounts.changePassword(auth.userId, request.body)
      ctx.cookies.set(reply, session)
      return { user: session.user }
    },
  )
}
