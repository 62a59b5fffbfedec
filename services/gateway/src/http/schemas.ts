import { createdUploadSchema, duplicateUploadSchema, idempotencyKeySchema, idSchema } from '@lfusys/contracts'
import { z } from 'zod'

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .describe('Every error, whatever the status.')

export const errorResponses = { '4xx': errorBodySchema, '5xx': errorBodySchema }

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(['user', 'admin']),
  emailVerified: z.boolean(),
})

export const userResponseSchema = z.object({ user: userSchema })

/** Email link tokens are 32 random bytes in base64url; anything else is refused before any lookup. */
const linkToken = z.string().max(200)

export const linkTokenBodySchema = z.object({ token: linkToken })

export const forgotPasswordBodySchema = z.object({ email: z.string().max(254) })

export const resetPasswordBodySchema = z.object({
  token: linkToken,
  // Length policy is checked by the account service (10-256).
  password: z.string().max(1024, 'password is too long'),
})

export const changePasswordBodySchema = z.object({
  currentPassword: z.string().max(1024),
  newPassword: z.string().max(1024, 'password is too long'),
})

export const acceptedResponseSchema = z.object({ status: z.literal('accepted') })

export const providersResponseSchema = z.object({
  providers: z.array(z.enum(['github', 'google'])),
})

const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be a valid email address' }))

export const registerBodySchema = z.object({
  email,
  // Length policy is checked (10-256) by the account service, before any hashing; the schema only
  // caps what is parsed at all.
  password: z.string().max(1024, 'password is too long'),
  name: z.string().trim().max(100).optional(),
})

export const loginBodySchema = z.object({
  email: z.string().max(254),
  password: z.string().max(1024),
})

export const idParamsSchema = z.object({ id: idSchema })

export const providerParamsSchema = z.object({ provider: z.enum(['github', 'google']) })

export const createUploadHeadersSchema = z.object({
  'idempotency-key': idempotencyKeySchema
    .optional()
    .describe(
      'A fresh UUID per file, sent again on every retry of this creation: a retry answers the same upload.',
    ),
})

export const createUploadResponses = {
  200: duplicateUploadSchema,
  201: createdUploadSchema,
  ...errorResponses,
}

export const listFilesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(2048).optional(),
  all: z.enum(['true', 'false']).default('false'),
})

export const oauthCallbackQuerySchema = z.object({
  code: z.string().max(2048).optional(),
  state: z.string().max(512).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
})

const dependencyCheck = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  required: z.boolean(),
  error: z.string().optional(),
  /** The dependency's own dependencies (the sessions service reports DynamoDB, S3 and SQS). */
  dependencies: z.record(z.string(), z.enum(['up', 'down', 'unknown'])).optional(),
})

export const readinessSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  checks: z.object({ dynamodb: dependencyCheck, redis: dependencyCheck, sessions: dependencyCheck }),
})
