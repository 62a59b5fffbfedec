import { z } from 'zod'

/** The one error body of every HTTP answer that is not a success, whatever its status. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .describe('Every error, whatever the status.')
export type ErrorBodyJson = z.infer<typeof errorBodySchema>
