import { z } from 'zod'

/** Password length policy, shared by the gateway (enforced) and the clients (told before sending). */
export const PASSWORD_MIN_LENGTH = 10
/** Checked before hashing, so nobody can make the server hash megabytes per request. */
export const PASSWORD_MAX_LENGTH = 256

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
