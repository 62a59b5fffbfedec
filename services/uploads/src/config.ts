import { awsEnv, envInt, envPort, envUrl, loadConfig, runtimeEnv, s3Env, telemetryEnv } from '@lfusys/config'
import { MiB } from '@lfusys/contracts'
import { z } from 'zod'

export const uploadsConfigSchema = z
  .object({
    ...runtimeEnv,
    ...telemetryEnv,
    ...awsEnv,
    ...s3Env,
    UPLOADS_HOST: z.string().min(1).default('127.0.0.1').describe('Address the uploads service listens on.'),
    UPLOADS_PORT: envPort(3101).describe('Port the uploads service listens on.'),
    UPLOAD_TOKEN_KEYS: z
      .string()
      .min(1)
      .describe('Upload token keys kid:secret[,kid:secret]; the uploads service verifies with every one.'),
    WEB_ORIGIN: envUrl.describe('The web app origin allowed by CORS to PUT chunks.'),
    UPLOADS_MAX_CONCURRENT_CHUNKS: envInt(16, 1, 10_000).describe(
      'Chunk requests handled at once per process; beyond it requests get 503 with Retry-After.',
    ),
    UPLOADS_MAX_INFLIGHT_BYTES: envInt(32 * MiB, MiB, 64 * 1024 * MiB).describe(
      'Bytes of chunk bodies held in memory at once per process; beyond it a chunk spills to disk (memory-then-disk) or gets 503 (memory).',
    ),
    UPLOADS_MAX_BUFFERED_CHUNK_BYTES: envInt(16 * MiB, 0, 5 * 1024 * MiB).describe(
      'Chunks up to this length are held (see UPLOADS_RECEIVE_MODE), verified and stored with one PutObject; longer ones stream to a staging key and are copied under the chunk prefix once verified. 0 streams every chunk.',
    ),
    UPLOADS_RECEIVE_MODE: z
      .enum(['memory', 'disk', 'memory-then-disk'])
      .default('memory-then-disk')
      .describe(
        'Where chunks up to UPLOADS_MAX_BUFFERED_CHUNK_BYTES are held while their digest is checked: memory (pooled buffers, least CPU), disk (files in UPLOADS_SPOOL_DIR, least RSS, more CPU) or memory-then-disk (memory while UPLOADS_MAX_INFLIGHT_BYTES allows, then disk).',
      ),
    UPLOADS_SPOOL_DIR: z
      .string()
      .regex(/^\//, 'must be an absolute path')
      .default('/tmp/lfusys-uploads')
      .describe('Folder for chunks held on disk (modes disk and memory-then-disk); emptied at start.'),
    UPLOADS_STAGING_PREFIX: z
      .string()
      .regex(/^[a-z0-9-]+\/$/, 'must be a lowercase prefix ending in /')
      .default('staging/')
      .describe(
        'Key prefix of streamed chunks awaiting digest verification; must lie outside S3_CHUNK_PREFIX (no events). Give it a short S3 lifecycle expiry.',
      ),
    UPLOADS_RETRY_AFTER_SECONDS: envInt(1, 1, 3600).describe('Retry-After sent with 503 answers.'),
    UPLOADS_REQUEST_TIMEOUT_MS: envInt(120_000, 1000, 3_600_000).describe(
      'A chunk request must be fully received within this time, so slow clients cannot hold capacity.',
    ),
  })
  .refine((c) => !c.UPLOADS_STAGING_PREFIX.startsWith(c.S3_CHUNK_PREFIX), {
    path: ['UPLOADS_STAGING_PREFIX'],
    message: 'must not lie under S3_CHUNK_PREFIX: unverified bytes there would be counted as chunks',
  })
  .refine((c) => c.UPLOADS_MAX_BUFFERED_CHUNK_BYTES <= c.UPLOADS_MAX_INFLIGHT_BYTES, {
    path: ['UPLOADS_MAX_BUFFERED_CHUNK_BYTES'],
    message: 'must not exceed UPLOADS_MAX_INFLIGHT_BYTES',
  })

export type UploadsConfig = z.infer<typeof uploadsConfigSchema>

export function loadUploadsConfig(env: Record<string, string | undefined>): UploadsConfig {
  return loadConfig(uploadsConfigSchema, env, {
    secrets: { UPLOAD_TOKEN_KEYS: 'keyRing', AWS_SECRET_ACCESS_KEY: 'credential' },
  })
}
