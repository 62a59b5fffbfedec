import { z } from 'zod'

/**
 * The gateway's health answers (`/health/live`, `/health/ready`), read by load balancers, the dev
 * stack and the benchmarks.
 */

export const livenessSchema = z.object({ status: z.literal('ok') })
export type Liveness = z.infer<typeof livenessSchema>

export const DEPENDENCY_STATES = ['up', 'down', 'unknown'] as const
export const dependencyStateSchema = z.enum(DEPENDENCY_STATES)
export type DependencyState = z.infer<typeof dependencyStateSchema>

export const dependencyCheckSchema = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  required: z.boolean(),
  error: z.string().optional(),
  /** The dependency's own dependencies (the sessions service reports DynamoDB, S3 and SQS). */
  dependencies: z.record(z.string(), dependencyStateSchema).optional(),
})
export type DependencyCheck = z.infer<typeof dependencyCheckSchema>

export const readinessSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  checks: z.object({
    dynamodb: dependencyCheckSchema,
    redis: dependencyCheckSchema,
    sessions: dependencyCheckSchema,
  }),
})
export type Readiness = z.infer<typeof readinessSchema>
