import { z } from 'zod'

/**
 * The accounts part of the gateway's public HTTP contract (`/api/v1/auth/...`), as zod schemas with
 * their TypeScript types inferred: the gateway validates and documents from them, the web app and
 * the CLI parse answers with them.
 */

/** Password length policy, shared by the gateway (enforced) and the clients (told before sending). */
export const PASSWORD_MIN_LENGTH = 10
/** Checked before hashing, so nobody can make the server hash megabytes per request. */
export const PASSWORD_MAX_LENGTH = 256

/**
 * What is parsed at all as a password. The length policy (PASSWORD_MIN_LENGTH-PASSWORD_MAX_LENGTH)
 * is checked by the account service before any hashing, with its own error detail.
 */
const password = z.string().max(1024, 'password is too long')

/** An email address as typed at sign-in (normalised by the server, never echoed). */
const typedEmail = z.string().max(254)

/** A new account's address: trimmed and checked as an address. */
const newEmail = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be a valid email address' }))

/** Email link tokens are 32 random bytes in base64url; anything longer is refused before any lookup. */
const linkToken = z.string().max(200)

export const OAUTH_PROVIDERS = ['github', 'google'] as const
export const oauthProviderSchema = z.enum(OAUTH_PROVIDERS)
export type OAuthProvider = z.infer<typeof oauthProviderSchema>

export const USER_ROLES = ['user', 'admin'] as const
export const userRoleSchema = z.enum(USER_ROLES)
export type UserRole = z.infer<typeof userRoleSchema>

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: userRoleSchema,
  emailVerified: z.boolean(),
})
export type AccountUser = z.infer<typeof userSchema>

/** Every answer that signs in or renews a session: register, login, refresh, me, password change. */
export const userResponseSchema = z.object({ user: userSchema })
export type UserResponse = z.infer<typeof userResponseSchema>

/** `POST /api/v1/auth/register` body. */
export const registerBodySchema = z.object({
  email: newEmail,
  password,
  name: z.string().trim().max(100).optional(),
})
export type RegisterBody = z.infer<typeof registerBodySchema>

/** `POST /api/v1/auth/login` body. */
export const loginBodySchema = z.object({
  email: typedEmail,
  password: z.string().max(1024),
})
export type LoginBody = z.infer<typeof loginBodySchema>

/** `POST /api/v1/auth/verify-email` body. */
export const linkTokenBodySchema = z.object({ token: linkToken })
export type LinkTokenBody = z.infer<typeof linkTokenBodySchema>

/** `POST /api/v1/auth/verify-email` answer: the address now verified. */
export const verifiedEmailResponseSchema = z.object({ email: z.string() })
export type VerifiedEmailResponse = z.infer<typeof verifiedEmailResponseSchema>

/** `POST /api/v1/auth/verify-email/resend` answer. */
export const resendVerificationResponseSchema = z.object({ status: z.enum(['sent', 'already_verified']) })
export type ResendVerificationResponse = z.infer<typeof resendVerificationResponseSchema>

/** `POST /api/v1/auth/password/forgot` body. */
export const forgotPasswordBodySchema = z.object({ email: typedEmail })
export type ForgotPasswordBody = z.infer<typeof forgotPasswordBodySchema>

/** `POST /api/v1/auth/password/forgot` answer, the same whether or not the address has an account. */
export const acceptedResponseSchema = z.object({ status: z.literal('accepted') })
export type AcceptedResponse = z.infer<typeof acceptedResponseSchema>

/** `POST /api/v1/auth/password/reset` body. */
export const resetPasswordBodySchema = z.object({ token: linkToken, password })
export type ResetPasswordBody = z.infer<typeof resetPasswordBodySchema>

/** `POST /api/v1/auth/password` body. */
export const changePasswordBodySchema = z.object({
  currentPassword: z.string().max(1024),
  newPassword: password,
})
export type ChangePasswordBody = z.infer<typeof changePasswordBodySchema>

/** `GET /api/v1/auth/providers` answer: the OAuth providers this deployment has configured. */
export const providersResponseSchema = z.object({ providers: z.array(oauthProviderSchema) })
export type ProvidersResponse = z.infer<typeof providersResponseSchema>

/** `/api/v1/auth/oauth/:provider/...` path parameters. */
export const providerParamsSchema = z.object({ provider: oauthProviderSchema })

/** `GET /api/v1/auth/oauth/:provider/callback` query, as the provider sends it. */
export const oauthCallbackQuerySchema = z.object({
  code: z.string().max(2048).optional(),
  state: z.string().max(512).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
})
