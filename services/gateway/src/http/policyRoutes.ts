import { createHash } from 'node:crypto'
import { MAX_CHUNKS, type UploadPolicy, uploadPolicySchema } from '@lfusys/contracts'
import { z } from 'zod'
import type { GatewayConfig } from '../config.ts'
import type { App } from './context.ts'
import { errorResponses } from './schemas.ts'

/** Long enough to spare a request per upload, short enough that a changed policy arrives soon. */
export const POLICY_MAX_AGE_SECONDS = 300

/**
 * The policy the sessions service applies: the same variables (read through the one declaration
 * in @lfusys/config) and the same `MAX_CHUNKS`, so `planChunks(size, policy.chunkPlan)` on a
 * client equals the plan sessions returns at creation.
 */
export function uploadPolicyOf(
  config: Pick<GatewayConfig, 'CHUNK_SIZE_BYTES' | 'MAX_FILE_SIZE_BYTES' | 'USER_QUOTA_BYTES'>,
): UploadPolicy {
  return {
    chunkPlan: { baseChunkSize: config.CHUNK_SIZE_BYTES, maxChunks: MAX_CHUNKS },
    maxFileSize: config.MAX_FILE_SIZE_BYTES,
    // 0 disables the check in sessions, as `GET /me/usage` reports no quota as null.
    quotaBytes: config.USER_QUOTA_BYTES > 0 ? config.USER_QUOTA_BYTES : null,
  }
}

/** Whether an If-None-Match header names this entity tag (weak comparison, RFC 9110 13.1.2). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  if (ifNoneMatch.trim() === '*') return true
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

/**
 * Public: the policy is the same for every caller and says nothing an upload attempt would not,
 * so clients (and shared caches) may fetch it before signing in and keep it for a while.
 */
export function policyRoutes(app: App, config: GatewayConfig) {
  const policy = uploadPolicyOf(config)
  const etag = `"${createHash('sha256').update(JSON.stringify(policy)).digest('base64url').slice(0, 27)}"`
  app.get(
    '/api/v1/uploads/policy',
    {
      schema: {
        tags: ['uploads'],
        summary: 'The upload policy: the chunk-size rule, the largest file, the per-user quota',
        description:
          'Public and cacheable (`cache-control: public, max-age=300`, an `ETag`; `If-None-Match` answers 304). ' +
          'Plan with `planChunks(fileSize, chunkPlan)` from @lfusys/contracts, hash the chunks, then create the upload: ' +
          'its `chunkSize` and `chunkCount` are the same.',
        response: {
          200: uploadPolicySchema,
          304: z.null().describe('Not modified: the If-None-Match tag is current (no body).'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', `public, max-age=${POLICY_MAX_AGE_SECONDS}`)
      reply.header('etag', etag)
      if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send(null)
      return policy
    },
  )
}
