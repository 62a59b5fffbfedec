import { awsEnv, envInt, envPort, envUrl, loadConfig, runtimeEnv, s3Env, telemetryEnv } from '@lfusys/config'
import { z } from 'zod'

export const uploadsConfigSchema = z.object({
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
    'Chunk requests handled at once per process; beyond it requests get 503 with Retry-After. Bodies stream through, so each holds only stream buffers.',
  ),
  UPLOADS_SMALL_CHUNK_BYTES: envInt(1024 * 1024, 0, 5 * 1024 * 1024 * 1024).describe(
    'Chunks declaring at most this many bytes may also use the small-chunk lane, so small uploads are admitted while large chunks hold every ordinary slot.',
  ),
  UPLOADS_SMALL_CHUNK_SLOTS: envInt(8, 0, 10_000).describe(
    'Slots beyond UPLOADS_MAX_CONCURRENT_CHUNKS that only small chunks (UPLOADS_SMALL_CHUNK_BYTES) may take.',
  ),
  UPLOADS_MAX_CHUNKS_PER_USER: envInt(8, 1, 10_000).describe(
    'Chunk requests one user may have in progress at once when the upload token carries no cap of its own (sessions UPLOAD_MAX_CHUNKS_IN_FLIGHT); beyond it requests get 429 with Retry-After.',
  ),
  UPLOADS_MIN_TRANSFER_BYTES_PER_SECOND: envInt(32 * 1024, 0, 1_000_000_000).describe(
    'Minimum rate of a chunk body after the grace: a body bringing less over the window is cut with 408 and nothing is stored. 0 turns the check off.',
  ),
  UPLOADS_MIN_TRANSFER_GRACE_MS: envInt(10_000, 0, 600_000).describe(
    'Time a chunk body may take before the minimum transfer rate applies.',
  ),
  UPLOADS_MIN_TRANSFER_WINDOW_MS: envInt(10_000, 100, 600_000).describe(
    'Sliding window over which the minimum transfer rate is measured.',
  ),
  UPLOADS_RETRY_AFTER_SECONDS: envInt(1, 1, 3600).describe('Retry-After sent with 503 answers.'),
  UPLOADS_REQUEST_TIMEOUT_MS: envInt(120_000, 1000, 3_600_000).describe(
    'A chunk request must be fully received within this time, so slow clients cannot hold capacity.',
  ),
})

export type UploadsConfig = z.infer<typeof uploadsConfigSchema>

export function loadUploadsConfig(env: Record<string, string | undefined>): UploadsConfig {
  return loadConfig(uploadsConfigSchema, env, {
    secrets: { UPLOAD_TOKEN_KEYS: 'keyRing', AWS_SECRET_ACCESS_KEY: 'credential' },
  })
}
